#!/usr/bin/env python
"""Build the documentation site offline, as Quarto renders it, into `_preview/` (ignored by git).

The real site is Quarto's (`nbdev-docs`, in the GitHub deploy workflow). This build reads the same inputs, so the two
cannot drift: the notebooks as nbdev processes them for Quarto (`nbdev-proc-nbs`: hidden cells out, `show_doc` run,
front matter written), and `_quarto.yml`, `nbdev.yml` and `sidebar.yml`. What Quarto does, it does with well-kept parts:
- cell options (`#| echo: false`, `output: asis|false`, `include: false`, `code-fold`, `warning: false`): read here,
  then each cell is rendered by nbconvert (template `tools/site/templates/llmnb`, Pygments for code);
- markdown by markdown-it-py with pandoc's extensions as mdit-py-plugins: `{...}` attributes on links and images,
  `::: {.callout-note}` divs, `$math$` (typeset in the page by KaTeX), heading ids as pandoc makes them;
- front matter → the page's title and description; `.ipynb` links and the site's own URL → relative links, so pages
  open from `file://` as well as from a server;
- the sidebar in the order of `sidebar.yml`, a table of contents, and a search box over all pages (MiniSearch);
- KaTeX and MiniSearch are vendored from the npm registry (`tools/site/package-lock.json`, `npm ci`): no CDN.

    python tools/preview.py                       # then open _preview/index.html, or:
    python -m http.server -d _preview 8000
    python tools/site_check.py                    # every page in headless Chromium, with screenshots
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile
from html import escape
from pathlib import Path, PurePosixPath as PP
from urllib.parse import urlsplit
import nbformat, yaml
from bs4 import BeautifulSoup
from fastcore.basics import listify
from jinja2 import Environment, FileSystemLoader
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin, attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from nbconvert import HTMLExporter
from pygments.formatters import HtmlFormatter

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT/'tools'/'site'
VENDOR = {'katex/katex.min.js': 'katex/dist/katex.min.js', 'katex/katex.min.css': 'katex/dist/katex.min.css',
          'katex/fonts': 'katex/dist/fonts', 'minisearch/minisearch.js': 'minisearch/dist/umd/index.js'}

def die(msg):
    print(f'{Path(sys.argv[0]).stem}: error: {msg}', file=sys.stderr); sys.exit(2)

def fresh_folder(out:Path, marker:str, default:Path)->Path:
    "Empty `out` for a new build, only if this tool made it (its `marker` file, or the repository's own `default` folder); else a one-line error."
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out/marker).exists() and out != default.resolve():
        die(f'{out} holds files this tool did not write: pass an empty or new folder with --out')
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    (out/marker).write_text('written by llmnb tools/: replaced by the next run\n')
    return out

# ---------------------------------------------------------------- markdown, with pandoc's extensions that Quarto uses
def pandoc_id(text:str)->str:
    "The id pandoc gives a heading (its `auto_identifiers`): lower case, spaces to hyphens, only letters, digits, `_-.`."
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower())
    s = re.sub(r'\s+', '-', s)
    return re.sub(r'^[\W\d_.-]+', '', s) or 'section'

CALLOUTS = {'note': 'Note', 'tip': 'Tip', 'warning': 'Warning', 'important': 'Important', 'caution': 'Caution'}

def _div_attrs(info:str)->dict:
    "Pandoc's attributes of a fenced div (`{#id .class key=value}`) as a dict: `id`, `classes` and the other keys."
    s = info.strip().strip('{}')
    d = {k: a or b for k, a, b in re.findall(r'([\w-]+)=(?:"([^"]*)"|(\S+))', s)}
    d['classes'] = re.findall(r'(?:^|\s)\.([\w-]+)', s)
    ids = re.findall(r'(?:^|\s)#([\w-]+)', s)
    if ids: d['id'] = ids[0]
    return d

def _render_div(self, tokens, idx, options, env):
    "Open or close a fenced div; a `.callout-*` div becomes a Quarto callout with its title."
    stack = env.setdefault('divs', [])
    tok = tokens[idx]
    if tok.nesting == -1: return stack.pop()
    a = _div_attrs(tok.info)
    kind = next((c[8:] for c in a['classes'] if c.startswith('callout-') and c[8:] in CALLOUTS), None)
    idattr = f' id="{a["id"]}"' if 'id' in a else ''
    if kind is None:
        stack.append('</div>\n')
        return f'<div class="{" ".join(a["classes"])}"{idattr}>\n'
    stack.append('</div></div>\n')
    title = a.get('title', CALLOUTS[kind])
    return (f'<div class="callout callout-{kind}"{idattr}><div class="callout-title">{title}</div>'
            f'<div class="callout-body">\n')

def _math(display):
    "Math as pandoc writes it into HTML (`span.math.inline` / `span.math.display`); KaTeX typesets it in the page."
    def render(self, tokens, idx, options, env):
        tag = 'div' if tokens[idx].block else 'span'
        return f'<{tag} class="math {"display" if display else "inline"}">{escape(tokens[idx].content)}</{tag}>' + ('\n' if tokens[idx].block else '')
    return render

def _quote_attrs(src:str)->str:
    "Quote pandoc's bare attribute values that markdown-it's attrs syntax would not take: `{width=50%}` → `{width=\"50%\"}`."
    fix = lambda m: m[1] + '{' + re.sub(r'([\w-]+)=([^\s"{}]+)', r'\1="\2"', m[2]) + '}'
    return re.sub(r'(\]\([^)\s]*\))\{([^}\n]*)\}', fix, src)

def markdown_renderer():
    "markdown-it-py (CommonMark, tables, raw HTML) with pandoc's attributes, fenced divs, dollar math and heading ids."
    md = (MarkdownIt('commonmark', {'html': True}).enable(['table', 'strikethrough'])
          .use(attrs_plugin, after=('image', 'code_inline', 'link_close', 'span_close'), spans=True)
          .use(attrs_block_plugin)
          .use(container_plugin, name='div', validate=lambda params, *a: params.strip().startswith('{'), render=_render_div)
          .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
          .use(anchors_plugin, min_level=1, max_level=6, slug_func=pandoc_id))
    for rule, display in (('math_inline', False), ('math_inline_double', True), ('math_block', True), ('math_block_label', True)):
        md.add_render_rule(rule, _math(display))
    return lambda src: md.render(_quote_attrs(src))

_md = markdown_renderer()   # tested in nbs/docs_site.ipynb

# ---------------------------------------------------------------- cells: Quarto's options, then nbconvert
OPT = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def cell_options(src:str):
    "Quarto's `#| key: value` lines at the top of a code cell, parsed as YAML, and the source without them."
    lines, opts = src.splitlines(), {}
    while lines and (m := OPT.match(lines[0])):
        opts[m[1]] = yaml.safe_load(m[2]) if m[2] else None
        lines.pop(0)
    return opts, '\n'.join(lines)

def _asis(outputs)->str:
    "What an `output: asis` cell writes into the page: its markdown (or plain text, or printed text) as markdown."
    parts = []
    for o in outputs:
        if o.output_type == 'stream' and o.name == 'stdout': parts.append(o.text)
        elif 'data' in o:
            d = o.data
            parts.append(d.get('text/markdown') or (f'<div>{d["text/html"]}</div>' if 'text/html' in d else d.get('text/plain', '')))
    return '\n\n'.join(parts)

def apply_options(nb):
    "The cells as Quarto shows them: options applied, their lines gone, the front matter cell out."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'): continue   # front matter: the page's header
        if c.cell_type != 'code': cells.append(c); continue
        o, c.source = cell_options(c.source)
        if o.get('include') is False: continue
        if o.get('warning') is False: c.outputs = [x for x in c.outputs if not (x.output_type == 'stream' and x.name == 'stderr')]
        if o.get('output') is False: c.outputs = []
        if o.get('code-fold') in (True, 'true', 'show'):
            c.metadata['code_fold'] = 'show' if o['code-fold'] == 'show' else True
            c.metadata['code_summary'] = o.get('code-summary', 'Code')
        if o.get('output') == 'asis':
            if o.get('echo') is not False: cells.append(nbformat.v4.new_code_cell(c.source, metadata=c.metadata))
            cells.append(nbformat.v4.new_markdown_cell(_asis(c.outputs)))
            continue
        if o.get('echo') is False: c.metadata.setdefault('transient', {})['remove_source'] = True
        if not c.source.strip() and not c.outputs: continue
        cells.append(c)
    nb.cells = cells
    return nb

_KEYS = {'code': {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count'},
         'markdown': {'cell_type', 'id', 'metadata', 'source', 'attachments'}, 'raw': {'cell_type', 'id', 'metadata', 'source'}}

def read_page(path:Path):
    "A processed notebook (without the keys nbdev's processing leaves on cells) and its front matter."
    nb = json.loads(path.read_text())
    nb['cells'] = [{k: v for k, v in c.items() if k in _KEYS[c['cell_type']]} for c in nb['cells']]
    for c in nb['cells']: c['metadata'] = {}
    nb = nbformat.reads(json.dumps(nb), as_version=4)
    fm = next((c.source for c in nb.cells if c.cell_type == 'raw' and c.source.lstrip().startswith('---')), None)
    meta = yaml.safe_load(fm.strip().strip('-')) if fm else {}
    return nb, meta or {}

def exporter():
    "nbconvert's HTML exporter with the site's template and markdown-it for every markdown (cells and outputs)."
    e = HTMLExporter(template_name='llmnb', extra_template_basedirs=[str(SITE/'templates')],
                     exclude_input_prompt=True, exclude_output_prompt=True)
    e.register_filter('markdown2html', lambda src, *a, **k: _md(src))
    return e

# ---------------------------------------------------------------- the site: pages, links, sidebar, search
def load_config(proc:Path)->dict:
    "`_quarto.yml` merged with its `metadata-files` (nbdev.yml, sidebar.yml), as Quarto reads them."
    cfg = yaml.safe_load((proc/'_quarto.yml').read_text()) or {}
    for f in cfg.get('metadata-files', []):
        for k, v in (yaml.safe_load((proc/f).read_text()) or {}).items():
            cfg[k] = {**cfg.get(k, {}), **v} if isinstance(v, dict) else v
    return cfg

def rel(target:str, page:str)->str:
    "The link from page `page` to site path `target` (both relative to the site's root, posix)."
    t, _, frag = target.partition('#')
    return (os.path.relpath(t, PP(page).parent.as_posix() or '.') if t else '') + ('#' + frag if frag else '')

def rewrite_links(soup, page:str, src:str, dest_of:dict, site_url:str):
    "Links as Quarto resolves them, made relative: a notebook becomes its page, the site's own URL a relative link."
    for tag, attr in (('a', 'href'), ('img', 'src')):
        for el in soup.find_all(tag, **{attr: True}):
            url = el[attr]
            if site_url and url.startswith(site_url + '/'): el[attr] = rel(url[len(site_url) + 1:], page); continue
            u = urlsplit(url)
            if u.scheme or u.netloc or url.startswith('#'): continue
            if u.path.endswith('.ipynb'):
                target = os.path.normpath((PP(src).parent/u.path).as_posix())
                if target in dest_of: el[attr] = rel(dest_of[target] + (f'#{u.fragment}' if u.fragment else ''), page)
    for el in soup.find_all('img', width=re.compile('%')): el['style'] = f'width:{el["width"]};' + el.get('style', ''); del el['width']

def dedup_ids(soup):
    "Unique ids over the whole page, as pandoc makes them (`x`, `x-1`, `x-2`...)."
    seen = set()
    for el in soup.find_all(id=True):
        i, n = el['id'], 1
        while el['id'] in seen: el['id'] = f'{i}-{n}'; n += 1
        seen.add(el['id'])

def toc(soup)->str:
    "The page's table of contents: its h2 and h3 headings."
    items = [f'<li class="toc-{h.name}"><a href="#{h["id"]}">{h.get_text(" ", strip=True)}</a></li>'
             for h in soup.find_all(['h2', 'h3']) if h.get('id')]
    return '<ul>' + ''.join(items) + '</ul>' if items else ''

def search_docs(soup, page:str, title:str)->list:
    "One search document per section of the page (split at h2/h3): prose and code, not outputs."
    docs, cur = [], dict(href=page, title=title, section='', text=[])
    for el in soup.find_all(['h2', 'h3', 'p', 'li', 'td', 'pre', 'blockquote', 'h4']):
        if el.find_parent(class_='output_wrapper'): continue
        if el.name in ('h2', 'h3') and el.get('id'):
            docs.append(cur); cur = dict(href=f'{page}#{el["id"]}', title=title, section=el.get_text(' ', strip=True), text=[])
        elif el.name not in ('h2', 'h3') and not el.find_parent(['li', 'td', 'blockquote']): cur['text'].append(el.get_text(' ', strip=True))
    docs.append(cur)
    return [dict(d, id=f'{d["href"]}', text=' '.join(d['text'])[:4000]) for d in docs if d['text'] or d['section']]

def sidebar_items(contents, pages:dict)->list:
    "sidebar.yml's contents as (title, page) and (section, items) entries; every entry must name a page of the site."
    out = []
    for it in contents or []:
        if isinstance(it, dict) and 'section' in it: out.append((it['section'], sidebar_items(it.get('contents'), pages))); continue
        src = it if isinstance(it, str) else it.get('href')
        if src not in pages: die(f'sidebar.yml names {src!r}, which is not a notebook of nbs/: fix the entry or add the notebook')
        out.append(((it.get('text') if isinstance(it, dict) else None) or pages[src]['title'], pages[src]['dest']))
    return out

def sidebar_html(items, page:str)->str:
    "The sidebar of one page: sections open, the page itself marked."
    li = []
    for name, x in items:
        if isinstance(x, list): li.append(f'<li class="section"><details open><summary>{name}</summary>{sidebar_html(x, page)}</details></li>')
        else: li.append(f'<li><a href="{rel(x, page)}"' + (' class="active" aria-current="page"' if x == page else '') + f'>{name}</a></li>')
    return '<ul>' + ''.join(li) + '</ul>'

def vendor(out:Path):
    "KaTeX and MiniSearch from the npm registry, at the versions of tools/site/package-lock.json (`npm ci`, once)."
    nm = SITE/'node_modules'
    if not all((nm/p).exists() for p in VENDOR.values()):
        if not shutil.which('npm'): die('npm is needed once to vendor KaTeX and MiniSearch (apt-get install npm), then `npm ci --prefix tools/site`')
        r = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund', '--prefix', str(SITE)], capture_output=True, text=True)
        if r.returncode: die(f'`npm ci --prefix tools/site` failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}')
    for d, s in VENDOR.items():
        (out/'site_libs'/d).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (nm/s).is_dir() else shutil.copy)(nm/s, out/'site_libs'/d)
    for f in ('site.css', 'site.js'): shutil.copy(SITE/f, out/'site_libs'/f)
    (out/'site_libs'/'pygments.css').write_text(HtmlFormatter(style='default').get_style_defs('.highlight'))

def copy_resources(soup, page:str, proc:Path, out:Path):
    "The files a page links to (its images...), copied beside it as Quarto does."
    for el in soup.find_all(['img', 'a', 'source']):
        url = el.get('src') or el.get('href') or ''
        u = urlsplit(url)
        if u.scheme or u.netloc or not u.path or u.path.endswith('.html'): continue
        p = os.path.normpath((PP(page).parent/u.path).as_posix())
        if p.startswith('..') or not (proc/p).is_file(): continue
        (out/p).parent.mkdir(parents=True, exist_ok=True); shutil.copy(proc/p, out/p)

SITE_MARK = '.llmnb-site'

def build(proc:Path, out:Path)->list:
    "Render every processed notebook of `proc` into `out`; returns the pages (source, dest, title)."
    cfg = load_config(proc)
    web = cfg.get('website', {})
    site_url = (web.get('site-url') or '').rstrip('/')
    pages = {}
    for f in sorted(proc.rglob('*.ipynb')):
        src = f.relative_to(proc).as_posix()
        if any(part.startswith(('_', '.')) for part in PP(src).parts): continue
        nb, meta = read_page(f)
        dest = (PP(src).parent/meta.get('output-file', PP(src).stem + '.html')).as_posix()
        pages[src] = dict(src=src, dest=dest, nb=nb, title=meta.get('title') or PP(src).stem, description=meta.get('description', ''))
    dest_of = {k: v['dest'] for k, v in pages.items()}
    side = sidebar_items(web.get('sidebar', {}).get('contents'), pages)
    out = fresh_folder(out, SITE_MARK, ROOT/'_preview')
    vendor(out)
    css = [c for c in listify(cfg.get('format', {}).get('html', {}).get('css')) if (proc/c).is_file()]
    for c in css: shutil.copy(proc/c, out/c)
    layout = Environment(loader=FileSystemLoader(SITE), autoescape=False).get_template('page.html')
    exp, docs = exporter(), []
    for p in pages.values():
        body, _ = exp.from_notebook_node(apply_options(p['nb']))
        soup = BeautifulSoup(body, 'html.parser')
        rewrite_links(soup, p['dest'], p['src'], dest_of, site_url)
        dedup_ids(soup)
        copy_resources(soup, p['dest'], proc, out)
        docs += search_docs(soup, p['dest'], p['title'])
        root = '../' * (len(PP(p['dest']).parts) - 1)
        desc = re.sub(r'^<p>|</p>$', '', _md(p['description']).strip())   # markdown, as Quarto reads the front matter
        html = layout.render(title=p['title'], description=desc, description_text=BeautifulSoup(desc, 'html.parser').get_text(), body=str(soup), toc=toc(soup), root=root,
                             sidebar=sidebar_html(side, p['dest']), site_title=web.get('title', ''), repo_url=web.get('repo-url', ''),
                             css=[root + c for c in css])
        (out/p['dest']).parent.mkdir(parents=True, exist_ok=True)
        (out/p['dest']).write_text(html)
    (out/'search_index.js').write_text('window.SEARCH_DOCS = ' + json.dumps(docs, ensure_ascii=False) + ';\n')
    listed = [p['dest'] for p in pages.values()]
    (out/'pages.json').write_text(json.dumps(dict(pages=listed, sidebar=side), indent=1))
    return listed

def proc_env(d:Path)->dict:
    "The environment for `nbdev-proc-nbs`: where Quarto is missing, a stand-in in folder `d` on the PATH, so that nbdev does not try to install it (with sudo, from the network); processing does not run Quarto."
    if shutil.which('quarto'): return dict(os.environ)
    (d/'quarto').write_text('#!/bin/sh\necho "quarto: not installed (tools/preview.py builds the site without it)" >&2\nexit 1\n')
    (d/'quarto').chmod(0o755)
    return dict(os.environ, PATH=f'{d}{os.pathsep}{os.environ.get("PATH", "")}')

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(ROOT/'_preview'), help='the folder of the site (replaced)')
    p.add_argument('--no-proc', action='store_true', help="use _proc/ as it is (don't run nbdev-proc-nbs first)")
    a = p.parse_args()
    if not a.no_proc:
        with tempfile.TemporaryDirectory() as d: r = subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, capture_output=True, text=True, env=proc_env(Path(d)))
        if r.returncode: sys.exit(f'nbdev-proc-nbs failed (a cell that docs processing runs, see below):\n{r.stderr[-4000:]}')
    pages = build(ROOT/'_proc', Path(a.out))
    print(f'{len(pages)} pages in {a.out}; open {Path(a.out)/"index.html"}')

if __name__ == '__main__': main()
