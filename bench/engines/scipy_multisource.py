#!/usr/bin/env python3
"""scipy's side of the engine benchmark: multi-source and single-source
dijkstra(min_only=True) on the very graph rescuegrid searches (its CSR,
written by `go test ./bench -run TestWriteEngineInputs -engine-inputs DIR`),
from the same sources. Reports wall and CPU time (median of 21 runs): the
machine is shared, and CPU time is what compares across loads.

Usage: scipy_multisource.py DIR/malta.csr
"""
import sys, time, numpy as np, scipy, scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
b = open(sys.argv[1], 'rb').read()
o = 0
def take(dt, k):
    global o
    a = np.frombuffer(b, dtype=dt, count=k, offset=o); o += a.nbytes; return a
n, m = take('<i8', 2)
indptr = take('<u4', n + 1).astype(np.int64)
indices = take('<u4', m).astype(np.int32)
data = take('<f8', m)
k = int(take('<i8', 1)[0]); src = take('<u4', k).astype(np.int32)
g = sp.csr_matrix((data, indices, indptr), shape=(n, n))
def best(f, r=21):
    ws, cs = [], []
    for _ in range(r):
        w0, c0 = time.perf_counter(), time.process_time(); f()
        ws.append(time.perf_counter() - w0); cs.append(time.process_time() - c0)
    ws.sort(); cs.sort(); return ws[len(ws)//2], cs[len(cs)//2], cs[0]
print("scipy %s numpy %s, graph %d nodes %d edges" % (scipy.__version__, np.__version__, n, m))
for name, idx, kw in [("multi-source %d sources, no limit" % k, src, {}), ("multi-source, 900 s", src, {"limit": 900}), ("single source, no limit", src[:1], {})]:
    wmed, cmed, cbest = best(lambda: dijkstra(g, directed=True, indices=idx, min_only=True, **kw))
    print("  %s: wall median %.2f ms, CPU median %.2f ms (best %.2f ms)" % (name, wmed*1e3, cmed*1e3, cbest*1e3))
