#!/usr/bin/env python
"""Check the offline docs site (`tools/preview.py`) page by page in headless Chromium, driven by Playwright.

Every page is opened from `file://` and again from a local HTTP server, with every request that leaves the site
refused (a page that needs a CDN fails here). On each page: no console error, failed request or script error; no
raw `#|` cell option, front-matter line or pandoc `{target=...}` attribute in the text; every image loaded (natural
width > 0); every formula typeset by KaTeX without error; the sidebar has all its entries; and every internal link
resolves to a file of the site, and its `#anchor` to an element of that page; every page is in the sidebar. On the attention page, the search box
must find "attention". A screenshot of each page is saved. Prints one JSON line; exits 1 when a check fails.

    python tools/preview.py && python tools/site_check.py [--site _preview] [--out _site_check] [--chromium PATH]
"""
import argparse, functools, http.server, json, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urlsplit, unquote
from preview import fresh_folder   # the screenshots folder: replaced only if this tool made it

ROOT = Path(__file__).resolve().parent.parent

PAGE_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const code = [...main.querySelectorAll('pre')].map(p => p.textContent);
  const prose = main.cloneNode(true);   // the page's text without its code, where a raw option or attribute is a mistake
  prose.querySelectorAll('pre, code, .katex').forEach(e => e.remove());
  const text = prose.textContent;
  return {
    ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
    raw_option: code.some(t => /(^|\\n)\\s*#\\|/.test(t)) || text.includes('#|'),
    front_matter: /output-file:|(^|\\s)---\\s*(title|description):/.test(text),
    pandoc_attr: text.includes('{target='),
    math: document.querySelectorAll('.math').length,
    math_typeset: document.querySelectorAll('.math .katex').length,
    math_errors: document.querySelectorAll('.katex-error').length,
    sidebar_links: document.querySelectorAll('#sidebar a').length,
    title: (document.querySelector('h1.title') || {}).textContent || '',
  };
}"""

def entries(items)->list:
    "The pages the sidebar lists, in its order."
    return [p for _, x in items for p in (entries(x) if isinstance(x, list) else [x])]

def serve(folder:Path):
    "A local HTTP server of the site, in a thread; returns (base url, server)."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f'http://127.0.0.1:{srv.server_address[1]}/', srv

def visit(page, url, shot=None):
    "Open `url`, wait for its images and scripts, return what the page says about itself and the errors it raised."
    errs = []
    on_console = lambda m: errs.append(f'console {m.type}: {m.text}') if m.type == 'error' else None
    on_error = lambda e: errs.append(f'script error: {e}')
    on_failed = lambda r: errs.append(f'request failed: {r.url} ({r.failure})')
    page.on('console', on_console); page.on('pageerror', on_error); page.on('requestfailed', on_failed)
    try:
        page.goto(url, wait_until='load')
        page.wait_for_function('() => [...document.images].every(i => i.complete)', timeout=15000)
        info = page.evaluate(PAGE_JS)
        if shot: page.screenshot(path=str(shot))
    finally:
        page.remove_listener('console', on_console); page.remove_listener('pageerror', on_error); page.remove_listener('requestfailed', on_failed)
    info['errors'] = errs
    return info

def to_site_path(url:str, base:str):
    "The site-relative path and fragment of an absolute URL, or None if it is not under `base` (the site's root URL)."
    if not url.startswith(base): return None
    u = urlsplit(url[len(base):])
    return unquote(u.path), u.fragment

def check_pages(page, site:Path, base:str, pages:list, side_n:int, shots:Path|None, fail):
    "Visit every page of `site` under `base` (file:// or http://): the checks of one page, then its links against the others."
    seen = {}
    for p in pages:
        shot = shots/(p.replace('/', '__').removesuffix('.html') + '.png') if shots else None
        info = seen[p] = visit(page, base + p, shot)
        for e in info['errors']: fail(p, e)
        if info['raw_option']: fail(p, 'raw `#|` cell option in the text')
        if info['front_matter']: fail(p, 'a front-matter line in the text')
        if info['pandoc_attr']: fail(p, 'a raw pandoc attribute `{target=...}` in the text')
        for im in info['images']:
            if not im['ok']: fail(p, f'image not loaded: {im["src"][:120]}')
        if info['math'] != info['math_typeset'] or info['math_errors']:
            fail(p, f'{info["math"]} formulas, {info["math_typeset"]} typeset, {info["math_errors"]} KaTeX errors')
        if info['sidebar_links'] != side_n: fail(p, f'sidebar has {info["sidebar_links"]} links, sidebar.yml {side_n}')
        if not info['title'].strip(): fail(p, 'no title')
    n_links = 0
    for p, info in seen.items():
        for url in info['links']:
            t = to_site_path(url, base)
            if t is None:
                if urlsplit(url)[:2] == urlsplit(base)[:2]: fail(p, f'link outside the site: {url}')   # same origin, not under the site
                continue
            path, frag = t
            n_links += 1
            target = path or p
            if target not in seen:
                if not (site/target).is_file(): fail(p, f'broken link: {url[len(base):]}')
                elif frag: fail(p, f'anchor into a file that is not a page: {url[len(base):]}')
            elif frag and frag not in seen[target]['ids']: fail(p, f'no anchor #{frag} in {target}')
    return seen, n_links

def check_search(page, base:str, target:str, query:str, shot:Path|None):
    "Type `query` into the search box of page `target`: the results must link to `target`."
    page.goto(base + target, wait_until='load')
    page.fill('#search-input', query)
    page.wait_for_selector('#search-results li', timeout=10000)
    hrefs = page.eval_on_selector_all('#search-results a', 'els => els.map(a => a.href)')
    if shot: page.screenshot(path=str(shot))
    return [to_site_path(h, base)[0] for h in hrefs if to_site_path(h, base)]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--site', default=str(ROOT/'_preview'), help='the built site (tools/preview.py --out)')
    p.add_argument('--out', default=str(ROOT/'_site_check'), help='folder for the screenshots (replaced)')
    p.add_argument('--chromium', default=next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None))
    p.add_argument('--search', default='attention', help='the word the search box must find on its own page')
    p.add_argument('--search-page', default='models.attention', help='the page the search must find (its name without .html)')
    a = p.parse_args()
    if not a.chromium: sys.exit('no Chromium found: install it (apt-get install chromium) or pass --chromium PATH')
    site = Path(a.site).resolve()
    if not (site/'pages.json').exists(): sys.exit(f'{site} is not a built site: run python tools/preview.py first')
    meta = json.loads((site/'pages.json').read_text())
    pages, listed = meta['pages'], entries(meta['sidebar'])
    side_n = len(listed)
    shots = fresh_folder(a.out, '.llmnb-site-check', ROOT/'_site_check')
    target = next((p for p in pages if Path(p).stem == a.search_page), None)
    failures, t0 = [], time.time()
    fail = lambda page, msg: failures.append(f'{page}: {msg}')
    for p in pages:
        if p not in listed: fail(p, 'not in sidebar.yml: a reader cannot find it')
    from playwright.sync_api import sync_playwright
    http_base, srv = serve(site)
    file_base = site.as_uri() + '/'
    refused = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, args=['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'])
        ctx = browser.new_context(viewport={'width': 1400, 'height': 900})
        def route(r):
            if r.request.url.startswith((file_base, http_base, 'data:')): r.continue_()
            else: refused.append(r.request.url); r.abort()
        ctx.route('**/*', route)
        page = ctx.new_page()
        res = {}
        for name, base, sh in (('file', file_base, shots), ('http', http_base, None)):
            seen, n_links = check_pages(page, site, base, pages, side_n, sh, lambda pg, m, n=name: fail(f'{n} {pg}', m))
            found = check_search(page, base, target, a.search, shots/'search.png' if sh else None) if target else []
            if target is None: fail(name, f'no page named {a.search_page}.html for the search check')
            elif target not in found: fail(f'{name} {target}', f'search for {a.search!r} does not list {target}: {found[:5]}')
            res[name] = dict(pages=len(seen), internal_links=n_links, images=sum(len(i['images']) for i in seen.values()),
                             formulas=sum(i['math'] for i in seen.values()), search_results=len(found))
        browser.close()
    srv.shutdown()
    for u in refused: fail('network', f'request outside the site refused: {u}')
    checks = ['no console error, script error or failed request', 'no raw #| option', 'no front-matter line', 'no {target=...} text',
              'every image loaded', 'every formula typeset by KaTeX', 'every page in the sidebar, the sidebar complete on every page',
              'every internal link and anchor resolves', f'search finds {a.search!r} on its page', 'nothing fetched from outside the site']
    out = dict(passed=not failures, checks=checks, **res, failures=failures[:50], n_failures=len(failures),
               screenshots=str(shots), n_screenshots=len(list(shots.glob('*.png'))), seconds=round(time.time() - t0, 1))
    print(json.dumps(out))
    sys.exit(0 if out['passed'] else 1)

if __name__ == '__main__': main()
