// SPDX-License-Identifier: GPL-2.0
/*
 * VMs and vCPUs for the cases: guest RAM holding a copy of this program at
 * its link addresses, an identity map for the guest's MMU, and vCPUs that
 * start in a guest_* function with a stack of their own.
 */
#include <link.h>

#include "conformance.h"

/* Stage 1: 4K granule, 39-bit VA from level 1, identity map of 2 GiB */
#define PTE_VALID		(1UL << 0)
#define PTE_TABLE		(3UL << 0)
#define PTE_ATTR(idx)		((uint64_t)(idx) << 2)
#define PTE_SH_INNER		(3UL << 8)
#define PTE_AF			(1UL << 10)
#define MAIR_NORMAL		0	/* attribute index: write-back */
#define MAIR_DEVICE		1	/* Device-nGnRnE */
#define MAIR_VALUE		0x00ffUL
#define TCR_VALUE		(25UL |		/* T0SZ: 39-bit VA */	\
				 1UL << 8 |	/* IRGN0: WBWA */	\
				 1UL << 10 |	/* ORGN0: WBWA */	\
				 3UL << 12 |	/* SH0: inner */	\
				 1UL << 23)	/* EPD1 */
#define SCTLR_M			(1UL << 0)
#define SCTLR_A			(1UL << 1)
#define SCTLR_C			(1UL << 2)
#define SCTLR_I			(1UL << 12)
#define CPACR_FPEN		(3UL << 20)

#define REG_SCTLR_EL1		KA_SYS_REG(3, 0, 1, 0, 0)
#define REG_CPACR_EL1		KA_SYS_REG(3, 0, 1, 0, 2)
#define REG_TTBR0_EL1		KA_SYS_REG(3, 0, 2, 0, 0)
#define REG_TCR_EL1		KA_SYS_REG(3, 0, 2, 0, 2)
#define REG_MAIR_EL1		KA_SYS_REG(3, 0, 10, 2, 0)
#define REG_VBAR_EL1		KA_SYS_REG(3, 0, 12, 0, 0)
#define REG_SP_EL1		KA_CORE_REG(sp_el1)
#define REG_LR			KA_REG_X(30)

static int kvm_fd = -1;

int cap(long c)
{
	if (kvm_fd < 0)
		kvm_fd = ka_open();
	TEST_ASSERT(kvm_fd >= 0, "open /dev/kvm: errno %d", errno);
	return ka_check_cap(kvm_fd, c);
}

bool system_suspend_supported(void)
{
	return cap(KVM_CAP_ARM_SYSTEM_SUSPEND) > 0;
}

int enable_system_suspend(struct vm *vm, uint64_t flags)
{
	return ka_enable_cap(vm->fd, KVM_CAP_ARM_SYSTEM_SUSPEND, flags);
}

void *gpa_hva(struct vm *vm, uint64_t gpa)
{
	TEST_ASSERT(gpa < RAM_SIZE, "guest address 0x%lx is not in RAM", gpa);
	return (char *)vm->ram + gpa;
}

static int copy_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	struct vm *vm = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		TEST_ASSERT(start >= STACK_TOP &&
			    start + ph->p_memsz <= RAM_SIZE,
			    "segment 0x%lx+0x%lx does not fit the guest's RAM (a static, non-PIE build is needed)",
			    start, (uint64_t)ph->p_memsz);
		memcpy(gpa_hva(vm, start), (void *)(uintptr_t)start,
		       ph->p_memsz);
	}
	return 1;	/* the program itself comes first: stop there */
}

static void write_page_tables(struct vm *vm)
{
	uint64_t *l1 = gpa_hva(vm, PGTABLE_GPA);
	uint64_t *l2 = gpa_hva(vm, PGTABLE_GPA + 0x1000);
	uint64_t pa;
	int i;

	l1[0] = (PGTABLE_GPA + 0x1000) | PTE_TABLE;
	l1[1] = UNBACKED_GPA | PTE_VALID | PTE_ATTR(MAIR_DEVICE) | PTE_AF;
	for (i = 0; i < 512; i++) {
		pa = (uint64_t)i << 21;
		if (pa >= GICD_BASE_GPA && pa < GICD_BASE_GPA + (32UL << 20))
			l2[i] = pa | PTE_VALID | PTE_ATTR(MAIR_DEVICE) | PTE_AF;
		else
			l2[i] = pa | PTE_VALID | PTE_ATTR(MAIR_NORMAL) |
				PTE_SH_INNER | PTE_AF;
	}
}

