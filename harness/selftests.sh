#!/usr/bin/env bash
# selftests.sh: build the KVM selftests of $BUILD/linux static for aarch64
# against the patched uapi headers in $BUILD/headers, output in
# $BUILD/kselftest/kvm, and install every built program under
# $DEST/kvm (default $BUILD/initramfs/kvm).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

src=${SRC:-$BUILD/linux}
hdr=${HDR:-$BUILD/headers}
out=${KSFT_OUT:-$BUILD/kselftest/kvm}
dest=${DEST:-$BUILD/initramfs}/kvm
mkdir -p "$out"

# KSFT_KHDR_INSTALL_DONE=1: never run headers_install inside the source
# tree (it would dirty it for the O= kernel build); use $hdr instead.
# LDFLAGS comes from the environment so the Makefile's += keeps -pthread.
km=(make -C "$src/tools/testing/selftests/kvm" "${KARCH[@]}" CC="$CROSS_CC"
    OUTPUT="$out" KSFT_KHDR_INSTALL_DONE=1 INSTALL_HDR_PATH="$hdr")
stage "build: kvm selftests"
LDFLAGS=-static logged selftests "${km[@]}" -j"$JOBS" all

progs=$("${km[@]}" -s --no-print-directory \
	--eval 'print-progs: ; @echo $(TEST_GEN_PROGS)' print-progs)
[ -n "$progs" ] || die "the kvm selftests Makefile lists no programs"
rm -rf "$dest"
n=0
for p in $progs; do
	[ -f "$p" ] || die "selftest $p was not built"
	file -b "$p" | grep -q 'ARM aarch64.*statically linked' ||
		die "$p is not a static aarch64 executable: $(file -b "$p")"
	rel=${p#"$out"/}
	install -D -m 0755 "$p" "$dest/$rel"
	aarch64-linux-gnu-strip "$dest/$rel"
	n=$((n + 1))
done
stage "build: $n kvm selftests installed"
