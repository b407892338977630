#!/usr/bin/env python
"""Benchmark: `llmnb-pretrain --stream` trains on a corpus larger than memory with flat memory and the in-memory path's speed (issue 36).

A corpus of `--files` files of `--file-mb` MB each (default 65 x 32 MB = 2.08 GB; 64 train, the last one is held out
for validation) is generated in a temporary folder with `pretrain_memory.make_corpus` (English-like paragraphs drawn
from the words of Python's help topics; file i with seed i, so no two files are alike). Then, taking turns for
`--rounds` rounds, each in a process of its own with its memory read from `/proc` every 0.1 s (`pretrain_memory.run`):

- `stream`: `llmnb-pretrain --stream --data FOLDER` (the whole corpus, read as training goes);
- `stream_small`: `--stream` on a folder of the first two files only (64 MB): the same command on 1/32 of the data,
  to show that memory does not follow the corpus;
- `memory`: the in-memory path (`load_corpus` → Arrow cache → `pack` → blocks) on the first file (32 MB): the peer
  for speed. The in-memory path on the whole 2 GB would spend most of an hour tokenizing before its first step
  (500 MB: 231 s of 275, `pretrain_memory.py`) and write about 10 GB of cache, which is what `--stream` avoids.

Every run trains the default model of `llmnb-pretrain` (4 layers x 4 heads x 128 wide, block 128, batch 16, fp32, the
character tokenizer) for `--steps` steps, evaluated once at the end on `--eval-iters` batches. Reported per kind
(medians over rounds): `tokens_per_s` (the command's own throughput: training steps only), `vmhwm_mb` (peak resident
set), `rss_anon_mb` (peak of the memory the process allocated), `seconds` (wall, start to exit). The model itself
(weights, gradients, AdamW's two moments: 16 bytes a parameter) is `model_mb`.

Targets (issue 36): `stream_vmhwm_mb - model_mb` under 2,000 and flat (`vmhwm_ratio`, 2 GB against 64 MB, under 1.2);
`tokens_per_s_ratio` (stream / memory) at least 0.9.

    python bench/stream_corpus.py [--files 65] [--file-mb 32] [--steps 300] [--rounds 3] [--keep]
    python bench/stream_corpus.py --files 3 --file-mb 0.3 --steps 6 --rounds 1   # a smoke run (recorded as one)
"""
import argparse, os, shutil, statistics, sys, tempfile, time
from pathlib import Path
from pretrain_memory import make_corpus, run
from record import record

KINDS = ('stream', 'memory', 'stream_small')

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--files', type=int, default=65, help='files in the corpus (the last one held out)')
    p.add_argument('--file-mb', type=float, default=32)
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--eval-iters', type=int, default=20)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--keep', action='store_true', help='keep the temporary folder (corpus, runs)')
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='llmnb-stream-'))
    need = a.files * a.file_mb * 1e6 + 3 * a.file_mb * 1e6 * 6   # the corpus, and the in-memory run's Arrow copies of one file
    if shutil.disk_usage(tmp).free < need: sys.exit(f'{tmp} has {shutil.disk_usage(tmp).free/1e9:.1f} GB free; this needs about {need/1e9:.1f} GB')
    env = dict(os.environ, HF_DATASETS_CACHE=str(tmp/'cache'), HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', OMP_NUM_THREADS='1',
               LLMNB_BENCH_RESULTS='', CUDA_VISIBLE_DEVICES='')
    big, small = tmp/'corpus', tmp/'small'
    big.mkdir(); small.mkdir()
    t = time.time()
    size = sum(make_corpus(big/f'part{i:03d}.txt', a.file_mb, seed=i) for i in range(a.files))
    for i in range(2): os.link(big/f'part{i:03d}.txt', small/f'part{i:03d}.txt')
    print(f'corpus: {a.files} files, {size/1e9:.2f} GB, written in {time.time()-t:.0f} s', file=sys.stderr, flush=True)
    flags = ('--n-layer', '4', '--n-head', '4', '--n-embd', '128', '--block-size', '128', '--bs', '16', '--max-iters', str(a.steps),
             '--eval-interval', str(a.steps), '--eval-iters', str(a.eval_iters), '--warmup-iters', str(min(100, a.steps // 3)))
    data = dict(stream=(big, ('--stream',)), memory=(big/'part000.txt', ()), stream_small=(small, ('--stream',)))
    runs = {k: [] for k in KINDS}
    try:
        for r in range(a.rounds):
            for k in KINDS:
                d, more = data[k]
                res = run(d, tmp/f'run-{k}-{r}', env, 'char', flags + more)
                print(k, {x: res.get(x) for x in ('vmhwm_mb', 'rss_anon_mb', 'seconds', 'rc')},
                      res.get('result', {}).get('tokens_per_s'), file=sys.stderr, flush=True)
                if res['rc']: sys.exit(f'the {k} run failed (exit {res["rc"]})')
                runs[k].append(res)
                shutil.rmtree(tmp/f'run-{k}-{r}', ignore_errors=True); shutil.rmtree(tmp/'cache', ignore_errors=True)
        n_params = runs['stream'][0]['result']['n_params']
    finally:
        if not a.keep: shutil.rmtree(tmp, ignore_errors=True)
    med = lambda k, f: round(statistics.median(f(x) for x in runs[k]), 1)
    out = dict(corpus_gb=round(size / 1e9, 3), files=a.files, steps=a.steps, rounds=a.rounds, n_params=n_params,
               model_mb=round(16 * n_params / 1e6, 1))
    for k in KINDS:
        out[k] = dict(tokens_per_s=med(k, lambda x: x['result']['tokens_per_s']), vmhwm_mb=med(k, lambda x: x['vmhwm_mb']),
                      rss_anon_mb=med(k, lambda x: x['rss_anon_mb']), seconds=med(k, lambda x: x['seconds']),
                      valid_loss=med(k, lambda x: x['result']['valid_loss']))
    out.update(tokens_per_s_ratio=round(out['stream']['tokens_per_s'] / out['memory']['tokens_per_s'], 3),
               vmhwm_ratio=round(out['stream']['vmhwm_mb'] / out['stream_small']['vmhwm_mb'], 3),
               stream_above_model_mb=round(out['stream']['vmhwm_mb'] - out['model_mb']))
    record(dict(out, smoke=True) if size < 1e9 else out)   # under 1 GB says nothing of a corpus larger than memory: a smoke run

if __name__ == '__main__': main()
