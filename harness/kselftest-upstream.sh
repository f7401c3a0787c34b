#!/usr/bin/env bash
# kselftest-upstream.sh: upstream's newer kvm selftests as a peer (issue
# 17, part 3). The kvm collection of Debian's linux-source-6.12 (the
# tree make parity uses), built and installed the kernel's way against
# 6.12's own uapi headers and library, static for arm64, with 6.12's own
# kvm/settings; run whole by run_kselftest.sh -c kvm on the series
# ($BUILD/out) and on the base alone ($BUILD/base/out), both from make
# kselftest. Prints the table; no base pass may fail on the series, and
# 6.12's psci_test must give the results it gave (docs/kselftest.md):
#  - on the base it skips, for want of KVM_CAP_ARM_SYSTEM_SUSPEND, its
#    first requirement;
#  - on the series it gets past that requirement (the series offers the
#    capability) and then skips when its library adds guest memory: since
#    v6.8 the selftest library requires KVM_SET_USER_MEMORY_REGION2, which
#    no 5.10 kernel has. Not patched here; upstream's test can only pass
#    on 5.10 from a tree older than that (make kselftest-upstream
#    UPSTREAM_WANT_SERIES=psci_test=pass says so when it does).
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
	--want-base "${UPSTREAM_WANT_BASE:-psci_test=skip:kvm_has_cap(KVM_CAP_ARM_SYSTEM_SUSPEND)}" \
	--want-series "${UPSTREAM_WANT_SERIES:-psci_test=skip:KVM_SET_USER_MEMORY_REGION2}" || rc=1
exit "$rc"
