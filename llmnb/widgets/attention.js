// The front end of `AttentionViewer` (llmnb/widgets/viewers.py): an ES module that anywidget loads into the page.
// It reads the widget's synced traits (tokens, key_tokens, data, view, layer, head, start, window, selected, part)
// and draws them as SVG heat maps; a control changed here sets the trait back in Python, which sends new data.
// Hand-written: nbdev generates only the .py files, so edit this file itself (nbs/60_widgets.viewers.ipynb explains).
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const col = w => `rgba(31,119,180,${Math.sqrt(Math.max(0, w)).toFixed(3)})`;
function heat(m, rtoks, ctoks, cell, labels, causal, roff, coff, sel) {
  const n = m.length, k = (m[0] || []).length, pad = labels ? 90 : 0, W = pad + k * cell, H = pad + n * cell;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-size="${Math.min(cell, 12)}px" font-family="monospace">`;
  s += `<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="#ccc"/></pattern></defs>`;
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    const fill = causal && j > i ? 'url(#hatch)' : col(m[i][j]);
    s += `<rect x="${pad + j * cell}" y="${pad + i * cell}" width="${cell}" height="${cell}" fill="${fill}" data-row="${i}"/>`;
  }
  if (labels) {
    for (let i = 0; i < n; i++) {
      const b = i === sel ? ' font-weight="bold" fill="#d62728"' : '';
      s += `<text x="${pad - 4}" y="${pad + i * cell + cell * 0.75}" text-anchor="end" data-row="${i}"${b}>${esc(rtoks[roff + i])}</text>`;
    }
    for (let j = 0; j < k; j++) s += `<text transform="translate(${pad + j0(j, cell)},${pad - 4}) rotate(-90)" data-col="${j}">${esc(ctoks[coff + j])}</text>`;
  }
  if (sel >= 0 && sel < n) s += `<rect x="${pad}" y="${pad + sel * cell}" width="${k * cell}" height="${cell}" fill="none" stroke="#d62728"/>`;
  return s + '</svg>';
}
const j0 = (i, cell) => i * cell + cell * 0.75;
function render({ model, el }) {
  const root = document.createElement('div'); root.className = 'llmnb-attn';
  const bar = document.createElement('div'); bar.className = 'llmnb-attn-bar';
  const body = document.createElement('div'); body.className = 'llmnb-attn-body';
  const info = document.createElement('div'); info.className = 'llmnb-attn-info';
  root.append(bar, body, info); el.appendChild(root);
  const set = (k, v) => { model.set(k, v); model.save_changes(); };
  function select(label, opts, value, onchange) {
    const l = document.createElement('label'); l.textContent = label + ' ';
    const s = document.createElement('select');
    for (const [v, t] of opts) { const o = document.createElement('option'); o.value = v; o.textContent = t; s.appendChild(o); }
    s.value = String(value); s.onchange = () => onchange(s.value); l.appendChild(s); return l;
  }
  function controls() {
    bar.replaceChildren();
    const L = model.get('n_layer'), H = model.get('n_head'), T = model.get('tokens').length, win = model.get('window');
    const parts = model.get('parts');
    if (parts.length) bar.appendChild(select('attention', parts.map(p => [p, p]), model.get('part'), v => set('part', v)));
    bar.appendChild(select('view', [['head', 'one head'], ['heads', 'all heads'], ['overview', 'layers × heads']], model.get('view'), v => set('view', v)));
    if (model.get('view') !== 'overview') {
      bar.appendChild(select('layer', [...Array(L).keys()].map(i => [i, i]), model.get('layer'), v => set('layer', +v)));
      if (model.get('view') === 'head') bar.appendChild(select('head', [...Array(H).keys()].map(i => [i, i]), model.get('head'), v => set('head', +v)));
    }
    if (T > win) {
      const l = document.createElement('label'); l.textContent = ' tokens ';
      const r = document.createElement('input'); r.type = 'range'; r.min = 0; r.max = T - win; r.value = model.get('start');
      const t = document.createElement('span'); t.textContent = `${model.get('start')}–${model.get('start') + win} of ${T}`;
      r.oninput = () => { t.textContent = `${r.value}–${+r.value + win} of ${T}`; };
      r.onchange = () => set('start', +r.value);
      l.append(r, t); bar.appendChild(l);
    }
  }
  const keys = () => model.get('key_tokens').length ? model.get('key_tokens') : model.get('tokens');   // the columns' tokens (cross-attention: the source's)
  const koff = () => model.get('key_tokens').length ? 0 : model.get('start');
  function describe(i) {
    const d = model.get('data'), toks = model.get('tokens'), off = model.get('start'), ks = keys(), ko = koff();
    if (model.get('view') !== 'head' || i < 0 || i >= d.mats[0].length) { info.textContent = 'hover over a token (a row) to see what it attends to; click to pin it'; return; }
    const row = d.mats[0][i].map((w, j) => [w, j]).sort((a, b) => b[0] - a[0]).slice(0, 5);
    info.innerHTML = `<b>${esc(toks[off + i])}</b> attends to ` + row.map(([w, j]) => `<span style="background:${col(w)}">${esc(ks[ko + j])}</span> ${w.toFixed(2)}`).join(', ');
  }
  function draw() {
    controls();
    const d = model.get('data'), toks = model.get('tokens'), off = model.get('start'), causal = model.get('causal'), sel = model.get('selected');
    if (d.kind === 'head') {
      const n = Math.max(d.mats[0].length, (d.mats[0][0] || []).length), cell = Math.max(8, Math.min(18, Math.floor(640 / Math.max(n, 1))));
      body.innerHTML = heat(d.mats[0], toks, keys(), cell, true, causal, off, koff(), sel);
      body.querySelectorAll('[data-row]').forEach(e => {
        const i = +e.dataset.row;
        e.onmouseenter = () => describe(i);
        e.onclick = () => set('selected', sel === i ? -1 : i);
      });
      body.onmouseleave = () => describe(model.get('selected'));
      describe(sel);
    } else {
      const grid = d.kind === 'heads' ? [d.mats] : d.mats, n = Math.max((grid[0][0] || []).length, ((grid[0][0] || [])[0] || []).length);
      const cell = Math.max(2, Math.floor((d.kind === 'heads' ? 160 : 72) / Math.max(n, 1)));
      let h = '<table class="llmnb-attn-grid"><tr><td></td>' + grid[0].map((_, j) => `<th>head ${j}</th>`).join('') + '</tr>';
      grid.forEach((row, l) => {
        h += `<tr><th>layer ${d.kind === 'heads' ? model.get('layer') : l}</th>`;
        row.forEach((m, j) => { h += `<td data-l="${d.kind === 'heads' ? model.get('layer') : l}" data-h="${j}" title="click: layer ${l}, head ${j}">${heat(m, toks, keys(), cell, false, causal, off, koff(), -1)}</td>`; });
        h += '</tr>';
      });
      body.innerHTML = h + '</table>';
      body.querySelectorAll('td[data-h]').forEach(e => { e.onclick = () => { model.set('layer', +e.dataset.l); model.set('head', +e.dataset.h); set('view', 'head'); }; });
      info.textContent = d.kind === 'heads' ? 'click a head to open it' : 'every layer and head, pooled to at most 24 tokens; click one to open it';
    }
  }
  for (const k of ['data', 'selected', 'view', 'start', 'part']) model.on(`change:${k}`, draw);
  draw();
}
export default { render };
