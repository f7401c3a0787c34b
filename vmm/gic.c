// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt controller: KVM's in-kernel GICv3. Keeping it in the kernel
 * is what makes SUSPENDED work: KVM knows when an interrupt is pending for
 * the parked vCPU and ends its wait with a WAKEUP exit. Devices only drive
 * their SPI lines with KVM_IRQ_LINE.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <libfdt.h>

#include "vmm.h"

static int gic_set_attr(struct vm *vm, u32 group, u64 attr, void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (u64)(unsigned long)val,
	};

	return ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &a);
}

/* Before the vCPUs, like kvmtool; the addresses must be set before init. */
int gic_create(struct vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	u64 dist = GICD_BASE, redist = GICR_BASE;
	u32 nr_irqs = 32 + NR_SPIS;

	if (vm->cfg.nr_vcpus * GICR_STRIDE > GICR_MAX_SIZE) {
		vmm_err("too many vCPUs for the redistributor region");
		return -1;
	}

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &dev) < 0) {
		vmm_err("cannot create the in-kernel GICv3: %s%s",
			strerror(errno), errno == ENODEV ?
			" (the host has no GICv3 CPU interface: QEMU needs gic-version=3)" :
			"");
		return -1;
	}
	vm->gic_fd = dev.fd;

	if (gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
			 KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ||
	    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
			 KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) ||
	    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) {
		vmm_err("cannot configure the GICv3: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* After the vCPUs, before the first KVM_RUN. */
int gic_init(struct vm *vm)
{
	if (gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL,
			 KVM_DEV_ARM_VGIC_CTRL_INIT, NULL)) {
		vmm_err("cannot initialise the GICv3: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int gic_fdt_node(struct vm *vm, void *fdt)
{
	u64 reg[] = {
		cpu_to_fdt64(GICD_BASE), cpu_to_fdt64(GICD_SIZE),
		cpu_to_fdt64(GICR_BASE),
		cpu_to_fdt64(vm->nr_vcpus * GICR_STRIDE),
	};
	int err = 0;

	err |= fdt_begin_node(fdt, "intc@8000000");
	err |= fdt_property_string(fdt, "compatible", "arm,gic-v3");
	err |= fdt_property_cell(fdt, "#interrupt-cells", 3);
	err |= fdt_property(fdt, "interrupt-controller", NULL, 0);
	err |= fdt_property_cell(fdt, "#redistributor-regions", 1);
	err |= fdt_property(fdt, "reg", reg, sizeof(reg));
	err |= fdt_property_cell(fdt, "phandle", vm->gic_phandle);
	err |= fdt_end_node(fdt);
	return err ? -1 : 0;
}

int gic_set_spi(struct vm *vm, int spi, int level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (32 + spi),
		.level = level,
	};

	if (ioctl(vm->fd, KVM_IRQ_LINE, &irq) < 0) {
		vmm_err("KVM_IRQ_LINE(SPI %d, %d): %s", spi, level,
			strerror(errno));
		return -1;
	}
	return 0;
}
