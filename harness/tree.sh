#!/usr/bin/env bash
# Give $BUILD/linux: a clone of the base with patches/ applied as commits.
# The series is re-applied only when patches/ changed since the last time
# (stamp: a hash of patches/), and never over uncommitted work.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

base=$CACHE_DIR/linux-${BASE:?}.git
tree=$BUILD/linux
pdir=${PATCHES:-$PWD/patches}
stampf=$BUILD/series.stamp

want=$("$here/series-hash.sh" "$pdir")
if [ -d "$tree/.git" ]; then
	have=none head=none
	[ -f "$stampf" ] && read -r have head <"$stampf"
	if [ "$have" = "$want" ]; then
		stage "tree: $tree (series unchanged)"
		exit 0
	fi
	if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
		die "patches/ changed but $tree has uncommitted changes; commit them and 'make export', or discard them, then retry"
	fi
	if [ "$head" != none ] && [ -z "${FORCE:-}" ] &&
	   [ "$(git -C "$tree" rev-parse HEAD)" != "$head" ]; then
		die "patches/ changed but $tree has commits that were never exported; 'make export' them, or re-run with FORCE=1 (the old HEAD is kept as branch 'previous')"
	fi
	git -C "$tree" branch -f previous HEAD
else
	stage "tree: clone the base into $tree"
	rm -rf "$tree"
	git clone -q --no-checkout "$base" "$tree"
fi

rm -f "$stampf"
git -C "$tree" checkout -q -B series base
n=$("$here/apply-series.sh" "$tree" "$pdir")
stage "tree: $tree = base + $n patch(es)"
echo "$want $(git -C "$tree" rev-parse HEAD)" >"$stampf"
