#!/usr/bin/env bash
# Make $CACHE_DIR/qemu-VERSION.git: Debian's QEMU source package as
# qemu/source.lock (another base: $QEMU_DIR/source.lock) pins it, Debian's
# own debian/patches applied (what `dpkg-source -x` gives a packager),
# committed once with a fixed identity and date and tagged "base". The
# QEMU series applies on it.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

lock=${QEMU_LOCK:-${QEMU_DIR:-$here/../qemu}/source.lock}
[ -r "$lock" ] || die "cannot read $lock"
field() { awk -v k="$1" '$1 == k { print $2 }' "$lock"; }
pkg=$(field package) version=$(field version) suite=$(field suite)
[ -n "$pkg" ] && [ -n "$version" ] && [ -n "$suite" ] ||
	die "$lock: needs package, version and suite lines"
upstream=${version#*:}
repo=$CACHE_DIR/qemu-$upstream.git

if [ -f "$repo/harness-base-done" ]; then
	stage "qemu: base $pkg $version (cached)"
	exit 0
fi

dl=$CACHE_DIR/qemu-src
mkdir -p "$dl"
check_all() {	# every file line's sha256; names the first that differs
	local name want got
	while read -r name want; do
		[ -f "$dl/$name" ] || return 1
		got=$(sha256sum "$dl/$name" | cut -d' ' -f1)
		if [ "$got" != "$want" ]; then
			echo "error: checksum mismatch for $dl/$name" >&2
			echo "  expected $want" >&2
			echo "  got      $got" >&2
			rm -f "$dl/$name"
			return 2
		fi
	done < <(awk '$1 == "file" { print $2, $3 }' "$lock")
}

if ! check_all 2>/dev/null; then
	stage "qemu: fetch source $pkg $version ($suite)"
	apt_dir=$CACHE_DIR/apt/src-$suite
	mkdir -p "$apt_dir"/{lists/partial,archives/partial,etc/preferences.d}
	archive=$(debian_archive "$suite")
	{
		echo "deb-src [trusted=yes] $archive $suite main"
		# sid (unstable) has no security suite
		[ "$suite" = sid ] ||
			echo "deb-src [trusted=yes] $(debian_archive "$suite-security") $suite-security main"
	} >"$apt_dir/etc/sources.list"
	opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
	      -o "Dir::Etc::SourceParts=-"
	      -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
	      -o "Dir::State::Lists=$apt_dir/lists"
	      -o "Dir::Cache=$apt_dir"
	      -o "Debug::NoLocking=1"
	      -o "APT::Sandbox::User=root")
	logged qemu-apt-update apt-get "${opts[@]}" -qq update
	(cd "$dl" && logged qemu-apt-source apt-get "${opts[@]}" -qq \
		source --download-only "$pkg=$version") ||
		die "$suite no longer has $pkg $version (Debian moved on?): re-pin $lock"
	check_all || die "$lock: a downloaded file does not match its pin"
fi

stage "qemu: extract (dpkg-source -x, Debian's patches) and commit into $repo"
tmp=$(mktemp -d "$CACHE_DIR/qemu-extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dsc=$(awk '$1 == "file" && $2 ~ /\.dsc$/ { print $2 }' "$lock")
logged qemu-dpkg-source dpkg-source -x "$dl/$dsc" "$tmp/src"
# The quilt bookkeeping is not source; drop it so the tree is what builds.
rm -rf "$tmp/src/.pc"
commit_base "$repo" "$tmp/src" "Debian QEMU Team" \
	pkg-qemu-devel@lists.alioth.debian.org 2025-01-01T00:00:00Z \
	"QEMU $upstream (Debian $pkg $version, debian/patches applied)"
