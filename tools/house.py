#!/usr/bin/env python
"""The shape of the house, checked and drawn from the code: families, imports between them, sizes.

Rules (issue 32; shared/DESIGN.md's families):
- what a numbered notebook `NN_family.name.ipynb` exports imports llmnb only from notebooks with a LOWER number, so that
  the modules form layers without cycles; its examples (the cells that test it) import lower notebooks too, or a later
  notebook of the same family (as fastai's callback notebooks test with `synth_learner`), never a higher family;
- the modules' import graph has no cycle; `llmnb.models` imports neither fastai nor a family above it;
- no module over 400 lines (a model file may be longer if it reads top to bottom, as nanoGPT's model.py: none is today),
  no export cell over ~40 lines (45, or `LONG_CELLS` with the reason), no function over 60 lines unless `LONG` below names it with the reason.

    python tools/house.py            # check; one line per problem; exit 1 if any
    python tools/house.py --draw     # also print the families and the imports between them
    python tools/house.py --json     # the numbers, as one JSON line
"""
import argparse, ast, json, re, sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUND = ('core', 'files', 'cli', 'basics', 'testing', 'hub')
FAMILIES = ('ground', 'data', 'models', 'train', 'tasks', 'apps', 'widgets')
MAX_MODULE, MAX_CELL, MAX_FUNC = 400, 45, 60   # the "~40" lines an export cell, with a little slack
LONG = {}   # 'module.function': 'why it stays long (also said in its notebook's prose)'
LONG_CELLS = {('22_models.gpt.ipynb', 'class GPTModel('): "the model's body, read top to bottom as nanoGPT's `GPT.forward`: embeddings, blocks, final norm, with a shape comment a line"}

def family(mod:str)->str:
    "`llmnb.models.gpt` -> 'models'; the ground floor's modules -> 'ground'."
    parts = mod.split('.')
    return 'ground' if len(parts) < 3 or parts[1] in GROUND else parts[1]

def cells(nb:Path)->list[str]: return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']

def notebooks()->dict:
    "module -> (number, notebook) for every numbered notebook that exports one."
    out = {}
    for nb in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        for s in cells(nb):
            if m := re.match(r'#\|\s*default_exp\s+(\S+)', s): out['llmnb.' + m.group(1)] = (int(nb.name[:2]), nb)
    return out

def imported(code:str, here:str|None=None)->set[str]:
    "The llmnb modules that `code` imports (absolute, or relative to module `here`)."
    try: tree = ast.parse(code)
    except SyntaxError: tree = ast.parse('\n'.join(l for l in code.splitlines() if not l.lstrip().startswith(('%', '!'))))
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import): out |= {a.name for a in n.names if a.name.startswith('llmnb.')}
        elif isinstance(n, ast.ImportFrom):
            if n.level and here:
                base = here.split('.')[:-n.level]
                mod = '.'.join(base + ([n.module] if n.module else []))
                out |= {mod} if n.module else {f'{mod}.{a.name}' for a in n.names}
            elif n.module and n.module.startswith('llmnb.'): out.add(n.module)
            elif n.module == 'llmnb': out |= {f'llmnb.{a.name}' for a in n.names}
    return out

def module_graph()->dict:
    "module -> the llmnb modules it imports, from the exported files."
    g = {}
    for f in sorted((ROOT/'llmnb').rglob('*.py')):
        if f.name in ('_modidx.py', '__init__.py'): continue
        mod = '.'.join(('llmnb',) + f.relative_to(ROOT/'llmnb').with_suffix('').parts)
        g[mod] = {m for m in imported(f.read_text(), mod) if m != mod}
    return g

def cycles(g:dict)->list[list[str]]:
    "The import cycles of `g` (each found once, from a depth-first walk)."
    seen, stack, out = set(), [], []
    def walk(m):
        if m in stack: out.append(stack[stack.index(m):] + [m]); return
        if m in seen: return
        seen.add(m); stack.append(m)
        for d in sorted(g.get(m, ())): walk(d)
        stack.pop()
    for m in sorted(g): walk(m)
    return out

