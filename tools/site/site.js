// The offline docs site (tools/preview.py): math typeset by KaTeX, and the search box (MiniSearch over search_index.js,
// loaded at the first keystroke with a <script> tag, so that search also works from file://, where fetch() is refused).
(function () {
  const root = document.body.dataset.root || '';
  for (const el of document.querySelectorAll('.math.inline, .math.display'))
    katex.render(el.textContent, el, {displayMode: el.classList.contains('display'), throwOnError: false});

  const side = document.getElementById('sidebar'), here = side && side.querySelector('a.active');
  if (here) side.scrollTop = here.offsetTop - side.clientHeight / 2;   // the page's own entry in view, as Quarto does

  const input = document.getElementById('search-input'), list = document.getElementById('search-results');
  let index = null, loading = null;
  function load() {
    if (index) return Promise.resolve(index);
    if (!loading) loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = root + 'search_index.js';
      s.onload = () => {
        index = new MiniSearch({fields: ['title', 'section', 'text'], storeFields: ['title', 'section', 'href'],
                                searchOptions: {boost: {title: 3, section: 2}, prefix: true, fuzzy: 0.15}});
        index.addAll(window.SEARCH_DOCS);
        resolve(index);
      };
      s.onerror = () => reject(new Error('search index missing: ' + s.src));
      document.head.appendChild(s);
    });
    return loading;
  }
  function show(results, q) {
    list.innerHTML = '';
    for (const r of results.slice(0, 12)) {
      const li = document.createElement('li'), a = document.createElement('a');
      a.href = root + r.href;
      a.textContent = r.section || r.title;
      const where = document.createElement('div');
      where.className = 'where';
      where.textContent = r.section ? r.title : '';
      a.appendChild(where); li.appendChild(a); list.appendChild(li);
    }
    if (!results.length) { const li = document.createElement('li'); li.className = 'none'; li.textContent = 'Nothing found for “' + q + '”'; list.appendChild(li); }
    list.hidden = false;
  }
  input.addEventListener('input', () => {
    const q = input.value.trim();
    if (!q) { list.hidden = true; return; }
    load().then(ix => { if (input.value.trim() === q) show(ix.search(q), q); });
  });
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter') { const a = list.querySelector('a'); if (a) window.location.href = a.href; }
    if (e.key === 'Escape') { list.hidden = true; input.blur(); }
  });
  document.addEventListener('click', e => { if (!e.target.closest('.search')) list.hidden = true; });
})();
