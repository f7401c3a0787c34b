#!/usr/bin/env bash
# series-hash.sh PATCHDIR: one hash over the names and contents of the
# files in PATCHDIR (absent or empty directory: the hash of nothing).
set -euo pipefail
cd "${1:?usage: series-hash.sh PATCHDIR}" 2>/dev/null || { echo none; exit 0; }
find . -type f ! -name '*~' -print0 | LC_ALL=C sort -z |
	xargs -0r sha256sum | sha256sum | cut -d' ' -f1
