#!/usr/bin/env bash
# apply-series.sh REPO PATCHDIR: git am every patch named in PATCHDIR/series
# (in that order) on top of REPO's HEAD. A patch that does not apply stops
# everything: its name and the files that failed are printed, and the
# half-done git am is aborted.
set -euo pipefail
repo=$1 pdir=$2

series=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$pdir/series" 2>/dev/null || true)
# Committer identity for git am when the user has none configured.
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$(git -C "$repo" config user.name || echo psci-suspend harness)}
export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$(git -C "$repo" config user.email || echo harness@localhost)}
n=0
for p in $series; do
	case $p in *cover-letter*) continue ;; esac
	[ -f "$pdir/$p" ] || { echo "error: $pdir/series names $p, which does not exist" >&2; exit 1; }
	if ! out=$(git -C "$repo" am -q --committer-date-is-author-date "$(realpath "$pdir/$p")" 2>&1); then
		echo "error: patch $p does not apply" >&2
		files=$(sed -nE 's/^error: (patch failed: )?([^:]+):.*/\2/p' <<<"$out" | sort -u)
		[ -n "$files" ] && echo "  failed file(s): $(echo $files)" >&2
		grep -E "^error:" <<<"$out" | sed "s/^/  | /" >&2 || true
		git -C "$repo" am --abort || true
		exit 1
	fi
	n=$((n + 1))
done
echo "$n"
