#!/usr/bin/env bash
# Runs one command in a guest kernel with a pure cgroup v2 hierarchy (every controller) and the
# host's filesystem visible read-only, so dist/tsrun, node and busybox run there unchanged.
# The command's stdout, stderr and exit code come back as this script's own.
#
#   scripts/cgroup-v2-guest/run.sh [--timeout SECONDS] [--memory MIB] [-e NAME=VALUE]... -- COMMAND [ARG]...
#
# The command runs in the caller's working directory with PATH, HOME, LANG and TSRUN_* passed on.
# Exit codes of this script besides the command's: 125 the guest could not be made or did not boot,
# 124 the command timed out. A guest that dies without an exit code (a rare soft lockup under
# emulation panics it) is booted once more.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
timeout=600 memory=768 envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    -e) envs+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) echo "cgroup-v2-guest: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--timeout S] [--memory MIB] [-e NAME=VALUE]... -- COMMAND [ARG]..." >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "cgroup-v2-guest: qemu-system-x86_64 is missing (apt-get install --no-install-recommends qemu-system-x86)" >&2; exit 125; }
cache=$("$HERE/prepare.sh") || exit 125

job=$(mktemp -d /tmp/tsrun-v2-job.XXXXXX)
qemu_pid=
cleanup() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; rm -rf "$job"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
  for name in PATH HOME LANG $(compgen -e | grep '^TSRUN_' || true); do
    [ -n "${!name+x}" ] && printf 'export %s=%s\n' "$name" "$(quote "${!name}")"
  done
  for kv in "${envs[@]+"${envs[@]}"}"; do printf 'export %s=%s\n' "${kv%%=*}" "$(quote "${kv#*=}")"; done
} > "$job/env"
pwd > "$job/cwd"
{ printf 'exec'; for a in "$@"; do printf ' %s' "$(quote "$a")"; done; printf '\n'; } > "$job/cmd"

boot() {
  rm -f "$job/exit-code" "$job/stdout" "$job/stderr"
  # No KVM here: software emulation, multi-threaded. panic=-1 and -no-reboot turn a guest panic
  # into qemu's exit instead of a hang.
  timeout --kill-after=5 "$timeout" qemu-system-x86_64 \
    -machine q35 -accel tcg,thread=multi,tb-size=256 -cpu max -smp 2 -m "$memory" \
    -nographic -no-reboot -serial "file:$job/console" -monitor none -display none \
    -kernel "$cache/vmlinux" -initrd "$cache/initramfs.gz" \
    -append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all softlockup_panic=1 rdinit=/init" \
    -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -fsdev local,id=job,path="$job",security_model=none \
    -device virtio-9p-pci,fsdev=job,mount_tag=job \
    -device virtio-rng-pci </dev/null >"$job/qemu.log" 2>&1 &
  qemu_pid=$!
  local rc=0
  wait "$qemu_pid" || rc=$?
  qemu_pid=
  return $rc
}

for attempt in 1 2; do
  qrc=0
  boot || qrc=$?
  if [ -f "$job/exit-code" ]; then
    cat "$job/stdout"
    cat "$job/stderr" >&2
    exit "$(cat "$job/exit-code")"
  fi
  if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    [ -f "$job/stdout" ] && cat "$job/stdout"
    [ -f "$job/stderr" ] && cat "$job/stderr" >&2
    echo "cgroup-v2-guest: timed out after ${timeout}s" >&2
    exit 124
  fi
  if ! grep -q 'tsrun-v2-guest: ready' "$job/console" 2>/dev/null; then
    echo "cgroup-v2-guest: the guest did not boot (qemu exit $qrc); its console and qemu's messages:" >&2
    tail -n 30 "$job/console" "$job/qemu.log" >&2 2>/dev/null || true
    exit 125
  fi
  echo "cgroup-v2-guest: the guest died before the command ended (attempt $attempt); console:" >&2
  tail -n 15 "$job/console" >&2 || true
done
exit 125