struct vm *vm_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->gic_fd = -1;
	vm->kvm = ka_open();
	TEST_ASSERT(vm->kvm >= 0, "open /dev/kvm: errno %d", errno);
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM: errno %d", errno);
	vm->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(vm->ram != MAP_FAILED, "mmap guest RAM: errno %d", errno);
	dl_iterate_phdr(copy_segments, vm);
	write_page_tables(vm);
	TEST_ASSERT(!ka_set_mem(vm->fd, 0, 0, vm->ram, RAM_SIZE),
		    "KVM_SET_USER_MEMORY_REGION: errno %d", errno);
	return vm;
}

void vcpu_boot(struct vm *vm, struct vcpu *v, uint64_t pc, uint64_t x0)
{
	uint64_t sctlr = vcpu_get_reg(v, REG_SCTLR_EL1);

	vcpu_set_reg(v, REG_MAIR_EL1, MAIR_VALUE);
	vcpu_set_reg(v, REG_TCR_EL1, TCR_VALUE);
	vcpu_set_reg(v, REG_TTBR0_EL1, PGTABLE_GPA);
	vcpu_set_reg(v, REG_CPACR_EL1, CPACR_FPEN);
	vcpu_set_reg(v, REG_VBAR_EL1, (uintptr_t)guest_vectors);
	vcpu_set_reg(v, REG_SCTLR_EL1,
		     (sctlr & ~SCTLR_A) | SCTLR_M | SCTLR_C | SCTLR_I);
	vcpu_set_reg(v, REG_SP_EL1, STACK_TOP - v->id * STACK_SIZE);
	vcpu_set_reg(v, REG_LR, (uintptr_t)guest_returned);
	vcpu_set_reg(v, KA_REG_PC, pc);
	vcpu_set_reg(v, KA_REG_X(0), x0);
	v->boot_regs = true;
}

static void vcpu_init(struct vm *vm, struct vcpu *v)
{
	TEST_ASSERT(!ka_vcpu_reset(v->fd, &v->init),
		    "KVM_ARM_VCPU_INIT(features 0x%x): errno %d",
		    v->init.features[0], errno);
	if (v->init.features[0] & F_PSCI_0_2)
		vcpu_set_reg(v, KVM_REG_ARM_PSCI_VERSION, PSCI_VERSION_1_0);
}

struct vcpu *vm_add_vcpu(struct vm *vm, void *guest_code, uint64_t arg,
			 uint32_t features)
{
	struct vcpu *v = &vm->vcpus[vm->nr_vcpus];

	TEST_ASSERT(vm->nr_vcpus < MAX_VCPUS, "too many vCPUs");
	v->id = vm->nr_vcpus++;
	v->run = ka_vcpu_create(vm->kvm, vm->fd, v->id, &v->fd);
	TEST_ASSERT(v->run, "KVM_CREATE_VCPU(%u): errno %d", v->id, errno);
	TEST_ASSERT(!ka_preferred_init(vm->fd, features, &v->init),
		    "KVM_ARM_PREFERRED_TARGET: errno %d", errno);
	vcpu_init(vm, v);
	if (guest_code)
		vcpu_boot(vm, v, (uintptr_t)guest_code, arg);
	return v;
}

void vcpu_reset(struct vm *vm, struct vcpu *v)
{
	v->init.features[0] &= ~F_POWER_OFF;
	vcpu_init(vm, v);
}

struct vm *setup_vm_one(void *guest_code, uint64_t arg)
{
	struct vm *vm = vm_create();

	vm_add_vcpu(vm, guest_code, arg, F_PSCI_0_2);
	return vm;
}

struct vm *setup_vm_two(void *guest_code, void *target_code)
{
	struct vm *vm = setup_vm_one(guest_code, 0);

	vm_add_vcpu(vm, target_code, 0, F_PSCI_0_2 | F_POWER_OFF);
	return vm;
}

void vm_free(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		close(vm->vcpus[i].fd);
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	close(vm->fd);
	close(vm->kvm);
	munmap(vm->ram, RAM_SIZE);
	free(vm);
}
