#!/usr/bin/env bash
# Valhalla (pyvalhalla from PyPI) beside rescuegrid on Malta, same machine,
# same run: tiles built from the same extract, then the server's 5/10/15-min
# isochrone at the same 60 road points (isochrone_vs_valhalla.py) and
# Valhalla's matrix for the table benchmark's places (valhalla_matrix.py).
#
#   bench/engines/valhalla.sh OUT VALHALLA_VENV RESCUEGRID_BIN STUDY.yaml
#
# OUT holds TestWriteEngineInputs' table-sources.csv and table-targets.csv.
# Matrices: TimeDistanceMatrix (the one ENGINES.md found fair; CostMatrix
# is slow here and leaves pairs empty) with the pair limit raised to fit the
# 416 x 2,000 table.
set -euo pipefail
out=$1 venv=$2 rg=$3 study=$4
PY=$venv/bin/python
bin=$("$PY" -c 'import valhalla, os; print(os.path.join(os.path.dirname(valhalla.__file__), "bin"))')
ver=$("$PY" -c 'import valhalla; print(valhalla.__version__)')
pbf=$(awk '/pbf:/{print $2}' "$study" | sed "s#\${RESCUEGRID_SHARED}#${RESCUEGRID_SHARED}#")
vh=$out/valhalla
mkdir -p "$vh"
vport=18002 rport=18081
"$venv/bin/valhalla_build_config" --mjolnir-tile-dir "$vh/tiles" --mjolnir-tile-extract "$vh/tiles.tar" \
  --mjolnir-timezone "" --mjolnir-admin "" --mjolnir-concurrency 2 \
  --httpd-service-listen "tcp://127.0.0.1:$vport" > "$vh/config.json"
"$PY" - "$vh/config.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["thor"]["source_to_target_algorithm"] = "timedistancematrix"
c["service_limits"]["auto"]["max_matrix_location_pairs"] = 1000000
c["service_limits"]["auto"]["max_matrix_distance"] = 1000000
json.dump(c, open(p, "w"), indent=1)
PYEOF
/usr/bin/time -f '%e s wall, %U+%S s CPU, %M kB' -o "$vh/build.time" \
  "$bin/valhalla_build_tiles" -c "$vh/config.json" "$pbf" > "$vh/build.log" 2>&1
echo "valhalla $ver: valhalla_build_tiles on $(basename "$pbf"): $(cat "$vh/build.time")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
"$bin/valhalla_service" "$vh/config.json" 2 > "$vh/service.log" 2>&1 &
vpid=$!; pids+=("$vpid")
"$rg" serve "$study" --addr "127.0.0.1:$rport" --flight-addr "" --quiet > "$vh/rescuegrid.log" 2>&1 &
rpid=$!; pids+=("$rpid")
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$rport/readyz" > /dev/null && curl -sf "http://127.0.0.1:$vport/status" > /dev/null; then break; fi
  sleep 0.5
done
"$PY" "$(dirname "$0")/isochrone_vs_valhalla.py" "$out/table-sources.csv" 60 150 \
  "http://127.0.0.1:$rport" "$rpid" "http://127.0.0.1:$vport" "$vpid"
"$PY" "$(dirname "$0")/valhalla_matrix.py" "$out/table-sources.csv" "$out/table-targets.csv" 9 "http://127.0.0.1:$vport" "$vpid" 3
"$PY" "$(dirname "$0")/valhalla_matrix.py" "$out/table-sources.csv" "$out/table-targets.csv" 416 "http://127.0.0.1:$vport" "$vpid" 1
