#!/usr/bin/env python3
"""OSRM's side of the table benchmark: a CH table from the 416 sources to
the 2,000 targets rescuegrid's BenchmarkTable_Malta uses (their coordinates,
written by `go test ./bench -run TestWriteEngineInputs -engine-inputs DIR`).
OSRM snaps them to its own graph and has its own speed model (car.lua):
compare times, not answers. Wall and CPU time, median of 7.

Usage: osrm_table.py MALTA.osrm DIR/table-sources.csv DIR/table-targets.csv
"""
import csv, resource, sys, time, osrm
def pts(p):
    with open(p) as f:
        r = csv.DictReader(f); return [(float(x["lon"]), float(x["lat"])) for x in r]
src, dst = pts(sys.argv[2]), pts(sys.argv[3])
e = osrm.OSRM(algorithm="CH", storage_config=sys.argv[1], use_shared_memory=False, max_locations_distance_table=10000, default_radius="unlimited")
coords = src + dst
p = osrm.TableParameters(coordinates=coords, sources=list(range(len(src))), destinations=list(range(len(src), len(coords))))
try:
    p.skip_waypoints = True
except Exception:
    pass
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
ws, cs = [], []
for i in range(7):
    w0, c0 = time.perf_counter(), cpu()
    res = e.Table(p)
    ws.append(time.perf_counter() - w0); cs.append(cpu() - c0)
ws.sort(); cs.sort()
d = res["durations"]
print("OSRM %s CH table %d x %d: wall median %.0f ms, CPU median %.0f ms (best %.0f ms); %d rows" % (getattr(osrm, "__version__", "26.10.0"), len(src), len(dst), ws[3]*1e3, cs[3]*1e3, cs[0]*1e3, len(d)))
