#!/usr/bin/env python
"""A scaling study at the size of a laptop: GPTs of five sizes trained on the embedded corpus (the Python docs) with a
BPE tokenizer, each for the same wall time; validation loss against training compute, and the compute-optimal model
size for each budget (Hoffmann et al. 2022, approach 1: the envelope of the training curves).

Each size trains with `pretrain` (llmnb's recipe: AdamW, warm-up and cosine decay over its steps), its steps set so that
it runs for about `--seconds` (from a 10-step probe), evaluating `--evals` times on the same 40 validation batches.
Compute is C = training FLOPs per token (`estimate`: 6N + 12·L·d·T) × tokens. The envelope: for budgets C that every
size's curve covers, each size's loss at C read off its curve (log-linear between evaluations), and the best size
(Hoffmann et al.'s approach 1). The fit: their approach 3, L(N, D) = E + A/N^alpha + B/D^beta on every evaluation of
every size, whose compute-optimal size is N_opt = G (C/6)^(beta/(alpha+beta)); `estimate.advise` uses it. (With the
same wall time for every size, small models' curves end at lower budgets: past the common range an envelope would pick
a larger model only because the smaller ones' curves stopped, so approach 1 is kept to the range they share.)
The last line is JSON:

    {"sizes": [{"n_layer", "n_embd", "n_head", "params", "flops_per_token", "curve": [[tokens, flops, loss], ...]}],
     "envelope": [[C, best_size_index, loss]], "fit": {"A", "B", "E", "alpha", "beta", "a", "b"}, "vocab_size", ...}

with log10 N_opt = a·log10 C + b. `--save` also writes the fit into llmnb/train/efficiency.json ('scaling');
`--refit` fits the curves of the last recorded run again, without training.

    python bench/scaling_study.py [--seconds 120] [--evals 12] [--save] [--refit]
"""
import argparse, json, math, tempfile, time
from pathlib import Path
from record import record

