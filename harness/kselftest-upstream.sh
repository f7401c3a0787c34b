#!/usr/bin/env bash
# kselftest-upstream.sh: upstream's newer kvm selftests as a peer (issue
# 17, part 3). The kvm collection of Debian's linux-source-6.12 (the
# tree make parity uses), built and installed the kernel's way against
# 6.12's own uapi headers and library, static for arm64, with 6.12's own
# kvm/settings; run whole by run_kselftest.sh -c kvm on the series
# ($BUILD/out) and on the base alone ($BUILD/base/out), both from make
# kselftest. Prints the table; no base pass may fail on the series, and
# 6.12's psci_test must give the results $UPSTREAM_WANT_BASE and
# $UPSTREAM_WANT_SERIES name (docs/kselftest.md says why they are what
# they are).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

"$here/upstream-src.sh"
src=$CACHE_DIR/upstream/linux-source-6.12
obj=$BUILD/out-upstream-ksft
inst=$BUILD/kselftest-upstream
stg=$BUILD/initramfs-ksft-upstream
cpio=$stg.cpio
for o in "$BUILD/out" "$BUILD/base/out"; do
	[ -f "$o/arch/arm64/boot/Image" ] || die "no $o/arch/arm64/boot/Image: run 'make kselftest' first"
done

# 6.12's selftests take the uapi headers from $O/usr/include, which
# they no longer install themselves: headers_install first.
stage "kselftest-upstream: 6.12 headers_install, then make -C tools/testing/selftests TARGETS=kvm install"
logged ksft-upstream-headers make -C "$src" O="$obj" "${KARCH[@]}" headers_install
rm -rf "$inst"
logged ksft-upstream-install make -C "$src/tools/testing/selftests" "${KARCH[@]}" \
	CC="$CROSS_CC" O="$obj" TARGETS=kvm KSFT_INSTALL_PATH="$inst" \
	USERLDFLAGS=-static -j"$JOBS" install
list=$inst/kselftest-list.txt
n=$(grep -c '^kvm:' "$list")
while read -r t; do
	file -b "$inst/${t%%:*}/${t#*:}" | grep -q 'ARM aarch64.*statically linked' ||
		die "$t is not a static aarch64 executable"
done <"$list"
timeout=$(sed -n 's/^timeout=//p' "$inst/kvm/settings")
stage "kselftest-upstream: $n kvm tests of 6.12, its kvm/settings: timeout=$timeout"

rm -rf "$stg"
mkdir -p "$stg/dev" "$stg/proc" "$stg/sys" "$stg/tmp"
install -m 0755 "$BUILD/l1/init" "$stg/init"
cp -a "$inst" "$stg/kselftest"
echo "ksft:run_kselftest.sh $((n * ${timeout:-45} + 60)) /kselftest/run_kselftest.sh -c kvm" \
	>"$stg/suite.list"
ksft_userland "$stg"
pack_initramfs "$stg" "$cpio"

rc=0
for k in series base; do
	o=$BUILD/out
	[ "$k" = base ] && o=$BUILD/base/out
	OUT=$o SUITE_LIST=$stg/suite.list INITRD=$cpio "$here/run.sh" "kselftest-upstream-$k" || rc=$?
done
stage "kselftest-upstream: 6.12's kvm selftests on the base and on the series"
"$PYTHON" "$here/tap.py" ksft-compare "$LOGS/kselftest-upstream-base-latest.log" \
	"$LOGS/kselftest-upstream-series-latest.log" \
	--want-base "${UPSTREAM_WANT_BASE:-psci_test=skip}" \
	--want-series "${UPSTREAM_WANT_SERIES:-psci_test=pass}" || rc=1
exit "$rc"
