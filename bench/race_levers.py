#!/usr/bin/env python
"""The levers of the time-to-loss race, one by one: how many steps (and tokens) each needs to reach a validation loss of
1.90 on character-level tinyshakespeare, and the validation loss at nanoGPT's token budget (2,000 x 12 x 64 tokens).

To isolate what each lever changes in the *learning*, every run here is the same plain PyTorch loop (random windows,
cross-entropy, clipping at 1.0, warm-up then cosine decay to lr/10, the full-split validation loss of
`bench/pretrain_char.py` every `--eval-every` steps) around llmnb's `GPT` and optimizers (`AdamW2D`, `MuonAdamW`), on
the race's data and split (first 90% of the characters train, last 10% validate). What a lever costs per step is in
`ms_step`; the race itself, end to end through `llmnb-pretrain`, is `bench/time_to_loss.py`.

`--levers` runs the study (each configuration in a process of its own, one after the other) and records one JSON
line: {"runs": [{"name", "flags", "params", "hit_step", "hit_tokens", "val_at_budget", "ms_step"}], "seed"}.
Without it, one run with the given flags prints its JSON.

    python bench/race_levers.py --levers [--seed 1337]
    python bench/race_levers.py --opt muon --lr 8e-3 --bs 48 --rope --qk-norm --relu2
"""
import time; T0 = time.perf_counter()
import argparse, json, math, subprocess, sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1]/'data'/'tinyshakespeare'/'input.txt'
BASE = '--bs 48 --steps 500 --warmup 25 --eval-every 50'
LEVERS = [   # name, flags (added to BASE); each one lever more or one lever alone, as the notes say
    ('nanoGPT recipe (AdamW 1e-3, batch 12)', '--bs 12 --steps 2000 --warmup 100 --eval-every 100 --opt adamw --lr 1e-3'),
    ('AdamW 2e-3, batch 12', '--bs 12 --steps 2000 --warmup 100 --eval-every 100 --opt adamw --lr 2e-3'),
    ('AdamW 2e-3, batch 12, one-cycle', '--bs 12 --steps 2000 --eval-every 100 --opt adamw --lr 2e-3 --one-cycle'),
    ('AdamW 2e-3, batch 48', '--opt adamw --lr 2e-3'),
    ('Muon 2e-3, batch 48', '--opt muon --lr 2e-3'),
    ('Muon 4e-3, batch 48', '--opt muon --lr 4e-3'),
    ('Muon 8e-3, batch 48', '--opt muon --lr 8e-3'),
    ('Muon 4e-3, batch 24', '--bs 24 --steps 1000 --warmup 50 --eval-every 100 --opt muon --lr 4e-3'),
    ('Muon 8e-3 + RoPE', '--opt muon --lr 8e-3 --rope'),
    ('Muon 8e-3 + QK-norm', '--opt muon --lr 8e-3 --qk-norm'),
    ('Muon 8e-3 + ReLU²', '--opt muon --lr 8e-3 --relu2'),
    ('Muon 8e-3 + RoPE, QK-norm, ReLU²', '--opt muon --lr 8e-3 --rope --qk-norm --relu2'),
    ('... + zero-init projections', '--opt muon --lr 8e-3 --rope --qk-norm --relu2 --zero-init'),
    ('... + logit soft-cap 15', '--opt muon --lr 8e-3 --rope --qk-norm --relu2 --softcap 15'),
    ('... + untied head', '--opt muon --lr 8e-3 --rope --qk-norm --relu2 --untied'),
    ('... + bf16 autocast', '--opt muon --lr 8e-3 --rope --qk-norm --relu2 --bf16'),
]

