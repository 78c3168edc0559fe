#!/usr/bin/env python3
"""Compare rescuegrid's 2SFCA and E2SFCA with PySAL access on the same inputs.

Reads the folder the Go test writes (go test ./bench -run
TestShelterPortoAlegre -access-export DIR):

  cells.csv       cell,population            (populated cells only)
  shelters.csv    shelter,capacity           (places)
  matrix.csv      cell,shelter,seconds       (walking times within the catchment)
  rescuegrid.csv  cell,fca2,e2sfca_step,e2sfca_gauss
  meta.json       catchment_seconds, steps, sigma_seconds

runs access.Access.two_stage_fca (plain 2SFCA) and
enhanced_two_stage_fca (step weights over thirds of the catchment, and
Gaussian weights) with normalize=False, and prints the largest absolute and
relative difference per measure. Exit status 1 when a relative difference
exceeds --tol (default 1e-9).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from access import Access, weights


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", default=["bench/out/access/short_term", "bench/out/access/long_term"])
    ap.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args()
    worst = max(compare(Path(d)) for d in args.dirs)
    ok = worst <= args.tol
    print(f"largest relative difference {worst:.3e}: {'agree' if ok else 'DIFFER'} (tolerance {args.tol:g})")
    return 0 if ok else 1


def compare(d: Path) -> float:
    """Print the differences for one export folder; return the largest relative one."""
    meta = json.loads((d / "meta.json").read_text())
    cells = pd.read_csv(d / "cells.csv", dtype={"cell": str}).set_index("cell")
    shelters = pd.read_csv(d / "shelters.csv", dtype={"shelter": str}).set_index("shelter")
    matrix = pd.read_csv(d / "matrix.csv", dtype={"cell": str, "shelter": str})
    ours = pd.read_csv(d / "rescuegrid.csv", dtype={"cell": str}).set_index("cell")

    c = float(meta["catchment_seconds"])
    steps = meta["steps"]
    k = len(steps)
    # Zone z holds times up to c*(z+1)/k, computed as rescuegrid does.
    step_fn = weights.step_fn({c * (z + 1) / k: float(w) for z, w in enumerate(steps)})
    gauss_fn = weights.gaussian(float(meta["sigma_seconds"]))

    a = Access(
        demand_df=cells, demand_index=True, demand_value="population",
        supply_df=shelters, supply_index=True, supply_value="capacity",
        cost_df=matrix, cost_origin="cell", cost_dest="shelter", cost_name="seconds",
    )
    a.two_stage_fca(name="fca2", max_cost=c)
    a.enhanced_two_stage_fca(name="e2sfca_step", max_cost=c, weight_fn=step_fn)
    a.enhanced_two_stage_fca(name="e2sfca_gauss", max_cost=c, weight_fn=gauss_fn)
    df = a.access_df

    print(f"{meta.get('region', '')}: {len(cells)} populated cells, {len(shelters)} shelters, "
          f"{len(matrix)} cell-shelter pairs within {c:.1f} s")
    worst = 0.0
    for col in ["fca2", "e2sfca_step", "e2sfca_gauss"]:
        # PySAL leaves a cell with no shelter in reach as NaN; rescuegrid as 0.
        theirs = df[f"{col}_capacity"].reindex(ours.index).fillna(0.0)
        mine = ours[col]
        diff = (mine - theirs).abs()
        scale = np.maximum(theirs.abs(), mine.abs())
        rel = (diff / scale.where(scale > 0, 1.0)).max()
        nz = int((theirs > 0).sum())
        print(f"  {col:13s} cells with access > 0: {nz:5d}  max |diff| = {diff.max():.3e}  "
              f"max relative = {rel:.3e}  (max value {scale.max():.6g} places/resident)")
        worst = max(worst, rel)
    return worst


if __name__ == "__main__":
    sys.exit(main())
