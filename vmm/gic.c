// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt controller: KVM's in-kernel GICv3. Keeping it in the kernel
 * is what makes SUSPENDED work: KVM knows when an interrupt is pending for
 * the parked vCPU and ends its wait with a WAKEUP exit. Devices only drive
 * their SPI lines with KVM_IRQ_LINE.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "vmm.h"

/* Before the vCPUs, like kvmtool; the addresses must be set before init. */
int gic_create(struct vm *vm)
{
	if (vm->cfg.nr_vcpus * GICR_STRIDE > GICR_MAX_SIZE) {
		vmm_err("too many vCPUs for the redistributor region");
		return -1;
	}
	vm->gic_fd = ka_vgic_create(vm->fd, GICD_BASE, GICR_BASE,
				    KA_SPI_BASE + NR_SPIS);
	if (vm->gic_fd < 0) {
		vmm_err("cannot create the in-kernel GICv3: %s%s",
			strerror(errno), errno == ENODEV ?
			" (the host has no GICv3 CPU interface: QEMU needs gic-version=3)" :
			"");
		return -1;
	}
	return 0;
}

/* After the vCPUs, before the first KVM_RUN. */
int gic_init(struct vm *vm)
{
	if (ka_vgic_init(vm->gic_fd)) {
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
	if (ka_set_spi(vm->fd, spi, level) < 0) {
		vmm_err("KVM_IRQ_LINE(SPI %d, %d): %s", spi, level,
			strerror(errno));
		return -1;
	}
	return 0;
}