def sizes(g:dict)->tuple[dict, list, list]:
    "Lines per module, and the export cells and functions over the limits."
    lines, long_cells, long_funcs = {}, [], []
    for mod in g:
        f = ROOT/(mod.replace('.', '/') + '.py')
        text = f.read_text(); lines[mod] = len(text.splitlines())
        for n in ast.walk(ast.parse(text)):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and (k := n.end_lineno - n.lineno + 1) > MAX_FUNC:
                if f'{mod}.{n.name}' not in LONG: long_funcs.append((f'{mod}.{n.name}', k))
    for mod, (_, nb) in notebooks().items():
        for s in cells(nb):
            if s.startswith('#| export') and (k := len(s.splitlines()) - 1) > MAX_CELL and not any(nb.name == n and s.splitlines()[1].startswith(f) for n, f in LONG_CELLS):
                long_cells.append((nb.name, s.splitlines()[1][:60], k))
    return lines, long_cells, long_funcs

def check()->tuple[list[str], dict]:
    nbs, g = notebooks(), module_graph()
    bad = []
    rank = lambda m: FAMILIES.index(family(m)) if family(m) in FAMILIES else len(FAMILIES)
    for mod, (num, nb) in nbs.items():   # what a notebook exports imports lower notebooks only; its examples, lower ones or its own family's
        for s in cells(nb):
            for m in imported(s):
                m = next((k for k in nbs if m == k or m.startswith(k + '.')), m)
                if m not in nbs or m == mod or nbs[m][0] < num: continue
                if s.startswith('#| export'): bad.append(f'{nb.name} exports an import of {m} ({nbs[m][1].name}): not a lower notebook')
                elif rank(m) > rank(mod): bad.append(f'{nb.name} tests with {m} ({nbs[m][1].name}): a higher family')
    for c in cycles(g): bad.append('import cycle: ' + ' -> '.join(c))
    for mod, deps in g.items():
        if family(mod) == 'models':
            for d in deps:
                if family(d) not in ('ground', 'models') or d == 'llmnb.basics': bad.append(f'{mod} imports {d}: models know nothing of fastai or the families above')
    for mod, f in g.items():
        src = (ROOT/(mod.replace('.', '/') + '.py')).read_text()
        if family(mod) == 'models' and re.search(r'^\s*(from|import) fastai', src, re.M): bad.append(f'{mod} imports fastai')
    lines, long_cells, long_funcs = sizes(g)
    bad += [f'{m}: {k} lines (over {MAX_MODULE})' for m, k in lines.items() if k > MAX_MODULE]
    bad += [f'{nb}: export cell "{first}..." has {k} lines (over {MAX_CELL})' for nb, first, k in long_cells]
    bad += [f'{fn}: {k} lines (over {MAX_FUNC}; say why in LONG and in its prose, or split it)' for fn, k in long_funcs]
    fam = defaultdict(lambda: defaultdict(int))
    for m, deps in g.items():
        for d in deps:
            if family(d) != family(m): fam[family(m)][family(d)] += 1
    stats = dict(modules=len(g), families={f: sorted(m for m in g if family(m) == f) for f in FAMILIES},
                 family_imports={a: dict(b) for a, b in fam.items()}, largest_module=max(lines.items(), key=lambda kv: kv[1]),
                 module_lines=dict(sorted(lines.items(), key=lambda kv: -kv[1])), cycles=len(cycles(g)))
    return bad, stats

def draw(stats:dict)->str:
    "The families from the top floor down, each with its modules and the lower families it imports (count of module imports)."
    out = []
    for f in reversed(FAMILIES):
        mods = [m.split('.')[-1] for m in stats['families'][f]]
        deps = ', '.join(f'{d} ({n})' for d, n in sorted(stats['family_imports'].get(f, {}).items(), key=lambda kv: FAMILIES.index(kv[0])))
        out.append(f'{f:>8} | {" ".join(mods)}')
        out.append(f'{"":>8} |   imports: {deps or "no other family"}')
    return '\n'.join(out)

