#!/usr/bin/env bash
# Makes (once) what the cgroup v2 guest boots: Debian's 6.1 kernel as an uncompressed vmlinux, its
# modules for virtio, 9p and overlay, and an initramfs with busybox as init. Everything comes from
# Debian's apt repositories. The result lives in a cache directory reused by every run; a build is
# made in a temporary directory and renamed into place, so an interrupted one never looks complete.
# Prints the cache directory.
set -euo pipefail
CACHE=${TSRUN_V2_GUEST_CACHE:-/var/tmp/tsrun-v2-guest}
HERE=$(cd "$(dirname "$0")" && pwd)
# In load order (dependencies first): what the guest needs to reach the host's files over 9p.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay virtio-rng)

die() { echo "cgroup-v2-guest: $*" >&2; exit 1; }
# The initramfs is rebuilt when the guest's init script changes; the kernel is fetched once.
stamp=$(sha256sum "$HERE/guest-init.sh" | cut -c1-16)
[ -f "$CACHE/ready-$stamp" ] && { echo "$CACHE"; exit 0; }

for tool in apt-get dpkg cpio gzip xz busybox; do command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs it)"; done
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || die "$BUSYBOX is not static: apt-get install busybox-static"

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -f "$CACHE/vmlinux" ]; then
  # The newest plain amd64 flavour: -cloud has no 9p, -rt is another scheduler.
  pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | cut -d' ' -f1 | sort -V | tail -1)
  [ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64 in apt's lists (run apt-get update)"
  echo "cgroup-v2-guest: fetching $pkg" >&2
  (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
  dpkg -x "$work"/"$pkg"_*.deb "$work/pkg"
  kver=$(ls "$work/pkg/lib/modules")
  # bzImage carries the kernel xz-compressed; booting the plain vmlinux (PVH entry) saves the ~3 s
  # its decompression costs under emulation. The xz stream starts at its magic; trailing bytes are ignored.
  bz="$work/pkg/boot/vmlinuz-$kver"
  off=$(LC_ALL=C grep -aboP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1 || true)
  [ -n "$off" ] || die "no xz stream in $bz"
  tail -c +$((off + 1)) "$bz" | xz -dcq > "$work/vmlinux" 2>/dev/null || true
  head -c 4 "$work/vmlinux" | grep -q 'ELF' || die "could not extract vmlinux from $bz"
  mkdir -p "$work/modules"
  for m in "${MODULES[@]}"; do
    ko=$(find "$work/pkg/lib/modules/$kver" -name "$m.ko" | head -1)
    [ -n "$ko" ] || die "module $m not found in $pkg"
    cp "$ko" "$work/modules/"
  done
  printf '%s\n' "${MODULES[@]}" > "$work/modules/order"
  echo "$pkg" > "$work/kernel-package"
  rm -rf "$CACHE/modules" && mv "$work/modules" "$CACHE/modules"
  mv "$work/kernel-package" "$CACHE/kernel-package"
  mv "$work/vmlinux" "$CACHE/vmlinux"
fi

# The initramfs: busybox (its applets as links), the modules, and guest-init.sh as /init.
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,host,upper,newroot,job,modules}
cp "$BUSYBOX" "$root/bin/busybox"
for a in sh mount umount mkdir insmod switch_root cat poweroff sleep echo; do ln -s busybox "$root/bin/$a"; done
cp "$CACHE"/modules/* "$root/modules/"
cp "$HERE/guest-init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"
mv "$work/initramfs.gz" "$CACHE/initramfs.gz"
rm -f "$CACHE"/ready-*
touch "$CACHE/ready-$stamp"
echo "$CACHE"
