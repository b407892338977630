#!/usr/bin/env python
"""Benchmark: character-level tinyshakespeare with nanoGPT's CPU recipe, llmnb (fastai Learner) vs HF `Trainer`.

Same model (llmnb's GPT: 4 layers, 4 heads, 128 wide, block 64, no bias, dropout 0), same data (first 90% of the
characters for training, last 10% for validation, packed into blocks of 64), same optimizer settings (AdamW, lr 1e-3
with 100 warm-up steps and cosine decay to 1e-4 at 2000 steps, beta2 0.99, weight decay 0.1, clip 1.0, batch 12).
Both train in this process, one after the other. The last line is JSON:

    {"val_loss", "ms_per_iter", "tokens_per_s", "mfu", "peer": "hf-trainer", "peer_tokens_per_s", "peer_val_loss", "ratio"}

`val_loss` is the mean cross-entropy over the whole validation split; `val_loss_20_batches` estimates it the way
nanoGPT's `estimate_loss` does in this recipe (20 batches of 12 random windows), which is what its 1.886 is. `ms_per_iter` is the median time of one training
step (data loading included, warm-up and compilation excluded), as nanoGPT reports it; tokens/s = 12·64 / that time.
The `_wall` figures divide all training tokens by the whole training time instead. Reference measured on the 2-core machine this was written on: nanoGPT itself with
this recipe, 34.9 ms/iter (22.0 k tokens/s), val loss 1.886.

    python bench/pretrain_char.py [--data ../shared/data/tinyshakespeare/input.txt] [--max-iters 2000] [--compile] [--bf16]

`--compile` and `--bf16` apply to both llmnb and the peer (`Trainer(torch_compile=True, bf16=True)`), so that the ratio
compares like with like; nanoGPT's reference is its CPU recipe as published (fp32, not compiled).
"""
import argparse, json, math, os, sys, time, tempfile
from pathlib import Path
import torch

