#!/usr/bin/env python
"""Where a CPU training step of nanoGPT's character model goes, without fastai: the numbers behind the mixed-precision
and GELU choices (`speed`, `attention`, `pretrain` notebooks).

Prints, one JSON line each:
- `matmul`: GFLOP/s of the model's matrix shapes (768 × 128 × 384 ...) in fp32 and bf16;
- `gelu`: µs of exact and tanh GELU, forward and backward, on a 768 × 512 activation;
- `sdpa_backward`: ms of PyTorch's fused CPU attention backward (12 × 4 × 64 × 32, causal) in fp32 and bf16;
- `attention_fwd_bwd_ms`: one layer's attention (12 × 4 × 64 × 32, causal), forward and backward, PyTorch's fused kernel
  against a hand-written one, fp32 and bf16;
- `step`: median ms of one training step (forward, loss, backward, clipping, fused AdamW) of the 4-layer, 128-wide GPT
  on a batch of 12 × 64, eager and compiled, fp32 and bf16 autocast (attention kept in fp32, as `attention` does);
- `loss`: compiled bf16 steps with the loss after the compiled graph (fastai's) and inside it (an HF model's `labels`),
  timed in turn, step by step.

    python bench/cpu_step.py [--steps 60] [--no-compile] [--reps 100]
"""
import argparse, json, time
import torch
import torch.nn.functional as F
from record import record

def timed(f, n):
    "Median seconds of `n` calls of `f`, after 5 (at most `n`) for warm-up."
    for _ in range(min(5, n)): f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=60)
    p.add_argument('--no-compile', action='store_true')
    p.add_argument('--reps', type=int, default=100, help='calls timed for each kernel (matmul 100, GELU 2x, attention /2); a smoke run: 2')
    a = p.parse_args()
    out = {}
    def show(**kw): out.update(kw); print(json.dumps(kw), flush=True)
    mm = {}
    for M, K, N in [(768, 128, 384), (768, 128, 512), (768, 512, 128), (1024, 1024, 1024)]:
        for dt in (torch.float32, torch.bfloat16):
            x, w = torch.randn(M, K, dtype=dt), torch.randn(K, N, dtype=dt)
            mm[f'{M}x{K}x{N} {str(dt)[6:]}'] = round(2 * M * K * N / timed(lambda: x @ w, a.reps) / 1e9)
    show(matmul_gflops=mm)
    x, g = torch.randn(768, 512), torch.randn(768, 512)
    us = lambda f: round(timed(f, 2 * a.reps) * 1e6)
    show(gelu_us=dict(exact=us(lambda: F.gelu(x)), tanh=us(lambda: F.gelu(x, approximate='tanh')),
                    exact_backward=us(lambda: torch.ops.aten.gelu_backward(g, x)),
                    tanh_backward=us(lambda: torch.ops.aten.gelu_backward(g, x, approximate='tanh'))))
    sd = {}
    for dt in (torch.float32, torch.bfloat16):
        q, k, v = (torch.randn(12, 4, 64, 32, dtype=dt, requires_grad=True) for _ in range(3))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        gy = torch.randn_like(y)
        sd[str(dt)[6:]] = round(timed(lambda: torch.autograd.grad(y, (q, k, v), gy, retain_graph=True), max(1, a.reps // 2)) * 1000, 2)
    show(sdpa_backward_ms=sd)
    mask = torch.ones(64, 64, dtype=torch.bool).tril()
    def by_hand(q, k, v): return ((q @ k.transpose(-2, -1)) / 32 ** 0.5).masked_fill(~mask, float('-inf')).softmax(-1) @ v
    att = {}
    for dt in (torch.float32, torch.bfloat16):   # one layer's attention, forward and backward: PyTorch's fused kernel against by hand
        q, k, v = (torch.randn(12, 4, 64, 32, dtype=dt, requires_grad=True) for _ in range(3))
        gy = torch.randn(12, 4, 64, 32, dtype=dt)
        for name, f in (('fused', lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)), ('by hand', by_hand)):
            att[f'{name} {str(dt)[6:]}'] = round(timed(lambda: torch.autograd.grad(f(q, k, v), (q, k, v), gy), max(1, a.reps // 2)) * 1000, 2)
    show(attention_fwd_bwd_ms=att)

    from llmnb.models.gpt import GPT, GPTConfig
    ids = torch.randint(68, (12, 65))
    def make(compile, bf16, in_graph=False):
        "One training step of a fresh model: forward, loss (after the compiled graph, as fastai; or inside it, an HF model's `labels`), backward, clipping, fused AdamW."
        torch.manual_seed(0)
        m = GPT(GPTConfig(vocab_size=68, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False, activation_function='gelu'))
        opt, fwd = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.99), fused=True), torch.compile(m) if compile else m
        def step():
            with torch.autocast('cpu', torch.bfloat16, enabled=bf16):
                out = fwd(input_ids=ids[:, :-1], labels=ids[:, :-1] if in_graph else None)
            loss = out.loss if in_graph else F.cross_entropy(out.logits.float().flatten(0, 1), ids[:, 1:].flatten())
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step(); opt.zero_grad(set_to_none=True)
        return step
    steps = {f'{"compiled" if c else "eager"} {"bf16" if b else "fp32"}': round(timed(make(c, b), a.steps) * 1000, 1)
             for c in ([False] if a.no_compile else [False, True]) for b in (False, True)}
    show(step_ms=steps)
    if not a.no_compile:   # the loss inside the compiled graph (an HF model's `labels`) against after it (fastai's), step by step in turn
        fs = dict(after=make(True, True), in_graph=make(True, True, in_graph=True))
        ts = {k: [] for k in fs}
        for _ in range(5): [f() for f in fs.values()]
        for _ in range(a.steps):
            for k, f in fs.items(): t = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t)
        show(loss_ms={f'compiled bf16, loss {k.replace("_", " ")}': round(sorted(v)[len(v) // 2] * 1000, 1) for k, v in ts.items()})

    record(out)

if __name__ == '__main__': main()
