#!/usr/bin/env python
"""Offline preview of the documentation, without Quarto: `nbdev-proc-nbs` (nbdev's own processing: hidden cells out,
`show_doc` for exported symbols, directives applied) then nbconvert's HTML export of each processed notebook, into
`_preview/` (ignored by git). The real site is built by Quarto (`nbdev-docs`, in the GitHub deploy workflow).

    python tools/preview.py && python -m http.server -d _preview 8000
"""
import json, shutil, subprocess, sys
from pathlib import Path
from nbconvert import HTMLExporter
import nbformat

ROOT = Path(__file__).resolve().parent.parent

_KEYS = {'code': {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count'},
         'markdown': {'cell_type', 'id', 'metadata', 'source', 'attachments'}, 'raw': {'cell_type', 'id', 'metadata', 'source'}}

def _load(p):
    "A processed notebook, without the extra keys and timing metadata nbdev's processing leaves on cells."
    nb = json.loads(p.read_text())
    nb['cells'] = [{**{k: v for k, v in c.items() if k in _KEYS[c['cell_type']]}, 'metadata': {}} for c in nb['cells']]
    return nbformat.reads(json.dumps(nb), as_version=4)

def main():
    subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, check=True)
    proc, out = ROOT/'_proc', ROOT/'_preview'
    shutil.rmtree(out, ignore_errors=True)
    exp = HTMLExporter(exclude_input_prompt=True, exclude_output_prompt=True)
    pages = []
    for nb_path in sorted(proc.rglob('*.ipynb')):
        rel = nb_path.relative_to(proc).with_suffix('.html')
        dest = out/rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        html, _ = exp.from_notebook_node(_load(nb_path))
        dest.write_text(html)
        pages.append(rel)
    for img in (ROOT/'nbs'/'images').glob('*'): (out/'images').mkdir(exist_ok=True); shutil.copy(img, out/'images'/img.name)
    links = '\n'.join(f'<li><a href="{p.as_posix()}">{p.with_suffix("").as_posix()}</a></li>' for p in pages)
    (out/'contents.html').write_text(f'<html><body><h1>llmnb (offline preview)</h1><ul>{links}</ul></body></html>')
    print(f'{len(pages)} pages in {out}; open {out/"contents.html"}')

if __name__ == '__main__': main()
