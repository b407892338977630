"""What the benches that train llmnb and a peer share: runs that take turns over several seeds, and one summary of them.

A bench names its runs (`llmnb`, the peer at its defaults, the peer at its best) and gives one function that trains one of
them on one seed and returns its numbers. `take_turns` runs them all for every seed, the first to go moving one place each
seed (the machine's speed drifts: no run always meets the fresh or the tired machine). `summary` gives each number's mean
over seeds as `<run>_<key>` (the keys a one-seed bench always had), its standard deviation over seeds as `<run>_<key>_sd`
and its values as `<run>_<key>_seeds`, then the comparisons the benchmarks page and the README quote:

- `time_ratio`: llmnb's time ÷ the peer's at its defaults; `time_ratio_best`: ÷ the peer's at its best (below 1: llmnb faster);
- `quality_delta`, `quality_delta_best`: llmnb's quality minus the peer's, in the bench's own metric (higher is better);
- `same_quality_best`: whether llmnb's quality is at most one standard deviation over seeds (the larger of the two runs')
  below the best peer's: the bar for "the same quality" (above it counts too).
"""
import statistics, sys, time

def take_turns(order:list, seeds:list, run)->dict:
    "`run(who, seed)` for every run in `order` and every seed, the first to go moving one place each seed: {who: [result, ...]}."
    out = {w: [] for w in order}
    for i, s in enumerate(seeds):
        k = i % len(order)
        for w in order[k:] + order[:k]:
            t = time.time()
            out[w].append(r := run(w, s))
            print(f'seed {s} {w} ({time.time() - t:.0f} s): ' + ', '.join(f'{k_} {v:.4g}' if isinstance(v, float) else f'{k_} {v}' for k_, v in r.items()),
                  file=sys.stderr, flush=True)
    return out

def summary(runs:dict, quality:str, time_key:str='wall_s', ours:str='llmnb', default:str|None=None, best:str|None=None)->dict:
    "Means (`<run>_<key>`), standard deviations and per-seed values of every number in `runs`, and llmnb against each peer row."
    res = {}
    for w, rs in runs.items():
        for k in rs[0]:
            vs = [r[k] for r in rs]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vs): res[f'{w}_{k}'] = vs[0] if len(set(map(str, vs))) == 1 else vs; continue
            res[f'{w}_{k}'] = statistics.fmean(vs)
            if len(vs) > 1: res[f'{w}_{k}_sd'], res[f'{w}_{k}_seeds'] = statistics.stdev(vs), vs
    for peer, tag in ((default, ''), (best, '_best')):
        if peer not in runs or ours not in runs: continue
        res[f'time_ratio{tag}'] = res[f'{ours}_{time_key}'] / res[f'{peer}_{time_key}']
        res[f'quality_delta{tag}'] = res[f'{ours}_{quality}'] - res[f'{peer}_{quality}']
        if tag and len(runs[ours]) > 1:
            sd = max(res[f'{ours}_{quality}_sd'], res[f'{peer}_{quality}_sd'])
            res['same_quality_best'] = res['quality_delta_best'] >= -sd
    return res
