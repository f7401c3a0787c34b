#!/usr/bin/env bash
# kselftest-upstream.sh: upstream's newer kvm selftests as a peer (issue
# 17, part 3). The kvm collection of Debian's linux-source-$UPSTREAM
# (6.12, the tree make parity uses, by default; or 6.1), built and
# installed the kernel's way against its own uapi headers and library,
# static for arm64, with its own kvm/settings; run whole by
# run_kselftest.sh -c kvm on the series ($BUILD/out) and on the base alone
# ($BUILD/base/out), both from make kselftest. Prints the table; no base
# pass may fail on the series, and upstream's psci_test must give the
# results it gave (docs/kselftest.md):
#  - on the base it skips, for want of KVM_CAP_ARM_SYSTEM_SUSPEND, its
#    first requirement (6.1 and 6.12);
#  - on the series, 6.1's passes; 6.12's gets past that requirement (the
#    series offers the capability) and then skips when its library adds
#    guest memory: since v6.8 the selftest library requires
#    KVM_SET_USER_MEMORY_REGION2, which no 5.10 kernel has. The upstream
#    tests are not patched.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

v=${UPSTREAM:-6.12}
case $v in
6.12) want_series=psci_test=skip:KVM_SET_USER_MEMORY_REGION2 ;;
6.1) want_series=psci_test=pass ;;
*) die "UPSTREAM=$v: 6.12 or 6.1" ;;
esac
want_base="psci_test=skip:kvm_has_cap(KVM_CAP_ARM_SYSTEM_SUSPEND)"
"$here/upstream-src.sh" "$v"
src=$CACHE_DIR/upstream/linux-source-$v
obj=$BUILD/out-ksft-$v
inst=$BUILD/kselftest-$v
stg=$BUILD/initramfs-ksft-$v
cpio=$stg.cpio
for o in "$BUILD/out" "$BUILD/base/out"; do
	[ -f "$o/arch/arm64/boot/Image" ] || die "no $o/arch/arm64/boot/Image: run 'make kselftest' first"
done

# Since 6.1 the selftests take the uapi headers from $O/usr/include, which
# they no longer install themselves: headers_install first.
stage "kselftest-upstream: $v headers_install, then make -C tools/testing/selftests TARGETS=kvm install"
logged "ksft-$v-headers" make -C "$src" O="$obj" "${KARCH[@]}" headers_install
# Every aarch64 test that builds: the ones kselftest-upstream.broken names
# for this tree are left out of the list the kvm Makefile builds.
progs=$(make -s --no-print-directory -C "$src/tools/testing/selftests/kvm" ARCH=arm64 \
	--eval 'print-progs: ; @echo $(TEST_GEN_PROGS_aarch64)' print-progs)
broken=$(awk -v v="$v" '$1 == v { print $2 }' "$here/kselftest-upstream.broken")
for b in $broken; do
	stage "kselftest-upstream: $v's $b left out: $(awk -v v="$v" -v b="$b" \
		'$1 == v && $2 == b { $1 = $2 = ""; sub(/^ +/, ""); print }' "$here/kselftest-upstream.broken")"
	progs=$(tr ' ' '\n' <<<"$progs" | grep -vx "$b" | xargs)
done
only=()
[ -n "$broken" ] && only=(TEST_GEN_PROGS_aarch64="$progs")
rm -rf "$inst"
logged "ksft-$v-install" make -C "$src/tools/testing/selftests" "${KARCH[@]}" \
	CC="$CROSS_CC" O="$obj" TARGETS=kvm KSFT_INSTALL_PATH="$inst" \
	USERLDFLAGS=-static "${only[@]}" -j"$JOBS" install
list=$inst/kselftest-list.txt
n=$(grep -c '^kvm:' "$list")
while read -r t; do
	file -b "$inst/${t%%:*}/${t#*:}" | grep -q 'ARM aarch64.*statically linked' ||
		die "$t is not a static aarch64 executable"
done <"$list"
timeout=$(sed -n 's/^timeout=//p' "$inst/kvm/settings")
stage "kselftest-upstream: $n kvm tests of $v, its kvm/settings: timeout=$timeout"

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
	OUT=$o SUITE_LIST=$stg/suite.list INITRD=$cpio "$here/run.sh" "kselftest-$v-$k" || rc=$?
done
stage "kselftest-upstream: $v's kvm selftests on the base and on the series"
"$PYTHON" "$here/tap.py" ksft-compare "$LOGS/kselftest-$v-base-latest.log" \
	"$LOGS/kselftest-$v-series-latest.log" \
	--want-base "$want_base" --want-series "$want_series" || rc=1
exit "$rc"