SECTIONS = dict(ground='Ground floor', data='Data', models='Models', train='Training', tasks='Tasks', apps='Applications', widgets='Widgets')
START = ['index.ipynb', 'start_here.ipynb', 'faq.ipynb']
TUTORIALS = ['pretrain_gpt_from_zero.ipynb', 'choosing_a_model.ipynb', 'finetune_sst2.ipynb', 'look_inside_attention.ipynb', 'chat_lora.ipynb', 'translate.ipynb',
             'summarize_code.ipynb', 'question_answering.ipynb', 'distillation.ipynb', 'vision_transformer.ipynb', 'detection_and_video.ipynb',
             'scale.ipynb']   # the course's order
CHECKS = ['benchmarks.ipynb', 'transformers_suite.ipynb', 'safety.ipynb', 'compat.ipynb', 'docs_site.ipynb']

def sidebar()->str:
    "nbs/sidebar.yml, made from the notebooks' numbers: one order for the files, the site and the README."
    secs = defaultdict(list)
    for mod, (num, nb) in sorted(notebooks().items(), key=lambda kv: kv[1][0]): secs[family(mod)].append(nb.name)
    order = sorted(secs, key=lambda f: min(int(n[:2]) for n in secs[f]))
    found = {p.name for p in (ROOT/'nbs'/'tutorials').glob('*.ipynb')}
    tut = [f'tutorials/{t}' for t in TUTORIALS if t in found] + sorted(f'tutorials/{t}' for t in found - set(TUTORIALS))
    out = ['# Made by `python tools/house.py --sidebar` from the notebooks\' numbers (the one order of files, site and README);',
           '# custom_sidebar = true in pyproject.toml: nbdev leaves this file as it is. Read by Quarto and tools/preview.py.',
           'website:', '  sidebar:', '    contents:']
    def section(title, items):
        out.extend([f'      - section: {title}', '        contents:'] + [f'          - {i}' for i in items])
    section('Start here', START)
    for f in order: section(SECTIONS[f], secs[f])
    section('Tutorials', tut)
    section('Benchmarks and checks', [c for c in CHECKS if (ROOT/'nbs'/c).exists()])
    return '\n'.join(out) + '\n'

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--draw', action='store_true', help='print the families and their imports')
    p.add_argument('--json', action='store_true', help='print the numbers as one JSON line')
    p.add_argument('--sidebar', action='store_true', help='write nbs/sidebar.yml from the notebooks\' numbers')
    a = p.parse_args()
    if a.sidebar: (ROOT/'nbs'/'sidebar.yml').write_text(sidebar())
    bad, stats = check()
    side = [l.strip()[2:] for l in sidebar().splitlines() if l.strip().startswith('- ') and l.strip().endswith('.ipynb')]
    readme = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    pages = lambda n: n.removesuffix('.ipynb').split('/')[-1] if not re.match(r'\d\d_', n.split('/')[-1]) else n.split('/')[-1][3:-6]
    want = [pages(n) for n in side if n != 'index.ipynb']
    text = '\n'.join(t for c in readme['cells'] if '| notebook |' in (t := ''.join(c['source'])))   # the course table, not the links around it
    got = [m for m in re.findall(r'\(https://llmnb\.github\.io/llmnb/([\w./]+?)\.html\)', text) if m.split('/')[-1] in want or m in want]
    got = [g.split('/')[-1] for g in dict.fromkeys(got)]
    if [w for w in want if w in got] != got: bad.append('the README table (nbs/index.ipynb) is not in the sidebar\'s order: ' + ' '.join(got))
    if (ROOT/'nbs'/'sidebar.yml').read_text() != sidebar(): bad.append('nbs/sidebar.yml is not in the notebooks\' order: run python tools/house.py --sidebar')
    if a.draw: print(draw(stats))
    if a.json: print(json.dumps(stats))
    for b in bad: print(b)
    if not a.json: print(f'{stats["modules"]} modules, {stats["cycles"]} cycles, largest {stats["largest_module"][0]} ({stats["largest_module"][1]} lines): '
                         + ('the house is in order' if not bad else f'{len(bad)} problems'))
    sys.exit(1 if bad else 0)

if __name__ == '__main__': main()
