#!/usr/bin/env python
"""Benchmark: a Vision Transformer trained from zero on Fashion-MNIST by llmnb and by HF `Trainer`, and a small CNN by fastai.

Data: Fashion-MNIST from Debian's `dataset-fashion-mnist` (`image_data.fashion_mnist`). All three train on the same 54,000
images (the training set less the stratified 10% that `image_data.image_dataloaders` holds out, seed 42), validate on that
10% after each epoch, and are scored by the same function on the 10,000 test images, which none of them saw.

- `llmnb`: `llmnb-finetune --task image_classification` as a function (`finetune`): a fresh llmnb ViT (`--patch-size`,
  6 blocks of 128, 4 heads, MLP 512), fastai's `DataBlock(ImageBlock, CategoryBlock)` with `--augment` (llmnb's presets
  of fastai's `aug_transforms`: `light` by default, small rotations and zooms, flips and lighting; `full`: fastai's own,
  with warps; `none`) and normalization by the data's statistics, `fit_one_cycle(--epochs, --lr)`, AdamW (weight decay
  0.01 on matrices), bf16 autocast.
- `trainer`: HF's documented image-classification recipe (the "Image classification" task guide): the same ViT
  configuration as a `transformers.ViTForImageClassification` (same init rule), `ViTImageProcessor` with the same mean and
  std, torchvision transforms per image through `Dataset.with_transform` (`RandomResizedCrop(28, scale=...)`,
  `RandomHorizontalFlip`, `ToTensor`, `Normalize`: the guide's crop at its default scale of 0.08–1 keeps as little as 8%
  of a 28-pixel image, so its scale is that of `--augment`'s zoom here: 0.9–1 for light, 0.8–1 for full; none: no crop
  nor flip), `DefaultDataCollator`, `Trainer` with AdamW, the same
  peak lr, 10% warmup then linear decay, weight decay 0.01, the same epochs and batch size, bf16 on the CPU, evaluation
  each epoch. Its time is `train_runtime`.
- `trainer_best`: the same Trainer with what its documentation offers an expert for this job: `torch_compile=True` (every
  batch has the same shape, so the model compiles once; `TrainingArguments` documents it for speed) and warm-up over the first
  25% of the steps with cosine decay (`warmup_steps=0.25`, `lr_scheduler_type='cosine'`: the schedule of fastai's one cycle,
  llmnb's). Not used: dataloader workers (the two cores are the ones training: a worker takes one from the model),
  `group_by_length` (every image has the same size).
- `cnn`: what a practitioner would train instead: a small fastai CNN (`ConvLayer`s: conv, BatchNorm, ReLU; 32→64→128→256
  channels, stride 2 from the second, global average pooling, a linear head; 0.4 M parameters) on llmnb's very loaders,
  `fit_one_cycle` with the same epochs and batch size, bf16.

Wall time is training time, data reading and per-epoch validation included (for llmnb: the whole `finetune` call, its test
scoring excluded; for the Trainer: `train_runtime`, its datasets built before). The runs go one after another in this
process, once per seed (`--seeds`), taking turns: the first to go moves one place each seed (`peers.take_turns`; `--order`
is the first seed's order). With several seeds each number is their mean, with `_sd` and `_seeds` beside it
(`peers.summary`). The last line is JSON:

    {"llmnb_acc", "llmnb_wall_s", "trainer_acc", "trainer_wall_s", "time_ratio", "trainer_best_acc", "trainer_best_wall_s",
     "time_ratio_best", "quality_delta_best", "cnn_acc", "cnn_wall_s", ...}

`time_ratio` = llmnb's wall time / the Trainer's (`time_ratio_best`: / `trainer_best`'s); `quality_delta_best` = llmnb's test
accuracy − `trainer_best`'s. `--limit N`: N training and N test images, one epoch (a smoke run).

`trainer_best` is not yet measured at full size: the run of 6 December landed on a machine without AVX-512, where bf16 is
emulated (a step of this ViT took 3.4 s; `train.speed.cpu_bf16_native`), and was stopped in its first epoch. Every run
here trains in bf16: run it where `cpu_bf16_native()` is true (about 40 minutes a seed for the four).

    python bench/vit_fashion.py [--epochs 9] [--bs 128] [--lr 2e-3] [--patch-size 7] [--augment light] [--threads 2] [--order llmnb,trainer,trainer_best,cnn] [--seeds 42] [--limit N]
"""
import argparse, sys, tempfile, time
from pathlib import Path
import torch
from record import record
from peers import take_turns, summary

