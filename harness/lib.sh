# Shared helpers for the harness scripts (sourced, not executed).
# shellcheck shell=bash

: "${BUILD:=$PWD/build}"
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
