#!/usr/bin/env bash
# fetch-base.sh CACHE: fetch a Debian kernel source package through a
# private apt configuration, verify the .deb's and the tarball's sha256
# and leave the tarball as $CACHE/tarballs/PKG_VERSION.tar.xz. The
# machine's own apt configuration is only read, for the mirror address.
# PKG, VERSION, SUITE, DEB_SHA and TAR_SHA say what to fetch (base.sh
# takes them from bases.list); BASE_TARBALL: a local tarball instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CACHE=${1:?usage: fetch-base.sh CACHE_DIR}
: "${PKG:?} ${VERSION:?} ${SUITE:?} ${DEB_SHA:?} ${TAR_SHA:?}"
TARBALL=$CACHE/tarballs/${PKG}_$VERSION.tar.xz

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

mkdir -p "$CACHE/tarballs"
if [ -n "${BASE_TARBALL:-}" ]; then
	check_sha "$BASE_TARBALL" "$TAR_SHA"
	ln -sf "$(realpath "$BASE_TARBALL")" "$TARBALL"
	exit 0
fi

if [ -f "$TARBALL" ] && check_sha "$TARBALL" "$TAR_SHA" 2>/dev/null; then
	exit 0
fi

# One apt directory per suite, so that fetches of two bases do not share
# (or race on) their package lists.
apt_dir=$CACHE/apt/$SUITE
mkdir -p "$apt_dir"/{lists/partial,archives/partial,etc/preferences.d}
echo "deb [trusted=yes] $(debian_archive "$SUITE") $SUITE main" \
	>"$apt_dir/etc/sources.list"
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
