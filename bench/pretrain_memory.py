#!/usr/bin/env python
"""Benchmark: the peak memory of `llmnb-pretrain`'s data preparation is bounded by the model, not by the corpus (issue 31).

Corpora of `--sizes` MB (default 5, 50 and 500) are generated deterministically in a temporary folder: paragraphs of
1 to 6 sentences of 4 to 18 words, the words drawn with `random.Random(seed)` from the sorted set of words of the
help topics that ship with Python (`pydoc_data.topics`), paragraphs separated by a blank line (so a corpus of N MB is
about N/300 K rows of `llmnb-pretrain`'s paragraph rows). For each, in a process of its own,

    llmnb-pretrain --data F --max-iters 5 --eval-interval 5 --eval-iters 2 --samples 0 --warmup-iters 1
                   --n-layer 1 --n-head 2 --n-embd 32 --block-size 64 --bs 8 --out TMP/run-N

runs with `HF_DATASETS_CACHE` in the temporary folder (deleted at the end: 500 MB of text makes a few GB of Arrow), and
its memory is read from `/proc/PID/status` every 0.1 s:

- `vmhwm_mb`: the peak resident set (VmHWM, the last value read before the process ended), and `maxrss_mb`, the
  same peak as the kernel reports it to the parent at exit (`ru_maxrss` of that one child, `os.wait4`). Both count
  the pages of memory-mapped Arrow files the process touched (file-backed: the kernel takes them back when memory is
  short, but they are resident while mapped);
- `rss_anon_mb`: the peak of RssAnon sampled every 0.1 s: the memory the process itself allocated (Python objects,
  tensors, Rust buffers), what grows when something holds the corpus in memory;
- `rss_file_mb`: the RssFile at that peak of VmHWM's samples (memory-mapped files and shared libraries).

Stages are timed by the lines the command prints: `load+tokenizer` ends when it prints `corpus: ...` (load, clean,
split, tokenizer training), `pack` when it prints `model: ...` (tokenize and pack both splits), `train` when it ends.

The last line is JSON: `{"runs": [{mb, vmhwm_mb, maxrss_mb, rss_anon_mb, rss_file_mb, seconds, stages, rc}...],
"vmhwm_ratio": max/min, "rss_anon_ratio": max/min}`; targets: both ratios under 1.2, the 50 MB run under 3 GB.

    python bench/pretrain_memory.py [--sizes 5,50,500] [--seed 0] [--tokenizer char] [--keep]
    python bench/pretrain_memory.py --sizes 0.2,0.4 # a smoke run (about half a minute; recorded as one)
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile, threading, time
from pathlib import Path
from record import record

def make_corpus(path:Path, mb:float, seed:int=0)->int:
    "Write about `mb` MB of paragraphs of English-like words to `path`, the same for the same `mb` and `seed`; its size in bytes."
    from pydoc_data.topics import topics
    words = sorted(set(re.findall(r'[A-Za-z]+', ' '.join(topics[k] for k in sorted(topics)))))
    rng, n, target = random.Random(seed), 0, int(mb * 1e6)
    with open(path, 'w', encoding='utf-8') as f:
        while n < target:
            paras = []
            for _ in range(1000):
                sents = [' '.join(rng.choices(words, k=rng.randint(4, 18))) for _ in range(rng.randint(1, 6))]
                paras.append(' '.join(s[0].upper() + s[1:] + '.' for s in sents))
            chunk = '\n\n'.join(paras) + '\n\n'
            if n + len(chunk) > target: chunk = chunk[:target - n].rsplit('\n\n', 1)[0] + '\n\n'
            f.write(chunk); n += len(chunk)   # ASCII: characters are bytes
    return n

def _status(pid:int)->dict:
    "VmHWM, RssAnon and RssFile of process `pid` in MB, or {} once it is gone."
    try: lines = Path(f'/proc/{pid}/status').read_text().splitlines()
    except OSError: return {}
    return {k: int(v.split()[0]) / 1024 for k, v in (l.split(':', 1) for l in lines) if k in ('VmHWM', 'RssAnon', 'RssFile')}

def run(data:Path, out:Path, env:dict, tokenizer:str='char', extra:tuple=())->dict:
    "Run `llmnb-pretrain` on `data` (`extra` flags after the ones above, which they override) in a process of its own, sampling its memory every 0.1 s; its peaks, stage times and result line."
    exe = Path(sys.executable).with_name('llmnb-pretrain')   # the command as installed with llmnb, in this Python's bin folder
    cmd = [sys.executable, str(exe if exe.exists() else shutil.which('llmnb-pretrain')), '--data', str(data),
           '--tokenizer', tokenizer, '--max-iters', '5', '--eval-interval', '5', '--eval-iters', '2', '--samples', '0',
           '--warmup-iters', '1', '--n-layer', '1', '--n-head', '2', '--n-embd', '32', '--block-size', '64', '--bs', '8',
           '--out', str(out), *extra]
    t0 = time.time()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    marks, lines, peak = {}, [], dict(VmHWM=0, RssAnon=0, RssFile=0)
    def read():
        for l in p.stdout:
            lines.append(l)
            for k in ('corpus:', 'model:'):
                if l.startswith(k) and k not in marks: marks[k] = time.time() - t0
    th = threading.Thread(target=read, daemon=True); th.start()
    while True:   # not p.poll(): os.wait4 reaps the process and gives its own rusage (ru_maxrss)
        s = _status(p.pid)
        if s.get('VmHWM', 0) >= peak['VmHWM']: peak.update(VmHWM=s['VmHWM'], RssFile=s.get('RssFile', 0))
        peak['RssAnon'] = max(peak['RssAnon'], s.get('RssAnon', 0))
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid: p.returncode = os.waitstatus_to_exitcode(status); break
        time.sleep(0.1)
    th.join(5)
    secs = time.time() - t0
    a, b = marks.get('corpus:'), marks.get('model:')
    res = dict(vmhwm_mb=round(peak['VmHWM']), maxrss_mb=round(ru.ru_maxrss / 1024), rss_anon_mb=round(peak['RssAnon']),
               rss_file_mb=round(peak['RssFile']), seconds=round(secs, 1), rc=p.returncode,
               stages={'load+tokenizer': a and round(a, 1), 'pack': a and b and round(b - a, 1), 'train': b and round(secs - b, 1)})
    if p.returncode: print(''.join(lines[-20:]), file=sys.stderr)
    last = lines[-1] if lines and lines[-1].startswith('{') else None
    return dict(res, result=json.loads(last)) if last else res

def summary(runs:list)->dict:
    "The peaks by corpus size, and the ratios of the largest to the smallest: the headline of a run."
    ratio = lambda k: round(max(r[k] for r in runs) / max(min(r[k] for r in runs), 1), 3)
    by_size = lambda k: {f"{r['mb']:g} MB": r[k] for r in runs}
    return dict(vmhwm_mb=by_size('vmhwm_mb'), rss_anon_mb=by_size('rss_anon_mb'), seconds=by_size('seconds'),
                vmhwm_ratio=ratio('vmhwm_mb'), rss_anon_ratio=ratio('rss_anon_mb'))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', default='5,50,500', help='corpus sizes in MB, comma-separated')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tokenizer', default='char')
    p.add_argument('--keep', action='store_true', help='keep the temporary folder (corpora, cache, runs)')
    a = p.parse_args()
    sizes = [float(s) for s in a.sizes.split(',')]
    tmp = Path(tempfile.mkdtemp(prefix='llmnb-pretrain-memory-'))
    need = sum(sizes) * 1e6 * 12   # the corpus, its Arrow copies (load, clean) and the blocks (4 bytes a token)
    if shutil.disk_usage(tmp).free < need: sys.exit(f'{tmp} has {shutil.disk_usage(tmp).free/1e9:.1f} GB free; this needs about {need/1e9:.1f} GB')
    env = dict(os.environ, HF_DATASETS_CACHE=str(tmp/'cache'), HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', OMP_NUM_THREADS='1',
               LLMNB_BENCH_RESULTS='')
    runs = []
    try:
        for i, mb in enumerate(sizes):
            f = tmp/f'corpus-{mb:g}mb.txt'
            t = time.time(); size = make_corpus(f, mb, a.seed)
            print(f'{f.name}: {size/1e6:.1f} MB written in {time.time()-t:.1f}s', file=sys.stderr, flush=True)
            r = dict(mb=mb, **run(f, tmp/f'run-{i}', env, a.tokenizer))
            print(r, file=sys.stderr, flush=True)
            runs.append(r)
            f.unlink(); shutil.rmtree(tmp/'cache', ignore_errors=True); shutil.rmtree(tmp/f'run-{i}', ignore_errors=True)
    finally:
        if not a.keep: shutil.rmtree(tmp, ignore_errors=True)
    res = dict(runs=runs, tokenizer=a.tokenizer, **summary(runs))
    record(dict(res, smoke=True) if max(sizes) < 5 else res)   # corpora under 5 MB say nothing of memory: a smoke run

if __name__ == '__main__': main()
