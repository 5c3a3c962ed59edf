#!/usr/bin/env bash
# versions.sh SUITE [CHROOT_DIR]: build tcpstate and run its whole test suite
# (the README's test command) against the Wireshark of a Debian release, in a
# chroot of that release:
#   tests/versions.sh trixie     # Wireshark 4.4 (Debian 13)
#   tests/versions.sh sid        # Wireshark 4.6 (Debian unstable)
# The chroot (default /var/tmp/tcpstate-chroots/SUITE) is made with mmdebstrap
# the first time, with the packages the tests need, and reused afterwards.
# The sources are bind-mounted at /src and the shared captures at /shared; the
# build goes to a fresh /build (tmpfs) inside the chroot, so the host's build/
# is untouched.
# Everything runs in a private mount namespace that vanishes with the script.
# Needs root (chroot, mounts, network namespaces for kernel_truth).
#
# TCPSTATE_CTEST_ARGS adds ctest arguments (e.g. "-R fields_seed" to run a
# few tests while developing); by default "-LE mutation": the mutation check
# changes only the plain-C core, which is the same on every version, so it
# runs on the host only.  TCPSTATE_RUN replaces the test command with
# another one, run in /src after the build (e.g. the benchmark:
#   TCPSTATE_RUN='python3 tests/bench/bench.py --build /build --sizes "" --instructions 10000'
#   tests/versions.sh sid).
set -euo pipefail
suite=${1:?usage: tests/versions.sh SUITE [CHROOT_DIR]}
root=${2:-/var/tmp/tcpstate-chroots/$suite}
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "FAIL: versions.sh needs root (chroot, mounts)"; exit 1; }

# Read from the build's cache, which knows where the shared captures are.
shared=${TCPSTATE_SHARED:-}
if [ -z "$shared" ] && [ -f "$src/build/CMakeCache.txt" ]; then
    shared=$(sed -n 's/^TCPSTATE_SHARED_DIR:PATH=//p' "$src/build/CMakeCache.txt")
fi
shared=${shared:-$src/../shared}
[ -d "$shared/zeek/traces" ] || { echo "FAIL: no shared captures at $shared (set TCPSTATE_SHARED)"; exit 1; }
shared=$(cd "$shared" && pwd)

# What .ci/run installs on Debian 12, under each release's names: the GUI
# package is "wireshark" from 4.4 on (wireshark-qt before), and
# libclang-rt-dev follows the release's default clang.
packages=ca-certificates,cmake,make,gcc,libc6-dev,pkg-config,libwireshark-dev,wireshark-dev,tshark
packages+=,libglib2.0-dev,python3,python3-scapy,tcpdump,iproute2,nftables,util-linux,procps
packages+=,clang,libclang-rt-dev,valgrind,wireshark,xvfb,xdotool,netpbm,fonts-dejavu-core,tesseract-ocr,tesseract-ocr-eng
stamp="$root/.tcpstate-packages"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$packages" ]; then
    command -v mmdebstrap >/dev/null || { echo "FAIL: mmdebstrap not installed (apt-get install mmdebstrap)"; exit 1; }
    echo "== making the $suite chroot in $root"
    rm -rf "$root.new" && mkdir -p "$(dirname "$root")"
    # The sid archive can carry an expired Release file.
    mmdebstrap --variant=minbase --include="$packages" --aptopt='Acquire::Check-Valid-Until "false"' \
        "$suite" "$root.new" http://deb.debian.org/debian
    echo "$packages" > "$root.new/.tcpstate-packages"
    rm -rf "$root" && mv "$root.new" "$root"
fi

version=$(chroot "$root" dpkg-query -W -f='${Version}' libwireshark-dev)
echo "== $suite: Wireshark $version"
# The README's test command, inside the chroot.
inside="cmake -S /src -B /build -DTCPSTATE_WERROR=ON -DTCPSTATE_SHARED_DIR=/shared >/dev/null &&
cmake --build /build -j$(nproc) >/dev/null &&
if [ -n \"\$TCPSTATE_RUN\" ]; then eval \"\$TCPSTATE_RUN\"; else ctest --test-dir /build --output-on-failure \$TCPSTATE_CTEST_ARGS; fi"

# A private mount namespace: the chroot's root becomes a mount point (ip netns
# needs one), with the kernel's file systems, a fresh /tmp and /run, and the
# sources.  All of it goes away when the namespace's last process exits.
unshare --mount --propagation private bash -euo pipefail -c '
root=$1 src=$2 shared=$3 inside=$4
mount --rbind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mkdir -p "$root/src" "$root/shared" "$root/build"
# A fresh build every time: make would take objects from another source tree
# (CI and a developer bind different trees at /src) for up to date.
mount -t tmpfs -o mode=755 tmpfs "$root/build"
mount --bind "$src" "$root/src"
mount --bind "$shared" "$root/shared"
mount -o remount,bind,ro "$root/shared"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 CI="${CI:-}" \
    TCPSTATE_CTEST_ARGS="${TCPSTATE_CTEST_ARGS:--LE mutation}" TCPSTATE_RUN="${TCPSTATE_RUN:-}" bash -c "cd /src && $inside"
' versions "$root" "$src" "$shared" "$inside"
