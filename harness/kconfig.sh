#!/usr/bin/env bash
# kconfig.sh SRC OUT FRAGMENT...: make OUT/.config = allnoconfig + the
# fragments (merge_config.sh -m, then olddefconfig), checked: every symbol
# a fragment sets must be in the result. OUT/.config is only rewritten
# when it changes, so Kbuild rebuilds nothing for an identical config.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
src=$1 out=$2
shift 2

gen=$out.kconfig	# scratch O= dir, kept: its conf binary is reused
mkdir -p "$gen" "$out"
km=(make -C "$src" O="$gen" "${KARCH[@]}" CC="$CROSS_CC")
logged kconfig "${km[@]}" allnoconfig
logged kconfig-merge "$src/scripts/kconfig/merge_config.sh" -m -O "$gen" \
	"$gen/.config" "$@"
logged kconfig-olddef "${km[@]}" olddefconfig
"$PYTHON" "$here/kconfig-check.py" "$gen/.config" "$@"
if ! cmp -s "$gen/.config" "$out/.config"; then
	cp "$gen/.config" "$out/.config"
fi
