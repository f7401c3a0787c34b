#!/usr/bin/env bash
# export.sh [TREE [PATCHDIR]]: write the commits of TREE (default
# $BUILD/linux) since the series-base tag (the base and its stable fixes;
# "base" in a tree without it) back to PATCHDIR (default patches/) as
# 0001-*.patch ... and PATCHDIR/series. The hand-written
# 0000-cover-letter.patch is kept. The options pin everything that could
# vary between runs or users, so exporting an unchanged tree gives no diff.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
tree=${1:-$BUILD/linux}
pdir=${2:-${PATCHES:-$PWD/patches}}
base=${BASE_REF:-}
sdir=${STABLE_PATCHES-$PWD/patches-stable}

[ -e "$tree/.git" ] || die "no work tree at $tree (make tree)"
if [ -z "$base" ]; then
	base=base
	git -C "$tree" rev-parse -q --verify series-base >/dev/null && base=series-base
fi
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	echo "warning: $tree has uncommitted changes; they are not exported" >&2
fi
# patches/ changed since the tree was made from it (a pull, an edit):
# exporting would overwrite that.
if [ "$tree" = "$BUILD/linux" ] && [ -z "${FORCE:-}" ]; then
	read -r have _ <"$BUILD/series.stamp" 2>/dev/null || have=none
	[ "$have" = "$("$here/series-hash.sh" "$pdir" "$sdir")" ] ||
		die "$pdir changed since $tree was made from it; 'make tree' first, or FORCE=1 to overwrite $pdir"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$tree" -c diff.noprefix=false -c diff.mnemonicPrefix=false \
	-c diff.renames=true -c diff.algorithm=myers -c format.signature= \
	-c format.coverLetter=false -c format.thread=false \
	format-patch -q --zero-commit --no-signature --numbered --abbrev=12 \
	--cover-letter --subject-prefix="${SUBJECT_PREFIX:-PATCH 5.10}" -o "$tmp" "$base..HEAD"
# The cover letter's text is hand-written; its shortlog and diffstat are
# brought up to date from the generated one.
cover=$pdir/0000-cover-letter.patch
if [ -f "$cover" ]; then
	"$PYTHON" - "$cover" "$tmp/0000-cover-letter.patch" <<'PY'
import re, sys
keep, gen = (open(p).read() for p in sys.argv[1:])
start = re.compile(r'^\S.* \(\d+\):\n', re.M)
k, g = start.search(keep), start.search(gen)
if k and g:
    open(sys.argv[1], 'w').write(keep[:k.start()] + gen[g.start():])
PY
fi
rm -f "$tmp/0000-cover-letter.patch"
mkdir -p "$pdir"
find "$pdir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-cover-letter.patch' -delete
: >"$pdir/series"
for p in "$tmp"/*.patch; do
	[ -e "$p" ] || continue
	mv "$p" "$pdir/"
	basename "$p" >>"$pdir/series"
done
n=$(wc -l <"$pdir/series")
stage "export: $n patch(es) from $tree to $pdir"

# The tree now is what patches/ describes: keep tree.sh from re-applying.
if [ "$tree" = "$BUILD/linux" ]; then
	echo "$("$here/series-hash.sh" "$pdir" "$sdir") $(git -C "$tree" rev-parse HEAD)" \
		>"$BUILD/series.stamp"
fi
