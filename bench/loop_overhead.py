#!/usr/bin/env python
"""Benchmark: what a training loop costs per step, llmnb (fastai Learner, `lm_learner`) vs HF `Trainer`.

Both train a model with almost no arithmetic (an embedding of 8 and a linear layer, as an HF `PreTrainedModel`) on
character-level tinyshakespeare blocks of 64, batch 12, for 1,000 steps, with the settings of `pretrain_char.py` (AdamW,
warm-up + cosine, weight decay, clipping): what is left of a step is the loop itself (data loading, callbacks,
optimizer and scheduler calls, logging). The two alternate for `--rounds` rounds (the machine's speed drifts); each
side's number is the median over rounds of the median step. The last line is JSON:

    {"llmnb_ms", "trainer_ms", "ratio": trainer_ms / llmnb_ms, "llmnb_rounds", "trainer_rounds", "llmnb_data_ms", "trainer_data_ms"}

(`_data_ms`: one batch of the training loader alone, iterated after training.)

    python bench/loop_overhead.py [--data data/tinyshakespeare/input.txt] [--steps 1000] [--rounds 3]
"""
import argparse, statistics, sys, tempfile, time
from pathlib import Path
import torch, torch.nn as nn
from record import record

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[1]/'data'/'tinyshakespeare'/'input.txt'))
    p.add_argument('--steps', type=int, default=1000)
    p.add_argument('--rounds', type=int, default=3)
    a = p.parse_args()
    if not Path(a.data).exists(): sys.exit(f'no tinyshakespeare at {a.data}: pass --data path/to/input.txt')
    import datasets
    from datasets import Dataset, DatasetDict
    from transformers import PreTrainedModel, PretrainedConfig, Trainer, TrainingArguments
    from pretrain_char import Blocks, StepTimes   # the Trainer side of the other bench (this folder)
    from transformers.modeling_outputs import CausalLMOutput
    from transformers.utils import logging as hf_logging
    from llmnb.core import set_seed
    from llmnb.data.tokenizers import train_tokenizer
    from llmnb.data.lm import lm_dataloaders, pack
    from llmnb.train.learner import lm_learner, silence
    from llmnb.apps.pretrain import StepSchedule
    datasets.disable_progress_bars(); hf_logging.set_verbosity_error()

    class TinyConfig(PretrainedConfig):
        model_type = 'llmnb-loop-overhead'
        def __init__(self, vocab_size=80, **kw): super().__init__(**kw); self.vocab_size, self.num_hidden_layers, self.hidden_size = vocab_size, 1, 8
    class Tiny(PreTrainedModel):   # an HF model with (almost) no arithmetic
        config_class = TinyConfig
        def __init__(self, c): super().__init__(c); self.emb, self.head = nn.Embedding(c.vocab_size, 8), nn.Linear(8, c.vocab_size); self.post_init()
        def forward(self, input_ids=None, labels=None, **kw):
            logits = self.head(self.emb(input_ids))
            loss = None if labels is None else nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten())
            return CausalLMOutput(loss=loss, logits=logits)

    text = Path(a.data).read_text()
    n = int(len(text) * 0.9)
    sp = DatasetDict(train=Dataset.from_dict({'text': [text[:n]]}), valid=Dataset.from_dict({'text': [text[n:n + 10_000]]}))
    tok = train_tokenizer(text[:n], 'char')
    cfg, bs, T, steps = TinyConfig(len(tok)), 12, 64, a.steps

    def per_batch(dl):
        "Seconds per batch of iterating `dl` alone."
        t, n = time.perf_counter(), sum(1 for _ in dl)
        return (time.perf_counter() - t) / n

    def llmnb():
        set_seed(0)
        dls = lm_dataloaders(sp, tok, block_size=T, bs=bs, train_batches=steps)
        learn = silence(lm_learner(dls, Tiny(cfg), lr=1e-3, wd=0.1, clip=1.0, cbs=StepSchedule(1e-3, 1e-4, 100, steps)))
        learn.fit(1)
        return learn.throughput.history[-1]['median_step_s'], per_batch(dls.train)

    blocks = pack(sp['train'], tok, T, shift=1)
    def trainer():
        set_seed(0)
        st = StepTimes()
        args = TrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=bs, max_steps=steps, learning_rate=1e-3,
                                 lr_scheduler_type='cosine_with_min_lr', lr_scheduler_kwargs=dict(min_lr=1e-4), warmup_steps=100,
                                 weight_decay=0.1, max_grad_norm=1.0, logging_steps=steps, save_strategy='no', report_to=[],
                                 use_cpu=not torch.cuda.is_available(), disable_tqdm=True, dataloader_num_workers=0)
        tr = Trainer(model=Tiny(cfg), args=args, train_dataset=Blocks(blocks), callbacks=[st])
        tr.train()
        return statistics.median(st.steps), per_batch(tr.get_train_dataloader())

    ours, theirs = [], []
    for r in range(a.rounds):
        ours.append(llmnb()); theirs.append(trainer())
        print(f'round {r}: llmnb {1000 * ours[-1][0]:.3f} ms, Trainer {1000 * theirs[-1][0]:.3f} ms', flush=True)
    med = lambda rs, i: 1000 * statistics.median(x[i] for x in rs)
    record(dict(llmnb_ms=med(ours, 0), trainer_ms=med(theirs, 0), ratio=med(theirs, 0) / med(ours, 0),
                          llmnb_rounds=[round(1000 * x[0], 3) for x in ours], trainer_rounds=[round(1000 * x[0], 3) for x in theirs],
                          llmnb_data_ms=med(ours, 1), trainer_data_ms=med(theirs, 1)))

if __name__ == '__main__': main()
