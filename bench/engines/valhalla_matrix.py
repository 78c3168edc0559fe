#!/usr/bin/env python3
"""Valhalla's matrix (/sources_to_targets) for the same places as the Go
table benchmark (BenchmarkTable_Malta: 416 sources x 2,000 targets), on a
valhalla_service already running on this machine: wall time per request and
the server process's CPU time (from /proc). Valhalla snaps the coordinates
to its own graph and uses its own speed model, so times compare, answers do
not; the script reports how many pairs Valhalla left without a route.

Usage: valhalla_matrix.py SOURCES.csv TARGETS.csv N_SOURCES VALHALLA_URL VALHALLA_PID REPEAT
  SOURCES.csv, TARGETS.csv  lon,lat rows (TestWriteEngineInputs writes them)
  N_SOURCES    how many of the sources (9 = the stations' size, 416 = the siting table)
"""
import csv
import json
import os
import sys
import time
import urllib.request


def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def places(path):
    return [{"lon": float(r["lon"]), "lat": float(r["lat"])} for r in csv.DictReader(open(path))]


def main():
    src_path, dst_path, n, url, pid, repeat = sys.argv[1:7]
    n, pid, repeat = int(n), int(pid), int(repeat)
    sources, targets = places(src_path)[:n], places(dst_path)
    body = json.dumps({"sources": sources, "targets": targets, "costing": "auto"}).encode()
    walls, cpus, empty = [], [], 0
    for k in range(repeat + 1):  # the first request warms the tile cache and is not counted
        c0, t0 = cpu(pid), time.perf_counter()
        out = json.loads(urllib.request.urlopen(urllib.request.Request(url + "/sources_to_targets", data=body), timeout=3600).read())
        dt, dc = time.perf_counter() - t0, cpu(pid) - c0
        if k == 0:
            rows = out["sources_to_targets"]
            empty = sum(1 for row in rows for e in row if e.get("time") is None)
            continue
        walls.append(dt)
        cpus.append(dc)
    walls.sort()
    cpus.sort()
    print("valhalla: matrix %d x %d (%s): wall median %.3f s, server CPU median %.3f s over %d requests; %d of %d pairs without a route"
          % (len(sources), len(targets), out.get("algorithm", "?"), walls[len(walls) // 2], cpus[len(cpus) // 2],
             len(walls), empty, len(sources) * len(targets)))


if __name__ == "__main__":
    main()
