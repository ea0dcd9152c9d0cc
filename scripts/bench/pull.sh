#!/usr/bin/env bash
# Pull benchmark: tsimg pull versus skopeo copy docker://... oci:DIR, from a local docker-registry, of a
# Debian bookworm minbase image of a few hundred MB (built once by pull-image.ts, cached under /var/tmp).
# Each round pulls into a fresh empty store with both tools, alternating which goes first; GNU time gives
# wall time and peak RSS. Medians go to stdout and scripts/bench/results/pull.md.
#   npm run bench:pull            BENCH_PULL_RUNS (default 7) sets the rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${BENCH_PULL_RUNS:-7}
cache=${BENCH_PULL_CACHE:-/var/tmp/tsimg-pull-bench}
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null; }
[ -f dist/tsimg.cjs ] || npx tsx scripts/build-bundles.ts >/dev/null

layout=$(npx tsx scripts/bench/pull-image.ts "$cache")
work=$(mktemp -d /tmp/tsimg-bench-pull.XXXXXX)
registry_pid=
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat > "$work/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$port}
YAML
/usr/bin/docker-registry serve "$work/registry.yml" 2>"$work/registry.log" &
registry_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.05; done
image="127.0.0.1:$port/bench/debian:bookworm"
skopeo copy -q --dest-tls-verify=false "oci:$layout:bench" "docker://$image"
compressed=$(du -sb "$layout/blobs" | cut -f1)

measure() { # label command... -> appends "seconds kB" to $work/$label
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time" >> "$work/$label"
}
for i in $(seq "$runs"); do
  rm -rf "$work/t" "$work/s"
  if (( i % 2 )); then
    measure tsimg dist/tsimg --root "$work/t" pull -q "$image"
    measure skopeo skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/s:bench"
  else
    measure skopeo skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/s:bench"
    measure tsimg dist/tsimg --root "$work/t" pull -q "$image"
  fi
done
# Both stores must hold the same layers, or the comparison means nothing.
[ "$(skopeo inspect "oci:$work/t:$image" | grep -A9 '"Layers"')" = "$(skopeo inspect "oci:$work/s:bench" | grep -A9 '"Layers"')" ] || { echo "bench: the two stores hold different layers" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t_time=$(cut -d' ' -f1 "$work/tsimg" | median); s_time=$(cut -d' ' -f1 "$work/skopeo" | median)
t_rss=$(cut -d' ' -f2 "$work/tsimg" | median); s_rss=$(cut -d' ' -f2 "$work/skopeo" | median)
ratio=$(awk -v a="$t_time" -v b="$s_time" 'BEGIN {printf "%.2f", a/b}')
{
  echo "## Pull benchmark: tsimg pull vs skopeo copy docker:// oci:"
  echo
  echo "Image: Debian bookworm minbase (+python3, perl), 4 gzip layers, $((compressed / 1000000)) MB compressed; local docker-registry on 127.0.0.1;"
  echo "each tool pulls into a fresh empty store, $runs rounds, alternating order; medians. $(date -u +%Y-%m-%d), $(nproc) CPUs, Node $(node --version), $(skopeo --version)."
  echo
  echo "| tool | wall time (s) | peak RSS (MB) |"
  echo "|---|---|---|"
  echo "| tsimg pull | $t_time | $((t_rss / 1024)) |"
  echo "| skopeo copy | $s_time | $((s_rss / 1024)) |"
  echo
  echo "tsimg / skopeo time ratio: **$ratio** (target <= 1.00)"
} | tee scripts/bench/results/pull.md
