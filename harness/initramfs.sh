#!/usr/bin/env bash
# initramfs.sh: stage the L1 root filesystem in $BUILD/initramfs and pack
# it, without root, into $BUILD/initramfs.cpio:
#   /init        l1/init.c, the test runner
#   /kvm/...     the kvm selftests
#   /boot/Image  the kernel itself (or $L2_IMAGE), for the VMM's L2 guests
#   /vmm/... /fuzz/... /bench/... /peers/... /conformance/...
#                what those directories install
#   /suite.list  the tests of $SUITE_FILE (harness/suite.list) selected by $TESTS
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

stg=$BUILD/initramfs
out=${OUT:-$BUILD/out}
rm -rf "$stg"
mkdir -p "$stg/boot" "$stg/dev" "$stg/proc" "$stg/sys" "$stg/tmp"

DEST=$stg "$here/selftests.sh"
install -m 0755 "$BUILD/l1/init" "$stg/init"
# The L2 guests' kernel: this one, or L2_IMAGE (the non-debug build's
# Image under CONFIG=debug, Makefile).
cp "${L2_IMAGE:-$out/arch/arm64/boot/Image}" "$stg/boot/Image"

# The project's own programs for L1: each directory's Makefile builds
# static aarch64 binaries into O= and installs them under DESTDIR.
for dir in vmm fuzz bench peers conformance; do
	[ -f "$dir/Makefile" ] || continue
	name=${dir##*/}
	if [ "$dir" = vmm ] &&
	   ! grep -q KVM_CAP_ARM_SYSTEM_SUSPEND "$BUILD/headers/include/linux/kvm.h"; then
		stage "build: vmm skipped: the uapi headers lack the series (base alone)"
		continue
	fi
	stage "build: $dir"
	cm=(make -C "$dir" O="$BUILD/$name" KSRC="$BUILD/linux"
	    KHDR="$BUILD/headers/include" DESTDIR="$stg")
	logged "$name" "${cm[@]}" all
	logged "$name-install" "${cm[@]}" install
done

suite=${SUITE_FILE:-harness/suite.list}
"$PYTHON" "$here/tap.py" select "$suite" "${TESTS:-}" >"$stg/suite.list" \
	2>"$BUILD/suite.left-out"
n=$(wc -l <"$stg/suite.list")
[ -s "$BUILD/suite.left-out" ] && stage "suite: $(cat "$BUILD/suite.left-out")"
[ "$n" -gt 0 ] || die "no test in $suite matches TESTS='${TESTS:-}'"

pack_initramfs "$stg" "$BUILD/initramfs.cpio"
stage "initramfs: $n test(s), $(($(stat -c %s "$BUILD/initramfs.cpio") >> 20)) MiB"
