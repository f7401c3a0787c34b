#!/usr/bin/env bash
# upstream-src.sh: make sure $CACHE_DIR/upstream/linux-source-6.12 holds
# Debian's linux-source-6.12 (upstream KVM, for make parity and make
# kselftest-upstream), fetched and checked once.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

cache=$CACHE_DIR/upstream
src=$cache/linux-source-6.12
[ -f "$src/Makefile" ] && exit 0
stage "upstream: fetch linux-source-6.12 6.12.117-1 (trixie)"
mkdir -p "$cache"
PKG=linux-source-6.12 VERSION=6.12.117-1 SUITE=trixie \
DEB_SHA=9141325315c7f1eca682113d185a8c77c82814aa6e32f7e127e61d6106403835 \
TAR_SHA=3b8ee8eaec6ff5e1661343ff73ac04ce59d020f552f29543c02f571960d75345 \
	logged fetch-upstream "$here/fetch-base.sh" "$cache"
stage "upstream: extract"
tar -xf "$cache/tarballs/linux-source-6.12_6.12.117-1.tar.xz" -C "$cache"
