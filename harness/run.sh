#!/usr/bin/env bash
# run.sh NAME: boot $OUT's Image with $BUILD/initramfs.cpio ($INITRD) under QEMU
# (TCG, nested virtualization), log the console to
# $BUILD/logs/NAME-<time>.log and judge it. Exit status: the verdict's.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

out=${OUT:-$BUILD/out}
log=$LOGS/$1-$(date +%Y%m%d-%H%M%S).log
suite=$BUILD/initramfs/suite.list
n=$(wc -l <"$suite")
qemu=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
      -cpu max,pauth-impdef=on -smp "${QEMU_SMP:-2}" -m "${QEMU_MEM:-2G}"
      -nographic -no-reboot -nic none
      -kernel "$out/arch/arm64/boot/Image" -initrd "${INITRD:-$BUILD/initramfs.cpio}"
      -append "console=ttyAMA0 panic=-1 ${APPEND:-}")
stage "boot: qemu TCG -smp ${QEMU_SMP:-2} -m ${QEMU_MEM:-2G}, $n test(s), log $log"
ln -sfn "$(basename "$log")" "$LOGS/$1-latest.log"
"$PYTHON" "$here/boot.py" "$log" "$suite" -- "${qemu[@]}"
stage "verdict"
"$PYTHON" "$here/tap.py" verdict "$log" --expect "$n"
