#!/usr/bin/env python
"""Run llmnb's whole test suite and end with the line `N passed, M failed`.

What counts as one test: each notebook run by `nbdev-test` (every cell of it, except cells flagged with a `tst_flags`
flag such as `slow`, unless the flag is given), plus six repository checks: the notebooks and `llmnb/` are in sync
(`nbdev-export` changes nothing), the notebooks are clean (`nbdev-clean` changes nothing), and README.md is the
rendering of nbs/index.ipynb (`tools/readme.py --check`), pyflakes finds no unused import or undefined name in `llmnb/`, no path in the repository leads out of it (`check_inside`: a clone needs nothing beside it), and the house is in order
(`tools/house.py`: families in layers, sizes, the sidebar's order).
Notebooks in `FRESH` (those that fork training processes from their own) run each in a process of their own.
After the notebooks, with the whole suite: the docs site builds offline (`tools/preview.py`) and every page of it passes
the browser check (`tools/site_check.py`; skipped, not failed, where Chromium is not installed).

    python tools/test.py                  # the default suite (fast, CPU, offline)
    python tools/test.py --flags slow     # also the slow cells
    python tools/test.py nbs/22_models.gpt.ipynb # one notebook (the repository checks still run)
"""
import argparse, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One BLAS/OpenMP thread per notebook: nbdev-test runs notebooks in parallel, and N notebooks x N threads on N cores
# made tiny fits 8-10x slower. Tests never touch the network.
ENV = dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', TOKENIZERS_PARALLELISM='false', MPLBACKEND='Agg',
           HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TRANSFORMERS_OFFLINE='1', HF_HUB_DISABLE_TELEMETRY='1',
           PYTHONWARNINGS='ignore::DeprecationWarning')

def sh(cmd, **kw): return subprocess.run(cmd, cwd=ROOT, env={**os.environ, **ENV}, text=True, capture_output=True, **kw)

def tree_state():
    "What git sees of the working tree: status plus the diff itself."
    return sh(['git', 'status', '--porcelain']).stdout + sh(['git', 'diff']).stdout

def check_unchanged(name, cmd):
    "Run `cmd` and fail if it changed the working tree (skipped, not counted, outside a git checkout)."
    if sh(['git', 'rev-parse', '--is-inside-work-tree']).returncode: return None
    before = tree_state()
    r = sh(cmd)
    after = tree_state()
    ok = r.returncode == 0 and before == after
    if not ok:
        print(f'FAILED {name}: `{" ".join(cmd)}` ' + (f'exited {r.returncode}\n{r.stderr[-3000:]}' if r.returncode else
              'changed files:\n' + sh(['git', 'status', '--porcelain']).stdout), flush=True)
    else: print(f'ok     {name}', flush=True)
    return ok

SIDE_EFFECTS = ('fastai.torch_basics', 'llmnb.basics', 'fastai.interpret', 'fastai.callback.schedule', 'fastai.vision.learner', 'llmnb.train.bridge')   # imported for what importing them does

def check_flakes():
    "pyflakes on llmnb/: no unused imports (but those imported for their side effects), no undefined names."
    try: import pyflakes  # noqa: F401
    except ImportError: return None
    files = [str(f) for f in sorted((ROOT/'llmnb').rglob('*.py')) if f.name not in ('_modidx.py', '__init__.py')]
    out = sh([sys.executable, '-m', 'pyflakes', *files]).stdout.splitlines()
    bad = [l for l in out if not any(f"'{m}' imported but unused" in l for m in SIDE_EFFECTS)]
    print('ok     pyflakes on llmnb/' if not bad else 'FAILED pyflakes on llmnb/:\n' + '\n'.join(bad), flush=True)
    return not bad

TEXT = ('.ipynb', '.py', '.sh', '.yml', '.yaml', '.toml', '.md', '.cfg', '.txt', '.json', '.js', '.css', '.html')
REL = re.compile(r"""(?:['"(]|\]\()((?:\.\./)+[^'"()\s]*)""")        # a quoted relative path that climbs, or a markdown link's
PARENTS = re.compile(r"__file__\)?(?:\.resolve\(\))?(\.parents\[(\d+)\]|(?:\.parent(?!s))+)")   # a path built from the file's own place, some folders up
OUTSIDE = re.compile('|'.join(('shared' + '/data', '/wo' + 'rk/')))   # the folder CI happens to put beside the clone (spelt so that this line does not match itself)

def leaves(root:Path, f:Path, text:str)->list[str]:
    "The paths in `text` (the file `f` of the repository `root`) that lead out of the repository."
    bad = [m.group(0) for m in OUTSIDE.finditer(text)]
    for m in REL.finditer(text):
        if not (f.parent/m.group(1)).resolve().is_relative_to(root): bad.append(m.group(1))
    for m in PARENTS.finditer(text):   # Path(__file__).parent... or .parents[k]: k+1 folders up from the file
        up = int(m.group(2)) + 1 if m.group(2) else m.group(1).count('.parent')
        if not f.resolve().parents[up - 1].is_relative_to(root): bad.append(m.group(0))
    return bad

