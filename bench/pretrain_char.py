#!/usr/bin/env python
"""Benchmark: character-level tinyshakespeare with nanoGPT's CPU recipe: llmnb (fastai Learner) vs HF `Trainer` vs nanoGPT's loop.

Same model (llmnb's GPT, which has nanoGPT's architecture: 4 layers, 4 heads, 128 wide, block 64, no bias, exact
GELU, tied embeddings, dropout 0), same data (first 90% of the characters for training, last 10% for validation),
same optimizer settings (AdamW, lr 1e-3 with 100 warm-up steps and cosine decay to 1e-4 at 2000 steps, beta2 0.99,
weight decay 0.1 on matrices, clip 1.0, batch 12 random windows of 64):

- `llmnb`: `lm_learner` + `fit`, the recipe's schedule as a callback (`StepSchedule`);
- `trainer`: HF `Trainer`, `cosine_with_min_lr`, on the packed blocks;
- `nanogpt`: nanoGPT's `train.py` loop, as its CPU recipe runs it (fp32, not compiled; see `run_nanogpt`);
- `nanogpt_best`: the same loop as an expert runs it on this CPU: `torch.compile` of the model (nanoGPT's own `--compile=True`,
  its default everywhere but the CPU recipe) and bf16 autocast around the forward pass (nanoGPT's `ctx`, which `train.py`
  leaves as a `nullcontext` on a CPU only because CPUs without bf16 units gain nothing from it; this one has them).

`--compile` and `--bf16` apply to llmnb and the Trainer (`Trainer(torch_compile=True, bf16=True)`), so that their ratio
compares like with like; `nanogpt` always runs its published CPU recipe (fp32, eager), `nanogpt_best` always compiles in bf16.
`time_ratio_best` is llmnb's step time ÷ `nanogpt_best`'s, and `quality_delta_best` its validation loss minus llmnb's
(positive: llmnb's is lower).

A machine's speed drifts (on the 2-core machine, by up to 30% within minutes), and trainings run one after the other
meet different machines. So they take turns (`--interleave 20`, the default): each trains in a process of its own,
and every 20 steps one hands over to the next and waits for its turn to come back, so that only one computes at a
time and all meet the same machine, minute by minute. A turn's first step is timed from when the turn came.
`--interleave 0`: one after the other, in one process.

`ms_per_iter` is the median time of one training step (data loading included, warm-up and compilation excluded), as
nanoGPT reports it; tokens/s = 12·64 / that time. `val_loss` is the mean cross-entropy over the whole validation split
(every run is evaluated the same way); `val_loss_20_batches` estimates llmnb's the way nanoGPT's `estimate_loss` does in
this recipe (20 batches of 12 random windows), which is what nanoGPT's published 1.886 is. The last line is JSON:

    {"val_loss", "ms_per_iter", "tokens_per_s", "mfu", "val_loss_20_batches",
     "peer": "hf-trainer", "peer_tokens_per_s", "peer_ms_per_iter", "peer_val_loss", "ratio",
     "nanogpt_tokens_per_s", "nanogpt_ms_per_iter", "nanogpt_val_loss", "ratio_vs_nanogpt", "nanogpt_ref_tokens_per_s", "ratio_vs_nanogpt_ref",
     "nanogpt_best_tokens_per_s", "nanogpt_best_ms_per_iter", "nanogpt_best_val_loss", "ratio_vs_nanogpt_best", "time_ratio_best", "quality_delta_best"}

`ratio` = llmnb tokens/s ÷ Trainer's; `ratio_vs_nanogpt` = ÷ nanoGPT's loop, this run; taking turns, the same ratio turn by
turn (the medians of neighbouring turns) gives `ratio_turns_quartiles` and `ratio_vs_nanogpt_turns_quartiles`, the 25th, 50th
and 75th percentiles over the run's turns, which say how far the machine's noise moves the ratio; `ratio_vs_nanogpt_ref` = ÷ the
22.0 k tokens/s (34.9 ms/iter) nanoGPT itself measured with this recipe on the 2-core machine this was written on.

    python bench/pretrain_char.py [--data data/tinyshakespeare/input.txt] [--max-iters 2000] [--compile] [--bf16]
                                  [--peers trainer,nanogpt,nanogpt_best] [--interleave 20] [--lr 1e-3] [--one-cycle] [--seed 1337] [--lr-find]
"""
import argparse, json, statistics, sys, time, tempfile
import multiprocessing as mp
from pathlib import Path
import torch
from record import record
from transformers import TrainerCallback