NANOGPT_TOK_S = 22.0e3   # nanoGPT, same recipe, measured on the 2-core machine (34.9 ms/iter median); see the docstring

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[2]/'shared'/'data'/'tinyshakespeare'/'input.txt'))
    p.add_argument('--max-iters', type=int, default=2000)
    p.add_argument('--compile', action='store_true', help='torch.compile the model (both llmnb\'s and the peer\'s)')
    p.add_argument('--bf16', action='store_true', help='bf16 mixed precision (autocast; both llmnb and the peer)')
    p.add_argument('--tanh-gelu', action='store_true', help="GPT-2's tanh GELU instead of nanoGPT's exact one")
    p.add_argument('--skip-peer', action='store_true', help='do not run HF Trainer')
    p.add_argument('--seed', type=int, default=1337)
    a = p.parse_args()
    if not Path(a.data).exists(): sys.exit(f'no tinyshakespeare at {a.data}: pass --data path/to/input.txt')

    import datasets
    from datasets import Dataset, DatasetDict
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from llmnb.core import set_seed
    from llmnb.tokenizers import train_tokenizer
    from llmnb.data import lm_dataloaders, pack
    from llmnb.gpt import GPT, GPTConfig
    from llmnb.learner import lm_learner
    from llmnb.pretrain import StepSchedule

    text = Path(a.data).read_text()
    n = int(len(text) * 0.9)
    sp = DatasetDict(train=Dataset.from_dict({'text': [text[:n]]}), valid=Dataset.from_dict({'text': [text[n:]]}))
    tok = train_tokenizer(text[:n], 'char')
    cfg = dict(vocab_size=len(tok), block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False,
               activation_function='gelu_new' if a.tanh_gelu else 'gelu')   # nanoGPT: exact GELU
    bs, T, iters = 12, 64, a.max_iters

    # --- llmnb: fastai Learner, nanoGPT-style random batches, one evaluation at the end
    set_seed(a.seed)
    dls = lm_dataloaders(sp, tok, block_size=T, bs=bs, train_batches=iters)
    model = GPT(GPTConfig(**cfg))
    learn = lm_learner(dls, model, lr=1e-3, wd=0.1, betas=(0.9, 0.99), clip=1.0, compile=a.compile,
                       mixed_precision='bf16' if a.bf16 else None,
                       cbs=StepSchedule(1e-3, 1e-4, 100, iters))
    learn.fit(1, 1e-3)
    th = learn.throughput.history[-1]
    val_loss = float(dict(zip(learn.recorder.metric_names[1:], learn.recorder.values[-1]))['valid_loss'])
    med = th['median_step_s']
    # nanoGPT's estimator of the same quantity: the mean loss of 20 batches of 12 windows at random offsets (seeded)
    from llmnb.data import random_windows
    g = torch.Generator().manual_seed(a.seed)
    vds = dls.valid.dataset
    model.eval()
    with torch.no_grad():
        est = []
        for _ in range(20):
            torch.manual_seed(int(torch.randint(1 << 30, (1,), generator=g)))
            w = random_windows(vds, torch.randint(len(vds), (bs,), generator=g).tolist())
            est.append(torch.nn.functional.cross_entropy(model(input_ids=w[:, :-1]).logits.flatten(0, 1), w[:, 1:].flatten()).item())
    tok_s = bs * T / med
    res = dict(val_loss=val_loss, ms_per_iter=1000 * med, tokens_per_s=tok_s, mfu=th['mfu'] * tok_s / th['tokens_per_s'],
               tokens_per_s_wall=th['tokens_per_s'], val_loss_20_batches=sum(est) / len(est))
    print('llmnb', json.dumps(res), flush=True)

    # --- peer: HF Trainer, same model class and config, same blocks
    if not a.skip_peer:
        from transformers import Trainer, TrainingArguments, TrainerCallback
        class StepTimes(TrainerCallback):   # time between consecutive steps, data loading included, as llmnb's
            def __init__(self): self.t, self.steps = None, []
            def on_step_end(self, args, state, control, **kw):
                now = time.perf_counter()
                if self.t is not None: self.steps.append(now - self.t)
                self.t = now
        times = StepTimes()
        blocks = {k: pack(v, tok, T, shift=1) for k, v in sp.items()}
        class Blocks(torch.utils.data.Dataset):   # x = the first 64 tokens of each block; the model shifts labels itself
            def __init__(self, ds): self.ids = torch.tensor(ds['input_ids'])[:, :-1]
            def __len__(self): return len(self.ids)
            def __getitem__(self, i): return dict(input_ids=self.ids[i], labels=self.ids[i])
        set_seed(a.seed)
        peer = GPT(GPTConfig(**cfg))
        args = TrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=bs, max_steps=iters,
                                 learning_rate=1e-3, lr_scheduler_type='cosine_with_min_lr', lr_scheduler_kwargs=dict(min_lr=1e-4),
                                 warmup_steps=100, adam_beta2=0.99, weight_decay=0.1, max_grad_norm=1.0,
                                 logging_steps=iters, save_strategy='no', report_to=[], use_cpu=True,
                                 dataloader_num_workers=0, seed=a.seed, disable_tqdm=True, bf16=a.bf16, torch_compile=a.compile)
        tr = Trainer(model=peer, args=args, train_dataset=Blocks(blocks['train']), callbacks=[times])
        out = tr.train()
        peer_med = sorted(times.steps)[len(times.steps) // 2]
        peer_tok_s = bs * T / peer_med
        peer.eval()
        with torch.no_grad():   # the same full-validation cross-entropy over all 64 targets of each block as llmnb's
            v = torch.tensor(blocks['valid']['input_ids']).long()
            losses = [torch.nn.functional.cross_entropy(peer(input_ids=b[:, :-1]).logits.flatten(0, 1), b[:, 1:].flatten(), reduction='sum')
                      for b in v.split(64)]
            peer_val = (sum(losses) / (v.shape[0] * T)).item()
        res.update(peer='hf-trainer', peer_tokens_per_s=peer_tok_s, peer_ms_per_iter=1000 * peer_med, peer_val_loss=peer_val,
                   peer_tokens_per_s_wall=iters * bs * T / out.metrics['train_runtime'], ratio=res['tokens_per_s'] / peer_tok_s,
                   nanogpt_ref_tokens_per_s=NANOGPT_TOK_S, ratio_vs_nanogpt_ref=res['tokens_per_s'] / NANOGPT_TOK_S)
    print(json.dumps(res))

if __name__ == '__main__': main()
