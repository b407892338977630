#!/usr/bin/env python
"""Fit and validate the costs of `llmnb.train.estimate`: time and memory of training steps, predicted vs measured.

Each configuration trains in a process of its own (so that memory is its own): a GPT of the given shape on random
tokens, with llmnb's training loop (`lm_learner`: AdamW, clipping, the loop's callbacks), `--warmup` steps then
`--steps` timed ones, whose median is the step time. Memory is measured first, before anything has trained in the
process: the peak of its resident memory over the first two steps of a plain loop with the same model, optimizer and
loss, less the resident memory before the model was made (the libraries' and the data's).

`--fit`: measure the FIT configurations, fit the six time costs and the two activation coefficients (`fit_costs`,
`fit_activations`), write them into llmnb/train/efficiency.json under this device class; then measure the VALIDATE
configurations, which the fit never saw, and compare. Without `--fit`: validate against the costs that ship.
The last line is JSON: {"device", "rows": [{config, params, step_s, predicted_s, time_err, memory, predicted_memory,
memory_err}], "max_time_err", "max_memory_err", "fit_rows" (the measurements fitted, with --fit)}.

    python bench/estimate_fit.py [--fit] [--dtype float32|bfloat16] [--steps 8] [--warmup 3]
"""
import argparse, json, subprocess, sys, threading, time
from record import record, machine

#            n_layer, n_embd, n_head, vocab, seq_len, batch
FIT = [(2, 64, 2, 65, 64, 12), (4, 128, 4, 65, 64, 12), (4, 128, 4, 65, 64, 48), (2, 128, 4, 4096, 128, 16), (6, 192, 6, 512, 128, 16),
       (4, 256, 4, 4096, 128, 8), (8, 256, 8, 65, 256, 8), (6, 384, 6, 4096, 128, 8), (8, 512, 8, 4096, 128, 4), (4, 512, 8, 65, 256, 8),
       (3, 96, 3, 1000, 64, 32), (2, 320, 5, 4096, 64, 16)]
VALIDATE = [(2, 48, 2, 65, 64, 16), (4, 128, 4, 65, 64, 24), (3, 160, 4, 2048, 128, 16), (6, 256, 8, 4096, 64, 16), (6, 448, 7, 4096, 128, 8),
            (10, 512, 8, 8192, 128, 4)]

