#!/usr/bin/env python3
"""Solve rescuegrid's siting instance exactly with PySAL spopt and compare.

Reads the folder the Go test writes (go test ./bench -run
'^TestSitingAndorra$' -siting-export DIR):

  sites.csv        site,id,existing,lon,lat        (matrix rows; existing bases fixed open)
  demand.csv       cell,h3,population              (populated cells; cell = matrix column)
  matrix.csv       site,cell,seconds               (travel times within the horizon, exact float32 values)
  rescuegrid.json  horizon/penalty seconds and rescuegrid's answers per objective, target and K

and solves, with spopt's integer programs and PuLP's bundled CBC:

  coverage  MCLP.from_cost_matrix     (p = K new sites + the existing bases, predefined)
  time      PMedian.from_cost_matrix  (missing pairs cost the penalty; same p)
  all       LSCP.from_cost_matrix     (the cells some site covers; existing predefined)
  expected  MEXCLP (Daskin 1983) as an integer program written here with PuLP,
            since spopt has none: the existing bases with their own busy
            fractions fixed open, every new site busy the same fraction q, so
            that the k-th new site within reach of a cell adds
            P0 * (1 - q) * q**(k-1) of its residents (P0: the chance that no
            existing base within reach is free), Daskin's linearisation

For each it prints spopt's optimum beside rescuegrid's greedy and greedy+swap
values and rescuegrid's bound, and re-evaluates both plans with numpy on the
same matrix. It exits 1 if a certificate is violated: rescuegrid better than
the optimum, the optimum beyond one of rescuegrid's bounds, rescuegrid's
own exact optimum (branch and bound) different from spopt's, or a plan whose
value does not match its re-evaluation. "rg s" is rescuegrid's time for the
whole curve K = 1..5 (greedy, swaps at every K, bounds, exact search).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
from spopt.locate import LSCP, MCLP, PMedian


def mexclp(t, w, existing, busy, target, k, solver):
    """The MEXCLP optimum with k new sites: existing bases fixed open at
    their busy fractions, every candidate at one busy fraction q. Returns
    the expected residents reached within target (re-evaluated on the
    chosen plan, after checking it against the program's objective)."""
    cand = np.flatnonzero(~existing)
    qs = np.unique(busy[cand])
    if len(qs) != 1:
        raise SystemExit("expected: the integer program needs one busy fraction for every candidate site")
    q = float(qs[0])
    reach = t <= target
    p0 = np.where(reach & existing[None, :], busy[None, :], 1.0).prod(axis=1)  # no existing base free
    base = float((w * (1 - p0)).sum())
    prob = pulp.LpProblem("mexclp", pulp.LpMaximize)
    x = {j: pulp.LpVariable(f"x{j}", cat="Binary") for j in cand}
    terms = []
    for i in np.flatnonzero((w > 0) & reach[:, cand].any(axis=1)):
        near = [j for j in cand if reach[i, j]]
        ys = [pulp.LpVariable(f"y{i}_{m}", cat="Binary") for m in range(min(k, len(near)))]
        prob += pulp.lpSum(ys) <= pulp.lpSum(x[j] for j in near)
        for m, y in enumerate(ys):
            terms.append(float(w[i] * p0[i] * (1 - q) * q ** m) * y)
    prob += pulp.lpSum(terms)
    prob += pulp.lpSum(x.values()) == k
    prob.solve(solver)
    if pulp.LpStatus[prob.status] != "Optimal":
        raise SystemExit(f"expected K={k}: CBC status {pulp.LpStatus[prob.status]}")
    chosen = [j for j in cand if x[j].value() > 0.5]
    open_ = existing.copy()
    open_[chosen] = True
    value = float((w * (1 - np.where(reach & open_[None, :], busy[None, :], 1.0).prod(axis=1))).sum())
    ip = base + pulp.value(prob.objective)
    if abs(value - ip) > 1e-6 * (1 + abs(value)):
        raise SystemExit(f"expected K={k}: the program's objective {ip} != its plan re-evaluated {value}")
    return value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", default="bench/out/spopt")
    ap.add_argument("--tol", type=float, default=1e-6, help="relative tolerance of the checks")
    ap.add_argument("--max-k", type=int, default=5, help="largest K to solve with spopt")
    args = ap.parse_args()
    d = Path(args.dir)
    meta = json.loads((d / "rescuegrid.json").read_text())
    sites = pd.read_csv(d / "sites.csv", dtype={"id": str})
    demand = pd.read_csv(d / "demand.csv", dtype={"h3": str})
    entries = pd.read_csv(d / "matrix.csv")

    n_sites = len(sites)
    col = {c: k for k, c in enumerate(demand["cell"])}  # matrix column -> row of the dense cost matrix
    w = demand["population"].to_numpy(float)
    t = np.full((len(demand), n_sites), np.inf)
    rows = entries["cell"].map(col)
    keep = rows.notna()
    t[rows[keep].astype(int).to_numpy(), entries["site"][keep].to_numpy()] = entries["seconds"][keep].to_numpy(float)
    existing = sites["existing"].astype(str).str.lower().eq("true").to_numpy()
    penalty = float(meta["penalty_seconds"])
    print(f"{meta['region']}: {n_sites - existing.sum()} candidates (res {meta['candidate_res']}), "
          f"{existing.sum()} existing bases, {len(demand)} populated cells (res {meta['demand_res']}), "
          f"{len(entries)} matrix entries within {meta['horizon_seconds']:.0f} s; "
          f"spopt (PySAL) with PuLP {pulp.__version__} / CBC")

    def evaluate(obj, target, new, busy=None):
        open_ = existing.copy()
        open_[list(new)] = True
        if obj == "expected":
            q = np.where((t <= target) & open_[None, :], np.asarray(busy)[None, :], 1.0)
            return float((w * (1 - q.prod(axis=1))).sum())
        best = t[:, open_].min(axis=1) if open_.any() else np.full(len(w), np.inf)
        if obj == "time":
            return float((w * np.minimum(best, penalty)).sum())
        return float(w[best <= target].sum())

    ok = True
    failures = []

    def check(cond, msg):
        nonlocal ok
        if not cond:
            ok = False
            failures.append(msg)

    def close(a, b):
        return abs(a - b) <= args.tol * (1 + abs(a) + abs(b))

    header = (f"{'objective':<9} {'target':>6} {'K':>3} {'spopt optimum':>14} {'rg greedy':>14} {'rg greedy+swap':>14} "
              f"{'rg exact (B&B)':>14} {'rg online bnd':>14} {'swap gap':>9} {'spopt s':>8} {'rg s':>6}")
    print(header)
    print("-" * len(header))
    for a in meta["answers"]:
        obj, target, k = a["objective"], float(a["target_seconds"]), int(a["k"])
        if obj != "all" and k > args.max_k:
            continue
        t0 = time.perf_counter()
        solver = pulp.PULP_CBC_CMD(msg=False)
        if obj == "coverage":
            model = MCLP.from_cost_matrix(t, w, service_radius=target, p_facilities=k + int(existing.sum()),
                                          predefined_facilities_arr=existing)
            model.solve(solver)
            chosen = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5 and not existing[j]]
            optimum = evaluate(obj, target, chosen)
            check(close(optimum, model.problem.objective.value()),
                  f"{obj} K={k}: spopt objective {model.problem.objective.value()} != re-evaluated {optimum}")
        elif obj == "time":
            cost = np.minimum(t, penalty)
            model = PMedian.from_cost_matrix(cost, w, p_facilities=k + int(existing.sum()),
                                             predefined_facilities_arr=existing)
            model.solve(solver)
            chosen = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5 and not existing[j]]
            optimum = evaluate(obj, target, chosen)
            check(close(optimum, model.problem.objective.value()),
                  f"{obj} K={k}: spopt objective {model.problem.objective.value()} != re-evaluated {optimum}")
        elif obj == "expected":
            optimum = mexclp(t, w, existing, np.asarray(a["busy"], float), target, k, solver)
            chosen = None
        else:  # all: LSCP on the cells some site covers
            coverable = (t <= target).any(axis=1) & (w > 0)
            model = LSCP.from_cost_matrix(t[coverable], service_radius=target, predefined_facilities_arr=existing)
            model.solve(solver)
            chosen = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5 and not existing[j]]
            optimum = len(chosen)
        secs = time.perf_counter() - t0

        if obj == "all":
            ours = len(a["sites"])
            greedy = int(a["greedy"])
            lower = int(a["bound"])
            check(evaluate("coverage", target, a["sites"]) >= w[(t <= target).any(axis=1)].sum() * (1 - 1e-12),
                  f"all {target:.0f}s: rescuegrid's {ours} sites do not cover every coverable resident")
            check(ours >= optimum, f"all {target:.0f}s: rescuegrid {ours} sites, fewer than spopt's optimum {optimum}")
            check(lower <= optimum, f"all {target:.0f}s: rescuegrid's lower bound {lower} above spopt's optimum {optimum}")
            exact = a.get("exact")
            if exact is not None:
                check(int(exact) == optimum, f"all {target:.0f}s: rescuegrid's exact minimum {exact} != spopt's {optimum}")
            gap = (ours - optimum) / optimum if optimum else 0.0
            ex = f"{int(exact):>14d}" if exact is not None else f"{'-':>14}"
            print(f"{'all':<9} {target:6.0f} {'':>3} {optimum:>14d} {greedy:>14d} {ours:>14d} {ex} {lower:>14d} "
                  f"{100 * gap:8.2f}% {secs:8.2f} {a['solve_seconds']:6.2f}")
            continue

        greedy, swapped, bound, online = float(a["greedy"]), float(a["swapped"]), float(a["bound"]), float(a["online_bound"])
        mine = evaluate(obj, target, a["sites"], a.get("busy"))
        check(close(mine, swapped), f"{obj} {target:.0f}s K={k}: rescuegrid's plan re-evaluates to {mine}, it reports {swapped}")
        if obj in ("coverage", "expected"):
            check(swapped <= optimum * (1 + args.tol), f"{obj} {target:.0f}s K={k}: rescuegrid {swapped} above the optimum {optimum}")
            check(optimum <= bound * (1 + args.tol), f"{obj} {target:.0f}s K={k}: optimum {optimum} above rescuegrid's bound {bound}")
            check(optimum <= online * (1 + args.tol), f"{obj} {target:.0f}s K={k}: optimum {optimum} above rescuegrid's online bound {online}")
            gap = (optimum - swapped) / optimum
        else:
            check(swapped >= optimum * (1 - args.tol), f"time K={k}: rescuegrid {swapped} below the optimum {optimum}")
            check(optimum >= bound * (1 - args.tol), f"time K={k}: optimum {optimum} below rescuegrid's bound {bound}")
            check(optimum >= online * (1 - args.tol), f"time K={k}: optimum {optimum} below rescuegrid's online bound {online}")
            gap = (swapped - optimum) / optimum
        if a.get("exact") is not None:
            check(close(float(a["exact"]), optimum), f"{obj} {target:.0f}s K={k}: rescuegrid's exact {a['exact']} != spopt {optimum}")
        gap = 0.0 if abs(gap) < 1e-12 else gap  # no "-0.000%"
        ex = f"{float(a['exact']):14.1f}" if a.get("exact") is not None else f"{'-':>14}"
        print(f"{obj:<9} {target:6.0f} {k:3d} {optimum:14.1f} {greedy:14.1f} {swapped:14.1f} {ex} {online:14.1f} "
              f"{100 * gap:8.3f}% {secs:8.2f} {a['solve_seconds']:6.2f}")

    for f in failures:
        print("FAIL:", f)
    print("certificates hold: rescuegrid never beats the optimum, every bound holds" if ok else f"{len(failures)} check(s) failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
