# Shared helpers for the harness scripts (sourced, not executed).
# shellcheck shell=bash

: "${BASE:=5.10.223}" "${HOST:=vhe}"
: "${BUILD:=$PWD/build/$BASE}"
: "${CACHE_DIR:=$HOME/.cache/psci-suspend}"
LOGS=${LOGS:-$BUILD/logs}
mkdir -p "$LOGS"

# Elapsed time since the start of the make invocation (HARNESS_T0 is set
# once by the Makefile), from bash's own clock: no subprocess per line.
_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
export HARNESS_T0=${HARNESS_T0:-$(_now_ms)}

stage() {
	local ms=$(($(_now_ms) - HARNESS_T0))
	printf '[%6d.%01ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*"
}

die() {
	echo "error: $*" >&2
	exit 1
}

# logged NAME CMD...: run CMD with its output in $LOGS/NAME.log; on failure
# show the end of the log and where the rest is.
logged() {
	local log=$LOGS/$1.log
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "error: '$*' failed (full log: $log)" >&2
		if grep -qE 'error|ERROR|\*\*\*' "$log"; then
			grep -E 'error|ERROR|\*\*\*' "$log" | tail -n 20 | sed 's/^/  | /' >&2
		else
			tail -n 30 "$log" | sed 's/^/  | /' >&2
		fi
		return 1
	fi
}

# debian_archive SUITE: the Debian archive address, read from the
# machine's own apt sources whatever their form (deb822 .sources or
# one-line .list); a *-security suite lives in the security archive
# beside it.
debian_archive() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
	    grep -v '^#' | grep -oE 'https?://[^ ]+/debian/?( |$)' |
	    head -n1 | tr -d ' ' || true)
	m=${m:-http://deb.debian.org/debian}
	m=${m%/}
	case $1 in *-security) m=$m-security ;; esac
	echo "$m"
}

