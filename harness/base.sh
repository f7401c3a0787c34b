#!/usr/bin/env bash
# Make $CACHE_DIR/linux-$BASE.git: a bare repository holding the Debian
# tree that harness/bases.list names $BASE as one commit, tagged "base".
# The commit has a fixed identity and date, so its hash is the same on
# every machine.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

: "${BASE:?}"
eval "$(base_vars "$BASE")"
repo=$CACHE_DIR/linux-$BASE.git
tarball=$CACHE_DIR/tarballs/${PKG}_$VERSION.tar.xz

if [ -f "$repo/harness-base-done" ]; then
	stage "base: $PKG $VERSION (cached)"
	exit 0
fi

stage "base: fetch $PKG $VERSION ($SUITE)"
mkdir -p "$CACHE_DIR"
PKG=$PKG VERSION=$VERSION SUITE=$SUITE DEB_SHA=$DEB_SHA TAR_SHA=$TAR_SHA \
	logged "fetch-base-$BASE" "$here/fetch-base.sh" "$CACHE_DIR"

stage "base: extract and commit into $repo"
tmp=$(mktemp -d "$CACHE_DIR/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xf "$tarball" -C "$tmp"
src=$tmp/$PKG
[ -f "$src/Makefile" ] || die "unexpected tarball layout in $tarball"
commit_base "$repo" "$src" "Debian $PKG" debian-kernel@lists.debian.org \
	2024-08-10T00:00:00Z "Linux $BASE (Debian $PKG $VERSION)"
