#!/usr/bin/env python
"""Benchmark: wall time to a validation loss of 1.90 on character-level tinyshakespeare, llmnb's best recipe vs nanoGPT's CPU recipe.

The race (the nanoGPT speedrun's rules, at the scale of a laptop): the first 90% of tinyshakespeare's characters train,
the last 10% validate; the validation loss is the mean cross-entropy over every target of the whole validation split,
as `bench/pretrain_char.py` computes it; the model has at most nanoGPT's CPU recipe's parameters (804,096 with its
position table; nanoGPT prints 0.80 M). The clock runs from the start of the process (the interpreter, imports, data,
tokenizer, model, every evaluation) to the first validation pass, every 100 steps, that reads <= 1.90.

- llmnb: the command a user runs, `llmnb-pretrain` with the recipe below and `--target-loss 1.90 --eval-interval 100
  --eval-iters 0`; its time is the command's own `target_seconds` (from the process's start as the OS counts it).
  A second run of the same recipe over nanoGPT's token budget (2,000 steps x 12 x 64 = 1,536,000 tokens) gives the
  validation loss at that budget.
- nanoGPT: its `train.py` loop as the published CPU recipe runs it (`--device=cpu --compile=False --eval_iters=20
  --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000
  --lr_decay_iters=2000 --dropout=0.0`, from `config/train_shakespeare_char.py`: lr 1e-3 to 1e-4, 100 warm-up steps,
  AdamW beta2 0.99, weight decay 0.1, clip 1.0, bias off, evaluations every 250 steps), on a model of nanoGPT's
  architecture (llmnb's GPT with nanoGPT's settings; the `pretrain_char` bench shows the two identical in loss and
  speed). Its time is the process's wall time to the end of step 2,000 and its final evaluation, *minus* what nanoGPT
  would not spend: importing llmnb (nanoGPT's model.py imports nothing) and encoding the text (its prepare.py runs
  once, before). Its full-split validation loss is computed afterwards, off the clock.
- nanoGPT at its best (`nanogpt_best`): the same loop as its `train.py` runs everywhere but in the CPU recipe: the model
  compiled (`--compile=True`, its default) and the forward passes in bf16 autocast (its `ctx`, a `nullcontext` on a CPU
  only because most CPUs gain nothing from bf16; this one has bf16 units). Compilation is on its clock, as it is on a user's.

Seeds take turns (nanoGPT, llmnb's race, llmnb's budget run; then the next seed), each in a fresh process, so that
both meet the same machine. The last line is JSON:

    {"llmnb_s": [..], "nanogpt_s": [..], "ratio_median", "llmnb_val_at_2000": [..], "nanogpt_val": [..],
     "llmnb_steps": [..], "p_time", "p_val", "recipe", "llmnb_params", "nanogpt_params",
     "nanogpt_best_s": [..], "nanogpt_best_val": [..], "time_ratio_best", "quality_delta_best"}

`ratio_median` = median llmnb time / median nanoGPT time; `time_ratio_best` the same against `nanogpt_best`, and
`quality_delta_best` = `nanogpt_best`'s mean validation loss at its budget − llmnb's at the same budget (positive: llmnb's lower). `p_time`: one-sided Welch t-test that llmnb's mean time is
below half of nanoGPT's; `p_val`: one-sided t-test that llmnb's mean validation loss at the budget is below 1.80.

    python bench/time_to_loss.py [--seeds 1337,1338,1339] [--target 1.90] [--recipe "FLAGS"] [--skip budget,best]
"""
import time; _T0 = time.time()
import argparse, json, statistics, subprocess, sys, tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1]/'data'/'tinyshakespeare'/'input.txt'
SHAPE = '--n-layer 4 --n-head 4 --n-embd 128 --block-size 64 --no-bias --tokenizer char --sample-by document --valid-pct 0.1 --dropout 0'
RECIPE = ('--bs 24 --optimizer muon --lr 8e-3 --min-lr 8e-4 --warmup-iters 50 --max-iters 1000 --position-embedding rope --qk-norm '
          '--mixed-precision bf16')   # the levers that won in bench/race_levers.py (see the pretrain notebook)
BUDGET = 2000 * 12 * 64   # nanoGPT's tokens