NANOGPT_TOK_S = 22.0e3   # nanoGPT, same recipe, measured on the 2-core machine (34.9 ms/iter median); see the docstring

class Baton:
    "Trainings in separate processes that take turns every `k` steps, round robin: one computes at a time, all meet the same machine."
    def __init__(self, k:int, ctx, who):
        self.k, self.who = k, list(who)
        self.turn, self.done = ({w: ctx.Event() for w in who} for _ in range(2))
        self.turn[self.who[0]].set()
    def _next(self, w):
        "The next one still training after `w`, or None."
        i = self.who.index(w)
        return next((o for o in self.who[i + 1:] + self.who[:i] if not self.done[o].is_set()), None)
    def start(self, who): self.turn[who].wait()
    def step(self, who, i):
        "After step `i` of `who`: every `k` steps, hand over and wait for the turn to come back."
        if not self.k or (i + 1) % self.k or (o := self._next(who)) is None: return
        self.turn[who].clear(); self.turn[o].set(); self.turn[who].wait()
    def finish(self, who):
        self.done[who].set()
        if (o := self._next(who)) is not None: self.turn[o].set()

class StepTimes(TrainerCallback):
    "HF `Trainer` callback: the time between consecutive steps, data loading included (as llmnb's); with a `Baton`, hands over every `k` steps (the wait is not a step's time)."
    def __init__(self, baton=None): self.baton, self.t, self.steps = baton, None, []
    def on_step_end(self, args, state, control, **kw):
        now = time.perf_counter()
        if self.t is not None: self.steps.append(now - self.t)
        if self.baton: self.baton.step('trainer', state.global_step - 1)
        self.t = time.perf_counter()

class Blocks(torch.utils.data.Dataset):
    "Packed blocks of `T+1` ids as `Trainer` examples: the first `T` as `input_ids` and `labels` (the model shifts labels itself)."
    def __init__(self, ds): self.ids = torch.tensor(ds['input_ids'])[:, :-1]
    def __len__(self): return len(self.ids)
    def __getitem__(self, i): return dict(input_ids=self.ids[i], labels=self.ids[i])

def prepare(a):
    "The data split, the character tokenizer and the model config (each process makes its own, the same)."
    import datasets
    from datasets import Dataset, DatasetDict
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from llmnb.data.tokenizers import train_tokenizer
    text = Path(a.data).read_text()
    n = int(len(text) * 0.9)
    sp = DatasetDict(train=Dataset.from_dict({'text': [text[:n]]}), valid=Dataset.from_dict({'text': [text[n:]]}))
    tok = train_tokenizer(text[:n], 'char')
    cfg = dict(vocab_size=len(tok), block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False,
               activation_function='gelu_new' if a.tanh_gelu else 'gelu')   # nanoGPT: exact GELU
    return sp, tok, cfg

def train(who, a, baton=None):
    "Train with llmnb or a peer: its step times and losses."
    sp, tok, cfg = prepare(a)
    if baton: baton.start(who)
    try: return RUNS[who](a, sp, tok, cfg, 12, 64, a.max_iters, baton)
    finally:
        if baton: baton.finish(who)

def _process(who, a, baton, q):
    try: q.put((who, train(who, a, baton)))
    except BaseException as e: q.put((who, f'{type(e).__name__}: {e}')); raise

