/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conformance: the project's own test of PSCI and KVM_MP_STATE_SUSPENDED as
 * KVM/arm64 offers them, seen from the guest and from the VMM. Each case is
 * a guest_test_X / host_test_X pair in the style of the kvm selftests, built
 * on lib/kvm_arm.h instead of their library.
 *
 * The guest runs the test program itself: the host copies its own loaded
 * image into guest RAM at the same addresses and maps it 1:1 with the MMU
 * on, so the guest_* functions run in the guest as compiled, and a pointer
 * means the same thing on both sides. Guest code calls no libc function and
 * touches no thread-local data.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvm_arm.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)			(1U << (n))

#define VCPU_ID_SOURCE		0
#define VCPU_ID_TARGET		1
#define MAX_VCPUS		2

/* Default MPIDR_EL1 of each vCPU: Aff0 is the vCPU index */
#define VCPU_MPIDR(id)		((uint64_t)(id))

/* Values whose upper halves are set, to see what SMC32 calls do to them */
#define ENTRY_POINT		0xdeadbeef00402000ull
#define CONTEXT_ID		0xfeedf00d12345678ull
#define ARG3			0xa5a5a5a55a5a5a5aull

#define PSCI_VERSION_0_1	PSCI_VERSION(0, 1)
#define PSCI_VERSION_0_2	PSCI_VERSION(0, 2)
#define PSCI_VERSION_1_0	PSCI_VERSION(1, 0)

/* SMCCC_VERSION, the one non-PSCI ID that PSCI_FEATURES knows */
#define SMCCC_VERSION_FUNC_ID	0x80000000

/*
 * Guest physical memory: RAM from 0 to RAM_SIZE (page tables, code pages
 * for raw-code vCPUs, stacks, then the program's image at its link
 * address), nothing above. UNBACKED_GPA and up is in no memslot: accesses
 * there exit as MMIO, which the ucalls and raw-code reports use.
 */
#define RAM_SIZE		(32UL << 20)
#define PGTABLE_GPA		0x1000UL	/* 3 pages */
#define CODE_GPA		0x10000UL	/* raw code, 64 KiB */
#define STACK_TOP		0x200000UL	/* 64 KiB per vCPU, down */
#define STACK_SIZE		0x10000UL
#define UNBACKED_GPA		0x40000000ull
#define UCALL_GPA		0x40100000ull

/* The in-kernel GICv3, where QEMU's virt machine has it, with 32 SPIs */
#define GICD_BASE_GPA		0x08000000ull
#define GICR_BASE_GPA		0x080a0000ull
#define GICR_SGI_GPA		(GICR_BASE_GPA + 0x10000)
#define GIC_NR_IRQS		64

/* ucalls: the guest's calls to the host, as the kvm selftests have them */
enum {
	UCALL_NONE,
	UCALL_SYNC,
	UCALL_DONE,
	UCALL_ABORT,
	UCALL_EXCEPTION,
};

#define UCALL_ARGS		6

struct ucall {
	uint64_t cmd;
	uint64_t args[UCALL_ARGS];
	const char *file;	/* for ABORT: the guest's assertion */
	const char *msg;
	uint64_t line;
};

/* --- guest side (guest.c, vectors.S) --- */

struct psci_res {
	uint64_t a0, a1, a2, a3;
};

struct psci_res psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t psci_features(uint32_t fn);
void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3, uint64_t a4);
void guest_abort(const char *file, uint64_t line, const char *msg,
		 uint64_t val);
void guest_mmio_write32(uint64_t addr, uint32_t val);
void guest_never_runs(void);
/* Where a guest function returns to: GUEST_DONE */
void guest_returned(void);
extern char guest_vectors[];

#define GUEST_SYNC(stage)		guest_ucall(UCALL_SYNC, stage, 0, 0, 0, 0)
#define GUEST_SYNC_ARGS(stage, a, b, c, d) \
	guest_ucall(UCALL_SYNC, stage, a, b, c, d)
