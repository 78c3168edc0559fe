#!/usr/bin/env python3
"""The server's 5/10/15-minute isochrone against Valhalla's, request by
request, at the same road points (alternating which goes first), on
servers already running on this machine: wall time per request and the
server process's CPU time per request (from /proc). Each point is asked
once: rescuegrid's server caches isochrones by point, so a repeated point
would measure the cache.

Usage: isochrone_vs_valhalla.py POINTS.csv N OFFSET RG_URL RG_PID VALHALLA_URL VALHALLA_PID
  POINTS.csv  lon,lat rows (e.g. the table's sources from TestWriteEngineInputs)
  RG_URL      e.g. http://127.0.0.1:18081   (rescuegrid serve STUDY --addr ...)
  VALHALLA_URL e.g. http://127.0.0.1:18002  (valhalla_service CONFIG.json 2)
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


def main():
    path, n, offset, rg_url, rg_pid, vh_url, vh_pid = sys.argv[1:8]
    n, offset, rg_pid, vh_pid = int(n), int(offset), int(rg_pid), int(vh_pid)
    pts = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(open(path))]

    def rg(p):
        return urllib.request.urlopen("%s/api/isochrone?lon=%.7f&lat=%.7f&minutes=5,10,15" % (rg_url, p[0], p[1])).read()

    def vh(p):
        body = json.dumps({"locations": [{"lat": p[1], "lon": p[0]}], "costing": "auto",
                           "contours": [{"time": 5}, {"time": 10}, {"time": 15}], "polygons": True}).encode()
        return urllib.request.urlopen(urllib.request.Request(vh_url + "/isochrone", data=body)).read()

    engines = [("rescuegrid", rg_pid, rg), ("valhalla", vh_pid, vh)]
    for _, _, f in engines:  # warm up on a point not measured
        f(pts[-1])
    res = {}
    for k in range(n):
        p = pts[(offset + k) % len(pts)]
        for name, pid, f in engines if k % 2 == 0 else engines[::-1]:
            c0, t0 = cpu(pid), time.perf_counter()
            f(p)
            dt, dc = time.perf_counter() - t0, cpu(pid) - c0
            r = res.setdefault(name, {"wall": [], "cpu": 0.0})
            r["wall"].append(dt)
            r["cpu"] += dc
    for name, r in res.items():
        w = sorted(r["wall"])
        print("%s: isochrone 5/10/15 min at %d road points: wall median %.1f ms, p90 %.1f ms; server CPU %.1f ms per request"
              % (name, n, w[len(w) // 2] * 1e3, w[int(len(w) * 0.9)] * 1e3, r["cpu"] / len(w) * 1e3))


if __name__ == "__main__":
    main()
