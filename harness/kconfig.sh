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

# Nothing to do when the fragments are the same and no Kconfig file
# changed since the last time.
stamp=$gen/stamp
want=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [ -f "$out/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
   [ -z "$(find "$src" -name 'Kconfig*' -newer "$stamp" -print -quit)" ]; then
	exec "$PYTHON" "$here/kconfig-check.py" "$out/.config" "$@"
fi
rm -f "$stamp"
km=(make -C "$src" O="$gen" "${KARCH[@]}" CC="$CROSS_CC")
logged kconfig "${km[@]}" allnoconfig
logged kconfig-merge "$src/scripts/kconfig/merge_config.sh" -m -O "$gen" \
	"$gen/.config" "$@"
logged kconfig-olddef "${km[@]}" olddefconfig
"$PYTHON" "$here/kconfig-check.py" "$gen/.config" "$@"
if ! cmp -s "$gen/.config" "$out/.config"; then
	cp "$gen/.config" "$out/.config"
fi
echo "$want" >"$stamp"
