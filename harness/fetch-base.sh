#!/usr/bin/env bash
# Fetch Debian's linux-source-5.10 (5.10.223-1) through a private apt
# configuration, verify both checksums from SPEC §4 and leave the tarball
# in $CACHE. The machine's own apt configuration is never touched.
# PKG, VERSION, SUITE, DEB_SHA and TAR_SHA fetch another kernel source
# package the same way (the upstream tree of the parity check).
set -euo pipefail

CACHE=${1:?usage: fetch-base.sh CACHE_DIR}
PKG=${PKG:-linux-source-5.10}
VERSION=${VERSION:-5.10.223-1}
SUITE=${SUITE:-bullseye}
DEB_SHA=${DEB_SHA:-f733d27d239d65598d96d7a72f71ac50f49f2380192a1b3b4ca2f5ad5144dd63}
TAR_SHA=${TAR_SHA:-4aa4fbb62e2d957ed78841347492e736cc88f00689b57dac09959bda6d2b6f0e}
TARBALL=$CACHE/$PKG.tar.xz

check_sha() {	# file expected-sha
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		echo "error: checksum mismatch for $1" >&2
		echo "  expected $2" >&2
		echo "  got      $got" >&2
		return 1
	fi
}

if [ -n "${BASE_TARBALL:-}" ]; then
	check_sha "$BASE_TARBALL" "$TAR_SHA"
	mkdir -p "$CACHE"
	ln -sf "$(realpath "$BASE_TARBALL")" "$TARBALL"
	exit 0
fi

if [ -f "$TARBALL" ] && check_sha "$TARBALL" "$TAR_SHA" 2>/dev/null; then
	exit 0
fi

# The archive address comes from the machine's own sources, whatever form
# they take (deb822 .sources or one-line .list).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
	 grep -v '^#' | grep -oE 'https?://[^ ]+/debian/?( |$)' |
	 head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}

apt_dir=$CACHE/apt
mkdir -p "$apt_dir"/{lists/partial,archives/partial,etc/preferences.d}
echo "deb [trusted=yes] ${mirror%/} $SUITE main" > "$apt_dir/etc/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
      -o "Dir::Etc::SourceParts=-"
      -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::Cache=$apt_dir"
      -o "Dir::Cache::archives=$apt_dir/archives"
      -o "APT::Architecture=amd64"
      -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root")

apt-get "${opts[@]}" -qq update
deb=${PKG}_${VERSION}_all.deb
(cd "$apt_dir" && apt-get "${opts[@]}" -qq download "$PKG=$VERSION")
check_sha "$apt_dir/$deb" "$DEB_SHA"

tmp=$(mktemp -d "$CACHE/deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$apt_dir/$deb" |
	tar -x -C "$tmp" "./usr/src/$PKG.tar.xz"
check_sha "$tmp/usr/src/$PKG.tar.xz" "$TAR_SHA"
mv "$tmp/usr/src/$PKG.tar.xz" "$TARBALL"
rm -f "$apt_dir/$deb"
