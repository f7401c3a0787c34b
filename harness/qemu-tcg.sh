#!/usr/bin/env bash
# The QEMU series under TCG on this machine, no nesting: a native (x86_64)
# qemu-system-aarch64 from the same tree as make qemu's ($QBUILD/src),
# built in $QBUILD/tcg, and peers/qemu_suspend built natively, which runs
# the project's guest (the kernel of $OUT, $BUILD/vmm/guest.cpio) with
# -accel tcg -M virt,system-suspend=on: three suspend cycles, woken by
# system_wakeup, its RTC alarm and a console byte, checked over QMP;
# vmm/'s bare-metal guests, answered DENIED and INVALID_ADDRESS; and
# peers/qemu_migrate: the guest moved asleep (source and destination both
# this binary) and woken there, three times; moved while it runs; and
# moved stopped with a console byte pending, which must wake it there.
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

stage "qemu-tcg: build peers/qemu_suspend and qemu_migrate for this machine"
p=$top/peers
for t in qemu_suspend qemu_migrate; do
	logged "qemu-tcg-$t" gcc -O2 -Wall -Werror -std=gnu11 -D_GNU_SOURCE \
		-I"$p" -o "$bld/$t" "$p/$t.c" "$p/qemu_cycle.c" "$p/qmp.c"
done

image=$OUT/arch/arm64/boot/Image initrd=$BUILD/vmm/guest.cpio
for f in "$image" "$initrd"; do
	[ -r "$f" ] || die "$f: missing (make kernel initramfs)"
done
log=$LOGS/qemu-tcg.log failed=()
: >"$log"
for run in "qemu_suspend suspend" "qemu_suspend deny" \
	   "qemu_migrate suspended" "qemu_migrate running" \
	   "qemu_migrate pending"; do
	read -r t mode <<<"$run"
	stage "qemu-tcg: $t $mode --accel tcg ($(basename "$qdir") series)"
	"$bld/$t" "$mode" --accel tcg --qemu "$bld/qemu-system-aarch64" \
		--kernel "$image" --initrd "$initrd" | tee -a "$log" ||
		failed+=("$run")
done
[ ${#failed[@]} -eq 0 ] ||
	die "qemu-tcg: under TCG, failed: $(printf '%s; ' "${failed[@]}")(lines with FAIL in $log)"
stage "qemu-tcg: suspend, deny, migrate suspended, running and pending: PASS"
