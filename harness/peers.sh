#!/usr/bin/env bash
# peers.sh NAME: run the peer:* tests of $BUILD/initramfs.cpio (packed with
# TESTS='peer:*') with what nobody here built added to it:
#   /peers/bullseye.Image, /peers/bookworm.Image  Debian's cloud kernels
#   /usr/bin/qemu-system-aarch64 + its libraries   bookworm's QEMU
#   /peers/qemu/qemu-system-aarch64  the same with the QEMU series (static)
# all pinned in harness/peers.lock. The additions are a second cpio archive
# appended to the first (the kernel unpacks both), so make test's
# initramfs stays as it is. Boots $OUT's Image on the result (run.sh).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

# peers.sh --compare LOG LOG: the answers qemu_peer printed must be the same
# in both logs (the patched kernel and the base).
if [ "${1:-}" = --compare ]; then
	[ $# -eq 3 ] || die "usage: peers.sh --compare LOG LOG"
	a=$(grep -ho 'qemu_peer: answers: .*' "$2" || true)
	b=$(grep -ho 'qemu_peer: answers: .*' "$3" || true)
	stage "peers: Debian's QEMU on the series:   ${a:-no answers}"
	stage "peers: Debian's QEMU on the base:     ${b:-no answers}"
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		die "Debian's QEMU saw different hosts (or did not run): $2 $3"
	fi
	stage "peers: identical answers on both kernels"
	# The QEMU series with its option off must answer as Debian's QEMU.
	for log in "$2" "$3"; do
		c=$(grep -ho 'qemu_peer: answers (patched, option off): .*' "$log" |
		    sed 's/ (patched, option off)//' || true)
		[ "$c" = "$a" ] ||
			die "the patched QEMU with system-suspend off answered \"${c:-nothing}\", Debian's QEMU \"$a\" ($log)"
	done
	stage "peers: the patched QEMU, option off, answers as Debian's on both"
	exit 0
fi

name=${1:?usage: peers.sh NAME | --compare LOG LOG}
# PEERS_LOCK: another lock of that form (make host-peers: trixie's QEMU).
lock=${PEERS_LOCK:-$here/peers.lock}
root=$BUILD/peers-root
unpack_dir=$CACHE_DIR/peers-unpacked
[ "$lock" = "$here/peers.lock" ] || unpack_dir+=-$(basename "$lock" .lock)

stage "peers: packages of $(basename "$lock")"
paths=$("$here/fetch-deb.sh" "$lock")
mapfile -t debs <<<"$paths"
[ "${#debs[@]}" -gt 0 ] || die "no package in $lock"

rm -rf "$root"
mkdir -p "$root/peers"
[ -x "$BUILD/initramfs/peers/qemu_peer" ] ||
	die "$BUILD/initramfs has no peers/ programs: make initramfs first"

# The stock kernels, named by suite: /boot/vmlinuz-* is a plain arm64 Image.
while read -r suite pkg _; do
	deb=$(printf '%s\n' "${debs[@]}" | grep "/${pkg}_") ||
		die "$pkg: not fetched"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './boot/vmlinuz-*' \
		>"$root/peers/$suite.Image"
	file -b "$root/peers/$suite.Image" | grep -q 'ARM64 boot executable Image' ||
		die "$deb: /boot/vmlinuz-* is not an arm64 Image"
done < <(grep -v '^#' "$lock" | awk '$2 ~ /^linux-image-/')

# QEMU: the rest unpacked once per lock file; keep only what it loads.
qemu_root=$(unpacked "$lock" "$unpack_dir" 'linux-image-*')
# A merged-/usr suite (trixie) ships its libraries below /usr only; /lib
# (where the ELF interpreter is looked for) is base-files' symlink.
if [ ! -e "$qemu_root/lib" ] && [ -d "$qemu_root/usr/lib" ]; then
	ln -s usr/lib "$qemu_root/lib"
fi
if [ -L "$qemu_root/lib" ]; then
	mkdir -p "$root/usr/lib"
	ln -s usr/lib "$root/lib"
fi
"$PYTHON" "$here/elf-closure.py" "$qemu_root" /usr/bin/qemu-system-aarch64 |
	(cd "$qemu_root" && xargs cp -a --parents -t "$root")

# Debian's QEMU with the QEMU series (make qemu): static, one file.
qemu_bin=${QBUILD:-$PWD/build/qemu}/qemu-system-aarch64
[ -x "$qemu_bin" ] || die "$qemu_bin is missing: make qemu"
install -D -m 0755 "$qemu_bin" "$root/peers/qemu/qemu-system-aarch64"

list=$BUILD/peers.list
cpio_list "$root" >"$list"
"$BUILD/tools/gen_init_cpio" "$list" >"$BUILD/peers.cpio"
cat "$BUILD/initramfs.cpio" "$BUILD/peers.cpio" >"$BUILD/initramfs-peers.cpio"
stage "initramfs: + peers $(($(stat -c %s "$BUILD/peers.cpio") >> 20)) MiB = $(($(stat -c %s "$BUILD/initramfs-peers.cpio") >> 20)) MiB"

INITRD=$BUILD/initramfs-peers.cpio "$here/run.sh" "$name"
