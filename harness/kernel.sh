#!/usr/bin/env bash
# kernel.sh: configure and build the arm64 Image in $OUT (kept between
# runs) from $BUILD/linux, and install the uapi headers in $BUILD/headers.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

src=$BUILD/linux
out=${OUT:-$BUILD/out}
frags=(configs/kvm-host.config)
[ -n "${CONFIG:-}" ] && frags+=("configs/$CONFIG.config")
for f in "${frags[@]}"; do [ -f "$f" ] || die "no config fragment $f"; done

stage "config: allnoconfig + ${frags[*]}"
"$here/kconfig.sh" "$src" "$out" "${frags[@]}"

km=(make -C "$src" O="$out" "${KARCH[@]}" CC="$CROSS_CC" -j"$JOBS")
stage "build: Image"
logged kernel "${km[@]}" Image
# headers_install costs seconds even when nothing changed: skip it unless
# a uapi header is newer than the last install.
hs=$BUILD/headers/.installed
if [ -f "$hs" ] && [ -z "$(find "$src/include/uapi" "$src/arch/arm64/include/uapi" \
	-newer "$hs" -print -quit)" ]; then
	exit 0
fi
stage "build: uapi headers"
logged headers "${km[@]}" headers_install INSTALL_HDR_PATH="$BUILD/headers"
touch "$hs"
