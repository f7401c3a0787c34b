#!/usr/bin/env bash
# fetch-deb.sh LOCK: make sure every package LOCK names is in
# $CACHE_DIR/debs with the sha256 LOCK records; print the paths.
# fetch-deb.sh --lock SUITE PKG...: download PKG... (arm64) from SUITE
# and print LOCK lines for them; --lock-closure: with every package they
# depend on (Depends/Pre-Depends, no Recommends), e.g. for shared libraries.
#
# LOCK lines: SUITE PACKAGE VERSION SHA256 ('#' comments). Downloads go
# through a private apt configuration per suite (its own lists, cache and
# an empty dpkg status, arch arm64), as in fetch-base.sh: the machine's
# apt configuration is only read for the mirror address.
set -euo pipefail

CACHE=${CACHE_DIR:-$HOME/.cache/psci-suspend}
DEBS=$CACHE/debs
mkdir -p "$DEBS"

mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
	 grep -v '^#' | grep -oE 'https?://[^ ]+/debian/?( |$)' |
	 head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}

declare -A updated=()

# apt_opts SUITE: sets the array opts for SUITE's private configuration
# and reads its lists once per run.
apt_opts() {
	local dir=$CACHE/apt-$1-arm64
	mkdir -p "$dir"/{lists/partial,archives/partial,etc/preferences.d}
	echo "deb [trusted=yes] ${mirror%/} $1 main" >"$dir/etc/sources.list"
	: >"$dir/status"
	opts=(-o "Dir::Etc::SourceList=$dir/etc/sources.list"
	      -o "Dir::Etc::SourceParts=-"
	      -o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
	      -o "Dir::State::Lists=$dir/lists"
	      -o "Dir::State::status=$dir/status"
	      -o "Dir::Cache=$dir"
	      -o "Dir::Cache::archives=$dir/archives"
	      -o "APT::Architecture=arm64"
	      -o "APT::Architectures=arm64"
	      -o "APT::Install-Recommends=false"
	      -o "Debug::NoLocking=1"
	      -o "APT::Sandbox::User=root")
	if [ -z "${updated[$1]:-}" ]; then
		apt-get "${opts[@]}" -qq update
		updated[$1]=1
	fi
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# deb_path PACKAGE VERSION: where the cache keeps it.
deb_path() { echo "$DEBS/${1}_${2//:/%3a}.deb"; }

fetch_one() {	# SUITE PACKAGE VERSION SHA256
	local f tmp
	f=$(deb_path "$2" "$3")
	if [ ! -f "$f" ] || [ "$(sha "$f")" != "$4" ]; then
		apt_opts "$1"
		tmp=$(mktemp -d "$DEBS/dl.XXXXXX")
		if ! (cd "$tmp" && apt-get "${opts[@]}" -qq download "$2=$3"); then
			rm -rf "$tmp"
			echo "error: $1 no longer has $2 $3 (Debian moved on?)." >&2
			echo "  Re-pin with: harness/fetch-deb.sh --lock $1 PKG..." >&2
			return 1
		fi
		mv "$tmp"/*.deb "$f"
		rmdir "$tmp"
		if [ "$(sha "$f")" != "$4" ]; then
			echo "error: checksum mismatch for $f" >&2
			echo "  expected $4" >&2
			echo "  got      $(sha "$f")" >&2
			rm -f "$f"
			return 1
		fi
	fi
	echo "$f"
}

if [ "${1:-}" = --lock ] || [ "${1:-}" = --lock-closure ]; then
	[ $# -ge 3 ] || { echo "usage: fetch-deb.sh --lock[-closure] SUITE PKG..." >&2; exit 2; }
	mode=$1 suite=$2
	shift 2
	apt_opts "$suite"
	tmp=$(mktemp -d "$DEBS/dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	if [ "$mode" = --lock ]; then
		(cd "$tmp" && apt-get "${opts[@]}" -qq download "$@")
	else
		apt-get "${opts[@]}" -o "Dir::Cache::archives=$tmp" -qq -y \
			--download-only install "$@" >/dev/null
	fi
	for f in "$tmp"/*.deb; do
		pkg=$(dpkg-deb -f "$f" Package)
		ver=$(dpkg-deb -f "$f" Version)
		echo "$suite $pkg $ver $(sha "$f")"
		mv "$f" "$(deb_path "$pkg" "$ver")"
	done
	exit 0
fi

lock=${1:?usage: fetch-deb.sh LOCK | --lock SUITE PKG...}
[ -r "$lock" ] || { echo "error: cannot read $lock" >&2; exit 2; }
grep -vE '^[[:space:]]*(#|$)' "$lock" | while read -r suite pkg ver hash; do
	if [ -z "$hash" ]; then
		echo "error: $lock: bad line for '$suite $pkg'" >&2
		exit 2
	fi
	fetch_one "$suite" "$pkg" "$ver" "$hash"
done
