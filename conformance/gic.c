// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel vGICv3 of the cases that use one: created as a VMM creates
 * it, programmed by the guest as its driver would, and its state saved and
 * restored through the device attributes, as a VMM migrating a VM does.
 */
#include "conformance.h"

/*
 * Distributor registers; the redistributor's SGI frame has those for
 * INTIDs 0-31 at the same offsets.
 */
#define GICD_CTLR		0x0000
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ISACTIVER		0x0300
#define GICD_IPRIORITYR		0x0400
#define GICD_ICFGR		0x0c00
#define GICD_IROUTER		0x6000
#define GICR_SGI_FRAME		0x10000	/* offset from the RD frame */

#define GICD_CTLR_ENABLE_G1A	BIT(1)
#define GICD_CTLR_ARE_NS	BIT(4)

void require_vgic_v3(void)
{
	int kvm = ka_open(), vm, ok;

	TEST_ASSERT(kvm >= 0, "open /dev/kvm: errno %d", errno);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM: errno %d", errno);
	ok = ka_device_supported(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	close(vm);
	close(kvm);
	if (!ok)
		test_skip("no in-kernel vGICv3 (KVM_CREATE_DEVICE: errno %d)",
			  errno);
}

/* The vGIC as a VMM makes it: after the vCPUs, placed, sized, initialized */
struct vm *setup_vm_gic(void *guest_code, uint64_t arg)
{
	struct vm *vm = setup_vm_one(guest_code, arg);

	vm->gic_fd = ka_vgic_create(vm->fd, GICD_BASE_GPA, GICR_BASE_GPA,
				    GIC_NR_IRQS);
	TEST_ASSERT(vm->gic_fd >= 0, "vGICv3 creation: errno %d", errno);
	TEST_ASSERT(!ka_vgic_init(vm->gic_fd), "vGIC init: errno %d", errno);
	return vm;
}

/* The GIC frame and offset that hold @intid's bits in a register bank */
static uint64_t gic_bank(uint32_t intid, uint32_t reg)
{
	return intid < 32 ? GICR_SGI_GPA + reg : GICD_BASE_GPA + reg;
}

/* Read-modify-write of a byte in a 32-bit register, the GIC allows no less */
static uint32_t guest_mmio_read32(uint64_t addr)
{
	uint32_t val;

	asm volatile("ldr %w0, [%1]" : "=r"(val) : "r"(addr) : "memory");
	return val;
}

void guest_gic_enable(uint32_t intid, uint8_t prio, bool enable)
{
	uint64_t grp = gic_bank(intid, GICD_IGROUPR) + intid / 32 * 4;
	uint64_t pri = gic_bank(intid, GICD_IPRIORITYR) + intid / 4 * 4;
	uint64_t cfg = gic_bank(intid, GICD_ICFGR) + intid / 16 * 4;
	uint32_t shift = intid % 4 * 8, v;

	guest_mmio_write32(grp, guest_mmio_read32(grp) | BIT(intid % 32));
	v = guest_mmio_read32(pri) & ~(0xffU << shift);
	guest_mmio_write32(pri, v | (uint32_t)prio << shift);
	/* Level triggered, as a device's wakeup interrupt is */
	if (intid >= 32)
		guest_mmio_write32(cfg, guest_mmio_read32(cfg) &
				   ~(3U << (intid % 16 * 2)));
	guest_mmio_write32(gic_bank(intid, enable ? GICD_ISENABLER :
					   GICD_ICENABLER) + intid / 32 * 4,
			   BIT(intid % 32));
}

void guest_gic_on(uint8_t pmr)
{
	guest_mmio_write32(GICD_BASE_GPA + GICD_CTLR,
			   GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A);
	/* ICC_PMR_EL1 and ICC_IGRPEN1_EL1 */
	asm volatile("msr s3_0_c4_c6_0, %0" : : "r"((uint64_t)pmr));
	asm volatile("msr s3_0_c12_c12_7, %0" : : "r"(1ull));
	asm volatile("isb");
}

/*
 * The state saved and restored, as 32-bit registers: what describes the
 * SPIs and vCPU 0's SGIs and PPIs. GICD_IIDR comes first, as the interface
 * asks, and GICD_CTLR last, once what it enables is in place.
 */
struct gic_range {
	uint32_t group;
	uint32_t offset;
	uint32_t nr;
};

#define DIST_RANGE(reg, off, nr)					\
	{ KVM_DEV_ARM_VGIC_GRP_DIST_REGS, (reg) + (off), (nr) }
#define SGI_RANGE(reg, nr)						\
	{ KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, GICR_SGI_FRAME + (reg), (nr) }

static const struct gic_range gic_ranges[] = {
	DIST_RANGE(GICD_IIDR, 0, 1),
	DIST_RANGE(GICD_IGROUPR, 32 / 8, 1),
	DIST_RANGE(GICD_ISENABLER, 32 / 8, 1),
	DIST_RANGE(GICD_ISPENDR, 32 / 8, 1),
	DIST_RANGE(GICD_ISACTIVER, 32 / 8, 1),
	DIST_RANGE(GICD_IPRIORITYR, 32, 32 / 4),
	DIST_RANGE(GICD_ICFGR, 32 / 4, 32 / 16),
	DIST_RANGE(GICD_IROUTER, 32 * 8, 32 * 2),
	SGI_RANGE(GICD_IGROUPR, 1),
	SGI_RANGE(GICD_ISENABLER, 1),
	SGI_RANGE(GICD_ISPENDR, 1),
	SGI_RANGE(GICD_ISACTIVER, 1),
	SGI_RANGE(GICD_IPRIORITYR, 32 / 4),
	SGI_RANGE(GICD_ICFGR, 32 / 16),
	DIST_RANGE(GICD_CTLR, 0, 1),
};

/* vCPU 0's CPU interface; ICC_CTLR_EL1 first, since it says how BPR0 acts */
#define ICC_PMR_EL1		KA_SYS_REG(3, 0, 4, 6, 0)
static const uint64_t gic_sysregs[] = {
	KA_SYS_REG(3, 0, 12, 12, 4),		/* ICC_CTLR_EL1 */
	ICC_PMR_EL1,
	KA_SYS_REG(3, 0, 12, 8, 3),		/* ICC_BPR0_EL1 */
	KA_SYS_REG(3, 0, 12, 12, 3),		/* ICC_BPR1_EL1 */
	KA_SYS_REG(3, 0, 12, 12, 6),		/* ICC_IGRPEN0_EL1 */
	KA_SYS_REG(3, 0, 12, 12, 7),		/* ICC_IGRPEN1_EL1 */
};

/* vCPU 0's MPIDR (0) in the attribute, as the interface wants it */
#define GIC_MPIDR_ATTR		(0ULL << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT)

static void gic_attr(int gic_fd, uint32_t group, uint64_t attr, void *val,
		     bool write)
{
	int ret = write ? ka_dev_attr(gic_fd, group, attr, val) :
			  ka_get_dev_attr(gic_fd, group, attr, val);

	TEST_ASSERT(!ret, "KVM_%s_DEVICE_ATTR(group %u, attr 0x%lx): errno %d",
		    write ? "SET" : "GET", group, attr, errno);
}

static void gic_state_access(int gic_fd, struct gic_state *s, bool write)
{
	size_t i, j, w = 0;

	for (i = 0; i < ARRAY_SIZE(gic_ranges); i++) {
		const struct gic_range *r = &gic_ranges[i];

		for (j = 0; j < r->nr; j++, w++) {
			TEST_ASSERT(w < GIC_STATE_WORDS, "gic_state too small");
			gic_attr(gic_fd, r->group,
				 GIC_MPIDR_ATTR | (r->offset + 4 * j),
				 &s->regs[w], write);
		}
	}
	for (i = 0; i < ARRAY_SIZE(gic_sysregs); i++)
		gic_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
			 GIC_MPIDR_ATTR | (gic_sysregs[i] &
					   KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK),
			 &s->sysregs[i], write);
}

void gic_state_save(int gic_fd, struct gic_state *s)
{
	gic_state_access(gic_fd, s, false);
}

void gic_state_restore(int gic_fd, struct gic_state *s)
{
	gic_state_access(gic_fd, s, true);
}

uint64_t gic_get_pmr(int gic_fd)
{
	uint64_t pmr;

	gic_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		 GIC_MPIDR_ATTR | (ICC_PMR_EL1 &
				   KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK),
		 &pmr, false);
	return pmr;
}
