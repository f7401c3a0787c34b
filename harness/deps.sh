#!/usr/bin/env bash
# Check the host tools the harness needs; as root install what is missing
# with apt-get, otherwise print the one command to run and stop.
set -euo pipefail

# what-to-check:debian-package; a path is tested with -e, a name with
# command -v.
needs=(
	make:make gcc:gcc /usr/include/stdio.h:libc6-dev perl:perl
	aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
	/usr/aarch64-linux-gnu/lib/libc.a:libc6-dev-arm64-cross
	qemu-system-aarch64:qemu-system-arm
	flex:flex bison:bison bc:bc rsync:rsync cpio:cpio ccache:ccache
	git:git python3:python3 file:file xz:xz-utils
	/usr/include/openssl/ssl.h:libssl-dev /usr/include/gelf.h:libelf-dev
	dtc:device-tree-compiler /usr/include/libfdt.h:libfdt-dev
	rst2pseudoxml:python3-docutils
)

# deps.sh qemu: also what building Debian's QEMU needs (make qemu);
# qemu-tcg: and building it for this machine (make qemu-tcg).
case ${1:-} in qemu | qemu-tcg)
	needs+=(meson:meson ninja:ninja-build pkg-config:pkg-config
		dpkg-source:dpkg-dev) ;;
esac
if [ "${1:-}" = qemu-tcg ]; then
	needs+=(/usr/include/glib-2.0/glib.h:libglib2.0-dev)
fi

missing=()
for n in "${needs[@]}"; do
	what=${n%%:*} pkg=${n#*:}
	case $what in
	/*) [ -e "$what" ] ;;
	*) command -v "$what" >/dev/null ;;
	esac || missing+=("$pkg")
done
. "$(dirname "$0")/lib.sh"
if [ ${#missing[@]} -eq 0 ]; then
	stage "deps: all present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "error: missing packages; run:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
stage "deps: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$LOGS/apt.log
if ! { apt-get update && apt-get install -y --no-install-recommends \
	"${missing[@]}"; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "error: apt-get failed, see $log" >&2
	exit 1
fi
