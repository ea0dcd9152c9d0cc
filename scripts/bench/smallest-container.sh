#!/usr/bin/env bash
# The smallest container: the lowest memory limit (memory and memory+swap alike) under which
# `RUNTIME run` of /bin/true from the busybox bundle still exits 0, for tsrun and runc in the same
# run. A bisection in KiB steps between 64 KiB and 64 MiB; each probe is one container in its own
# cgroup, deleted afterwards.   usage: scripts/bench/smallest-container.sh [RUNTIME...]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/tsrun-smallest.XXXXXX)
parent="tsrun-smallest-$$"
cleanup() {
  for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
bash "$here/scripts/make-busybox-bundle.sh" "$work/bundle" /bin/true >/dev/null

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(tsrun runc)
cmd_of() { if [ "$1" = tsrun ]; then echo "node $here/dist/tsrun"; else command -v "$1"; fi; }

n=0
fits() { # runtime kib -> exit 0 when /bin/true ran under that limit
  local rt=$1 kib=$2 id="smallest-$$-$((++n))" bytes=$(($2 * 1024))
  mkdir -p "$work/$id"
  node -e '
    const fs = require("fs"); const [src, dst, bytes, path] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(src, "utf8"));
    c.linux.resources = { ...c.linux.resources, memory: { limit: Number(bytes), swap: Number(bytes) } };
    c.linux.cgroupsPath = path;
    c.root.path = process.argv[5]; // one rootfs for all probes (runc refuses a symlinked one)
    fs.writeFileSync(dst, JSON.stringify(c));' "$work/bundle/config.json" "$work/$id/config.json" "$bytes" "/$parent/$id" "$work/bundle/rootfs"
  local rc=0
  # shellcheck disable=SC2046
  timeout 30 $(cmd_of "$rt") --root "$work/state-$rt" run --bundle "$work/$id" "$id" >/dev/null 2>"$work/stderr" || rc=$?
  [ -z "${SMALLEST_DEBUG:-}" ] || cat "$work/stderr" >&2
  $(cmd_of "$rt") --root "$work/state-$rt" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work/$id"
  return $rc
}

printf '%-8s %s\n' runtime 'lowest memory limit for /bin/true'
for rt in "${runtimes[@]}"; do
  lo=64 hi=65536 # KiB: lo fails (assumed), hi must fit
  if ! fits "$rt" "$hi"; then printf '%-8s %s\n' "$rt" "does not start even under 64 MiB"; continue; fi
  while [ $((hi - lo)) -gt 16 ]; do
    mid=$(((lo + hi) / 2))
    if fits "$rt" "$mid" || fits "$rt" "$mid"; then hi=$mid; else lo=$mid; fi # a failure must repeat to count
  done
  # the edge is noisy (page cache, kernel stacks) and a rare start fails for other reasons: the
  # floor is the lowest limit at which at least two of three runs fit
  ok() { local k=0; for _ in 1 2 3; do fits "$rt" "$hi" && k=$((k + 1)); done; [ $k -ge 2 ]; }
  while ! ok; do hi=$((hi + 16)); done
  printf '%-8s %d KiB\n' "$rt" "$hi"
done