def one(c, dtype:str, warmup:int, steps:int)->dict:
    "Measure configuration `c` in this process: median step time with llmnb's loop, peak tensor memory of a plain loop."
    import psutil, torch, torch.nn.functional as F
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.train.learner import lm_learner, silence
    from llmnb.train.speed import AdamW2D
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    L, d, h, V, T, B = c
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=V, block_size=T, n_layer=L, n_head=h, n_embd=d, bias=False, activation_function='gelu')
    ids = torch.randint(V, (B * (warmup + steps + 2), T + 1))
    # memory first, in a process that has not trained yet: the resident memory's peak over two steps of a plain loop
    # (the libraries' memory, already resident, is the baseline; large tensors are mapped and unmapped whole)
    proc, peak, done = psutil.Process(), [0], threading.Event()
    def watch():   # the resident memory, sampled every 0.2 ms while the steps run
        while not done.is_set(): peak[0] = max(peak[0], proc.memory_info().rss); time.sleep(2e-4)
    rss0 = proc.memory_info().rss
    threading.Thread(target=watch, daemon=True).start()
    model = GPT(cfg)
    opt = AdamW2D(model.parameters(), lr=1e-3, fused=True)
    for i in range(2):
        x = ids[i * B:(i + 1) * B]
        with torch.autocast('cpu', torch.bfloat16, enabled=dtype == 'bfloat16'):
            loss = F.cross_entropy(model(input_ids=x[:, :-1]).logits.float().flatten(0, 1), x[:, 1:].flatten())
        loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
        del loss
    done.set(); time.sleep(0.01)
    memory = peak[0] - rss0
    params = sum(p.numel() for p in model.parameters())
    del model, opt
    ds = [(r[:-1], r[1:]) for r in ids]
    dls = DataLoaders(DataLoader(ds, bs=B, shuffle=True, drop_last=True), DataLoader(ds[:B], bs=B), device='cpu')
    learn = silence(lm_learner(dls, GPT(cfg), mixed_precision='bf16' if dtype == 'bfloat16' else None, metrics=[]))
    learn.fit(1, 1e-3)
    ts = learn.throughput.steps[warmup:]
    step_s = sorted(ts)[len(ts) // 2]
    return dict(config=dict(n_layer=L, n_embd=d, n_head=h, vocab_size=V, seq_len=T, batch=B), step_s=step_s, memory=memory, params=params)

def measure(c, a)->dict:
    "Measure `c` in a fresh process."
    p = subprocess.run([sys.executable, __file__, '--one', json.dumps(c), '--dtype', a.dtype, '--steps', str(a.steps), '--warmup', str(a.warmup)],
                       capture_output=True, text=True)
    if p.returncode: sys.exit(f'configuration {c} failed:\n{p.stderr[-3000:]}')
    return json.loads(p.stdout.strip().splitlines()[-1])

def rows_for(ms, dtype):
    "What `fit_costs` and `fit_activations` read from measurements."
    import torch
    from llmnb.models.gpt import GPTConfig
    from llmnb.train.estimate import meta_model, matmul_params
    from llmnb.train.speed import peak_flops
    peak, out = peak_flops('cpu', getattr(torch, dtype)), []
    for m in ms:
        c = m['config']; L, d, V, T, B = c['n_layer'], c['n_embd'], c['vocab_size'], c['seq_len'], c['batch']
        mm = matmul_params(meta_model(GPTConfig(vocab_size=V, block_size=T, n_layer=L, n_head=c['n_head'], n_embd=d, bias=False)))
        n = B * T
        out.append(dict(F_mm=n * (6 * mm + 12 * L * d * T), d=d, n=n, L=L, V=V, P=m['params'], peak=peak, step_s=m['step_s'],
                        act=m['memory'] - 16 * m['params']))   # weights, gradients, AdamW's two moments: 16 bytes a parameter
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--fit', action='store_true'); p.add_argument('--dtype', default='float32', choices=['float32', 'bfloat16'])
    p.add_argument('--steps', type=int, default=8); p.add_argument('--warmup', type=int, default=3); p.add_argument('--one', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return print(json.dumps(one(json.loads(a.one), a.dtype, a.warmup, a.steps)))
    import torch
    from llmnb.models.gpt import GPTConfig
    from llmnb.train.estimate import fit_costs, fit_activations, device_class, load_costs, estimate, COSTS
    key = device_class('cpu', getattr(torch, a.dtype))
    if a.fit:
        ms = [measure(c, a) for c in FIT]
        for m in ms: print(json.dumps(m), flush=True)
        rows = rows_for(ms, a.dtype)
        costs = load_costs()
        costs[key] = dict(step=fit_costs(rows), activations=fit_activations(rows), measured_on=machine()['cpu'], runs=len(rows),
                          configs=[m['config'] for m in ms], when=time.strftime('%Y-%m-%d'))
        COSTS.write_text(json.dumps(costs, indent=1) + '\n')
    res, fitted = [], ms if a.fit else None
    for c in VALIDATE:
        m = measure(c, a)
        cf = m['config']
        e = estimate(GPTConfig(vocab_size=cf['vocab_size'], block_size=cf['seq_len'], n_layer=cf['n_layer'], n_head=cf['n_head'], n_embd=cf['n_embd'], bias=False),
                     batch=cf['batch'], dtype=getattr(torch, a.dtype))
        r = dict(m, predicted_s=e.step_s, time_err=e.step_s / m['step_s'] - 1, predicted_memory=e.memory, memory_err=e.memory / m['memory'] - 1)
        print(json.dumps(r), flush=True); res.append(r)
    record(dict(device=key, rows=res, max_time_err=max(abs(r['time_err']) for r in res), max_memory_err=max(abs(r['memory_err']) for r in res),
                fit_rows=fitted))

if __name__ == '__main__': main()
