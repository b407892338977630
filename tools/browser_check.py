#!/usr/bin/env python
"""Check llmnb's widgets in a real browser: JupyterLab on localhost, driven by headless Chromium through Playwright.

Writes a notebook that shows three `AttentionViewer`s (two on a GPT, one on an encoder–decoder, its cross-attention), a `SamplingPlayground`, a `ChatPlayground` and a `TrainingDashboard`
(tiny models, no download), serves it with JupyterLab, opens it in Chromium with every request that is not to localhost refused (so a
widget that needs a CDN fails here), runs all cells, then checks and screenshots each widget: the viewers draw their
heat maps, changing the head in the browser changes the cells drawn, hovering a token explains it, the cross-attention is
target × source and the attention select switches it to the encoder's, the playground shows
its bars, a message typed into the chat playground is answered in the page with its bars, and the dashboard has its plot. Prints one JSON line and exits non-zero when a check fails.

    python tools/browser_check.py [--out DIR] [--chromium PATH]
"""
import argparse, json, os, secrets, shutil, socket, subprocess, sys, tempfile, time
from pathlib import Path
import nbformat

CELLS = [
    "import llmnb\nfrom llmnb.core import set_seed\nfrom llmnb.data.tokenizers import train_tokenizer\nfrom llmnb.data.corpus import load_corpus\nfrom llmnb.data.lm import lm_dataloaders\n"
    "from llmnb.models.gpt import GPT, GPTConfig\nfrom llmnb.train.learner import lm_learner\n"
    "from llmnb.widgets.viewers import AttentionViewer\nfrom llmnb.widgets.playground import SamplingPlayground, ChatPlayground\n"
    "from llmnb.widgets.dashboard import TrainingDashboard\n"
    "set_seed(0)\ntok = train_tokenizer(load_corpus().select(range(200))['text'], 'bpe', vocab_size=400)\n"
    "gpt = GPT(GPTConfig(vocab_size=len(tok), block_size=128, n_layer=2, n_head=4, n_embd=32))",
    "v1 = AttentionViewer(gpt, tok, 'The quick brown fox jumps over the lazy dog.')\nv1",
    "v2 = AttentionViewer(gpt, tok, ' '.join(['def f(x): return x'] * 12), window=24, view='heads')\nv2",
    "from llmnb.models.seq2seq import Seq2Seq, Seq2SeqConfig\n"
    "s2s = Seq2Seq(Seq2SeqConfig(vocab_size=len(tok), max_position_embeddings=64, d_model=32, encoder_layers=2, decoder_layers=2,\n"
    "                            encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,\n"
    "                            pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id))\n"
    "v3 = AttentionViewer(s2s, tok, 'cannot open the file for reading', target='Datei kann nicht gelesen werden')\nv3",
    "pg = SamplingPlayground(gpt, tok, prompt='The ')\npg",
    "from transformers import LlamaConfig, LlamaForCausalLM\nfrom llmnb.data.chat import add_chat_template\n"
    "ltok = train_tokenizer(load_corpus().select(range(50))['text'], 'bpe', vocab_size=300)\n"
    "llama = LlamaForCausalLM(LlamaConfig(vocab_size=len(ltok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,\n"
    "                                     num_key_value_heads=2, max_position_embeddings=128))\n"
    "add_chat_template(ltok, llama)\ncp = ChatPlayground(llama, ltok, temperature=0, max_new_tokens=8)\ncp",
    "dls = lm_dataloaders(load_corpus().select(range(100)), tok, block_size=32, bs=8, train_batches=20, valid_batches=2)\n"
    "dash = TrainingDashboard(every=5)\nlearn = lm_learner(dls, GPT(GPTConfig(vocab_size=len(tok), block_size=32, n_layer=1, n_head=2, n_embd=16)), cbs=dash)\n"
    "learn.fit(1, 1e-3)",
]

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='browser_check', help='folder for the screenshots')
    p.add_argument('--chromium', default=next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None))
    p.add_argument('--timeout', type=float, default=180)
    a = p.parse_args()
    if not a.chromium: sys.exit('no Chromium found: install it (apt-get install chromium) or pass --chromium PATH')
    from playwright.sync_api import sync_playwright
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    nbformat.write(nb, work/'widgets_check.ipynb')
    port, token = free_port(), secrets.token_hex(16)
    settings = work/'lab-settings'   # render every cell (Lab 4 leaves cells out of view out of the page), no news toast
    for name, value in {'notebook-extension/tracker': {'windowingMode': 'none'}, 'apputils-extension/notification': {'fetchNews': 'false'}}.items():
        f = settings/'@jupyterlab'/f'{name}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))
    env = dict(os.environ, HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TRANSFORMERS_OFFLINE='1', OMP_NUM_THREADS='1',
               JUPYTERLAB_SETTINGS_DIR=str(settings))
    lab = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                            f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--allow-root',
                            '--LabApp.news_url=', '--LabApp.expose_app_in_browser=True', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                           stdout=subprocess.DEVNULL, stderr=open(work/'lab.log', 'w'), env=env)
    res, checks, refused, errors = {}, {}, [], []
    try:
        base = f'http://127.0.0.1:{port}'
        for _ in range(120):
            try: socket.create_connection(('127.0.0.1', port), 1).close(); break
            except OSError: time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=a.chromium, args=['--no-sandbox', '--disable-gpu', '--no-first-run',
                                                                             '--disable-background-networking'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            def route(r):
                if r.request.url.startswith(base): r.continue_()
                else: refused.append(r.request.url); r.abort()
            page.route('**/*', route)
            page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
            page.on('pageerror', lambda e: errors.append(str(e)))
            try:
                page.goto(f'{base}/lab/tree/widgets_check.ipynb?token={token}', timeout=a.timeout * 1000)
                page.wait_for_selector('.jp-Notebook', timeout=a.timeout * 1000)
                page.wait_for_selector('text=| Idle', timeout=a.timeout * 1000)   # the kernel has started
                try: page.get_by_role('button', name='No', exact=True).click(timeout=3000)   # Lab's "notify about news?" toast
                except Exception: pass
                page.wait_for_function('window.jupyterapp !== undefined', timeout=a.timeout * 1000)
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_selector('.llmnb-attn svg', timeout=a.timeout * 1000)
                page.wait_for_function("document.querySelectorAll('.llmnb-attn').length >= 3", timeout=a.timeout * 1000)
                viewers = page.locator('.llmnb-attn')
                checks['three_viewers'] = viewers.count() == 3
                v1 = viewers.nth(0)
                before = v1.locator('svg').first.inner_html()
                checks['heatmap_cells'] = v1.locator('rect[data-row]').count() >= 100
                v1.locator('select').nth(2).select_option('3')   # view, layer, head: head 3
                page.wait_for_function("(b) => document.querySelector('.llmnb-attn svg').innerHTML !== b", arg=before, timeout=30_000)
                checks['head_change_redraws'] = v1.locator('svg').first.inner_html() != before
                v1.locator('text[data-row="4"]').first.hover()
                checks['hover_explains'] = 'attends to' in v1.locator('.llmnb-attn-info').inner_text()
                checks['causal_hatched'] = v1.locator('rect[fill="url(#hatch)"]').count() > 0
                v1.screenshot(path=str(out/'attention_viewer.png'))
                v2 = viewers.nth(1)
                checks['all_heads_grid'] = v2.locator('td[data-h]').count() == 4
                checks['window_slider'] = v2.locator('input[type=range]').count() == 1
                v2.screenshot(path=str(out/'attention_viewer_heads.png'))
                v3 = viewers.nth(2)   # an encoder-decoder: cross-attention, target rows x source columns
                v3.scroll_into_view_if_needed()
                rows, cols = (int(v3.locator(f'text[data-{k}]').count()) for k in ('row', 'col'))
                checks['cross_attention_rectangle'] = rows > 0 and cols > 0 and rows != cols and v3.locator('rect[data-row]').count() == rows * cols
                v3.screenshot(path=str(out/'cross_attention.png'))
                v3.locator('select').first.select_option('encoder')
                page.wait_for_function("(n) => { const v = document.querySelectorAll('.llmnb-attn')[2]; "
                                       "return v.querySelectorAll('text[data-row]').length === v.querySelectorAll('text[data-col]').length; }", arg=0, timeout=30_000)
                checks['part_switch'] = v3.locator('text[data-row]').count() == v3.locator('text[data-col]').count() == cols
                page.wait_for_selector('.widget-vbox:has(textarea)', timeout=a.timeout * 1000)
                pgw = page.locator('.widget-vbox:has(textarea)').first
                checks['playground_bars'] = pgw.locator('.widget-html span[style*="background"]').count() >= 3
                pgw.screenshot(path=str(out/'sampling_playground.png'))
                page.wait_for_selector('.widget-vbox:has(.llmnb-chat)', timeout=a.timeout * 1000)
                cpw = page.locator('.widget-vbox:has(.llmnb-chat)').first
                cpw.scroll_into_view_if_needed()
                cpw.get_by_placeholder('your message').fill('Hello there!')
                cpw.get_by_role('button', name='send').click()   # the kernel answers: the reply and its bars appear in the page
                cpw.locator('.llmnb-chat-assistant').wait_for(timeout=a.timeout * 1000)
                checks['chat_reply'] = cpw.locator('.llmnb-chat-user').inner_text() == 'Hello there!' and cpw.locator('.llmnb-chat-assistant').count() == 1
                cpw.locator('.widget-html span[style*="background"]').first.wait_for(timeout=30_000)
                checks['chat_bars'] = cpw.locator('.widget-html span[style*="background"]').count() >= 3
                cpw.screenshot(path=str(out/'chat_playground.png'))
                page.wait_for_function("[...document.querySelectorAll('.widget-output img')].length >= 1", timeout=a.timeout * 1000)
                dash = page.locator('.widget-output:has(img)').first
                dash.scroll_into_view_if_needed()
                checks['dashboard_plot'] = dash.locator('img').count() >= 1
                dash.screenshot(path=str(out/'training_dashboard.png'))
                checks['no_require_error'] = not any('require is not defined' in e for e in errors)
            except Exception as e:
                res['error'] = f'{type(e).__name__}: {e}'
                res['last_outputs'] = [t[-800:] for t in page.locator('.jp-OutputArea-output').all_inner_texts()[-3:]]
                page.locator('.jp-Cell').last.scroll_into_view_if_needed()
                page.screenshot(path=str(out/'failure.png'))
            browser.close()
    except Exception as e:
        res['error'] = f'{type(e).__name__}: {e}'
    finally:
        lab.terminate()
        try: lab.wait(10)
        except subprocess.TimeoutExpired: lab.kill()
    outside = sorted({u.split('/')[2] for u in refused if '://' in u})
    res.update(checks=checks, passed=bool(checks) and all(checks.values()) and 'error' not in res,
               screenshots=sorted(str(p) for p in out.glob('*.png')), refused_hosts=outside, console_errors=errors[:5])
    print(json.dumps(res))
    sys.exit(0 if res['passed'] else 1)

if __name__ == '__main__': main()
