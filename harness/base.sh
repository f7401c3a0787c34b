#!/usr/bin/env bash
# Make $CACHE_DIR/linux-5.10.223.git: a bare repository holding the
# Debian 5.10.223-1 tree as one commit, tagged "base". The commit has a
# fixed identity and date, so its hash is the same on every machine.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

repo=$CACHE_DIR/linux-5.10.223.git
tarball=$CACHE_DIR/linux-source-5.10.tar.xz

if [ -f "$repo/harness-base-done" ]; then
	stage "base: linux-source-5.10 5.10.223-1 (cached)"
	exit 0
fi

stage "base: fetch linux-source-5.10 5.10.223-1"
mkdir -p "$CACHE_DIR"
# The base is 5.10.223-1 whatever the environment says (fetch-base.sh
# takes PKG, VERSION, SUITE, DEB_SHA and TAR_SHA for other trees).
logged fetch-base env -u PKG -u VERSION -u SUITE -u DEB_SHA -u TAR_SHA \
	"$here/fetch-base.sh" "$CACHE_DIR"

stage "base: extract and commit into $repo"
tmp=$(mktemp -d "$CACHE_DIR/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xf "$tarball" -C "$tmp"
src=$tmp/linux-source-5.10
[ -f "$src/Makefile" ] || die "unexpected tarball layout in $tarball"
rm -rf "$repo"
git init -q --bare "$repo"
git -C "$repo" config gc.auto 0	# no background gc racing the one below
export GIT_DIR=$repo GIT_WORK_TREE=$src
export GIT_AUTHOR_NAME="Debian linux-source-5.10" GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2024-08-10T00:00:00Z" GIT_COMMITTER_DATE="2024-08-10T00:00:00Z"
# Debian's root .gitignore ignores dotfiles and more: add with -f.
git add -f -A
git commit -q -m "Linux 5.10.223 (Debian linux-source-5.10 5.10.223-1)"
git tag base
git gc -q	# one pack: clones of it are quick
touch "$repo/harness-base-done"
