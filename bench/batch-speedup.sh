#!/usr/bin/env bash
# Local-worker speed-up of a batch plan: 'rescuegrid batch run-local' with
# 1 and with 2 workers (one search thread per shard process, so N workers
# use N cores) on the same plan, each under /usr/bin/time. Prints, per
# worker count, the wall and CPU seconds, the largest shard process's peak
# RSS, and the speed-up; and checks that both runs wrote the same bytes.
#
#   bench/batch-speedup.sh [WORK]        (WORK defaults to /tmp/rescuegrid-speedup)
#
# The network: Porto's real roads ($RESCUEGRID_SHARED/data/porto-portugal)
# tiled TILES x TILES times (default 2: 1.09 M nodes) with the shared
# tools/tile_pbf.py (pyosmium, installed in WORK/.venv), or PBF=FILE. The
# study is synthetic on those roads (bench/scalegen): residents on a
# 0.004-degree lattice, bases every BASE_STEP degrees (0.04), a MINUTES-minute
# (10) circle and horizon; SHARDS (8) shards planned with --margin-minutes
# MARGIN (60: cells on the tiled roads' outskirts lie up to 50 minutes from
# any base, and a shard must prove their answer, so every shard holds the
# whole network and repeats the others' searches: the figure is the local
# worker pool's speed-up on equal, independent processes, the shards' own
# time tens of seconds). A 20-minute margin fails shards at their margin,
# as it must.
# Run it on a quiet machine: the figures are the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=${1:-/tmp/rescuegrid-speedup}
tiles=${TILES:-2} shards=${SHARDS:-8} minutes=${MINUTES:-10} base_step=${BASE_STEP:-0.04} margin=${MARGIN:-60}
shared=${RESCUEGRID_SHARED:-$ROOT/../shared}
mkdir -p "$work"
rg=$work/rescuegrid
(cd "$ROOT" && go build -o "$rg" ./cmd/rescuegrid && go build -o "$work/scalegen" ./bench/scalegen)

pbf=${PBF:-}
if [[ -z $pbf ]]; then
  real=$shared/data/porto-portugal/porto_portugal.osm.pbf
  [[ -f $real ]] || { echo "batch-speedup: no $real (set RESCUEGRID_SHARED or PBF)" >&2; exit 2; }
  if [[ $tiles -le 1 ]]; then
    pbf=$real
  else
    pbf=$work/porto${tiles}x${tiles}.osm.pbf
    if [[ ! -f $pbf ]]; then
      if [[ ! -x $work/.venv/bin/python ]] || ! "$work/.venv/bin/python" -c 'import osmium' 2> /dev/null; then
        python3 -m venv "$work/.venv" && "$work/.venv/bin/pip" install --quiet osmium
      fi
      tmp=${pbf%.osm.pbf}.partial.osm.pbf  # osmium knows the format by the name
      rm -f "$tmp"
      "$work/.venv/bin/python" "$shared/tools/tile_pbf.py" "$real" "$tmp" "$tiles" "$tiles" >&2
      mv "$tmp" "$pbf"
    fi
  fi
fi
name=$(basename "$pbf" .osm.pbf)
g=$work/$name.rgraph
[[ -f $g ]] || "$rg" network build --pbf "$pbf" --out "$g" --quiet
study=$work/$name-study
"$work/scalegen" --graph "$g" --out "$study" --base-step "$base_step" --minutes "$minutes" 2>&1 | sed 's/^/  /' >&2
plan=$work/$name-plan
rm -rf "$plan"
"$rg" batch plan "$study/study.yaml" --shards "$shards" --margin-minutes "$margin" --out "$plan" --quiet
"$rg" network info "$g" | sed -n 1,3p >&2
python3 - "$plan/plan.json" >&2 <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print(f"plan: {len(p['shards'])} shards of a {p['graph']['nodes']:,}-node graph, road margin {p['road_margin_m']/1000:.1f} km")
for s in p["shards"]:
    print(f"  shard {s['index']}: {s['nodes']:,} nodes, {s['own_cells']:,} own cells of {s['cells']:,}, {s['own_bases']} own bases of {s['bases']}")
PY

printf 'workers\twall_s\tcpu_s\tmax_shard_rss_mb\tspeedup\n'
base=
for w in 1 2; do
  rm -rf "$plan/out"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.$w" "$rg" batch run-local "$plan" --workers "$w" --shard-workers 1 --retries 0 --quiet
  read -r wall user sys kb < "$work/time.$w"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u + s}')
  base=${base:-$wall}
  printf '%d\t%.2f\t%s\t%d\t%.2f\n' "$w" "$wall" "$cpu" "$((kb / 1024))" "$(awk -v b="$base" -v x="$wall" 'BEGIN{print b / x}')"
  rm -rf "$work/out.$w" && cp -r "$plan/out" "$work/out.$w"
done
if diff -r "$work/out.1" "$work/out.2" > /dev/null; then
  echo "outputs of 1 and 2 workers: identical"
else
  echo "batch-speedup: FAIL: 1 and 2 workers wrote different shard outputs" >&2; exit 1
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
