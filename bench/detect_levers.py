#!/usr/bin/env python
"""Benchmark: what makes a YOLOS train from zero on digit canvases (issue 33: DETR-style training converges slowly).

Each lever is a `YolosConfig` option (`models.yolos`); each run trains a fresh YOLOS (4 blocks of 128, 4 heads, patches
of 8) on the digit canvases (`data.boxes.builtin_boxes('digit-canvases')`, the 10% that `box_dataloaders` holds out
validates) for `--steps` steps of `--bs` with AdamW and one cycle at `--lr` (10% warm-up), in a plain loop (the same
for every run), then scores COCO mAP on the held-out canvases. Runs go one after another in this process.

    python bench/detect_levers.py [--steps 2000] [--runs base,queries,anchors,stem,all] [--lr 1e-3]

The runs (`RUNS`): `base` (10 detection tokens); `queries` (16); `anchors` (16, a reference box each); `stem` (a
convolution stem); `aux` (auxiliary losses); `denoising` (DN-DETR's queries); `all` (16 tokens, anchors, stem, aux:
what `tasks.detection.FROM_ZERO` builds); `detr`: a DETR (`models.detr`: the same 4-block encoder, 16 object queries
through a 2-layer decoder) with the same levers (stem, reference boxes, auxiliary losses per decoder layer); `detr_plain`:
that DETR without them. The last line is JSON: per run its mAP, mAP@.5, final losses and seconds.
"""
import argparse, json, math, sys, time
import torch
from record import record

RUNS = dict(base=dict(num_detection_tokens=10), queries=dict(num_detection_tokens=16), anchors=dict(num_detection_tokens=16, anchors=True),
            stem=dict(num_detection_tokens=10, conv_stem=True), aux=dict(num_detection_tokens=10, auxiliary_loss=True),
            denoising=dict(num_detection_tokens=10, denoising=True),
            all=dict(num_detection_tokens=16, anchors=True, conv_stem=True, auxiliary_loss=True),
            detr=dict(detector='detr', num_detection_tokens=16, anchors=True, conv_stem=True, auxiliary_loss=True),
            detr_plain=dict(detector='detr', num_detection_tokens=16))

def run(name:str, dls, a)->dict:
    from llmnb.tasks.detection import DETECTORS
    from llmnb.train.metrics import coco_map
    from llmnb.models.matching import detections, cxcywh_to_xyxy
    torch.manual_seed(a.seed)
    kw = dict(RUNS[name])
    new, n = DETECTORS[kw.pop('detector', 'yolos')], kw.pop('num_detection_tokens')
    m = new(dls.labels, dls.size, 8, n, n_layer=4, n_head=4, n_embd=128, **kw)
    opt = torch.optim.AdamW(m.parameters(), a.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.steps, pct_start=0.1)
    t0, i, last = time.time(), 0, []
    while i < a.steps:
        for x, y in dls.train:
            o = m(**x); o.loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); opt.zero_grad(); sched.step(); i += 1
            last = (last + [{k: v.item() for k, v in o.loss_dict.items() if k in ('loss_ce', 'loss_bbox', 'loss_giou')}])[-100:]
            if i % 500 == 0: print(name, i, round(time.time() - t0), {k: round(sum(l[k] for l in last) / len(last), 3) for k in last[-1]}, file=sys.stderr, flush=True)
            if i >= a.steps: break
    secs = time.time() - t0
    m.eval(); preds, targs = [], []
    with torch.no_grad():
        for x, y in dls.valid:
            o, s = m(pixel_values=x['pixel_values']), torch.stack([t['orig_size'] for t in y])
            preds += detections(o.logits, o.pred_boxes, s)
            targs += [dict(boxes=cxcywh_to_xyxy(t['boxes']) * torch.tensor([z[1], z[0], z[1], z[0]]), labels=t['class_labels']) for t, z in zip(y, s)]
    r = coco_map(preds, targs)
    return dict(map=r['map'], map_50=r['map_50'], train_s=secs, **{k: sum(l[k] for l in last) / len(last) for k in last[-1]})

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--runs', default='base,queries,anchors,stem,all')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    import datasets; datasets.disable_progress_bars()
    from llmnb.data.boxes import box_dataloaders, builtin_boxes
    dls = box_dataloaders(builtin_boxes('digit-canvases'), bs=a.bs)
    res = dict(steps=a.steps, bs=a.bs, lr=a.lr)
    for name in a.runs.split(','):
        if name not in RUNS: sys.exit(f'--runs: unknown run {name!r} ({", ".join(RUNS)})')
        res[name] = run(name, dls, a)
        print(name, json.dumps(res[name]), file=sys.stderr, flush=True)
    record(res)

if __name__ == '__main__': main()
