#!/usr/bin/env bash
# series-hash.sh PATCHDIR [STABLEDIR]: one hash over what the series (and
# the base's stable fixes, if given) apply: each series file and the
# patches it names (not the cover letter, which changes nothing in the
# tree). No series at all: "none".
set -euo pipefail
: "${1:?usage: series-hash.sh PATCHDIR [STABLEDIR]}"
one() {
	cd "$1" 2>/dev/null && [ -f series ] || { echo none; return 0; }
	{
		sha256sum series
		for p in $(sed -e 's/#.*//' series); do
			case $p in *cover-letter*) continue ;; esac
			sha256sum "$p" 2>/dev/null || echo "missing $p"
		done
	} | sha256sum | cut -d' ' -f1
}
h=$(one "$1")
if [ -n "${2:-}" ] && [ "$(one "$2")" != none ]; then
	h=$(echo "$h $(one "$2")" | sha256sum | cut -d' ' -f1)
fi
echo "$h"
