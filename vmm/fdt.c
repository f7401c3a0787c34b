// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's device tree, written with libfdt's sequential-write API. The
 * board-level nodes are here; the GIC and each MMIO device add their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "vmm.h"

#define FDT_MAX_SIZE	0x10000

/* GIC interrupt specifier cells */
#define GIC_SPI			0
#define GIC_PPI			1
#define IRQ_TYPE_LEVEL_HIGH	4

/* Arch timer PPIs, as INTID - 16 */
#define TIMER_PPI_SEC_PHYS	13
#define TIMER_PPI_PHYS		14
#define TIMER_PPI_VIRT		11
#define TIMER_PPI_HYP		10

static int fdt_cpus(struct vm *vm, void *fdt)
{
	int err = 0, i;

	err |= fdt_begin_node(fdt, "cpus");
	err |= fdt_property_cell(fdt, "#address-cells", 1);
	err |= fdt_property_cell(fdt, "#size-cells", 0);
	for (i = 0; i < vm->nr_vcpus; i++) {
		/* KVM's reset MPIDR: Aff0 = id % 16, Aff1 = id / 16 */
		u32 mpidr = ((i >> 4) << 8) | (i & 0xf);
		char name[32];

		snprintf(name, sizeof(name), "cpu@%x", mpidr);
		err |= fdt_begin_node(fdt, name);
		err |= fdt_property_string(fdt, "device_type", "cpu");
		err |= fdt_property_string(fdt, "compatible", "arm,arm-v8");
		err |= fdt_property_cell(fdt, "reg", mpidr);
		/* Secondaries come up through PSCI CPU_ON */
		err |= fdt_property_string(fdt, "enable-method", "psci");
		err |= fdt_end_node(fdt);
	}
	err |= fdt_end_node(fdt);
	return err;
}

static int fdt_psci(void *fdt)
{
	/* PSCI 1.0 is what KVM implements (and what has SYSTEM_SUSPEND) */
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";
	int err = 0;

	err |= fdt_begin_node(fdt, "psci");
	err |= fdt_property(fdt, "compatible", compat, sizeof(compat));
	err |= fdt_property_string(fdt, "method", "hvc");
	err |= fdt_end_node(fdt);
	return err;
}

static int fdt_timer(void *fdt)
{
	u32 irqs[] = {
		cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(TIMER_PPI_SEC_PHYS),
		cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH),
		cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(TIMER_PPI_PHYS),
		cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH),
		cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(TIMER_PPI_VIRT),
		cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH),
		cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(TIMER_PPI_HYP),
		cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH),
	};
	int err = 0;

	err |= fdt_begin_node(fdt, "timer");
	err |= fdt_property_string(fdt, "compatible", "arm,armv8-timer");
	err |= fdt_property(fdt, "interrupts", irqs, sizeof(irqs));
	err |= fdt_end_node(fdt);
	return err;
}

/* The AMBA APB clock that PrimeCell devices (PL011, PL031) refer to. */
static int fdt_apb_pclk(struct vm *vm, void *fdt)
{
	int err = 0;

	err |= fdt_begin_node(fdt, "apb-pclk");
	err |= fdt_property_string(fdt, "compatible", "fixed-clock");
	err |= fdt_property_cell(fdt, "#clock-cells", 0);
	err |= fdt_property_cell(fdt, "clock-frequency", 24000000);
	err |= fdt_property_string(fdt, "clock-output-names", "clk24mhz");
	err |= fdt_property_cell(fdt, "phandle", vm->clk_phandle);
	err |= fdt_end_node(fdt);
	return err;
}

static int fdt_memory(struct vm *vm, void *fdt)
{
	u64 reg[] = { cpu_to_fdt64(vm->ram_base), cpu_to_fdt64(vm->ram_size) };
	char name[32];
	int err = 0;

	snprintf(name, sizeof(name), "memory@%llx",
		 (unsigned long long)vm->ram_base);
	err |= fdt_begin_node(fdt, name);
	err |= fdt_property_string(fdt, "device_type", "memory");
	err |= fdt_property(fdt, "reg", reg, sizeof(reg));
	err |= fdt_end_node(fdt);
	return err;
}

static int fdt_chosen(struct vm *vm, void *fdt)
{
	int err = 0;

	err |= fdt_begin_node(fdt, "chosen");
	err |= fdt_property_string(fdt, "bootargs",
				   vm->cfg.cmdline ? vm->cfg.cmdline : "");
	if (vm->initrd_size) {
		err |= fdt_property_u64(fdt, "linux,initrd-start",
					vm->initrd_start);
		err |= fdt_property_u64(fdt, "linux,initrd-end",
					vm->initrd_start + vm->initrd_size);
	}
	if (vm->stdout_path)
		err |= fdt_property_string(fdt, "stdout-path",
					   vm->stdout_path);
	err |= fdt_end_node(fdt);
	return err;
}

static int fdt_build(struct vm *vm, void **fdtp, u32 *sizep)
{
	void *fdt = calloc(1, FDT_MAX_SIZE);
	int err = 0;

	if (!fdt)
		return -1;

	vm->gic_phandle = 1;
	vm->clk_phandle = 2;

	err |= fdt_create(fdt, FDT_MAX_SIZE);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_string(fdt, "compatible", "linux,dummy-virt");
	err |= fdt_property_string(fdt, "model", "vmm (PSCI SYSTEM_SUSPEND reference VMM)");
	err |= fdt_property_cell(fdt, "#address-cells", 2);
	err |= fdt_property_cell(fdt, "#size-cells", 2);
	err |= fdt_property_cell(fdt, "interrupt-parent", vm->gic_phandle);

	err |= fdt_chosen(vm, fdt);
	err |= fdt_memory(vm, fdt);
	err |= fdt_cpus(vm, fdt);
	err |= fdt_psci(fdt);
	err |= fdt_timer(fdt);
	err |= gic_fdt_node(vm, fdt);
	err |= fdt_apb_pclk(vm, fdt);
	if (err)
		goto fail;
	if (mmio_fdt_nodes(vm, fdt))
		goto fail;

	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	if (err)
		goto fail;

	*fdtp = fdt;
	*sizep = fdt_totalsize(fdt);
	return 0;
fail:
	vmm_err("cannot build the device tree (more than %d bytes?)",
		FDT_MAX_SIZE);
	free(fdt);
	return -1;
}

static void write_dtb_out(const char *path, const void *fdt, u32 size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, fdt, size) != (ssize_t)size)
		vmm_err("cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/*
 * Build the tree from the board and the devices that registered, and put it
 * where image_load() left room for it (vm->dtb_addr, a 2 MiB slot).
 */
int fdt_install(struct vm *vm)
{
	void *fdt;
	u32 size;

	if (fdt_build(vm, &fdt, &size))
		return -1;
	memcpy(kvm_ram_ptr(vm, vm->dtb_addr), fdt, size);
	if (vm->cfg.dtb_out)
		write_dtb_out(vm->cfg.dtb_out, fdt, size);
	vmm_log("dtb at %#llx (%u bytes)", (unsigned long long)vm->dtb_addr,
		size);
	free(fdt);
	return 0;
}
