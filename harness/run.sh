#!/usr/bin/env bash
# run.sh NAME: boot $OUT's Image with $BUILD/initramfs.cpio ($INITRD) under QEMU
# (TCG, nested virtualization), log the console to
# $BUILD/logs/NAME-<time>.log and judge it. Exit status: the verdict's.
# SUITE_LIST: the suite that initramfs holds, for the watchdogs and the plan.
# KERNEL_IMAGE: another L1 kernel than $OUT's (make host-peers: Debian's).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

out=${OUT:-$BUILD/out}
log=$LOGS/$1-$(date +%Y%m%d-%H%M%S).log
suite=${SUITE_LIST:-$BUILD/initramfs/suite.list}
n=$(wc -l <"$suite")
# The L1 CPU decides the mode KVM comes up in: VHE needs ARMv8.1
# (-cpu max); an ARMv8.0 core (Cortex-A72) gives nVHE.
case ${HOST:-vhe} in
vhe) cpu=max,pauth-impdef=on ;;
nvhe) cpu=cortex-a72 ;;
*) die "HOST=$HOST: vhe or nvhe" ;;
esac
# -nic none: no network device, so no option ROM is needed.
qemu=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
      -cpu "$cpu" -smp "${QEMU_SMP:-2}" -m "${QEMU_MEM:-2G}"
      -nographic -no-reboot -nic none
      -kernel "${KERNEL_IMAGE:-$out/arch/arm64/boot/Image}" -initrd "${INITRD:-$BUILD/initramfs.cpio}"
      -append "console=ttyAMA0 panic=-1 ${APPEND:-}")
stage "boot: ${KERNEL_IMAGE:-$(basename "$(dirname "$out")")/$(basename "$out")} on qemu TCG -cpu $cpu ($HOST) -smp ${QEMU_SMP:-2} -m ${QEMU_MEM:-2G}, $n test(s), log $log"
ln -sfn "$(basename "$log")" "$LOGS/$1-latest.log"
"$PYTHON" "$here/boot.py" "$log" "$suite" -- "${qemu[@]}"
stage "verdict"
"$PYTHON" "$here/tap.py" verdict "$log" --expect "$n" --kvm-mode "${HOST:-vhe}"
