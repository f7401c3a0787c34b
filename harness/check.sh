#!/usr/bin/env bash
# check.sh quick|full: the series' own checks, on a clean clone of the
# base in $BUILD/check/linux (build/linux is left alone):
#   quick: every patch applies; checkpatch.pl --strict is clean, in the
#          git clone and outside any git repository (no ERROR or WARNING
#          but those checkpatch_verdict.py checks itself; CHECKs are
#          shown); api.rst gains no docutils error.
#   full:  also, after each patch in turn: the Image builds with the KVM
#          fragment and without KVM, and so do the kvm selftests.
set -euo pipefail
here=$(realpath "$(dirname "$0")")
. "$here/lib.sh"
mode=${1:-quick}
ck=$BUILD/check
src=$ck/linux
pdir=${PATCHES:-$PWD/patches}
export LOGS=$LOGS/check
mkdir -p "$LOGS"

stage "check: apply the series on a clean base in $src"
if [ ! -d "$src/.git" ]; then
	git clone -q --no-checkout "$CACHE_DIR/linux-${BASE:?}.git" "$src"
fi
git -C "$src" am --abort >/dev/null 2>&1 || true
git -C "$src" checkout -q -f -B check base
git -C "$src" clean -q -f -d -x
sdir=${STABLE_PATCHES-$PWD/patches-stable}
ns=0
[ -n "$sdir" ] && ns=$("$here/apply-series.sh" "$src" "$sdir")
git -C "$src" tag -f series-base >/dev/null
n=$("$here/apply-series.sh" "$src" "$pdir")
stage "check: $ns stable fix(es) and $n patch(es) apply to $BASE"
patches=$(git -C "$src" rev-list --reverse series-base..HEAD)

# git am applies a hunk whose context moved without a word: say where
# each patch needed an offset on this base (the commit before it as the
# index, so nothing is checked out).
prev=series-base
for c in $patches; do
	p=$(sed -e 's/#.*//' "$pdir/series" | grep -v cover-letter |
	    sed -n "$(git -C "$src" rev-list --count "series-base..$c")p" | tr -d ' ')
	offs=$(GIT_INDEX_FILE=$ck/offsets.index bash -c \
		'git -C "$1" read-tree "$2" && git -C "$1" apply --cached --check -v "$3"' \
		_ "$src" "$prev" "$(realpath "$pdir/$p")" 2>&1 | grep -E 'offset|fuzz' || true)
	if [ -n "$offs" ]; then
		stage "check: $p needs offsets on $BASE:"
		sed 's/^/  /' <<<"$offs"
	fi
	prev=$c
done
rm -f "$ck/offsets.index"

