#!/usr/bin/env bash
# qemu-check.sh quick|full: the QEMU series (qemu/patches) as QEMU's
# maintainers would take it:
#   quick  it applies with git am to a fresh clone of the pinned base, and
#          QEMU's own scripts/checkpatch.pl passes on every patch (no error,
#          no warning);
#   full   also, every patch builds on its own: qemu-build.sh on the first
#          k patches, for each k, in $QBUILD/check (its own tree and build
#          directory, ccache'd).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

mode=${1:?usage: qemu-check.sh quick|full}
: "${QBUILD:?}"
qemu_base_vars
work=$QBUILD/check
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$pdir/series" | grep -v cover-letter)
[ "${#patches[@]}" -gt 0 ] || die "$pdir/series lists no patch"

rm -rf "$work/am"
mkdir -p "$work"
git clone -q --no-checkout "$base" "$work/am"
git -C "$work/am" checkout -q -B series base
n=$("$here/apply-series.sh" "$work/am" "$pdir")
stage "qemu-check: git am of $n patch(es) on base $upstream: ok"

bad=0
for p in "${patches[@]}"; do
	out=$(perl "$work/am/scripts/checkpatch.pl" --no-color "$pdir/$p" 2>&1) || true
	sum=$(grep -E '^total: ' <<<"$out" || echo "total: no verdict")
	if ! grep -qE '^total: 0 errors, 0 warnings' <<<"$sum"; then
		echo "checkpatch: $p: $sum" >&2
		grep -E '^(ERROR|WARNING):' -A3 <<<"$out" | sed 's/^/  | /' >&2 || true
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] || die "QEMU's checkpatch.pl: $bad of ${#patches[@]} patch(es) with errors or warnings"
stage "qemu-check: QEMU's checkpatch.pl: ${#patches[@]} patch(es), 0 errors, 0 warnings"
[ "$mode" = full ] || exit 0

# Each prefix of the series, built as make qemu builds the whole of it
for k in $(seq 1 "${#patches[@]}"); do
	prefix=$work/prefix
	rm -rf "$prefix"
	mkdir -p "$prefix"
	for p in "${patches[@]:0:k}"; do
		cp "$pdir/$p" "$prefix/"
		echo "$p" >>"$prefix/series"
	done
	QBUILD=$work/tree QEMU_PATCHES=$prefix "$here/qemu-build.sh" >/dev/null ||
		die "qemu-check: the series up to ${patches[k - 1]} does not build (log: $LOGS)"
	stage "qemu-check: builds with patches 1-$k (${patches[k - 1]})"
done
