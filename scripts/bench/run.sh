#!/usr/bin/env bash
# tsrun vs runc benchmark (npm run bench). Run as root after `npm ci`.
# Times `run` and each lifecycle step (create, start, state, kill, delete) of a busybox /bin/true
# container for tsrun and runc side by side, with `node -e 0` as the floor of any Node CLI, and
# prints a markdown table (also written to scripts/bench/results/latest.md).
#   BENCH_RUNS    timed runs per cell (default 30)
#   BENCH_WARMUP  untimed warm-up runs per cell (default 3)
#   BENCH_OUT     where to write the table (default scripts/bench/results/latest.md)
# Needs: runc, busybox-static, GNU time (/usr/bin/time, for peak RSS; installed with
# `apt-get install -y time` if missing and apt-get is there, else the RSS line is skipped).
# Everything it makes lives in a fresh /tmp/tsrun-bench.XXXX (bundle, both --root state dirs) and in
# cgroups under /tsrun-bench/<id>; all of it is removed on exit, failure and interrupt included.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
out=${BENCH_OUT:-$here/results/latest.md}

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (containers need it)"
[ -f "$repo/dist/tsrun" ] || die "no dist/tsrun: run npm ci (or npm run build) first"
runc=$(command -v runc) || die "runc not found: apt-get install -y runc"
command -v busybox >/dev/null || die "busybox not found: apt-get install -y busybox-static"
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null; then
  echo "bench: /usr/bin/time missing, installing Debian's 'time' package (apt-get install -y time) for peak RSS" >&2
  apt-get install -y time >/dev/null 2>&1 || echo "bench: could not install 'time'; peak RSS will be skipped" >&2
fi
time_args=()
[ -x /usr/bin/time ] && time_args=(--time /usr/bin/time)

cg_parents() { ls -d /sys/fs/cgroup/*/tsrun-bench /sys/fs/cgroup/tsrun-bench 2>/dev/null || true; }
for p in $(cg_parents); do
  if [ -n "$(find "$p" -mindepth 1 -type d -print -quit)" ]; then
    die "$p already has child cgroups (another bench running, or leftovers): remove them first"
  fi
done

mounts_before=$(grep -c tsrun /proc/self/mountinfo || true)
work=$(mktemp -d /tmp/tsrun-bench.XXXX)

cleanup() {
  local rc=$? id pid p
  set +e
  trap - EXIT INT TERM
  trap '' PIPE # keep cleaning up even if whatever reads our output is gone
  # containers left by a failed or interrupted run, in both state dirs
  for id in $(ls "$work/tsrun-root" 2>/dev/null); do
    node "$repo/dist/tsrun" --root "$work/tsrun-root" delete --force "$id" >/dev/null 2>&1
  done
  for id in $(ls "$work/runc-root" 2>/dev/null); do
    "$runc" --root "$work/runc-root" delete --force "$id" >/dev/null 2>&1
  done
  # any process still in a bench cgroup is a container process this run started
  for p in $(cg_parents); do
    for pid in $(find "$p" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
      kill -KILL "$pid" 2>/dev/null
    done
  done
  sleep 0.1
  for p in $(cg_parents); do find "$p" -depth -type d -exec rmdir {} + 2>/dev/null; done
  # mounts under the work dir (none expected: the runtimes mount inside the containers' namespaces)
  grep -F " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work"
  local left=0
  [ -z "$(cg_parents)" ] || { echo "bench: cgroups left behind: $(cg_parents | tr '\n' ' ')" >&2; left=1; }
  local mounts_after
  mounts_after=$(grep -c tsrun /proc/self/mountinfo || true)
  [ "$mounts_after" = "$mounts_before" ] || { echo "bench: tsrun mounts before $mounts_before, after $mounts_after" >&2; left=1; }
  [ "$left" = 0 ] && echo "bench: cleaned up (no bench cgroups, state dirs or mounts left)" >&2
  [ "$rc" = 0 ] && [ "$left" = 1 ] && rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "bench: busybox bundle in $work/bundle" >&2
bash "$repo/scripts/make-busybox-bundle.sh" "$work/bundle" /bin/true >/dev/null
mkdir -p "$work/tsrun-root" "$work/runc-root"
# The driver writes one bundle per container id (same config for both runtimes: tsrun's default
# spec, root.path pointing at the shared rootfs, linux.cgroupsPath /tsrun-bench/<id>).

echo "bench: $runs runs per cell after $warmup warm-up runs (BENCH_RUNS, BENCH_WARMUP)" >&2
(cd "$repo" && npx --no-install tsx "$here/driver.ts" \
  --workdir "$work" --config "$work/bundle/config.json" --rootfs "$work/bundle/rootfs" \
  --tsrun "$repo/dist/tsrun" --runc "$runc" \
  --runs "$runs" --warmup "$warmup" --out "$out" "${time_args[@]}")
echo "bench: table written to $out" >&2
