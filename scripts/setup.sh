#!/usr/bin/env bash
# Sets a fresh Debian 12 machine of this kind up for tsrun: the Debian packages the build, the
# tests and the demo need, then `npm ci` (which builds the C helper, the validators and the bundle).
set -euo pipefail
cd "$(dirname "$0")/.."

# libseccomp-dev: only for the differential test of our seccomp compiler against libseccomp.
# containerd, docker.io, podman (with conmon) and runc: the real clients the tests drive tsrun
# through, and the reference runtime they compare it with; bsdutils gives script(1) for -t runs.
# docker-registry, skopeo, umoci, apache2-utils (htpasswd), zstd, debootstrap: tsimg's tests and
# benchmarks (a real registry on 127.0.0.1, the reference tools, test and benchmark images);
# openssl makes the token-auth tests' signing certificate; time: GNU time, for the peak RSS columns of the benchmarks.
# qemu-system-x86, cpio, xz-utils: the pure cgroup v2 guest of scripts/cgroup-v2-guest (npm run test:v2),
# whose kernel that script fetches itself with apt-get download.
packages=(busybox-static gcc make libc6-dev file libseccomp-dev containerd docker.io podman conmon runc bsdutils
  docker-registry skopeo umoci apache2-utils zstd debootstrap openssl time qemu-system-x86 cpio xz-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends also keeps qemu-system-x86 from pulling in a desktop's worth of packages.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
