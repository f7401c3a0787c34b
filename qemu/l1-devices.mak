# The devices of the qemu-system-aarch64 that make qemu builds for the L1
# (harness/qemu-build.sh installs this file into the QEMU tree as
# configs/devices/aarch64-softmmu/psci-l1.mak): the virt machine, and the
# M-profile core that QEMU 7.2's Arm TCG code links against even when no
# board uses it (Kconfig's "default y if TCG" is off without default
# devices).
CONFIG_ARM_VIRT=y
CONFIG_ARM_V7M=y
