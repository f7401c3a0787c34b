#!/usr/bin/env bash
# kselftest.sh NAME: the kvm selftests the way a CI lab runs them.
#  1. The kernel's own install of $BUILD/linux's kvm collection
#     (run_kselftest.sh, kselftest-list.txt, kselftest/, kvm/), static
#     for arm64, in $BUILD/kselftest-install. With KSFT_ADD=DIR (the base
#     alone), DIR's newer psci_test is added to the collection, as a lab
#     running the series' tests on an older kernel would add it.
#  2. kvm/settings: the per-test timeout, $KSFT_TIMEOUT s, sized for TCG.
#  3. An initramfs: /init (l1/init.c), /kselftest, Debian's sh and the
#     commands the runner calls (harness/kselftest.lock), and a suite in
#     which init runs each selected test once and then run_kselftest.sh
#     -t ... runs them all again (harness/kselftest.exclude: the others).
#  4. Boot $OUT's Image on it (run.sh), then tap.py ksft: both runners
#     give every test the same result; psci_test passes where the uapi
#     headers have the capability, and skips with the reason elsewhere.
# kselftest.sh --compare BASE_LOG SERIES_LOG: no base pass fails on the series.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

if [ "${1:-}" = --compare ]; then
	[ $# -eq 3 ] || die "usage: kselftest.sh --compare BASE_LOG SERIES_LOG"
	stage "kselftest: run_kselftest.sh on the base and on the series"
	exec "$PYTHON" "$here/tap.py" ksft-compare "$2" "$3"
fi
name=${1:?usage: kselftest.sh NAME | --compare BASE_LOG SERIES_LOG}
src=$BUILD/linux
out=${OUT:-$BUILD/out}
inst=$BUILD/kselftest-install
stg=$BUILD/initramfs-ksft
timeout=${KSFT_TIMEOUT:-180}

# O=: the selftests go to $out/kselftest and the headers are installed
# there from the kernel's object tree, never in the source tree (which
# would stop O= kernel builds). 5.10's kvm Makefile looks for them in
# INSTALL_HDR_PATH, by default the source tree's usr/: point it there.
stage "kselftest: make -C tools/testing/selftests TARGETS=kvm install ($(basename "$(dirname "$src")")/$(basename "$src"))"
rm -rf "$inst"
logged "kselftest-install" make -C "$src/tools/testing/selftests" "${KARCH[@]}" \
	CC="$CROSS_CC" O="$out" TARGETS=kvm INSTALL_HDR_PATH="$out/kselftest/usr" \
	KSFT_INSTALL_PATH="$inst" USERLDFLAGS=-static install
list=$inst/kselftest-list.txt
[ -x "$inst/run_kselftest.sh" ] && [ -s "$list" ] || die "the install gave no runner or list in $inst"
if [ -n "${KSFT_ADD:-}" ]; then
	[ -x "$KSFT_ADD/kvm/psci_test" ] || die "no psci_test in $KSFT_ADD"
	install -m 0755 "$KSFT_ADD/kvm/psci_test" "$inst/kvm/psci_test"
	grep -qx kvm:psci_test "$list" || echo kvm:psci_test >>"$list"
	stage "kselftest: + the series' psci_test from $KSFT_ADD"
fi
while read -r t; do
	file -b "$inst/${t%%:*}/${t#*:}" | grep -q 'ARM aarch64.*statically linked' ||
		die "$t is not a static aarch64 executable"
done <"$list"
printf '# make kselftest: TCG (demand_paging_test takes 66 s there, psci_test 21 s; the default is 45 s)\ntimeout=%s\n' \
	"$timeout" >"$inst/kvm/settings"

rm -rf "$stg"
mkdir -p "$stg/dev" "$stg/proc" "$stg/sys" "$stg/tmp"
install -m 0755 "$BUILD/l1/init" "$stg/init"
cp -a "$inst" "$stg/kselftest"
"$PYTHON" "$here/tap.py" ksft-suite "$list" "$here/kselftest.exclude" "$timeout" \
	>"$stg/suite.list" 2>"$BUILD/kselftest.left-out" ||
	die "$(cat "$BUILD/kselftest.left-out")"
[ -s "$BUILD/kselftest.left-out" ] && stage "kselftest: $(cat "$BUILD/kselftest.left-out")"

stage "kselftest: Debian's sh and tools ($(basename "$here")/kselftest.lock)"
ksft_userland "$stg"

cpio=$BUILD/initramfs-ksft.cpio
pack_initramfs "$stg" "$cpio"
n=$(($(wc -l <"$stg/suite.list") - 1))
stage "initramfs: $n kvm test(s) under init, then under run_kselftest.sh, $(($(stat -c %s "$cpio") >> 20)) MiB"

rc=0
SUITE_LIST=$stg/suite.list INITRD=$cpio "$here/run.sh" "kselftest-$name" || rc=$?
if grep -q KVM_CAP_ARM_SYSTEM_SUSPEND "$BUILD/headers/include/linux/kvm.h"; then
	want=psci_test=pass
else
	want="psci_test=skip:KVM_CAP_ARM_SYSTEM_SUSPEND not supported"
fi
stage "kselftest: init and run_kselftest.sh, test for test ($want)"
"$PYTHON" "$here/tap.py" ksft "$LOGS/kselftest-$name-latest.log" --want "$want" || rc=1
exit "$rc"