def run(a)->dict:
    "One training run in this process: steps and seconds to the target, the validation loss at nanoGPT's budget, the history."
    import torch, torch.nn.functional as F
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.train.speed import MuonAdamW, AdamW2D, block_matrices
    torch.manual_seed(a.seed)
    text = DATA.read_text(); chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([stoi[c] for c in text]); n = int(len(ids) * 0.9); tr, va = ids[:n], ids[n:]
    vb = va[:len(va) // (a.T + 1) * (a.T + 1)].view(-1, a.T + 1)
    cfg = GPTConfig(vocab_size=len(chars), block_size=a.T, n_layer=4, n_head=4, n_embd=128, dropout=0., bias=False,
                    activation_function='relu2' if a.relu2 else 'gelu', position_embedding='rope' if a.rope else 'learned', qk_norm=a.qk_norm,
                    zero_init_residual=a.zero_init, tie_word_embeddings=not a.untied, final_logit_softcapping=a.softcap)
    model = GPT(cfg)
    opt = (MuonAdamW(model.parameters(), hidden=block_matrices(model), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.1, fused=True) if a.opt == 'muon'
           else AdamW2D(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.1, fused=True))
    def lr_at(it):
        if a.one_cycle:   # fastai's fit_one_cycle: cosine up from lr/25 over the first 25% of the steps, cosine down to lr/1e5
            p, cos = it / a.steps, lambda lo, hi, t: hi + (lo - hi) / 2 * (1 + math.cos(math.pi * t))
            return cos(a.lr / 25, a.lr, p / 0.25) if p < 0.25 else cos(a.lr, a.lr / 1e5, (p - 0.25) / 0.75)
        if it < a.warmup: return a.lr * (it + 1) / (a.warmup + 1)
        r = min(1, (it - a.warmup) / max(1, a.steps - a.warmup))
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * r)))
    @torch.no_grad()
    def val():
        model.eval(); tot = 0.
        for b in vb.split(256): tot += F.cross_entropy(model(input_ids=b[:, :-1]).logits.float().flatten(0, 1), b[:, 1:].flatten(), reduction='sum').item()
        model.train(); return tot / vb[:, 1:].numel()
    g = torch.Generator().manual_seed(a.seed)
    budget = 2000 * 12 * 64 // (a.bs * a.T)
    hit, hist, t_eval, t0 = None, [], 0., time.perf_counter()
    for it in range(a.steps):
        for gr in opt.param_groups: gr['lr'] = lr_at(it)
        ix = torch.randint(len(tr) - a.T - 1, (a.bs,), generator=g)
        x = torch.stack([tr[i:i + a.T + 1] for i in ix])
        with torch.autocast('cpu', torch.bfloat16, enabled=a.bf16):
            loss = F.cross_entropy(model(input_ids=x[:, :-1]).logits.float().flatten(0, 1), x[:, 1:].flatten())
        loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
        if (it + 1) % a.eval_every == 0 or it + 1 in (a.steps, budget):
            te = time.perf_counter(); v = val(); t_eval += time.perf_counter() - te
            hist.append((it + 1, round(v, 4)))
            if hit is None and v <= a.target: hit = it + 1
    train_s = time.perf_counter() - t0 - t_eval
    return dict(params=sum(p.numel() for p in model.parameters()), hit_step=hit, hit_tokens=hit and hit * a.bs * a.T,
                val_at_budget=next((v for s, v in hist if s == budget), None), ms_step=round(1000 * train_s / a.steps, 1), hist=hist)

def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--levers', action='store_true', help='run the whole study')
    p.add_argument('--opt', default='adamw', choices=['adamw', 'muon']); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--bs', type=int, default=12); p.add_argument('--T', type=int, default=64); p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--warmup', type=int, default=100); p.add_argument('--eval-every', type=int, default=100)
    for f in ('rope', 'qk-norm', 'relu2', 'zero-init', 'untied', 'bf16', 'one-cycle'): p.add_argument(f'--{f}', action='store_true')
    p.add_argument('--softcap', type=float, default=None); p.add_argument('--seed', type=int, default=1337); p.add_argument('--target', type=float, default=1.90)
    return p

def main():
    a = parser().parse_args()
    if not a.levers: return print(json.dumps(run(a)))
    from record import record
    runs = []
    for name, flags in LEVERS:
        args = (BASE + ' ' + flags).split() if flags.startswith('--opt') else flags.split()
        p = subprocess.run([sys.executable, __file__, *args, '--seed', str(a.seed)], capture_output=True, text=True)
        if p.returncode: sys.exit(f'{name} failed:\n{p.stderr[-3000:]}')
        r = dict(name=name, flags=' '.join(args), **json.loads(p.stdout.strip().splitlines()[-1]))
        print(json.dumps(r), flush=True); runs.append(r)
    record(dict(runs=[{k: v for k, v in r.items() if k != 'hist'} for r in runs], seed=a.seed))

if __name__ == '__main__': main()
