#!/usr/bin/env bash
# upstream.sh: the parity check (make parity). Build Debian's
# linux-source-6.12 (upstream KVM, which has had SYSTEM_SUSPEND since
# v5.19) with the same config fragment, boot it as the L1 KVM host with
# the initramfs `make test` packed (the same test binaries, the same L2
# guest Image), and compare the results of the uapi-level tests, case by
# case, with the last `make test` run.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

cache=$CACHE_DIR/upstream
src=$cache/linux-source-6.12
out=$BUILD/out-upstream
ref=$LOGS/test-latest.log

[ -e "$ref" ] || die "no $ref: run 'make test' first"
"$here/upstream-src.sh"

# The uapi the series adds, field by field and value by value, against
# 6.12's header (source text and compiled layout); then the checker's own
# test: slips made in a copy of the series' header must each be caught.
uhdrs=$BUILD/headers-upstream
if [ ! -f "$uhdrs/.installed" ]; then
	logged headers-upstream make -C "$src" O="$BUILD/out-upstream-hdrs" \
		"${KARCH[@]}" headers_install INSTALL_HDR_PATH="$uhdrs"
	touch "$uhdrs/.installed"
fi
stage "upstream: uapi of the series against 6.12's"
"$PYTHON" "$here/uapi_check.py" "$BUILD/linux" "$src" "$BUILD/headers" "$uhdrs"
"$PYTHON" "$here/uapi_check.py" --self-test "$BUILD/linux" "$BUILD/headers" |
	tail -n1

# The fragment, less what upstream's Kconfig no longer has (ARM64_VHE:
# VHE support is unconditional since v5.12).
frag=$BUILD/upstream.config
: >"$frag"
while IFS= read -r line; do
	sym=$(sed -nE 's/^(# )?CONFIG_([A-Za-z0-9_]+)[= ].*/\2/p' <<<"$line")
	if [ -n "$sym" ] && ! grep -rqsE "^(menu)?config $sym\$" \
			--include='Kconfig*' "$src"; then
		echo "upstream: $sym is not in 6.12's Kconfig, left out" >&2
		continue
	fi
	echo "$line" >>"$frag"
done <configs/kvm-host.config

stage "upstream: config: allnoconfig + configs/kvm-host.config"
"$here/kconfig.sh" "$src" "$out" "$frag"
stage "upstream: build: Image (6.12)"
logged kernel-upstream make -C "$src" O="$out" "${KARCH[@]}" CC="$CROSS_CC" \
	-j"$JOBS" Image

# The uapi-level tests: psci_test, the conformance suite, the VMM's, and
# the fuzz gate with the same seeds (its model knows 5.10's and 6.12's base
# KVM). The base's own selftests are tied to the kernel they come
# from (get-reg-list's register list, set_memory_region_test's slot count)
# and are not compared.
TESTS=${PARITY_TESTS:-kvm:psci_test,conformance:*,vmm:*,fuzz:gate*} "$here/initramfs.sh"
rc=0
OUT=$out "$here/run.sh" upstream || rc=$?
stage "upstream: parity with $(readlink "$ref")"
"$PYTHON" "$here/parity.py" "$ref" "$LOGS/upstream-latest.log" || rc=1
exit $rc
