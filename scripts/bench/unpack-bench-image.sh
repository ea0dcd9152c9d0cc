#!/usr/bin/env bash
# Builds (once) the benchmark image for `npm run bench:unpack`: a debootstrap'd Debian bookworm
# minbase tree (plus python3, perl, git, curl, vim-tiny, iproute2, ~390 MB) split into three gzip
# layers (all but /usr, /usr without /usr/share, /usr/share) plus a fourth layer with a whiteout,
# an opaque directory and a hardlink to a lower file, as an OCI layout that umoci and tsimg read.
# Everything is cached under $BENCH_CACHE (default /var/tmp/tsimg-bench); delete it to rebuild.
# usage: unpack-bench-image.sh  -> prints the layout path
set -euo pipefail
cache=${BENCH_CACHE:-/var/tmp/tsimg-bench}
tree=$cache/debian-rootfs
layout=$cache/layout
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (debootstrap, device nodes)" >&2; exit 1; }
mkdir -p "$cache"
if [ ! -d "$tree" ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "bench: debootstrap bookworm into $tree (once, a few minutes)" >&2
  rm -rf "$tree.tmp"
  debootstrap --variant=minbase --include=python3,perl,git,curl,vim-tiny,iproute2 bookworm "$tree.tmp" "${mirror:-http://deb.debian.org/debian}" >"$cache/debootstrap.log" 2>&1
  mv "$tree.tmp" "$tree"
fi
if [ ! -f "$layout/index.json" ]; then
  echo "bench: building the OCI layout $layout (once)" >&2
  rm -rf "$layout.tmp" && mkdir -p "$layout.tmp/blobs/sha256" "$cache/extra"
  # The fourth layer: a whiteout and an opaque directory.
  extra=$cache/extra && rm -rf "$extra" && mkdir -p "$extra/etc/apt" "$extra/usr/bin"
  touch "$extra/etc/.wh.motd" "$extra/etc/apt/.wh..wh..opq"
  echo 'deb http://deb.debian.org/debian bookworm main' > "$extra/etc/apt/sources.list"
  layers=()
  add_layer() { # dir, tar args...
    local dir=$1; shift
    local tmp=$layout.tmp/layer.tmp
    tar -C "$dir" --numeric-owner --xattrs --xattrs-include='*' --format=posix -cf - "$@" \
      | tee >(sha256sum | cut -d' ' -f1 > "$tmp.diffid") | gzip -6 > "$tmp"
    sleep 0.2 # let the hashing subshell finish writing
    local hex; hex=$(sha256sum "$tmp" | cut -d' ' -f1)
    mv "$tmp" "$layout.tmp/blobs/sha256/$hex"
    layers+=("$hex:$(stat -c %s "$layout.tmp/blobs/sha256/$hex"):$(cat "$tmp.diffid")")
    rm -f "$tmp.diffid"
  }
  add_layer "$tree" --exclude=./usr .
  add_layer "$tree" --exclude=./usr/share ./usr
  add_layer "$tree" ./usr/share
  add_layer "$extra" .
  node - "$layout.tmp" "${layers[@]}" <<'JS'
const fs = require('fs'), crypto = require('crypto'), path = require('path');
const [dir, ...layers] = process.argv.slice(2);
const put = (buf) => { const hex = crypto.createHash('sha256').update(buf).digest('hex'); fs.writeFileSync(path.join(dir, 'blobs/sha256', hex), buf); return { digest: `sha256:${hex}`, size: buf.length }; };
const parsed = layers.map((l) => { const [hex, size, diff] = l.split(':'); return { hex, size: Number(size), diff }; });
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/bash'] }, rootfs: { type: 'layers', diff_ids: parsed.map((p) => `sha256:${p.diff}`) } }));
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
  layers: parsed.map((p) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${p.hex}`, size: p.size })) }));
const m = put(manifest);
fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
JS
  mv "$layout.tmp" "$layout"
fi
echo "$layout"
