# The devices of the qemu-system-aarch64 that make qemu builds for the L1
# (harness/qemu-build.sh installs this file into the QEMU tree as
# configs/devices/aarch64-softmmu/psci-l1.mak): the virt machine, its
# in-kernel GIC, and the M-profile core that QEMU 7.2's Arm TCG code links
# against even when no board uses it. Both are Kconfig "default y" items,
# which --without-default-devices leaves out.
CONFIG_ARM_VIRT=y
CONFIG_ARM_GIC_KVM=y
CONFIG_ARM_V7M=y
