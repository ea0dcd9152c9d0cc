#!/usr/bin/env bash
# The main job, end to end: make an image rootfs, turn it into a bundle, run it with tsrun.
# (Until tsimg can pull, the image is Debian's static busybox; later this goes through tsimg.)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/tsrun-demo.XXXXXX)
state="$work/state"
trap 'node dist/tsrun --root "$state" delete --force demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

bash scripts/make-busybox-bundle.sh "$work/bundle" sh -c '
  echo "hello from $(hostname), I am pid $$ as $(id -un)"
  echo "my mounts:"; cut -d" " -f5,9 /proc/self/mountinfo | sed "s/^/  /"
  echo "my capabilities: $(grep CapEff /proc/self/status | cut -f2)"'
node - "$work/bundle/config.json" <<'JS'
const fs = require('fs'); const f = process.argv[2]; const c = JSON.parse(fs.readFileSync(f, 'utf8'));
c.hostname = 'tsrun-demo'; c.linux.cgroupsPath = '/tsrun-demo/demo';
fs.writeFileSync(f, JSON.stringify(c, null, 2));
JS
echo "+ tsrun run --bundle $work/bundle demo"
node dist/tsrun --root "$state" run --bundle "$work/bundle" demo
echo "+ exit status: $?"
rmdir /sys/fs/cgroup/*/tsrun-demo 2>/dev/null || true
