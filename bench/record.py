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
