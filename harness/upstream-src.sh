#!/usr/bin/env bash
# upstream-src.sh [VERSION]: make sure $CACHE_DIR/upstream/linux-source-VERSION
# holds Debian's upstream tree of that version, fetched and checked once:
#   6.12  linux-source-6.12 (trixie): make parity's host, make
#         kselftest-upstream's default;
#   6.1   linux-source-6.1 (bookworm): the newest Debian tree whose kvm
#         selftests still run on 5.10 (make kselftest-upstream UPSTREAM=6.1).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

v=${1:-6.12}
case $v in
6.12) ver=6.12.117-1 suite=trixie
      deb=9141325315c7f1eca682113d185a8c77c82814aa6e32f7e127e61d6106403835
      tar=3b8ee8eaec6ff5e1661343ff73ac04ce59d020f552f29543c02f571960d75345 ;;
6.1)  ver=6.1.176-1 suite=bookworm
      deb=9305d1a151b8e83dcb88aa11361e7b9513f0c252bdf7f5647e4542762d99c094
      tar=78cb82f50374e337d973c32ebf60d16e162589e45032db30f7a0d5295272de5e ;;
*) die "upstream-src.sh: no pin for '$v' (6.12 or 6.1)" ;;
esac
cache=$CACHE_DIR/upstream
src=$cache/linux-source-$v
[ -f "$src/Makefile" ] && exit 0
stage "upstream: fetch linux-source-$v $ver ($suite)"
mkdir -p "$cache"
PKG=linux-source-$v VERSION=$ver SUITE=$suite DEB_SHA=$deb TAR_SHA=$tar \
	logged "fetch-upstream-$v" "$here/fetch-base.sh" "$cache"
stage "upstream: extract"
tar -xf "$cache/tarballs/linux-source-${v}_$ver.tar.xz" -C "$cache"
