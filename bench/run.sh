#!/usr/bin/env bash
# Peer side of the benchmarks: runs the shared peer harness (scipy, igraph,
# networkx, pgRouting) on this machine, so that its figures and rescuegrid's
# come from the same machine and the same run.
#
#   bench/run.sh                 # all regions
#   bench/run.sh malta andorra   # only some (porto-alegre, andorra, malta)
#
# Environment:
#   SHARED     shared data folder (default: ../shared relative to the repo root)
#   BENCH_OUT  output folder (default: bench/out); peers go to $BENCH_OUT/peers/<region>/
#   KEEP_WORK  1 keeps the harness's work dir (passed through to the harness)
#
# The harness code stays in $SHARED/reference/harness and is called in place.
# It writes a scratch folder `.work` next to its own scripts; shared/ is meant to
# be read-only, so when that folder is not writable (or its mode says it is
# read-only, which root would otherwise ignore) the harness is copied to
# $BENCH_OUT/.harness and run from there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SHARED="${SHARED:-../shared}"
[[ -d "$SHARED" ]] || { echo "bench/run.sh: shared folder not found: $SHARED (set SHARED=...)" >&2; exit 2; }
SHARED="$(cd "$SHARED" && pwd)"
HARNESS_SRC="$SHARED/reference/harness"
[[ -x "$HARNESS_SRC/run.sh" ]] || { echo "bench/run.sh: no harness at $HARNESS_SRC" >&2; exit 2; }

# --- regions: pbf and, for Porto Alegre, the fixed points ---
region_args() {  # sets ARGS=(pbf [points])
  case "$1" in
    porto-alegre) ARGS=("$SHARED/data/porto-alegre/poa_osm.pbf" "$HARNESS_SRC/points/porto-alegre.csv") ;;
    andorra)      ARGS=("$SHARED/data/andorra/andorra.osm.pbf") ;;
    malta)        ARGS=("$SHARED/data/malta/malta-latest.osm.pbf") ;;
    *) echo "bench/run.sh: unknown region $1 (porto-alegre, andorra, malta)" >&2; return 2 ;;
  esac
}
if (($#)); then REGIONS=("$@"); else REGIONS=(porto-alegre andorra malta); fi
for region in "${REGIONS[@]}"; do region_args "$region"; done  # fail early on a typo

BENCH_OUT="${BENCH_OUT:-$ROOT/bench/out}"
mkdir -p "$BENCH_OUT/peers"
BENCH_OUT="$(cd "$BENCH_OUT" && pwd)"

SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo"

# --- Debian packages: exactly the list in $HARNESS_SRC/install.sh (keep in sync) ---
HARNESS_PKGS=(
  python3 python3-numpy python3-scipy python3-pyosmium osmium-tool
  python3-igraph python3-networkx python3-psycopg2
  postgresql-15 postgresql-15-pgrouting postgresql-15-postgis-3
)
missing=()
for p in "${HARNESS_PKGS[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing harness packages: ${missing[*]}"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- where to run the harness from ---
harness_writable() {
  local d="$1"
  [[ -w "$d" ]] && [[ -n "$(find "$d" -maxdepth 0 -perm -u+w)" ]]
}
# pgRouting runs as the `postgres` user when we are root: it must be able to
# reach the harness's .work folder.
postgres_can_reach() {
  [[ "$(id -u)" != 0 ]] || runuser -u postgres -- test -x "$1"
}
HARNESS="$HARNESS_SRC"
COPY=""
if ! harness_writable "$HARNESS_SRC"; then
  HARNESS="$BENCH_OUT/.harness"
  COPY="$HARNESS"
  rm -rf "$HARNESS"
  cp -r "$HARNESS_SRC" "$HARNESS"
  chmod -R u+w,go+rX "$HARNESS"
  if ! postgres_can_reach "$HARNESS"; then
    rm -rf "$HARNESS"
    COPY="$(mktemp -d /tmp/rescuegrid-harness.XXXXXX)"
    chmod 755 "$COPY"
    HARNESS="$COPY/harness"
    cp -r "$HARNESS_SRC" "$HARNESS"
    chmod -R u+w,go+rX "$HARNESS"
  fi
  echo "== $HARNESS_SRC is read-only: running a copy in $HARNESS"
fi
cleanup() { [[ -z "$COPY" || "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$COPY"; }
trap cleanup EXIT

rc=0
t_all=$(date +%s)
timing="$BENCH_OUT/peers/timing.txt"
: >"$timing"
for region in "${REGIONS[@]}"; do
  region_args "$region"
  out="$BENCH_OUT/peers/$region"
  t0=$(date +%s)
  if "$HARNESS/run.sh" "${ARGS[0]}" "$out" "${ARGS[@]:1}"; then
    status=ok
  else
    status="FAILED (exit $?)"
    rc=1
  fi
  dt=$(( $(date +%s) - t0 ))
  echo "$region: $status in ${dt} s" | tee -a "$timing"
done
total=$(( $(date +%s) - t_all ))
echo "total: ${total} s" | tee -a "$timing"

echo
for region in "${REGIONS[@]}"; do
  md="$BENCH_OUT/peers/$region/results.md"
  [[ -f "$md" ]] || continue
  echo "### $region ($md)"
  # the peers table: from its header to the first blank line after it
  awk '/^\| peer \|/{p=1} p&&/^$/{exit} p' "$md"
  echo
done
exit $rc
