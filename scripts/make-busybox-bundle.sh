#!/usr/bin/env bash
# Makes an OCI bundle whose rootfs is Debian's static busybox with its applet links, and
# writes tsrun's default config (made non-interactive: no terminal, args given or `sh`).
# usage: make-busybox-bundle.sh BUNDLE_DIR [ARGS...]
set -euo pipefail
bundle=${1:?usage: make-busybox-bundle.sh BUNDLE_DIR [ARGS...]}
shift || true
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || ldd "$busybox" 2>&1 | grep -q 'not a dynamic' \
  || { echo "$busybox is not static: apt-get install busybox-static" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$bundle/rootfs"/{bin,etc,tmp,root,proc,sys,dev}
cp "$busybox" "$bundle/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$bundle/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$bundle/rootfs/etc/group"
chmod 1777 "$bundle/rootfs/tmp"
rm -f "$bundle/config.json"
node "$here/dist/tsrun" spec --bundle "$bundle"
node - "$bundle/config.json" "$@" <<'JS'
const fs = require('fs');
const [file, ...args] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.process.terminal = false;
if (args.length) c.process.args = args;
fs.writeFileSync(file, JSON.stringify(c, null, 2));
JS
