# The devices of the qemu-system-aarch64 that make qemu-tcg builds for this
# (x86_64) machine, to run the virt machine under TCG with no nesting
# (harness/qemu-tcg.sh installs this file into the QEMU tree as
# configs/devices/aarch64-softmmu/psci-tcg.mak): the virt machine, and the
# M-profile core that Arm's TCG code links against even when no board
# uses it. No in-kernel GIC: there is no KVM for an Arm guest here.
CONFIG_ARM_VIRT=y
CONFIG_ARM_V7M=y
