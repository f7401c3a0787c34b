#!/usr/bin/env bash
# host-peers.sh SUITE: boot Debian SUITE's stock cloud-arm64 kernel (bookworm:
# 6.1, trixie: 6.12; nothing built here) as the L1 KVM host with the
# initramfs `make host-peers` packed (l1/init, peers/, the project's L2
# guest), and run there the QEMU series' peers tests: harness/peers.sh
# with that kernel, $QBUILD's QEMU and, for the option-off comparison and
# the Debian-side migrations, Debian's unpatched QEMU of the suite the
# series is based on (the suite of $QEMU_DIR/source.lock; DEBIAN_QEMU=SUITE
# picks another). Pins: harness/peers.lock and harness/hosts.lock.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

suite=${1:?usage: host-peers.sh bookworm|trixie}
locks=("$here/peers.lock" "$here/hosts.lock")

# lock_of SUITE PACKAGE-GLOB: the lock that pins it (its first match).
lock_of() {
	local l
	for l in "${locks[@]}"; do
		awk -v s="$1" -v p="^$2\$" '$1 == s && $2 ~ p { f = 1 } END { exit !f }' "$l" &&
			{ echo "$l"; return; }
	done
	return 1
}

klock=$(lock_of "$suite" 'linux-image-[0-9.+a-z-]*-cloud-arm64') ||
	die "HOSTKERNEL=$suite: no cloud-arm64 kernel pinned for it in ${locks[*]}"
qsuite=${DEBIAN_QEMU:-$(awk '$1 == "suite" { print $2 }' "${QEMU_DIR:-qemu}/source.lock")}
qlock=$(lock_of "$qsuite" qemu-system-arm) ||
	die "DEBIAN_QEMU=$qsuite: no qemu-system-arm pinned for it in ${locks[*]}"

# The kernel: its Image and config, from the pinned package.
read -r _ kpkg kver _ < <(awk -v s="$suite" '$1 == s && $2 ~ /^linux-image-.*-cloud-arm64$/' "$klock")
deb=$("$here/fetch-deb.sh" "$klock" | grep "/${kpkg}_") || die "$kpkg: not fetched"
kdir=$BUILD/host-$suite
rm -rf "$kdir"
mkdir -p "$kdir"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir" --wildcards './boot/vmlinuz-*' './boot/config-*'
image=$(echo "$kdir"/boot/vmlinuz-*)
file -b "$image" | grep -q 'ARM64 boot executable Image' || die "$deb: $image is not an arm64 Image"

# What l1/init, QEMU and the tests need of the L1 kernel must be built in:
# the initramfs carries no modules and init loads none.
frag=$here/../configs/l1-stock.config
"$PYTHON" "$here/kconfig-check.py" "$kdir"/boot/config-* "$frag" ||
	die "$kpkg: an option the L1 needs is not built in (above)"
stage "host: $kpkg $kver as the L1 (the $(grep -c '^CONFIG_' "$frag") options of $(basename "$frag") built in), Debian's QEMU of $qsuite"

rc=0
PEERS_LOCK=$qlock KERNEL_IMAGE=$image "$here/peers.sh" "host-$suite" || rc=$?

# For the results: peer:qemu-suspend's first cycle as it printed it (the
# guest kernel's own lines left out) and the three cycles' figures.
log=$(realpath "$LOGS/host-$suite-latest.log")
[ -f "$log" ] || exit $rc

# A stock host is here to show that its kernel has what the series needs:
# a test that skips (the kernel lacks KVM_CAP_ARM_SYSTEM_SUSPEND, as
# bullseye's 5.10 does) fails the run, though the verdict allows skips.
skips=$(tr -d '\r' <"$log" | grep -c '^ok .* # SKIP' || true)
if [ "$skips" -gt 0 ]; then
	echo "error: $kpkg: $skips test(s) skipped on this host (above): not a host for the series" >&2
	rc=1
fi

grep -q 'peer: qemu-suspend.$' "$log" || exit $rc
{
	echo "# L1: $kpkg $kver; QEMU: $(grep -m1 -o '"qemu": {[^}]*}' "$log" || echo none); $log"
	tr -d '\r' <"$log" | awk 'done { next } /^(not )?ok / { done = 1 }
		/^# guest: cycle 1 \(/ { on = 1 }
		on && !done && !/^# \[ *[0-9]/ { print }
		/^# qemu_suspend: cycle 1:/ { done = 1 }'
	grep -m3 '^# qemu_suspend: cycle [0-9]:' "$log" | tr -d '\r' || true
} >"$LOGS/host-$suite-transcript.txt"
stage "host: peer:qemu-suspend's first cycle: $LOGS/host-$suite-transcript.txt"
exit $rc