#define GUEST_DONE()			guest_ucall(UCALL_DONE, 0, 0, 0, 0, 0)
#define GUEST_ASSERT_1(cond, v)						\
	do {								\
		if (!(cond))						\
			guest_abort(__FILE__, __LINE__, #cond, (v));	\
	} while (0)
#define GUEST_ASSERT(cond)		GUEST_ASSERT_1(cond, 0)

/* --- host side: VMs and vCPUs (vm.c) --- */

struct vcpu {
	int fd;
	uint32_t id;
	struct kvm_run *run;
	struct kvm_vcpu_init init;
	bool boot_regs;		/* with the guest's MMU, stack and vectors */
};

struct vm {
	int kvm, fd;
	void *ram;
	int gic_fd;		/* -1 without an in-kernel vGIC */
	struct vcpu vcpus[MAX_VCPUS];
	int nr_vcpus;
};

/* Features for vm_add_vcpu() */
#define F_PSCI_0_2		BIT(KVM_ARM_VCPU_PSCI_0_2)
#define F_POWER_OFF		BIT(KVM_ARM_VCPU_POWER_OFF)
#define F_EL1_32BIT		BIT(KVM_ARM_VCPU_EL1_32BIT)

struct vm *vm_create(void);
/*
 * A vCPU with @features, running @guest_code(@arg) with the MMU on; a
 * NULL @guest_code leaves PC and the system registers as KVM_ARM_VCPU_INIT
 * set them. With F_PSCI_0_2 the PSCI version is pinned to 1.0: where
 * SYSTEM_SUSPEND lives and what KVM has offered by default since before the
 * capability existed.
 */
struct vcpu *vm_add_vcpu(struct vm *vm, void *guest_code, uint64_t arg,
			 uint32_t features);
/* One vCPU with PSCI 1.0 running guest_code */
struct vm *setup_vm_one(void *guest_code, uint64_t arg);
/* The source vCPU runs guest_code, the target starts powered off */
struct vm *setup_vm_two(void *guest_code, void *target_code);
void vm_free(struct vm *vm);

/* Reset the vCPU as for its first KVM_ARM_VCPU_INIT, boot registers again */
void vcpu_reset(struct vm *vm, struct vcpu *v);
/* Boot registers (MMU, stack, vectors) and PC at @pc, x0 = @x0 */
void vcpu_boot(struct vm *vm, struct vcpu *v, uint64_t pc, uint64_t x0);

/* Host address of guest address @gpa (RAM is mapped 1:1) */
void *gpa_hva(struct vm *vm, uint64_t gpa);
/* Set a global of the guest's copy of the program */
#define WRITE_GUEST_GLOBAL(vm, g, val)					\
	(*(__typeof__(&(g)))gpa_hva(vm, (uint64_t)(uintptr_t)&(g)) = (val))
#define READ_GUEST_GLOBAL(vm, g)					\
	(*(volatile __typeof__(&(g)))gpa_hva(vm, (uint64_t)(uintptr_t)&(g)))

bool system_suspend_supported(void);
int enable_system_suspend(struct vm *vm, uint64_t flags);
int cap(long c);

/* --- host side: assertions (assert.c) --- */

/* A failed assertion ends the case: it prints where, and exits 1. */
void __attribute__((noreturn, format(printf, 3, 4)))
test_fail(const char *file, int line, const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2))) test_skip(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) pr_info(const char *fmt, ...);

