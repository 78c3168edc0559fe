#!/usr/bin/env bash
# Growth measurements for bench/README.md ("Scale"): build, load, analyze,
# site --add 5 and a 4-shard batch run on one network, each under
# /usr/bin/time -v. Prints one TSV row per step: name, step, wall seconds,
# CPU seconds (user + system), peak RSS in MB.
#
#   bench/scale.sh NAME FILE.osm.pbf WORKDIR
#   STEPS="build load analyze" bench/scale.sh ...   # only these steps
#
# Each row also gives the peak RSS per graph node (bytes), once the graph
# exists. RESCUEGRID_CPUPROFILE / RESCUEGRID_MEMPROFILE (pprof files) may be
# set for a step by hand; see bench/README.md "Scale".
#
# The study is synthetic on real (or tiled real) roads: go run ./bench/scalegen.
# Tiled networks: ../shared/tools/tile_pbf.py IN OUT ROWS COLS (needs pyosmium).
set -euo pipefail
name=$1 pbf=$2 work=$3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$work"
rg="$work/rescuegrid"
[[ -x $rg ]] || (cd "$ROOT" && go build -o "$rg" ./cmd/rescuegrid && go build -o "$work/scalegen" ./bench/scalegen)
steps=${STEPS:-build load analyze site5 batch}
want() { [[ " $steps " == *" $1 "* ]]; }
nodes=0
measure() {  # step, command...
  local step=$1; shift
  /usr/bin/time -v -o "$work/$name.$step.time" nice -n 10 "$@" > "$work/$name.$step.log" 2>&1
  local s kb cpu
  cpu=$(awk -F': ' '/User time|System time/{t+=$2} END{print t}' "$work/$name.$step.time")
  s=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); t=0; for(i=1;i<=n;i++) t=t*60+a[i]; print t}' "$work/$name.$step.time")
  kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/$name.$step.time")
  local per=""
  if ((nodes > 0)); then per=$((kb * 1024 / nodes)); fi
  printf '%s\t%s\t%.2f\t%.2f\t%d\t%s\n' "$name" "$step" "$s" "$cpu" "$((kb / 1024))" "$per"
}
g="$work/$name.rgraph"
want build && measure build "$rg" network build --pbf "$pbf" --out "$g" --quiet
nodes=$("$rg" network info "$g" --json | awk -F': ' '/"nodes"/{gsub(/,/,"",$2); print $2; exit}')
want load && measure load "$rg" network info "$g"
want load && measure load-verify "$rg" network info "$g" --verify
if want analyze || want site5 || want batch; then
  [[ -f "$work/$name-study/study.yaml" ]] || "$work/scalegen" --graph "$g" --out "$work/$name-study" 2> /dev/null
fi
want analyze && measure analyze "$rg" analyze "$work/$name-study/study.yaml" --out "$work/$name-out" --quiet
want site5 && measure site5 "$rg" site "$work/$name-study/study.yaml" --add 5 --out "$work/$name-site" --quiet
if want batch; then
  rm -rf "$work/$name-plan"
  measure plan4 "$rg" batch plan "$work/$name-study/study.yaml" --shards 4 --margin-minutes 60 --out "$work/$name-plan" --quiet
  for s in 0 1 2 3; do
    measure "shard$s" "$rg" batch run "$work/$name-plan" --shard "$s" --workers 1 --quiet
  done
  rm -rf "$work/$name-plan/out"
  measure runlocal-w1 "$rg" batch run-local "$work/$name-plan" --workers 1 --quiet
  rm -rf "$work/$name-plan/out"
  measure runlocal-w2 "$rg" batch run-local "$work/$name-plan" --workers 2 --quiet
  measure merge "$rg" batch merge "$work/$name-plan" --out "$work/$name-merged" --quiet
fi
printf '%s\tgraph\t%s nodes\t%s bytes\n' "$name" "$nodes" "$(stat -c %s "$g")"