def check_inside():
    "Nothing in the repository (notebooks, tutorials, benches, tools, CI) reads outside it: every relative path stays in the clone."
    if sh(['git', 'rev-parse', '--is-inside-work-tree']).returncode: return None
    import json
    bad = []
    for name in sh(['git', 'ls-files', '--cached', '--others', '--exclude-standard']).stdout.splitlines():
        f = ROOT/name
        if not name.endswith(TEXT) or name.startswith('data/') or not f.is_file() or f.stat().st_size > 2_000_000: continue
        text = f.read_text(errors='replace')
        if name.endswith('.ipynb'): text = '\n'.join(''.join(c['source']) for c in json.loads(text)['cells'])
        bad += [f'{name}: {o}' for o in leaves(ROOT, f, text)]
    print('ok     no path leaves the repository' if not bad else 'FAILED paths that lead out of the repository:\n' + '\n'.join(bad), flush=True)
    return not bad

def check_house():
    "tools/house.py: families in layers (no upward import, no cycle), sizes within bounds, the sidebar in the notebooks' order."
    r = sh([sys.executable, 'tools/house.py'])
    print(f'ok     {r.stdout.strip().splitlines()[-1]}' if r.returncode == 0 else f'FAILED the house (tools/house.py):\n{(r.stdout + r.stderr)[-3000:]}', flush=True)
    return r.returncode == 0

def check_site():
    "Build the docs site offline, then check every page in headless Chromium (screenshots in _site_check/)."
    import json, shutil
    r = sh([sys.executable, 'tools/preview.py'])
    print((f'ok     docs site built offline: {r.stdout.strip()}' if r.returncode == 0 else
           f'FAILED docs site built offline:\n{(r.stderr or r.stdout)[-3000:]}'), flush=True)
    if r.returncode: return [False]
    if not any(map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))):
        print('skip   docs site in Chromium: no Chromium here'); return [True]
    c = sh([sys.executable, 'tools/site_check.py'])
    try: res = json.loads(c.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError): res = dict(passed=False, failures=[c.stderr[-3000:]])
    ok = c.returncode == 0 and res['passed']
    print(f'ok     docs site in Chromium: {res["file"]["pages"]} pages from file:// and http://, '
          f'{res["file"]["internal_links"]} internal links, {res["file"]["images"]} images, {res["file"]["formulas"]} formulas; '
          f'screenshots in {res["screenshots"]}' if ok else 'FAILED docs site in Chromium:\n' + '\n'.join(res.get('failures', [])), flush=True)
    return [True, ok]

# Notebooks that fork training processes from the notebook's own process (`launch`): nbdev-test's workers run several
# notebooks one after another, and a worker in which an earlier notebook ran a compiled backward pass can no longer fork
# processes that train (autograd's threads; `launch` refuses, rightly). These run in a process of their own.
FRESH = ('35_train.distributed.ipynb',)

def notebooks(path):
    from nbdev.doclinks import nbglob
    return [Path(f) for f in nbglob(path, as_path=True)]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('path', nargs='?', help='a notebook or folder (default: all of nbs/)')
    p.add_argument('--flags', default='', help='space-separated test flags to run too, e.g. "slow"')
    p.add_argument('--n-workers', type=int, default=os.cpu_count(), help='notebooks run in parallel')
    a = p.parse_args()
    t0 = time.time()
    results = [check_unchanged('notebooks and llmnb/ in sync', ['nbdev-export']),
               check_unchanged('notebooks clean', ['nbdev-clean']),
               check_unchanged('README.md renders nbs/index.ipynb', [sys.executable, 'tools/readme.py']),
               check_flakes(), check_inside(), check_house()]
    checks = [r for r in results if r is not None]
    nbs = notebooks(a.path)
    base = ['nbdev-test', '--timing'] + (['--flags', a.flags] if a.flags else [])
    fresh = [n for n in nbs if n.name in FRESH]
    runs = [(base + ['--n-workers', str(a.n_workers), '--skip-file-re', '|'.join(map(re.escape, FRESH))] + ([a.path] if a.path else []),
             [n for n in nbs if n.name not in FRESH])] if len(fresh) < len(nbs) else []
    runs += [(base + [str(n)], [n]) for n in fresh]   # each in a process of its own
    failed = set()
    for cmd, these in runs:
        print(f'running {len(these)} notebook(s): {" ".join(cmd)}', flush=True)
        r = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **ENV}, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        print(r.stdout, flush=True)
        bad = set(re.findall(r'^\t(\S+\.ipynb)$', r.stdout, re.M))
        failed |= bad if bad or not r.returncode else {n.name for n in these}   # crashed before reporting: count all as failed
    if not a.path: checks += check_site()
    n_pass = sum(checks) + sum(n.name not in failed for n in nbs)
    n_fail = len(checks) - sum(checks) + sum(n.name in failed for n in nbs)
    print(f'{len(nbs)} notebooks and {len(checks)} checks in {time.time()-t0:.0f}s')
    print(f'{n_pass} passed, {n_fail} failed')
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
