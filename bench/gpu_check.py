#!/usr/bin/env python
"""GPU check: training throughput and MFU of a GPT-2-small-shaped llmnb GPT (124 M parameters, block 1024) in bf16,
with SDPA attention and `torch.compile`, through the same fastai `Learner` (`lm_learner`) users train with; then, with more
than one GPU, a 2-process DDP smoke run that checks both processes end with the same weights.

Data are random token ids (throughput does not depend on them), so that the check needs no download. MFU counts
6·N FLOPs per token plus attention (`learner.flops_per_token`) against the data-sheet bf16 peak of the GPU
(`learner.peak_flops`; 989 TFLOP/s for H100/H200). It prints as it goes (model built, first steps, every 20th step, the
throughput as training ends: a run cut short by a time limit still says how far it got); no validation (random data).
The last line is JSON (`first_steps_s`: the time above the median step, compilation and warm-up mostly):

    {"gpu", "n_params", "bs", "block_size", "ms_per_iter", "tokens_per_s", "mfu", "first_steps_s", "memory_gb", "ddp": null | {...}}

    python bench/gpu_check.py [--bs 32] [--steps 60] [--no-compile] [--tiny]   # --tiny: a small shape, for a dry run on CPU
"""
import argparse, json, tempfile, time
from pathlib import Path
import torch
from record import record
from fastai.callback.core import Callback, CancelValidException
from llmnb.train.speed import Throughput

T0 = time.perf_counter()

def data(vocab, T, bs, n_batches, seed=0):
    from datasets import Dataset
    from fastai.data.core import DataLoaders
    from llmnb.data.lm import LMDataLoader
    g = torch.Generator().manual_seed(seed)
    ds = lambda n: Dataset.from_dict({'input_ids': torch.randint(vocab, (n, T + 1), generator=g).tolist()})
    return DataLoaders(LMDataLoader(ds(bs * n_batches), bs=bs, shuffle=True, drop_last=True), LMDataLoader(ds(bs), bs=bs))

def model(a):
    from llmnb.models.gpt import GPT, GPTConfig
    shape = dict(n_layer=2, n_head=2, n_embd=64, block_size=128) if a.tiny else dict(n_layer=12, n_head=12, n_embd=768, block_size=1024)
    return GPT(GPTConfig(vocab_size=50304, dropout=0.0, **shape))

class Progress(Callback):
    "Prints as it goes (a run cut short by a time limit still says how far it got), the result as training ends, and skips validation."
    order = Throughput.order + 1
    def before_fit(self): self.t0 = time.perf_counter(); print(f'fit starts ({time.perf_counter() - T0:.0f} s after start)', flush=True)
    def after_batch(self):
        if self.training and (self.iter < 3 or self.iter % 20 == 0):
            print(f'step {self.iter}: {time.perf_counter() - self.t0:.1f} s into fit', flush=True)
    def after_train(self): print('throughput', json.dumps(self.throughput.history[-1]), flush=True)
    def before_validate(self): raise CancelValidException()   # random data: nothing to validate, and eval mode would compile again

def throughput(a):
    from llmnb.core import set_seed
    from llmnb.train.learner import lm_learner, silence
    set_seed(0)
    m = model(a)
    T = m.config.block_size
    dls = data(m.config.vocab_size, T, a.bs, a.steps)
    cuda = torch.cuda.is_available()
    print(f'{sum(p.numel() for p in m.parameters()) / 1e6:.0f} M parameters, data ready ({time.perf_counter() - T0:.0f} s)', flush=True)
    learn = silence(lm_learner(dls, m, lr=6e-4, mixed_precision='bf16', compile=not a.no_compile, cbs=Progress()))
    learn.fit(1)
    th = learn.throughput.history[-1]
    med = th['median_step_s']   # the median step: compilation and warm-up left out
    tok_s = a.bs * T / med
    mfu = th['mfu'] * tok_s / th['tokens_per_s']
    n = sum(p.numel() for p in m.parameters())
    return dict(gpu=torch.cuda.get_device_name() if cuda else 'cpu', n_params=n, bs=a.bs, block_size=T, ms_per_iter=1000 * med,
                tokens_per_s=tok_s, mfu=mfu, first_steps_s=th['seconds'] - med * th['steps'],
                memory_gb=torch.cuda.max_memory_allocated() / 2**30 if cuda else None)

def ddp_train(out):
    "Every process: 20 steps of a small GPT; saves its weights."
    from fastai.torch_core import rank_distrib
    from llmnb.core import set_seed
    from llmnb.models.gpt import GPT, GPTConfig
    from llmnb.train.learner import lm_learner
    from llmnb.basics import unwrap
    set_seed(0)
    m = GPT(GPTConfig(vocab_size=50304, n_layer=4, n_head=4, n_embd=256, block_size=256, dropout=0.0))
    learn = lm_learner(data(50304, 256, 16, 20), m, lr=6e-4, mixed_precision='bf16')
    learn.fit(1)
    torch.save(unwrap(learn.model).state_dict(), Path(out)/f'rank{rank_distrib()}.pt')
    return dict(valid_loss=float(learn.recorder.values[-1][1]), tokens_per_s=learn.throughput.history[-1]['tokens_per_s'])

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--steps', type=int, default=60)
    p.add_argument('--no-compile', action='store_true')
    p.add_argument('--tiny', action='store_true', help='a small model: a dry run of this script on CPU')
    a = p.parse_args()
    import datasets
    datasets.disable_progress_bars()
    n_gpu = torch.cuda.device_count()
    if n_gpu: torch.backends.cuda.matmul.allow_tf32 = True; torch.backends.cudnn.allow_tf32 = True
    ddp = None
    if n_gpu > 1:   # before anything touches the GPU in this process: the launch forks it
        from llmnb.train.distributed import launch
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time()
            r = launch(ddp_train, d, num_processes=2)
            w0, w1 = (torch.load(Path(d)/f'rank{i}.pt', weights_only=True) for i in (0, 1))
            ddp = dict(r, seconds=time.time() - t0, same_weights=all(torch.equal(w0[k], w1[k]) for k in w0))
        print('ddp', json.dumps(ddp), flush=True)
    res = dict(throughput(a), ddp=ddp)
    record(res)

if __name__ == '__main__': main()
