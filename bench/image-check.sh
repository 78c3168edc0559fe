#!/usr/bin/env bash
# Checks the container image of Containerfile without a container engine:
# builds the runtime stage's root filesystem (Debian bookworm, --variant
# minbase as in bookworm-slim, plus the Containerfile's RUNTIME_PACKAGES)
# with debootstrap, adds the user and the binary as the Containerfile does,
# and runs a real batch plan's shards in it, chrooted as uid 10001 (one by
# --shard, one by JOB_COMPLETION_INDEX as a Kubernetes Indexed Job sets
# it), then merges there. Every shard output must equal, byte for byte, the
# host's run of the same shard, and every merged table the host's merge.
#
#   bench/image-check.sh [WORK]      (root; WORK defaults to /tmp/rescuegrid-image)
#
# The binary is built as the build stage builds it (CGO_ENABLED=1, -trimpath,
# -s -w) on this host, which must be Debian bookworm with libgeos-dev (the
# build stage is golang:1.26-bookworm with libgeos-dev): the same libc and
# GEOS versions the runtime stage links against. The root filesystem is
# kept in WORK and rebuilt when the package list changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=${1:-/tmp/rescuegrid-image}
[[ $EUID -eq 0 ]] || { echo "image-check: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap > /dev/null || { echo "image-check: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
grep -q 'VERSION_CODENAME=bookworm' /etc/os-release || echo "image-check: warning: this host is not Debian bookworm; the binary may not match the image's libraries" >&2

# The one package list: the Containerfile's ARG RUNTIME_PACKAGES.
pkgs=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' "$ROOT/Containerfile")
[[ -n $pkgs ]] || { echo "image-check: no ARG RUNTIME_PACKAGES=\"…\" line in Containerfile" >&2; exit 1; }
grep -q '^FROM docker.io/library/debian:bookworm-slim' "$ROOT/Containerfile" || { echo "image-check: the runtime stage is no longer debian:bookworm-slim: update this script" >&2; exit 1; }
mkdir -p "$work"
rootfs=$work/rootfs
if [[ ! -f $rootfs/.packages ]] || [[ "$(cat "$rootfs/.packages")" != "$pkgs" ]]; then
  rm -rf "$rootfs"
  echo "image-check: debootstrap bookworm minbase + $pkgs" >&2
  debootstrap --variant=minbase --include="${pkgs// /,}" bookworm "$rootfs" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  chroot "$rootfs" sh -c 'rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --home-dir /data rescuegrid'
  echo "$pkgs" > "$rootfs/.packages"
fi
for p in $pkgs; do
  chroot "$rootfs" dpkg-query -W -f='${Package} ${Version}\n' "$p" >&2
done

# The build stage's command.
(cd "$ROOT" && CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=image-check" -o "$work/rescuegrid" ./cmd/rescuegrid)
install -m 0755 "$work/rescuegrid" "$rootfs/usr/local/bin/rescuegrid"
if chroot "$rootfs" ldd /usr/local/bin/rescuegrid | grep 'not found'; then
  echo "image-check: FAIL: the binary needs libraries the image lacks" >&2; exit 1
fi
chroot "$rootfs" ldd /usr/local/bin/rescuegrid | sed 's/^/  /' >&2

# A real study: Andorra's roads, stations, buildings and parishes, with busy teams.
data=$rootfs/data
rm -rf "$data/study" "$data/plan" "$data/merged" "$work/host"
mkdir -p "$data/study" "$work/host"
sample=$ROOT/data/sample/andorra
cp "$sample/andorra.osm.pbf" "$sample/fire_stations.csv" "$data/study/"
cat > "$data/study/study.yaml" <<'YAML'
name: Andorra (image check)
network: {pbf: andorra.osm.pbf}
facilities:
  bases: [{file: fire_stations.csv, team_size: 30}]
population: {buildings: {scale_to: 77543}}
units: {osm_admin_level: 7}
busy_teams: {}
YAML
host=$work/rescuegrid
"$host" batch plan "$data/study/study.yaml" --shards 2 --out "$data/plan" --quiet
chown -R 10001:10001 "$data"
cp -a "$data/plan" "$work/host/plan"

# In the image, as its user, in its working folder.
in_image() { chroot --userspec=10001:10001 "$rootfs" env -i HOME=/data PATH=/usr/local/bin:/usr/bin:/bin "$@"; }
in_image sh -c 'cd /data && rescuegrid batch run /data/plan --shard 0 --quiet'
in_image sh -c 'cd /data && JOB_COMPLETION_INDEX=1 rescuegrid batch run /data/plan --quiet'
in_image sh -c 'cd /data && rescuegrid batch merge /data/plan --out /data/merged --quiet'

# On the host.
"$host" batch run "$work/host/plan" --shard 0 --quiet
"$host" batch run "$work/host/plan" --shard 1 --quiet
"$host" batch merge "$work/host/plan" --out "$work/host/merged" --quiet

fail=0
for s in 0000 0001; do
  if cmp -s "$data/plan/out/$s.bin" "$work/host/plan/out/$s.bin"; then
    echo "shard $s: image output = host output ($(stat -c %s "$data/plan/out/$s.bin") bytes)"
  else
    echo "shard $s: FAIL: the image's output differs from the host's"; fail=1
  fi
done
n=0
while IFS= read -r f; do
  rel=${f#"$work/host/merged/"}
  [[ $rel == summary.json || $rel == rescuegrid-output.json ]] && continue  # times
  if cmp -s "$f" "$data/merged/$rel"; then n=$((n + 1)); else echo "merged $rel: FAIL: differs"; fail=1; fi
done < <(find "$work/host/merged" -type f | sort)
echo "merged: $n files equal byte for byte (summary.json and the folder's manifest differ only in time and timings)"
[[ $fail -eq 0 ]] && echo "image-check: OK (runtime packages: $pkgs)"
exit $fail
