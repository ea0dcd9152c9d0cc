#!/bin/sh
# The guest's init (busybox sh), in two stages.
# 1 (from the initramfs): load the modules, mount the host's / read-only over 9p as the lower dir of
#   an overlay with a tmpfs upper (so the guest may write anywhere and the host sees nothing), mount
#   the job share, switch_root into the overlay.
# 2 (in the overlay): the API filesystems and a pure cgroup v2 hierarchy (the kernel booted with
#   cgroup_no_v1=all), then the job's command with its stdout, stderr and exit code written to the
#   job share. Then power off; any exit of init panics the kernel, which qemu turns into an exit too.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
fail() { echo "tsrun-v2-guest: $*" >/dev/console; poweroff -f; }

if [ "$1" != stage2 ]; then
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mount -t devtmpfs dev /dev
  for m in $(cat /modules/order); do insmod "/modules/$m.ko" || fail "insmod $m failed"; done
  mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /host || fail "cannot mount the host's / over 9p"
  mount -t tmpfs -o size=75% upper /upper
  mkdir -p /upper/data /upper/work
  mount -t overlay -o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work overlay /newroot || fail "cannot mount the overlay"
  mkdir -p /newroot/.tsrun-guest/job
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job /newroot/.tsrun-guest/job || fail "cannot mount the job share"
  cp /bin/busybox /init /newroot/.tsrun-guest/
  umount /proc /sys
  mount --move /dev /newroot/dev 2>/dev/null || umount /dev
  exec switch_root /newroot /.tsrun-guest/busybox sh /.tsrun-guest/init stage2
fi

B=/.tsrun-guest/busybox
J=/.tsrun-guest/job
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mountpoint -q /dev || $B mount -t devtmpfs dev /dev
$B mkdir -p /dev/pts /dev/shm
$B mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$B mount -t tmpfs shm /dev/shm
$B mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail "cannot mount cgroup2"
for d in /tmp /run /var/tmp; do $B mount -t tmpfs -o mode=1777 tmp "$d"; done
$B hostname tsrun-v2-guest
$B ip link set lo up 2>/dev/null
echo "tsrun-v2-guest: ready" >/dev/console
# The job's environment and command were written by run.sh as sh-quoted lines.
( . "$J/env"; cd "$(cat "$J/cwd")" && exec $B sh "$J/cmd" ) > "$J/stdout" 2> "$J/stderr" < /dev/null
echo $? > "$J/exit-code.tmp"
$B mv "$J/exit-code.tmp" "$J/exit-code"
$B sync
$B poweroff -f