def run_llmnb(a, sp, tok, cfg, bs, T, iters, baton=None):
    "Train with llmnb's fastai Learner (nanoGPT-style random batches, one evaluation at the end): step times and losses."
    from llmnb.core import set_seed
    from llmnb.data.lm import lm_dataloaders, random_windows
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.train.learner import lm_learner
    from llmnb.apps.pretrain import StepSchedule
    set_seed(a.seed)
    dls = lm_dataloaders(sp, tok, block_size=T, bs=bs, train_batches=iters)
    model = GPT(GPTConfig(**cfg))
    from fastai.callback.core import Callback
    class Turns(Callback):   # hands over to the peer every `baton.k` steps
        order = 100
        def after_batch(self):
            if self.training and baton:
                baton.step('llmnb', self.train_iter - 1)
                self.throughput._last = time.perf_counter()   # the peer's turn is not this one's step time
    learn = lm_learner(dls, model, lr=a.lr, wd=0.1, betas=(0.9, 0.99), clip=1.0, compile=a.compile,
                       mixed_precision='bf16' if a.bf16 else None, cbs=[Turns()] + ([] if a.one_cycle else [StepSchedule(a.lr, a.lr / 10, 100, iters)]))
    if a.one_cycle: learn.fit_one_cycle(1, a.lr)   # fastai's schedule over the same steps: 25% warm-up, cosine to lr/1e5, momentum cycled
    else: learn.fit(1, a.lr)
    th = learn.throughput.history[-1]
    val_loss = float(dict(zip(learn.recorder.metric_names[1:], learn.recorder.values[-1]))['valid_loss'])
    # nanoGPT's estimator of the same quantity: the mean loss of 20 batches of 12 windows at random offsets (seeded)
    g = torch.Generator().manual_seed(a.seed)
    vds, dev = dls.valid.dataset, next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        est = []
        for _ in range(20):
            torch.manual_seed(int(torch.randint(1 << 30, (1,), generator=g)))
            w = random_windows(vds, torch.randint(len(vds), (bs,), generator=g).tolist()).to(dev)
            est.append(torch.nn.functional.cross_entropy(model(input_ids=w[:, :-1]).logits.flatten(0, 1), w[:, 1:].flatten()).item())
    return dict(step_s=th['median_step_s'], step_times=learn.throughput.steps, val_loss=val_loss, val_loss_20_batches=sum(est) / len(est),
                tokens_per_s_wall=th['tokens_per_s'], mfu_at_wall=th['mfu'])

def run_trainer(a, sp, tok, cfg, bs, T, iters, baton=None):
    "Train the same model class and config on the same blocks with HF `Trainer`: step times and validation loss."
    from transformers import Trainer, TrainingArguments
    from llmnb.core import set_seed
    from llmnb.data.lm import pack
    from llmnb.models.gpt import GPT, GPTConfig
    times = StepTimes(baton)
    train = pack(sp['train'], tok, T, shift=1)
    set_seed(a.seed)
    peer = GPT(GPTConfig(**cfg))
    args = TrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=bs, max_steps=iters,
                             learning_rate=a.lr, lr_scheduler_type='cosine_with_min_lr', lr_scheduler_kwargs=dict(min_lr=a.lr / 10),
                             warmup_steps=100, adam_beta2=0.99, weight_decay=0.1, max_grad_norm=1.0,
                             logging_steps=iters, save_strategy='no', report_to=[], use_cpu=not torch.cuda.is_available(),
                             dataloader_num_workers=0, seed=a.seed, disable_tqdm=True, bf16=a.bf16, torch_compile=a.compile)
    tr = Trainer(model=peer, args=args, train_dataset=Blocks(train), callbacks=[times])
    out = tr.train()
    return dict(step_s=statistics.median(times.steps), step_times=[None] + times.steps, val_loss=valid_loss(peer, sp, tok, T),
                tokens_per_s_wall=iters * bs * T / out.metrics['train_runtime'])

