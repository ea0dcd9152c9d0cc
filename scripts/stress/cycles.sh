#!/usr/bin/env bash
# Issue 5's leak check: N create/start/delete cycles (default 1000) of a busybox container in one
# cgroup parent, then no cgroup directory may be left in any hierarchy, and no state directory.
#   bash scripts/stress/cycles.sh [N]        (root; after npm run build)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
work=$(mktemp -d /tmp/tsrun-cycles.XXXX)
parent="tsrun-cycles-$$"
trap 'for pid in $(cat /sys/fs/cgroup/*/"$parent"/*/cgroup.procs 2>/dev/null | sort -u); do kill -9 "$pid"; done; sleep 0.2; rm -rf "$work"; for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; true' EXIT
bash scripts/make-busybox-bundle.sh "$work/bundle" /bin/true >/dev/null
node -e '
const fs = require("fs"); const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f, "utf8"));
c.linux.cgroupsPath = "/" + process.argv[2] + "/c"; c.linux.resources = { memory: { limit: 67108864 }, pids: { limit: 64 } };
fs.writeFileSync(f, JSON.stringify(c));' "$work/bundle/config.json" "$parent"
tsrun() { node dist/tsrun --root "$work/state" "$@"; }
start=$(date +%s)
for i in $(seq 1 "$n"); do
  tsrun create --bundle "$work/bundle" c >/dev/null 2>&1 </dev/null || { echo "cycle $i: create failed" >&2; exit 1; }
  tsrun start c
  tsrun delete --force c
done
left=$( (find /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent" -mindepth 1 -type d 2>/dev/null || true) | wc -l)
state=$( (ls "$work/state" 2>/dev/null || true) | wc -l)
echo "cycles: $n in $(( $(date +%s) - start )) s; cgroup directories left below $parent: $left; state directories left: $state"
[ "$left" = 0 ] && [ "$state" = 0 ]
