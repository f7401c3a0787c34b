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
rm -rf "$repo"
git init -q --bare "$repo"
git -C "$repo" config gc.auto 0	# no background gc racing the one below
export GIT_DIR=$repo GIT_WORK_TREE=$src
export GIT_AUTHOR_NAME="Debian $PKG" GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2024-08-10T00:00:00Z" GIT_COMMITTER_DATE="2024-08-10T00:00:00Z"
# Debian's root .gitignore ignores dotfiles and more: add with -f.
git add -f -A
git commit -q -m "Linux $BASE (Debian $PKG $VERSION)"
git tag base
git gc -q	# one pack: clones of it are quick
touch "$repo/harness-base-done"