def run_nanogpt(a, sp, tok, cfg, bs, T, iters, baton=None, best:bool=False):
    """nanoGPT's training loop (`train.py`) as its CPU recipe runs it, on the same model (llmnb's GPT has nanoGPT's
    architecture): `get_batch` from a NumPy array of the training ids, loss over all 64 targets, backward, clipping,
    AdamW in nanoGPT's two groups (fused only on CUDA, as nanoGPT), the learning rate set each step, the loss read each
    step (`--log_interval=1`). fp32 and eager, as the recipe's `--compile=False`, whatever `--bf16`/`--compile` say;
    `best`: compiled (`torch.compile(model)`, as `train.py` does) with the forward pass in bf16 autocast (its `ctx`)."""
    from contextlib import nullcontext
    import numpy as np
    import torch.nn.functional as F
    from llmnb.core import set_seed
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.apps.pretrain import lr_at
    set_seed(a.seed)
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    data = np.array(tok(sp['train']['text'][0], add_special_tokens=False).input_ids, dtype=np.uint16)
    def get_batch():
        ix = torch.randint(len(data) - T, (bs,))
        x = torch.stack([torch.from_numpy(data[i:i + T].astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy(data[i + 1:i + 1 + T].astype(np.int64)) for i in ix])
        return x.to(dev), y.to(dev)
    model = GPT(GPTConfig(**cfg)).to(dev)
    ctx = torch.autocast(dev, dtype=torch.bfloat16) if best else nullcontext()
    fwd = torch.compile(model) if best else model   # train.py: `model = torch.compile(model)`
    ps = [p for p in model.parameters() if p.requires_grad]
    groups = [dict(params=[p for p in ps if p.dim() >= 2], weight_decay=0.1), dict(params=[p for p in ps if p.dim() < 2], weight_decay=0.0)]
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.99), **(dict(fused=True) if dev == 'cuda' else {}))
    steps, t = [], time.perf_counter()
    X, Y = get_batch()
    for it in range(iters):
        for g in opt.param_groups: g['lr'] = lr_at(it, a.lr, a.lr / 10, 100, iters)
        with ctx: loss = F.cross_entropy(fwd(input_ids=X).logits.view(-1, cfg['vocab_size']), Y.view(-1))
        X, Y = get_batch()   # the next batch, while (on a GPU) this one computes
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        loss.item()   # nanoGPT's log line
        now = time.perf_counter(); steps.append(now - t)
        if baton: baton.step('nanogpt_best' if best else 'nanogpt', it)
        t = time.perf_counter()
    return dict(step_s=statistics.median(steps[1:]), step_times=steps, val_loss=valid_loss(model, sp, tok, T))

@torch.no_grad()
def valid_loss(model, sp, tok, T)->float:
    "Mean cross-entropy over all 64 targets of every validation block of 65 ids, as llmnb's learner computes its `valid_loss`."
    from llmnb.data.lm import pack
    model.eval()
    v = torch.tensor(pack(sp['valid'], tok, T, shift=1)['input_ids']).long().to(next(model.parameters()).device)
    losses = [torch.nn.functional.cross_entropy(model(input_ids=b[:, :-1]).logits.flatten(0, 1), b[:, 1:].flatten(), reduction='sum')
              for b in v.split(64)]
    return (sum(losses) / (v.shape[0] * T)).item()

def lr_find(a):
    "fastai's learning-rate finder on llmnb's learner for this recipe: its four suggestions."
    from fastai.callback.schedule import valley, slide, minimum, steep
    from llmnb.core import set_seed
    from llmnb.data.lm import lm_dataloaders
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.train.learner import lm_learner, silence
    sp, tok, cfg = prepare(a)
    set_seed(a.seed)
    learn = silence(lm_learner(lm_dataloaders(sp, tok, block_size=64, bs=12, train_batches=a.max_iters), GPT(GPTConfig(**cfg)),
                               wd=0.1, betas=(0.9, 0.99), clip=1.0, mixed_precision='bf16' if a.bf16 else None))
    s = learn.lr_find(suggest_funcs=(valley, slide, minimum, steep), show_plot=False)
    print(json.dumps(dict(seed=a.seed, **{k: float(v) for k, v in s._asdict().items()})))

def _show(r): return json.dumps({k: v for k, v in r.items() if k != 'step_times'})

