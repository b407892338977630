"""Where the benchmarks' results are kept. Each bench ends by printing its result as one JSON line and appending it,
with when, where and how it was run, to `bench/results/<bench>.jsonl`: the benchmarks page of the docs is generated
from those lines (the latest of each bench), never typed by hand. `LLMNB_BENCH_RESULTS=DIR` records into DIR instead
(the smoke runs of the tests do), and `LLMNB_BENCH_RESULTS=` (empty) records nothing."""
import json, os, platform, shutil, subprocess, sys, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent/'results'

def machine()->dict:
    "The machine a result was measured on: CPU model and cores, GPU, torch and Python versions."
    import torch
    cpu = platform.processor()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    return dict(cpu=cpu, cores=os.cpu_count(), gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                torch=torch.__version__, python=platform.python_version())

def commit()->str|None:
    "The git commit of the code measured, with `+dirty` when the working tree had changes."
    here = Path(__file__).parent
    if not shutil.which('git'): return None
    r = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=here, capture_output=True, text=True)
    if r.returncode: return None
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=here, capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + ('+dirty' if dirty else '')

def record(res:dict, bench:str|None=None)->dict|None:
    "Print `res` as the bench's last line (JSON), and append it with its context to the bench's results file."
    print(json.dumps(res), flush=True)
    folder = os.environ.get('LLMNB_BENCH_RESULTS', str(RESULTS))
    if not folder: return None
    bench = bench or Path(sys.argv[0]).stem
    line = dict(bench=bench, when=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                command=' '.join(['python', f'bench/{bench}.py', *sys.argv[1:]]), commit=commit(), machine=machine(), result=res)
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder)/f'{bench}.jsonl', 'a') as f: f.write(json.dumps(line) + '\n')
    return line

# What the README and the benchmarks page quote: for each bench with a peer, llmnb's defaults against the peer at its
# defaults and at its best, read from the latest full run recorded (never typed). Each entry: the bench, what it trains,
# the peer, the quality and its keys (llmnb, peer at its defaults, peer at its best; `lower`: lower is better), the
# time and its keys.
PEERS = [
    dict(bench='time_to_loss', what='pretraining: time to validation loss 1.90 (char-level Shakespeare)', peer="nanoGPT's loop",
         quality='loss at the budget', q=('llmnb_val_at_2000', 'nanogpt_val', 'nanogpt_best_val'), lower=True,
         time='s', t=('llmnb_s', 'nanogpt_s', 'nanogpt_best_s')),
    dict(bench='pretrain_char', what="pretraining: nanoGPT's CPU recipe, step time", peer="nanoGPT's loop",
         quality='validation loss', q=('val_loss', 'nanogpt_val_loss', 'nanogpt_best_val_loss'), lower=True,
         time='ms/step', t=('ms_per_iter', 'nanogpt_ms_per_iter', 'nanogpt_best_ms_per_iter')),
    dict(bench='finetune_vs_trainer', what='classification: MiniLM on SST-2, one epoch', peer='HF Trainer',
         quality='dev accuracy', q=('llmnb_accuracy', 'trainer_accuracy', 'trainer_best_accuracy'), time='s', t=('llmnb_wall_s', 'trainer_wall_s', 'trainer_best_wall_s')),
    dict(bench='sft_vs_trl', what='chat: LoRA on SmolLM2-135M, chatterbot conversations', peer="TRL's SFTTrainer",
         quality='held-out loss', q=('llmnb_eval_loss', 'trl_eval_loss', 'trl_best_eval_loss'), lower=True,
         time='tokens/s', t=('llmnb_tokens_per_s', 'trl_tokens_per_s', 'trl_best_tokens_per_s'), rate=True),
    dict(bench='seq2seq_vs_trainer', what='translation: encoder–decoder from zero, English→German messages', peer='HF Seq2SeqTrainer',
         quality='test BLEU', q=('llmnb_bleu', 'trainer_bleu', 'trainer_best_bleu'), time='s', t=('llmnb_wall_s', 'trainer_wall_s', 'trainer_best_wall_s')),
    dict(bench='vit_fashion', what='images: a ViT from zero on Fashion-MNIST', peer='HF Trainer',
         quality='test accuracy', q=('llmnb_acc', 'trainer_acc', 'trainer_best_acc'), time='s', t=('llmnb_wall_s', 'trainer_wall_s', 'trainer_best_wall_s')),
    dict(bench='detect_digits', what='detection: a YOLOS from zero on digit canvases', peer='HF Trainer',
         quality='test mAP@.5', q=('llmnb_map_50', 'trainer_map_50', 'trainer_best_map_50'), time='s', t=('llmnb_wall_s', 'trainer_wall_s', 'trainer_best_wall_s')),
    dict(bench='video_motion', what='video: a TimeSformer on moving digits', peer='HF Trainer',
         quality='test accuracy', q=('llmnb_acc', 'trainer_acc', 'trainer_best_acc'), time='s', t=('llmnb_wall_s', 'trainer_wall_s', 'trainer_best_wall_s')),
]

def latest(bench:str, folder:Path=RESULTS)->dict|None:
    "The newest full (not smoke) run of `bench` recorded in `folder`, or None."
    f = Path(folder)/f'{bench}.jsonl'
    if not f.exists(): return None
    lines = [json.loads(l) for l in f.read_text().splitlines() if l.strip()]
    lines = [l for l in lines if not l['result'].get('smoke')]
    return max(lines, key=lambda l: l['when']) if lines else None

def _num(v):
    "A recorded number: a list (one value per seed) by its median."
    import statistics
    return statistics.median(v) if isinstance(v, list) and v and None not in v else v

def _cell(v)->str:
    "A number for a table: whole above 100, else 3 significant digits."
    v = _num(v)
    if v is None or isinstance(v, list): return '–'
    return f'{v:,.0f}' if abs(v) >= 100 else f'{v:.3g}' if isinstance(v, float) else str(v)

def peers_md(folder:Path=RESULTS)->str:
    """Markdown: one row per bench of `PEERS`, llmnb's defaults against the peer at its defaults and at its best, from the
    latest full run of each; `time ÷ best` is llmnb's time for the same work over the best peer's (below 1: llmnb faster)."""
    rows = ['| task | peer | quality | llmnb | peer | peer at its best | time | llmnb | peer | peer at its best | llmnb time ÷ best | run |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for p in PEERS:
        l = latest(p['bench'], folder)
        if l is None: continue
        r = l['result']
        q, t = [r.get(k) for k in p['q']], [_num(r.get(k)) for k in p['t']]
        ratio = None if None in (t[0], t[2]) or isinstance(t[0], list) or isinstance(t[2], list) else (t[2] / t[0] if p.get('rate') else t[0] / t[2])
        rows.append(f"| {p['what']} | {p['peer']} | {p['quality']} | " + ' | '.join(_cell(x) for x in q) + f" | {p['time']} | "
                    + ' | '.join(_cell(x) for x in t) + f" | {_cell(ratio)} | `{l['command'].replace('python ', '')}`, {l['when'][:10]} |")
    return '\n'.join(rows)