def nanogpt(seed:int, iters:int=2000, best:bool=False)->dict:
    "nanoGPT's `train.py` with the CPU recipe, in this process: its wall time (corrected as the docstring says) and losses; `best`: compiled, bf16 autocast."
    import psutil, numpy as np, torch, math
    from contextlib import nullcontext
    import torch.nn.functional as F
    t = time.perf_counter(); from llmnb.models.gpt import GPT, GPTConfig; t_import = time.perf_counter() - t
    t = time.perf_counter()
    text = DATA.read_text(); chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.uint16); n = int(len(data) * 0.9); train, val = data[:n], data[n:]
    t_prep = time.perf_counter() - t
    torch.manual_seed(seed)
    B, T, lr, min_lr, warmup = 12, 64, 1e-3, 1e-4, 100
    def get_batch(d):
        ix = torch.randint(len(d) - T, (B,))
        x = torch.stack([torch.from_numpy(d[i:i + T].astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy(d[i + 1:i + 1 + T].astype(np.int64)) for i in ix])
        return x, y
    model = GPT(GPTConfig(vocab_size=len(chars), block_size=T, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False, activation_function='gelu'))
    ctx = torch.autocast('cpu', dtype=torch.bfloat16) if best else nullcontext()
    fwd = torch.compile(model) if best else model   # train.py: `model = torch.compile(model)`
    ps = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([dict(params=[p for p in ps if p.dim() >= 2], weight_decay=0.1), dict(params=[p for p in ps if p.dim() < 2], weight_decay=0.0)],
                            lr=lr, betas=(0.9, 0.99))
    def lr_at(it):
        if it < warmup: return lr * (it + 1) / (warmup + 1)
        if it > iters: return min_lr
        return min_lr + 0.5 * (1 + math.cos(math.pi * (it - warmup) / (iters - warmup))) * (lr - min_lr)
    @torch.no_grad()
    def estimate_loss():
        model.eval(); out = {}
        for k, d in (('train', train), ('val', val)):
            with ctx: out[k] = sum(F.cross_entropy(fwd(input_ids=x).logits.view(-1, len(chars)), y.view(-1)).item() for x, y in (get_batch(d) for _ in range(20))) / 20
        model.train(); return out
    X, Y, it, est = *get_batch(train), 0, None
    while True:
        for g in opt.param_groups: g['lr'] = lr_at(it)
        if it % 250 == 0: est = estimate_loss()
        with ctx: loss = F.cross_entropy(fwd(input_ids=X).logits.view(-1, len(chars)), Y.view(-1))
        X, Y = get_batch(train)
        loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
        loss.item(); it += 1
        if it > iters: break
    wall = time.time() - psutil.Process().create_time() - t_import - t_prep
    model.eval()
    v = torch.from_numpy(val.astype(np.int64)); v = v[:len(v) // (T + 1) * (T + 1)].view(-1, T + 1)
    with torch.no_grad(): full = sum(F.cross_entropy(model(input_ids=b[:, :-1]).logits.flatten(0, 1), b[:, 1:].flatten(), reduction='sum').item() for b in v.split(256)) / v[:, 1:].numel()
    return dict(seconds=wall, val_20_batches=est['val'], val=full, params=sum(p.numel() for p in model.parameters()), t_import=t_import, t_prep=t_prep)

def llmnb(flags:str, seed:int, out:Path)->dict:
    "`llmnb-pretrain` with `flags`, in a fresh process: the results it prints as its last line."
    exe = Path(sys.executable).parent/'llmnb-pretrain'
    p = subprocess.run([str(exe), '--data', str(DATA), *SHAPE.split(), *flags.split(), '--seed', str(seed), '--samples', '0', '--out', str(out), '--overwrite'],
                       capture_output=True, text=True)
    if p.returncode: sys.exit(f'llmnb-pretrain failed:\n{p.stderr[-3000:]}')
    return json.loads(p.stdout.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', default='1337,1338,1339'); p.add_argument('--target', type=float, default=1.90)
    p.add_argument('--recipe', default=RECIPE, help="llmnb-pretrain's flags of the recipe (the shape's are fixed: see SHAPE)")
    p.add_argument('--nanogpt', type=int, help=argparse.SUPPRESS)   # one nanoGPT run, in this process
    p.add_argument('--skip', default='', help="'budget' skips llmnb's runs at nanoGPT's budget, 'best' nanoGPT at its best (commas)")
    p.add_argument('--best', action='store_true', help=argparse.SUPPRESS)   # with --nanogpt: at its best
    a = p.parse_args()
    if a.nanogpt is not None: return print(json.dumps(nanogpt(a.nanogpt, best=a.best)))
    if not DATA.exists(): sys.exit(f'no tinyshakespeare at {DATA}')
    from record import record
    from scipy import stats
    seeds = [int(s) for s in a.seeds.split(',')]
    res = dict(llmnb_s=[], nanogpt_s=[], llmnb_steps=[], llmnb_val_at_2000=[], nanogpt_val=[], nanogpt_best_s=[], nanogpt_best_val=[])
    race = f'{a.recipe} --target-loss {a.target} --eval-interval 100 --eval-iters 0'
    bs = int(a.recipe.split('--bs')[1].split()[0])
    budget = f'{a.recipe} --eval-interval 100 --eval-iters 0'.replace(a.recipe.split('--max-iters')[1].split()[0], str(BUDGET // (bs * 64))) if '--max-iters' in a.recipe else a.recipe
    with tempfile.TemporaryDirectory() as d:
        for s in seeds:
            n = subprocess.run([sys.executable, __file__, '--nanogpt', str(s)], capture_output=True, text=True)
            if n.returncode: sys.exit(f'nanoGPT failed:\n{n.stderr[-3000:]}')
            n = json.loads(n.stdout.strip().splitlines()[-1]); print('nanogpt', s, json.dumps(n), flush=True)
            if 'best' not in a.skip:
                nb = subprocess.run([sys.executable, __file__, '--nanogpt', str(s), '--best'], capture_output=True, text=True)
                if nb.returncode: sys.exit(f'nanoGPT at its best failed:\n{nb.stderr[-3000:]}')
                nb = json.loads(nb.stdout.strip().splitlines()[-1]); print('nanogpt_best', s, json.dumps(nb), flush=True)
                res['nanogpt_best_s'].append(round(nb['seconds'], 2)); res['nanogpt_best_val'].append(round(nb['val'], 4))
            r = llmnb(race, s, Path(d)/f'race{s}'); print('llmnb race', s, json.dumps(r), flush=True)
            res['nanogpt_s'].append(round(n['seconds'], 2)); res['nanogpt_val'].append(round(n['val'], 4))
            res['llmnb_s'].append(round(r['target_seconds'], 2) if r.get('target_reached') else None); res['llmnb_steps'].append(r.get('target_step'))
            if 'budget' not in a.skip:
                b = llmnb(budget, s, Path(d)/f'budget{s}'); print('llmnb budget', s, json.dumps(b), flush=True)
                res['llmnb_val_at_2000'].append(round(b['valid_loss'], 4))
            res.update(llmnb_params=r['n_params'], nanogpt_params=n['params'])
    done = [t for t in res['llmnb_s'] if t is not None]
    res['ratio_median'] = statistics.median(done) / statistics.median(res['nanogpt_s']) if len(done) == len(seeds) else None
    if len(done) == len(seeds) > 1: res['p_time'] = float(stats.ttest_ind(done, [0.5 * t for t in res['nanogpt_s']], equal_var=False, alternative='less').pvalue)
    if res['nanogpt_best_s'] and len(done) == len(seeds):
        res['time_ratio_best'] = statistics.median(done) / statistics.median(res['nanogpt_best_s'])
        if res['llmnb_val_at_2000']: res['quality_delta_best'] = statistics.fmean(res['nanogpt_best_val']) - statistics.fmean(res['llmnb_val_at_2000'])
    if len(res['llmnb_val_at_2000']) > 1: res['p_val'] = float(stats.ttest_1samp(res['llmnb_val_at_2000'], 1.80, alternative='less').pvalue)
    res.update(recipe=f'{SHAPE} {a.recipe}', target=a.target, budget_flags=budget)
    record(res)

if __name__ == '__main__': main()