# checkpatch's FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires
# on any patch that adds a file and does not touch MAINTAINERS, even when
# another patch of the series adds the entry (kept apart, as upstream does).
# It is answered here instead: for every file the series adds, the most
# specific MAINTAINERS section that covers it in the final tree is shown, and
# a file that only THE REST covers fails the check.
bad=0
# A header under tools/include/ is the tools' copy of the kernel's own
# (tools/include/linux/arm-smccc.h of include/linux/arm-smccc.h): the
# kernel header's section answers for it.
for f in $(git -C "$src" diff --name-only --diff-filter=A base HEAD); do
	m=$f
	case $f in tools/include/*) [ -e "$src/${f#tools/}" ] && m=${f#tools/} ;; esac
	owner=$(cd "$src" && ./scripts/get_maintainer.pl --no-git \
		--no-git-fallback --sections -f "$m" 2>/dev/null | head -n1)
	case $owner in
	'' | 'THE REST'*)
		echo "  $f: no MAINTAINERS section covers it" >&2
		bad=1 ;;
	*)	stage "check: $f is maintained by: $owner" ;;
	esac
done
# checkpatch runs twice on every patch: in the git clone, and as a
# distribution packager runs it, in the extracted tree outside any git
# repository (a farm of links to the clone's top level, without .git).
# Neither tree has upstream's history, so checkpatch cannot look up the
# upstream commits the messages cite (UNKNOWN_COMMIT_ID): checkpatch_verdict.py
# checks them against harness/upstream-commits.list instead, and allows
# FILE_PATH_CHANGES only for a file the series' MAINTAINERS patch covers.
# Any other ERROR or WARNING fails; CHECKs are shown.
nogit=$(mktemp -d)
trap 'rm -rf "$nogit"' EXIT
find "$src" -mindepth 1 -maxdepth 1 ! -name .git -exec ln -s {} "$nogit/" \;
series=()
for d in $sdir $pdir; do
	while read -r p; do
		case $p in '' | *cover-letter*) ;; *) series+=("$(realpath "$d/$p")") ;; esac
	done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$d/series" 2>/dev/null)
done
sargs=()
for f in "${series[@]}"; do sargs+=(--series "$f"); done
for f in "${series[@]}"; do
	p=${f##*/}
	sum=
	for where in git nogit; do
		log=$LOGS/checkpatch-$where-${p%.patch}.log
		dir=$src
		[ "$where" = nogit ] && dir=$nogit
		(cd "$dir" && env -u GIT_DIR -u GIT_WORK_TREE ./scripts/checkpatch.pl \
			--strict --show-types --color=never "$f") >"$log" 2>&1 || true
		total=$(grep -E '^total: ' "$log" || echo "total: ? errors, ? warnings, ? checks")
		total=${total#total: }
		sum+="${sum:+; }$where: ${total%, * lines checked}"
		"$PYTHON" "$here/checkpatch_verdict.py" --ids "$here/upstream-commits.list" \
			"${sargs[@]}" "$f" "$log" >"$log.verdict" 2>&1 || bad=1
	done
	stage "check: checkpatch $p: $sum"
	for where in git nogit; do
		sed "s/^/  $where: /" "$LOGS/checkpatch-$where-${p%.patch}.log.verdict"
	done
	grep -hE '^CHECK:' -A3 "$LOGS/checkpatch-git-${p%.patch}.log" | sed 's/^/  /' || true
done
[ "$bad" -eq 0 ] || die "checkpatch: ERRORs or WARNINGs above (logs in $LOGS)"

api=Documentation/virt/kvm/api.rst
git -C "$src" show "base:$api" >"$ck/api.base.rst"
stage "check: $api parses"
"$PYTHON" "$here/rst-check.py" "$ck/api.base.rst" "$src/$api" |
	sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || die "$api: new docutils warnings or errors"

[ "$mode" = full ] || exit 0
[ "$n" -gt 0 ] || { stage "check: no patch to build"; exit 0; }

printf '# CONFIG_VIRTUALIZATION is not set\n# CONFIG_KVM is not set\n' \
	>"$ck/nokvm.config"
i=0
for c in $patches; do
	i=$((i + 1))
	git -C "$src" checkout -q "$c"
	subj=$(git -C "$src" log -1 --format=%s "$c")
	stage "check: build after patch $i/$n: $subj"
	for v in kvm nokvm; do
		out=$ck/out-$v frags=(configs/kvm-host.config)
		[ "$v" = nokvm ] && frags+=("$ck/nokvm.config")
		logged kconfig-$v "$here/kconfig.sh" "$src" "$out" "${frags[@]}"
		logged kernel-$v make -C "$src" O="$out" "${KARCH[@]}" \
			CC="$CROSS_CC" -j"$JOBS" Image
	done
	logged headers make -C "$src" O="$ck/out-kvm" "${KARCH[@]}" \
		CC="$CROSS_CC" headers_install INSTALL_HDR_PATH="$ck/headers"
	SRC=$src HDR=$ck/headers KSFT_OUT=$ck/kselftest/kvm DEST=$ck/stage \
		logged selftests-build "$here/selftests.sh"
done
git -C "$src" checkout -q check
stage "check: all $n patch(es) build, with and without KVM, with the kvm selftests"
