#!/usr/bin/env bash
# The QEMU series under TCG on this machine, no nesting: a native (x86_64)
# qemu-system-aarch64 from the same tree as make qemu's ($QBUILD/src),
# built in $QBUILD/tcg, and peers/qemu_suspend built natively, which runs
# the project's guest (the kernel of $OUT, $BUILD/vmm/guest.cpio) with
# -accel tcg -M virt,system-suspend=on: three suspend cycles, woken by
# system_wakeup, its RTC alarm and a console byte, checked over QMP; and
# vmm/'s bare-metal guests, answered DENIED and INVALID_ADDRESS.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

: "${QBUILD:?}" "${OUT:?}"
top=$(realpath "$here/..")
qemu_base_vars
src=$QBUILD/src bld=$QBUILD/tcg
mkdir -p "$QBUILD"
qemu_tree "$src"
grep -q arm_system_suspend_init "$src/target/arm/arm-powerctl.c" 2>/dev/null ||
	die "$pdir has no TCG PSCI SYSTEM_SUSPEND (the 7.2 series is KVM only): QEMU=10.0"

# The newer bases' meson, as qemu-build.sh takes it (tools.lock)
newer=()
if [ -f "$qdir/tools.lock" ]; then
	tools=$(unpacked "$qdir/tools.lock" "$CACHE_DIR/qemu-tools-$(basename "$qdir")")
	export PYTHONPATH=$tools/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
	newer=(--disable-download --disable-install-blobs)
fi
export CCACHE_BASEDIR=$QBUILD CCACHE_NOHASHDIR=1
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
devices=$src/configs/devices/aarch64-softmmu/psci-tcg.mak
cmp -s "$top/qemu/tcg-devices.mak" "$devices" || install -m 0644 "$top/qemu/tcg-devices.mak" "$devices"
conf=("--cc=$cc" "--python=$PYTHON" --target-list=aarch64-softmmu
      --without-default-features --without-default-devices
      --with-devices-aarch64=psci-tcg --enable-tcg --enable-fdt=system
      --disable-docs --disable-tools --disable-werror "${newer[@]}")
qemu_configure "$bld" "$src" "$devices" qemu-tcg-configure \
	"qemu-tcg: configure (aarch64-softmmu, TCG, for this machine)" "${conf[@]}"
stage "qemu-tcg: build qemu-system-aarch64"
logged qemu-tcg-ninja ninja -C "$bld" -j"$JOBS" qemu-system-aarch64

stage "qemu-tcg: build peers/qemu_suspend for this machine"
p=$top/peers
logged qemu-tcg-test gcc -O2 -Wall -Werror -std=gnu11 -D_GNU_SOURCE -I"$p" \
	-o "$bld/qemu_suspend" \
	"$p/qemu_suspend.c" "$p/qemu_cycle.c" "$p/qmp.c"

image=$OUT/arch/arm64/boot/Image initrd=$BUILD/vmm/guest.cpio
for f in "$image" "$initrd"; do
	[ -r "$f" ] || die "$f: missing (make kernel initramfs)"
done
rc=0
: >"$LOGS/qemu-tcg.log"
for mode in suspend deny; do
	stage "qemu-tcg: qemu_suspend $mode --accel tcg ($(basename "$qdir") series)"
	"$bld/qemu_suspend" "$mode" --accel tcg --qemu "$bld/qemu-system-aarch64" \
		--kernel "$image" --initrd "$initrd" | tee -a "$LOGS/qemu-tcg.log" || rc=1
done
exit "$rc"