SIZES = [(2, 32, 2), (2, 64, 2), (3, 96, 3), (4, 128, 4), (4, 192, 4)]   # n_layer, n_embd, n_head

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seconds', type=float, default=120); p.add_argument('--evals', type=int, default=12)
    p.add_argument('--vocab-size', type=int, default=2048); p.add_argument('--block-size', type=int, default=128); p.add_argument('--bs', type=int, default=16)
    p.add_argument('--save', action='store_true')
    p.add_argument('--refit', action='store_true', help='fit again the curves of the last recorded run (no training)')
    a = p.parse_args()
    if a.refit:
        last = json.loads((Path(__file__).parent/'results'/'scaling_study.jsonl').read_text().strip().splitlines()[-1])
        for k in ('vocab_size', 'block_size', 'seconds'): setattr(a, k, last['result'][k])
        a.bs = last['result']['batch']
        return finish(a, last['result']['sizes'], note=f"the fit of the runs recorded {last['when']}")
    from llmnb.apps.pretrain import pretrain
    from llmnb.models.gpt import GPTConfig
    from llmnb.train.estimate import estimate
    sizes = []
    with tempfile.TemporaryDirectory() as d:
        for i, (L, w, h) in enumerate(SIZES):
            kw = dict(tokenizer='bpe', vocab_size=a.vocab_size, n_layer=L, n_embd=w, n_head=h, block_size=a.block_size, bs=a.bs, lr=2e-3, min_lr=2e-4,
                      samples=0, show=False, overwrite=True)
            t = time.perf_counter()
            probe = pretrain(max_iters=10, eval_interval=10, eval_iters=1, warmup_iters=2, out=Path(d)/f'probe{i}', **kw)
            step_s = probe['learn'].throughput.history[-1]['median_step_s']
            iters = max(50, int(a.seconds / step_s) // a.evals * a.evals)
            r = pretrain(max_iters=iters, eval_interval=iters // a.evals, eval_iters=40, warmup_iters=min(100, iters // 10), out=Path(d)/f's{i}', **kw)
            V = len(r['tok'])
            fpt = estimate(GPTConfig(vocab_size=V, block_size=a.block_size, n_layer=L, n_embd=w, n_head=h), batch=a.bs).flops_per_token
            names = list(r['learn'].recorder.metric_names[1:])
            losses = [v[names.index('valid_loss')] for v in r['learn'].recorder.values]
            curve = [[(k + 1) * (iters // a.evals) * a.bs * a.block_size, None, float(l)] for k, l in enumerate(losses)]
            for c in curve: c[1] = c[0] * fpt
            sizes.append(dict(n_layer=L, n_embd=w, n_head=h, params=r['n_params'], flops_per_token=fpt, steps=iters, seconds=time.perf_counter() - t, curve=curve))
            print(json.dumps(sizes[-1]), flush=True)
    finish(a, sizes)

def envelope(sizes)->list:
    "[C, index of the best size, its loss] on a grid of budgets that every size's curve covers (outside it, a missing curve would pick the best)."
    import numpy as np
    lo, hi = max(s['curve'][0][1] for s in sizes), min(s['curve'][-1][1] for s in sizes)
    env = []
    for C in np.logspace(math.log10(lo), math.log10(hi), 12):
        at = [(float(np.interp(math.log10(C), [math.log10(c[1]) for c in s['curve']], [c[2] for c in s['curve']])), j) for j, s in enumerate(sizes)]
        l, j = min(at); env.append([float(C), j, l])
    return env

def fit_loss(sizes)->dict:
    "Hoffmann et al.'s approach 3: L(N, D) = E + A/N^alpha + B/D^beta, fitted (Huber loss on log L, L-BFGS from a grid of starts) to every evaluation of every size."
    import numpy as np
    from scipy.optimize import minimize
    N, D, L = (np.array(v, dtype=float) for v in zip(*[(s['params'], c[0], c[2]) for s in sizes for c in s['curve']]))
    def obj(p):
        a, b, e, al, be = p
        r = np.logaddexp.reduce([a - al * np.log(N), b - be * np.log(D), np.full_like(N, e)], axis=0) - np.log(L)
        return np.where(abs(r) < 1e-3, 0.5 * r**2, 1e-3 * (abs(r) - 5e-4)).sum()
    starts = [(a, b, e, al, be) for a in (0, 5, 10) for b in (0, 5, 10) for e in (-1, 0.5, 1) for al in (0.2, 0.5, 1) for be in (0.2, 0.5, 1)]
    best = min((minimize(obj, x0, method='L-BFGS-B', bounds=[(-5, 30), (-5, 30), (-3, 2), (0.01, 2), (0.01, 2)]) for x0 in starts), key=lambda r: r.fun)
    a, b, e, al, be = (float(v) for v in best.x)
    G = (al * math.exp(a) / (be * math.exp(b))) ** (1 / (al + be))   # N_opt = G (C/6)^(beta/(alpha+beta))
    k = be / (al + be)
    return dict(A=math.exp(a), B=math.exp(b), E=math.exp(e), alpha=al, beta=be, a=k, b=math.log10(G) - k * math.log10(6))

def finish(a, sizes, note=None):
    "The envelope, the fit, the record (and with --save, the fit in efficiency.json)."
    from llmnb.train.estimate import COSTS, load_costs
    env, fit = envelope(sizes), fit_loss(sizes)
    res = dict(sizes=sizes, envelope=env, fit=fit, vocab_size=a.vocab_size, block_size=a.block_size, batch=a.bs, seconds=a.seconds, **({'note': note} if note else {}))
    if a.save:
        costs = load_costs(); costs['scaling'] = dict(a=fit['a'], b=fit['b'], corpus='pydocs (embedded)', tokenizer=f'bpe {a.vocab_size}',
                                                      sizes=[[s['n_layer'], s['n_embd'], s['n_head']] for s in sizes], when=time.strftime('%Y-%m-%d'))
        COSTS.write_text(json.dumps(costs, indent=1) + '\n')
    record(res)

if __name__ == '__main__': main()