def turn_ratios(a, b, k:int)->list:
    "`b`'s median step time ÷ `a`'s, turn by turn (steps `k*i` to `k*(i+1)`), from the second turn (the first compiles)."
    med = lambda ts, i: statistics.median(t for t in ts[k * i:k * (i + 1)] if t is not None)
    return [med(b, i) / med(a, i) for i in range(1, min(len(a), len(b)) // k)]

def quartiles(xs)->list: return [round(q, 3) for q in statistics.quantiles(xs, n=4)] if len(xs) > 1 else xs

RUNS = dict(llmnb=run_llmnb, trainer=run_trainer, nanogpt=run_nanogpt, nanogpt_best=lambda *a_, **k: run_nanogpt(*a_, **k, best=True))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[1]/'data'/'tinyshakespeare'/'input.txt'))
    p.add_argument('--max-iters', type=int, default=2000)
    p.add_argument('--compile', action='store_true', help="torch.compile the model (llmnb's and the Trainer's)")
    p.add_argument('--bf16', action='store_true', help='bf16 mixed precision (autocast; llmnb and the Trainer)')
    p.add_argument('--tanh-gelu', action='store_true', help="GPT-2's tanh GELU instead of nanoGPT's exact one")
    p.add_argument('--peers', default='trainer,nanogpt,nanogpt_best', help="who else trains: 'trainer', 'nanogpt', 'nanogpt_best' (commas) or 'none'")
    p.add_argument('--interleave', type=int, default=20, help='take turns every N steps (0: one after the other)')
    p.add_argument('--seed', type=int, default=1337)
    p.add_argument('--lr', type=float, default=1e-3, help="peak learning rate (all); the recipe's is 1e-3, decayed to lr/10")
    p.add_argument('--one-cycle', action='store_true', help="llmnb trains with fastai's fit_one_cycle instead of the recipe's schedule")
    p.add_argument('--lr-find', action='store_true', help="print fastai's lr_find suggestions for llmnb's learner, and stop")
    a = p.parse_args()
    if not Path(a.data).exists(): sys.exit(f'no tinyshakespeare at {a.data}: pass --data path/to/input.txt')
    if a.lr_find: return lr_find(a)
    who = ['llmnb'] + [w for w in a.peers.split(',') if w in RUNS and w != 'llmnb']
    runs, interleaved = {}, len(who) > 1 and a.interleave > 0
    if not interleaved:   # one after the other, in this process
        for w in who:
            runs[w] = train(w, a)
            print(w, _show(runs[w]), flush=True)
    else:   # a process each, taking turns every `--interleave` steps
        ctx = mp.get_context('spawn')
        baton, q = Baton(a.interleave, ctx, who), ctx.Queue()
        ps = [ctx.Process(target=_process, args=(w, a, baton, q)) for w in who]
        for p_ in ps: p_.start()
        for _ in who:
            w, r = q.get()
            if isinstance(r, str): sys.exit(f'{w} failed: {r}')
            runs[w] = r
            print(w, _show(r), flush=True)
        for p_ in ps: p_.join()

    bs, T, r = 12, 64, runs['llmnb']
    tok_s = bs * T / r['step_s']
    res = dict(val_loss=r['val_loss'], ms_per_iter=1000 * r['step_s'], tokens_per_s=tok_s, mfu=r['mfu_at_wall'] * tok_s / r['tokens_per_s_wall'],
               val_loss_20_batches=r['val_loss_20_batches'])
    if 'trainer' in runs:
        t = runs['trainer']
        res.update(peer='hf-trainer', peer_tokens_per_s=bs * T / t['step_s'], peer_ms_per_iter=1000 * t['step_s'],
                   peer_val_loss=t['val_loss'], ratio=t['step_s'] / r['step_s'])
        if interleaved: res.update(ratio_turns_quartiles=quartiles(turn_ratios(r['step_times'], t['step_times'], a.interleave)))
    if 'nanogpt' in runs:
        n = runs['nanogpt']
        res.update(nanogpt_tokens_per_s=bs * T / n['step_s'], nanogpt_ms_per_iter=1000 * n['step_s'], nanogpt_val_loss=n['val_loss'],
                   ratio_vs_nanogpt=n['step_s'] / r['step_s'])
        if interleaved: res.update(ratio_vs_nanogpt_turns_quartiles=quartiles(turn_ratios(r['step_times'], n['step_times'], a.interleave)))
    if 'nanogpt_best' in runs:
        n = runs['nanogpt_best']
        res.update(nanogpt_best_tokens_per_s=bs * T / n['step_s'], nanogpt_best_ms_per_iter=1000 * n['step_s'], nanogpt_best_val_loss=n['val_loss'],
                   ratio_vs_nanogpt_best=n['step_s'] / r['step_s'], time_ratio_best=r['step_s'] / n['step_s'], quality_delta_best=n['val_loss'] - r['val_loss'])
        if interleaved: res.update(ratio_vs_nanogpt_best_turns_quartiles=quartiles(turn_ratios(r['step_times'], n['step_times'], a.interleave)))
    res.update(nanogpt_ref_tokens_per_s=NANOGPT_TOK_S, ratio_vs_nanogpt_ref=tok_s / NANOGPT_TOK_S)
    record(res)

if __name__ == '__main__': main()