#define TEST_FAIL(...)		test_fail(__FILE__, __LINE__, __VA_ARGS__)
#define TEST_ASSERT(cond, ...)						\
	do {								\
		if (!(cond))						\
			test_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

void __expect_eq(const char *file, int line, const char *what,
		 uint64_t expected, uint64_t observed);
#define expect_eq(what, e, o)						\
	__expect_eq(__FILE__, __LINE__, what, (uint64_t)(e), (uint64_t)(o))

/* The ioctl wrappers that must succeed */
void vcpu_set_mp(struct vcpu *v, uint32_t state);
uint32_t vcpu_get_mp(struct vcpu *v);
void vcpu_set_reg(struct vcpu *v, uint64_t id, uint64_t val);
uint64_t vcpu_get_reg(struct vcpu *v, uint64_t id);
void vcpu_run(struct vcpu *v);

#define expect_reg(what, v, id, e)	expect_eq(what, e, vcpu_get_reg(v, id))
#define expect_mp_state(what, v, e)	expect_eq(what, e, vcpu_get_mp(v))

const char *exit_name(uint32_t reason);

/* Run to the next ucall; a guest assertion or another exit fails the case */
uint64_t run_to_ucall(struct vm *vm, struct vcpu *v, struct ucall *uc);
/* The guest reports what it saw with GUEST_SYNC_ARGS(stage, a, b, ...) */
void expect_sync(struct vm *vm, struct vcpu *v, struct ucall *uc,
		 uint64_t stage);
void expect_done(struct vm *vm, struct vcpu *v);
/* Run to a SYSTEM_EVENT of @type, the event filled with garbage first */
struct kvm_run *run_to_system_event(struct vcpu *v, uint32_t type);
/* SUSPEND and WAKEUP carry no data: KVM clears the whole structure */
void expect_system_event(struct vcpu *v, uint32_t type);

/* --- host side: the suspend flows (suspend.c) --- */

/* The honour flow's guest: SYNC(1), SYSTEM_SUSPEND to guest_resume */
void guest_test_suspend(void);
/* Take the SUSPEND exit and park the vCPU, as a VMM honouring it does */
void suspend_and_park(struct vcpu *v);
/* Reset a woken vCPU to the entry point (x1) and context ID (x2) it passed */
void resume_at_entry(struct vm *vm, struct vcpu *v);
/* Wake the suspended vCPU with its IRQ line, and resume it */
void wake_and_resume(struct vm *vm, struct vcpu *v);
/* The resumed guest reports the context ID, then DONE */
void expect_resumed(struct vm *vm, struct vcpu *v);

/* --- host side: waits, pokes and timing (wait.c) --- */

#define WAIT_DELAY_MS		200
#define WAKEUP_DEADLINE_MS	5000	/* for a wakeup that does not come */

enum poke {
	POKE_NONE,	/* only the deadline's signal */
	POKE_IRQ,	/* the vCPU's IRQ line (userspace irqchip) */
	POKE_SPI,	/* an SPI of the in-kernel vGIC: poker.intid */
	POKE_PPI,	/* a PPI of the in-kernel vGIC: poker.intid */
	POKE_SIGNAL,	/* a signal */
};

/*
 * A thread that pokes a vCPU blocked in KVM_RUN after delay_ms, and signals
 * it from deadline_ms on, until KVM_RUN has returned; it also measures the
 * vCPU thread's CPU time from cpu_from_ms to cpu_to_ms, if cpu_to_ms.
 */
struct poker {
	struct vm *vm;
	struct vcpu *vcpu;
	enum poke poke;
	uint32_t intid;
	unsigned int delay_ms;
	unsigned int deadline_ms;
	unsigned int cpu_from_ms, cpu_to_ms;
	/* results */
	bool had_poked;		/* when KVM_RUN returned */
	bool had_signalled;
	uint64_t cpu_ns, wall_ns;	/* the vCPU thread's, over the window */
	uint64_t run_ns;		/* how long KVM_RUN took */
	/* private */
	pthread_t vcpu_thread;
	int poked, signalled, returned;
};

/* KVM_RUN on the vCPU while the poker does what @p says */
int run_poked_custom(struct poker *p);
/*
 * KVM_RUN on a suspended vCPU that must wait for @poke (sent after
 * WAIT_DELAY_MS): it fails the case if KVM_RUN returned before the poke,
 * or only on the deadline's signal.
 */
int run_poked(struct vm *vm, struct vcpu *v, enum poke poke, uint32_t intid);
/* That, and the WAKEUP event it must give */
void run_poked_to_wakeup(struct vm *vm, struct vcpu *v, enum poke poke,
			 uint32_t intid);
/* What KVM_RUN (@ret) must have given the suspended vCPU: WAKEUP */
void expect_wakeup(struct vcpu *v, int ret);
/* KVM_RUN on a suspended vCPU that nothing may wake: EINTR on the signal */
void expect_no_wakeup(struct vm *vm, struct vcpu *v, enum poke poke,
		      uint32_t intid, const char *why);

/* --- host side: the vGIC (gic.c) --- */

#define WAKE_SPI		40
#define MASKED_SPI		41	/* enabled by no guest */
#define LOW_SPI			42	/* priority not above the PMR */
#define WAKE_PPI		20
#define VTIMER_PPI		27	/* KVM's default for the virtual timer */
#define PTIMER_PPI		30	/* and for the physical one */
#define GIC_PRIORITY		0xa0
#define GIC_PMR			0xf0

void require_vgic_v3(void);
/* One vCPU and the vGIC, the GIC's frames mapped for the guest's driver */
struct vm *setup_vm_gic(void *guest_code, uint64_t arg);

/* The guest's GIC driver: enable @intid in group 1 with @prio */
void guest_gic_enable(uint32_t intid, uint8_t prio, bool enable);
/* Distributor on (affinity routing, group 1), PMR and IGRPEN1 set */
void guest_gic_on(uint8_t pmr);

/* Saved and restored vGIC state (what describes the SPIs and vCPU 0) */
#define GIC_STATE_WORDS		200
struct gic_state {
	uint32_t regs[GIC_STATE_WORDS];
	uint64_t sysregs[6];
};
void gic_state_save(int gic_fd, struct gic_state *s);
void gic_state_restore(int gic_fd, struct gic_state *s);
uint64_t gic_get_pmr(int gic_fd);

/* --- shared by the vGIC cases (t_vgic.c, t_restore.c) --- */

#define TIMER_DELAY_MS		1000

/* What guest_test_gic() does besides its GIC setup and the suspend */
#define G_VTIMER		BIT(0)	/* arm the virtual timer, @ms ahead */
#define G_PTIMER		BIT(1)	/* arm the physical timer, @ms ahead */
#define G_VTIMER_PPI_OFF	BIT(2)	/* leave the virtual timer's PPI off */
#define G_MS_SHIFT		8

#define CNT_CTL_ENABLE		BIT(0)
#define CNT_CTL_IMASK		BIT(1)

void guest_test_gic(uint64_t mode);
extern volatile uint64_t guest_ptimer_cval;
/* KVM_RUN ends in WAKEUP from the guest's @which timer, with no poke */
void expect_timer_wakeup(struct vm *vm, const char *which);

/* Every register KVM_GET_REG_LIST names, saved and restored (suspend.c) */
struct saved_reg {
	uint64_t id;
	uint8_t val[256];
};

struct saved_reg *save_regs(struct vcpu *v, uint64_t *nr);
void restore_regs(struct vcpu *v, struct saved_reg *regs, uint64_t nr);
uint64_t saved_reg_u64(struct saved_reg *regs, uint64_t nr, uint64_t id);

/* --- the cases: host_test_X, in t_*.c; their table is main.c's --- */

/* t_psci.c */
void host_test_cpu_on(void);
void host_test_system_off(void);
void host_test_features(void);
void host_test_not_offered_without_cap(void);
void host_test_discovery(void);
void host_test_suspend_exit_smc64(void);
void host_test_suspend_exit_smc32(void);
void host_test_not_offered_psci_0_2(void);
void host_test_not_offered_psci_0_1(void);
void host_test_aarch32(void);

/* t_suspend.c */
void host_test_mp_state(void);
void host_test_wakeup(void);
void host_test_signal(void);
void host_test_honour(void);
void host_test_snapshot(void);
void host_test_deny(void);
void host_test_suspended_is_on(void);
void host_test_other_vcpu_on(void);

/* t_restore.c */
void host_test_restore_vgic_spi(void);
void host_test_restore_vgic_timer(void);

/* t_race.c */
void host_test_mp_state_race(void);

/* t_vgic.c */
void host_test_vgic_wakeup_spi(void);
void host_test_vgic_wakeup_ppi(void);
void host_test_wakeup_vtimer(void);
void host_test_wakeup_vtimer_user_irqchip(void);
void host_test_wakeup_ptimer(void);
void host_test_undeliverable_pmr(void);
void host_test_suspended_idle(void);
void host_test_suspended_idle_fired_timer(void);

struct test_case {
	const char *name;
	void (*host_test)(void);
	bool needs_system_suspend;
	/*
	 * Set for a case that upstream KVM fails too: its result is reported
	 * with a TAP TODO directive carrying this reason, and a failure does
	 * not fail the run.
	 */
	const char *todo;
};

#endif /* CONFORMANCE_H */