# base_vars NAME: NAME's line of bases.list as PKG= VERSION= SUITE=
# DEB_SHA= TAR_SHA= words (for env or eval).
base_vars() {
	local list f
	list=$(dirname "${BASH_SOURCE[0]}")/bases.list
	read -ra f < <(awk -v n="$1" '$1 == n' "$list")
	[ ${#f[@]} -eq 6 ] || die "unknown BASE '$1': $list lists $(awk '!/^#/ {printf "%s ", $1}' "$list")"
	echo "PKG=${f[1]} VERSION=${f[2]} SUITE=${f[3]} DEB_SHA=${f[4]} TAR_SHA=${f[5]}"
}

# qemu_base_vars: the QEMU base that $QEMU_DIR picks (qemu/ for 7.2,
# qemu/VERSION/ for the others) as qdir, its series as pdir
# ($QEMU_PATCHES if set), its upstream version and its cached
# repository as base.
qemu_base_vars() {
	local top
	top=$(realpath "$(dirname "${BASH_SOURCE[0]}")/..")
	qdir=${QEMU_DIR:-$top/qemu}
	pdir=${QEMU_PATCHES:-$qdir/patches}
	upstream=$(awk '$1 == "version" { sub(/^[0-9]+:/, "", $2); print $2 }' \
		"${QEMU_LOCK:-$qdir/source.lock}")
	base=$CACHE_DIR/qemu-$upstream.git
}

# qemu_tree SRC: SRC, a clone of the QEMU base ($base, from
# qemu_base_vars) with the series in $pdir applied, re-applied only when
# the series changed (as tree.sh does for the kernel).
qemu_tree() {
	local src=$1 want stampf n here
	here=$(dirname "${BASH_SOURCE[0]}")
	want=$("$here/series-hash.sh" "$pdir" "")
	stampf=$QBUILD/series.stamp
	if [ -d "$src/.git" ] && [ "$(cat "$stampf" 2>/dev/null)" = "$want" ]; then
		stage "qemu: tree $src (series unchanged)"
		return 0
	fi
	if [ -d "$src/.git" ]; then
		[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
			die "$pdir changed but $src has uncommitted changes"
	else
		git clone -q --no-checkout "$base" "$src"
	fi
	rm -f "$stampf"
	git -C "$src" checkout -q -f -B series base
	n=$("$here/apply-series.sh" "$src" "$pdir")
	echo "$want" >"$stampf"
	stage "qemu: tree $src = base + $n patch(es)"
}

# qemu_configure BLD SRC DEVICES LOG WHAT ARG...: configure QEMU's SRC
# into BLD with ARG... unless BLD was configured with the same arguments
# and the same device selection (the file DEVICES); LOG names the log,
# WHAT the stage line.
qemu_configure() {
	local bld=$1 src=$2 devices=$3 log=$4 what=$5 key
	shift 5
	key=$({ printf "%s\n" "$@"; cat "$devices"; } | sha256sum | cut -c1-16)
	if [ -f "$bld/build.ninja" ] && [ "$(cat "$bld/.conf-key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	stage "$what"
	rm -rf "$bld"
	mkdir -p "$bld"
	(cd "$bld" && logged "$log" "$src/configure" "$@")
	echo "$key" >"$bld/.conf-key"
}

# cpio_list DIR: the gen_init_cpio list (linux/usr/gen_init_cpio.c) of
# everything below DIR, sorted: owned by root, each with its own mode.
cpio_list() {
	local root=$1 p f
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		f=$root/$p p=${p#.}
		if [ -L "$f" ]; then
			echo "slink $p $(readlink "$f") 0777 0 0"
		elif [ -d "$f" ]; then
			echo "dir $p $(stat -c %a "$f") 0 0"
		else
			echo "file $p $f $(stat -c %a "$f") 0 0"
		fi
	done
}

# pack_initramfs DIR CPIO: everything below DIR, and a /dev/console for
# the kernel's first open, in CPIO (newc), without root: the kernel's own
# usr/gen_init_cpio, built for the host from $BUILD/linux.
pack_initramfs() {
	local gic=$BUILD/tools/gen_init_cpio
	if [ ! -x "$gic" ] || [ "$BUILD/linux/usr/gen_init_cpio.c" -nt "$gic" ]; then
		mkdir -p "$BUILD/tools"
		cc -O2 -o "$gic" "$BUILD/linux/usr/gen_init_cpio.c"
	fi
	{
		cpio_list "$1"
		echo "nod /dev/console 0600 0 0 c 5 1"
	} >"$2.list"
	"$gic" "$2.list" >"$2"
}

# unpacked LOCK DIR [SKIP]: the packages of LOCK (fetched and checked by
# harness/fetch-deb.sh) unpacked below DIR, once per content of LOCK,
# leaving out those whose file name matches the glob SKIP; prints where.
unpacked() {
	local lock=$1 dir=$2 skip=${3:-} key deb
	key=$(sha256sum "$lock" | cut -c1-16)
	if [ ! -f "$dir/$key.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/$key"
		while read -r deb; do
			# shellcheck disable=SC2053 # $skip is a glob
			[ -n "$skip" ] && [[ ${deb##*/} == $skip ]] && continue
			dpkg-deb -x "$deb" "$dir/$key"
		done < <("$(dirname "${BASH_SOURCE[0]}")/fetch-deb.sh" "$lock")
		touch "$dir/$key.done"
	fi
	echo "$dir/$key"
}

# ksft_userland DIR: Debian's /bin/sh and the commands run_kselftest.sh
# and kselftest/runner.sh call (5.10's and 6.12's: 6.12 adds sort and tr),
# with the libraries they load, from harness/kselftest.lock, into DIR.
ksft_userland() {
	local h unp
	h=$(dirname "${BASH_SOURCE[0]}")
	unp=$(unpacked "$h/kselftest.lock" "$CACHE_DIR/kselftest-unpacked")
	"$PYTHON" "$h/elf-closure.py" "$unp" /bin/sh /bin/cat /bin/grep \
		/bin/sed /usr/bin/realpath /usr/bin/dirname /usr/bin/basename \
		/usr/bin/cut /usr/bin/uniq /usr/bin/sort /usr/bin/tr /usr/bin/wc \
		/usr/bin/head /usr/bin/timeout |
		(cd "$unp" && xargs cp -a --parents -t "$1")
}

# commit_base REPO TREE NAME EMAIL DATE MESSAGE: make REPO anew, a bare
# repository holding TREE as one commit (tag "base") with a fixed
# identity and date, so that its hash is the same on every machine.
# Everything is added (-f: Debian's trees ignore dotfiles and more at
# their root). No gc, now or later: packing tens of thousands of blobs
# is minutes of CPU on 2 cores that buys nothing here, as local clones
# hard-link the loose objects.
commit_base() {
	local repo=$1 tree=$2
	rm -rf "$repo"
	git init -q --bare "$repo"
	git -C "$repo" config gc.auto 0
	(
		export GIT_DIR=$repo GIT_WORK_TREE=$tree
		export GIT_AUTHOR_NAME=$3 GIT_AUTHOR_EMAIL=$4 GIT_AUTHOR_DATE=$5
		export GIT_COMMITTER_NAME=$3 GIT_COMMITTER_EMAIL=$4 GIT_COMMITTER_DATE=$5
		git add -f -A
		git commit -q -m "$6"
		git tag base
	)
	touch "$repo/harness-base-done"
}

# Debian's python3 when there is one: a version manager's shim on PATH
# can cost half a second per call.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}

# Cross toolchain settings shared by the kernel and the selftests.
KARCH=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
if command -v ccache >/dev/null; then
	CROSS_CC="ccache aarch64-linux-gnu-gcc"
	export CCACHE_DIR=${CCACHE_DIR:-$CACHE_DIR/ccache}
	# Same relative layout for build/{linux,out} and build/check/{linux,out}
	# so both hit the same cache entries.
	export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
else
	CROSS_CC=aarch64-linux-gnu-gcc
fi
JOBS=${JOBS:-$(($(nproc) + 1))}