def accuracy(logits, labels)->float:
    "The one scoring function: the fraction of test images whose top class is their label."
    return float((torch.as_tensor(logits).argmax(-1) == torch.as_tensor(labels)).float().mean())

def run_llmnb(a, tr, test, tmp):
    "llmnb's recipe (`finetune`), and its logits on the test images."
    from llmnb.apps.finetune import finetune
    from llmnb.data.images import image_items
    t = time.time()
    r = finetune(task='image_classification', train=tr, epochs=a.epochs, bs=a.bs, lr=a.lr, patch_size=a.patch_size, seed=a.seed, augment=a.augment,
                 mixed_precision='bf16', show=False, out=tmp/'llmnb')
    wall = time.time() - t   # a Dataset has no test split: finetune scores none
    learn = r['learn']
    p, y = learn.get_preds(dl=learn.dls.test_dl(image_items(test), with_labels=True))
    return dict(acc=accuracy(p, y), wall_s=wall, valid_acc=r['accuracy'])

def run_trainer(a, tr, va, test, tmp, mean, std, best:bool=False):
    "HF's documented recipe on the same ViT configuration; `best`: compiled, with warm-up and cosine decay."
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor, Trainer, TrainingArguments, DefaultDataCollator
    from torchvision.transforms import Compose, RandomResizedCrop, RandomHorizontalFlip, ToTensor, Normalize
    names = tr.features['label'].names
    proc = ViTImageProcessor(size={'height': 28, 'width': 28}, image_mean=mean, image_std=std)
    norm = Normalize(mean=proc.image_mean, std=proc.image_std)
    crop = {'light': [RandomResizedCrop(28, scale=(0.9, 1.), ratio=(0.95, 1.05)), RandomHorizontalFlip()],
            'full': [RandomResizedCrop(28, scale=(0.8, 1.)), RandomHorizontalFlip()], 'none': []}[a.augment]
    train_tf = Compose([*crop, ToTensor(), norm])
    eval_tf = Compose([ToTensor(), norm])
    def tf(t): return lambda b: {'pixel_values': [t(im.convert('RGB')) for im in b['image']], 'labels': b['label']}
    cfg = ViTConfig(image_size=28, patch_size=a.patch_size, num_channels=3, hidden_size=128, num_hidden_layers=6, num_attention_heads=4,
                    intermediate_size=512, hidden_dropout_prob=0., attention_probs_dropout_prob=0., num_labels=len(names),
                    id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
    torch.manual_seed(a.seed)
    model = ViTForImageClassification(cfg)
    who = 'trainer_best' if best else 'trainer'
    sched = dict(warmup_steps=0.25, lr_scheduler_type='cosine', torch_compile=True) if best else dict(warmup_steps=0.1, lr_scheduler_type='linear')
    args = TrainingArguments(output_dir=str(tmp/who), per_device_train_batch_size=a.bs, per_device_eval_batch_size=2 * a.bs,
                             num_train_epochs=a.epochs, learning_rate=a.lr, weight_decay=0.01, **sched,
                             eval_strategy='epoch', save_strategy='no', logging_strategy='no', report_to=[], bf16=True, use_cpu=True,
                             remove_unused_columns=False, dataloader_num_workers=0, seed=a.seed, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=tr.with_transform(tf(train_tf)), eval_dataset=va.with_transform(tf(eval_tf)),
                      data_collator=DefaultDataCollator(), compute_metrics=lambda p: {'accuracy': accuracy(p.predictions, p.label_ids)})
    from transformers import PrinterCallback
    trainer.remove_callback(PrinterCallback)   # its metrics are returned, not printed
    out = trainer.train()
    p = trainer.predict(test.with_transform(tf(eval_tf)))
    return dict(acc=accuracy(p.predictions, p.label_ids), wall_s=out.metrics['train_runtime'])

def small_cnn(n_out:int):
    "fastai `ConvLayer`s (conv, BatchNorm, ReLU), 32→64→128→256 channels, global average pooling, a linear head."
    import torch.nn as nn
    from fastai.layers import ConvLayer, Flatten
    return nn.Sequential(ConvLayer(3, 32), ConvLayer(32, 64, stride=2), ConvLayer(64, 128, stride=2), ConvLayer(128, 256, stride=2),
                         nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(256, n_out))

def run_cnn(a, tr, test):
    "A small CNN with fastai on llmnb's loaders."
    from fastai.learner import Learner
    from fastai.metrics import accuracy as fa_accuracy
    from fastai.callback.progress import ProgressCallback
    from llmnb.train.speed import mixed_precision_cb
    from llmnb.data.images import image_dataloaders, image_items
    from llmnb.core import set_seed
    set_seed(a.seed)
    dls = image_dataloaders(tr, bs=a.bs, seed=a.seed, augment=a.augment)
    learn = Learner(dls, small_cnn(len(dls.labels)), metrics=fa_accuracy, cbs=mixed_precision_cb('bf16', dls.device))   # fastai's own MixedPrecision is CUDA only
    learn.remove_cb(ProgressCallback)
    t = time.time()
    with learn.no_logging(): learn.fit_one_cycle(a.epochs, a.cnn_lr)
    wall = time.time() - t
    p, y = learn.get_preds(dl=dls.test_dl(image_items(test), with_labels=True))
    return dict(acc=accuracy(p, y), wall_s=wall, params=sum(q.numel() for q in learn.model.parameters()))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=9)
    p.add_argument('--bs', type=int, default=128)
    p.add_argument('--lr', type=float, default=2e-3, help='peak learning rate of both ViTs')
    p.add_argument('--cnn-lr', type=float, default=1e-2)
    p.add_argument('--patch-size', type=int, default=7)
    p.add_argument('--augment', default='light', choices=['light', 'full', 'none'], help="the training images' augmentation (llmnb's presets)")
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seeds', default='42', help='comma-separated: each run once per seed, taking turns')
    p.add_argument('--order', default='llmnb,trainer,trainer_best,cnn', help='which runs, in which order')
    p.add_argument('--limit', type=int, default=0, help='N training and test images, one epoch (a smoke run); 0: all')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    import datasets
    from transformers.utils import logging as hf_logging
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    from llmnb.data.images import fashion_mnist, _hold_out_images, image_stats
    try: full, test = fashion_mnist('train'), fashion_mnist('test')
    except Exception as e: sys.exit(str(e))
    if a.limit: full, test, a.epochs = full.shuffle(seed=0).select(range(a.limit)), test.select(range(a.limit)), 1
    mean, std = image_stats(full, size=28)
    tmp, t0, order = Path(tempfile.mkdtemp()), time.time(), a.order.split(',')
    bad = [w for w in order if w not in ('llmnb', 'trainer', 'trainer_best', 'cnn')]
    if bad: sys.exit(f'--order: unknown run {bad[0]!r} (llmnb, trainer, trainer_best, cnn)')
    def run(who, seed):
        a.seed = seed
        if who == 'llmnb': return run_llmnb(a, full, test, tmp/f'{seed}')
        if who == 'cnn': return run_cnn(a, full, test)
        tr, va = _hold_out_images(full, 0.1, seed, 'Fashion-MNIST')   # the split image_dataloaders makes with this seed, for the Trainer too
        return run_trainer(a, tr, va, test, tmp/f'{seed}', mean, std, who == 'trainer_best')
    runs = take_turns(order, [int(x) for x in a.seeds.split(',')], run)
    res = dict(epochs=a.epochs, bs=a.bs, lr=a.lr, patch_size=a.patch_size, augment=a.augment, **summary(runs, 'acc', default='trainer', best='trainer_best'))
    res.update(order=a.order, seeds=a.seeds, wall_s=time.time() - t0)
    record(res)

if __name__ == '__main__': main()
