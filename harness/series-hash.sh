#!/usr/bin/env bash
# series-hash.sh PATCHDIR: one hash over what the series applies: the
# series file and the patches it names (not the cover letter, which changes
# nothing in the tree). No series at all: "none".
set -euo pipefail
cd "${1:?usage: series-hash.sh PATCHDIR}" 2>/dev/null && [ -f series ] ||
	{ echo none; exit 0; }
{
	sha256sum series
	for p in $(sed -e 's/#.*//' series); do
		case $p in *cover-letter*) continue ;; esac
		sha256sum "$p" 2>/dev/null || echo "missing $p"
	done
} | sha256sum | cut -d' ' -f1
