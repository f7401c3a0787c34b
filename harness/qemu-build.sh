#!/usr/bin/env bash
# Build a static qemu-system-aarch64 for the L1 from Debian's QEMU plus the
# series in $QEMU_PATCHES (qemu/patches; an empty directory gives Debian's
# QEMU as it is), cross-compiled on this machine. $QEMU_DIR picks the base:
# qemu (7.2, the default) or qemu/10.0, qemu/11.1, each with its own
# source.lock, sysroot.lock, patches/ and tools.lock (a newer meson).
#   $QBUILD/src      clone of the base repository, series applied (git am)
#   $QBUILD/sysroot  Debian's arm64 -dev packages of $QEMU_DIR/sysroot.lock,
#                    unpacked (dpkg-deb -x): no change to the machine's apt
#   $QBUILD/build    meson/ninja build directory, kept between runs
#   $QBUILD/qemu-system-aarch64   the result, stripped
# For KVM on an arm64 host: the `virt` machine and what it needs
# (qemu/l1-devices.mak), no optional feature;
# ccache'd like the kernel. TCG stays in: QEMU 7.2's Arm target does not
# build without it (target/arm/arm-powerctl.c needs TCG's types).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

: "${QBUILD:?}"
top=$(realpath "$here/..")
qemu_base_vars
src=$QBUILD/src bld=$QBUILD/build sysroot=$QBUILD/sysroot
mkdir -p "$QBUILD"

qemu_tree "$src"

# The sysroot, once per lock file.
lock=$qdir/sysroot.lock
key=$(sha256sum "$lock" | cut -c1-16)
if [ "$(cat "$sysroot/.lock-key" 2>/dev/null)" != "$key" ]; then
	stage "qemu: sysroot from $(basename "$lock")"
	paths=$("$here/fetch-deb.sh" "$lock")
	rm -rf "$sysroot"
	mkdir -p "$sysroot"
	while read -r deb; do
		dpkg-deb -x "$deb" "$sysroot"
	done <<<"$paths"
	# trixie's and sid's libc6 (the newer bases') are merged-/usr: libc.so
	# names /lib/aarch64-linux-gnu/libc.so.6, and base-files makes /lib a link
	if [ -f "$qdir/tools.lock" ] && [ ! -e "$sysroot/lib" ]; then
		ln -s usr/lib "$sysroot/lib"
	fi
	echo "$key" >"$sysroot/.lock-key"
fi

# pkg-config answers from the sysroot alone; the compiler's --sysroot
# makes its library and header search the same arm64 root.
export PKG_CONFIG=pkg-config PKG_CONFIG_SYSROOT_DIR=$sysroot
export PKG_CONFIG_LIBDIR=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig
cc="aarch64-linux-gnu-gcc --sysroot=$sysroot"
command -v ccache >/dev/null && cc="ccache $cc"
# The newer bases (10.0, 11.1: those with a tools.lock) run meson from a
# venv of their own (mkvenv.py) and want a newer one than bookworm's:
# Debian's, from tools.lock, first on Debian's python3's path (also for
# ninja's re-runs of meson); nothing from PyPI. Their +ds tarballs lack
# pc-bios/bios.bin and the like, which meson now checks: no blobs (as
# debian/rules does). The cross gcc looks in /usr/aarch64-linux-gnu
# (bookworm's glibc 2.36) before --sysroot: the sysroot's own glibc goes
# first (its headers are what its glib was built on; and bookworm's
# libc.a, built -fpie, overflows the small GOT of a binary this size).
newer=()
if [ -f "$qdir/tools.lock" ]; then
	tools=$(unpacked "$qdir/tools.lock" "$CACHE_DIR/qemu-tools-$(basename "$qdir")")
	export PYTHONPATH=$tools/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
	newer=("--python=$PYTHON" --disable-download --disable-install-blobs)
	libdir=$sysroot/usr/lib/aarch64-linux-gnu
	cc+=" -isystem $sysroot/usr/include/aarch64-linux-gnu -isystem $sysroot/usr/include -B$libdir/ -L$libdir"
fi
# Paths below $QBUILD hash as relative ones, and QEMU's -g does not hash
# the build directory in: a tree built elsewhere (another checkout, the
# fresh root, CI's clone) hits the same cache entries. The debug info
# names the first directory; the binary is stripped.
export CCACHE_BASEDIR=$QBUILD CCACHE_NOHASHDIR=1
# The device selection is a file of the tree (untracked: not the series')
# (copied only when it differs: a new mtime would make meson reconfigure);
# a base whose Kconfig differs has its own.
devsel=$top/qemu/l1-devices.mak
[ -f "$qdir/l1-devices.mak" ] && devsel=$qdir/l1-devices.mak
devices=$src/configs/devices/aarch64-softmmu/psci-l1.mak
cmp -s "$devsel" "$devices" || install -m 0644 "$devsel" "$devices"
conf=(--cross-prefix=aarch64-linux-gnu- "--cc=$cc" --static
      --target-list=aarch64-softmmu --without-default-features
      --without-default-devices --with-devices-aarch64=psci-l1
      --enable-kvm --enable-fdt=system
      --disable-docs --disable-tools --disable-werror "${newer[@]}")
qemu_configure "$bld" "$src" "$devsel" qemu-configure \
	"qemu: configure (aarch64-softmmu, KVM, static)" "${conf[@]}"
stage "qemu: build qemu-system-aarch64"
logged qemu-ninja ninja -C "$bld" -j"$JOBS" qemu-system-aarch64
aarch64-linux-gnu-strip -o "$QBUILD/qemu-system-aarch64" "$bld/qemu-system-aarch64"
file -b "$QBUILD/qemu-system-aarch64" | grep -qE 'ARM aarch64.*static(-pie)? linked' ||
	die "$QBUILD/qemu-system-aarch64 is not a static aarch64 program"
stage "qemu: $QBUILD/qemu-system-aarch64 ($(($(stat -c %s "$QBUILD/qemu-system-aarch64") >> 20)) MiB, static)"
