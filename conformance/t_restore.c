// SPDX-License-Identifier: GPL-2.0
/*
 * The restore of a suspended guest as a VMM does it for a VM with an
 * in-kernel vGICv3 and the arch timer: guest RAM, every register
 * KVM_GET_REG_LIST names (the timer's among them), the vGIC's distributor,
 * redistributor and CPU interface registers and the mp_state are saved from
 * the VM that suspended, and set in a new VM whose vCPU has never run. Its
 * first KVM_RUN finds the vGIC and the timer set up for the first time, and
 * must still wait for an interrupt the restored state lets through, return
 * WAKEUP, and leave the vCPU to resume where userspace points it.
 */
#include "conformance.h"

struct suspended_vm {
	void *ram;
	struct saved_reg *regs;
	uint64_t nr_regs;
	struct gic_state gic;
	uint32_t mp_state;
};

/* Run the guest to its SYSTEM_SUSPEND, honour it, save the VM, free it */
static void save_suspended_vm(struct suspended_vm *s, uint64_t mode)
{
	struct vm *vm = setup_vm_gic(guest_test_gic, mode);
	struct vcpu *v = &vm->vcpus[0];
	struct ucall uc;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 1);
	suspend_and_park(v);

	s->ram = malloc(RAM_SIZE);
	TEST_ASSERT(s->ram, "out of memory");
	memcpy(s->ram, vm->ram, RAM_SIZE);
	s->regs = save_regs(v, &s->nr_regs);
	gic_state_save(vm->gic_fd, &s->gic);
	s->mp_state = vcpu_get_mp(v);
	expect_eq("saved mp_state", KVM_MP_STATE_SUSPENDED, s->mp_state);
	vm_free(vm);
}

/* The same guest image in a new VM, the saved state set before any KVM_RUN */
static struct vm *restore_suspended_vm(struct suspended_vm *s)
{
	struct vm *vm = setup_vm_gic(guest_never_runs, 0);
	struct vcpu *v = &vm->vcpus[0];

	memcpy(vm->ram, s->ram, RAM_SIZE);
	restore_regs(v, s->regs, s->nr_regs);
	gic_state_restore(vm->gic_fd, &s->gic);
	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	vcpu_set_mp(v, s->mp_state);
	expect_mp_state("restored mp_state", v, KVM_MP_STATE_SUSPENDED);
	return vm;
}

static void free_suspended_vm(struct suspended_vm *s)
{
	free(s->ram);
	free(s->regs);
}

/*
 * restore_vgic_spi: woken by an SPI, the first KVM_RUN waits until WAKE_SPI
 * is raised. The negative twin: with WAKE_SPI's line low again (level
 * triggered: nothing stays latched) and MASKED_SPI raised, which the
 * restored distributor has disabled, the vCPU does not wake; a signal ends
 * that wait.
 */
void host_test_restore_vgic_spi(void)
{
	struct suspended_vm s;
	struct vcpu *v;
	struct vm *vm;

	require_vgic_v3();
	save_suspended_vm(&s, 0);
	vm = restore_suspended_vm(&s);
	v = &vm->vcpus[0];

	run_poked_to_wakeup(vm, v, POKE_SPI, WAKE_SPI);

	TEST_ASSERT(!ka_set_spi(vm->fd, WAKE_SPI - KA_SPI_BASE, 0),
		    "KVM_IRQ_LINE: errno %d", errno);
	expect_no_wakeup(vm, v, POKE_SPI, MASKED_SPI,
			 "only the disabled SPI raised");

	resume_at_entry(vm, v);
	expect_resumed(vm, v);
	free_suspended_vm(&s);
	vm_free(vm);
}

/*
 * restore_vgic_timer: woken by the guest's own virtual timer, armed before
 * it suspended and restored with the other registers: the first KVM_RUN
 * returns WAKEUP, not before the virtual counter has reached the timer's
 * compare value.
 */
void host_test_restore_vgic_timer(void)
{
	uint64_t cval, cnt, ctl;
	struct suspended_vm s;
	struct vcpu *v;
	struct vm *vm;

	require_vgic_v3();
	save_suspended_vm(&s, G_VTIMER | (uint64_t)TIMER_DELAY_MS << G_MS_SHIFT);
	cval = saved_reg_u64(s.regs, s.nr_regs, KVM_REG_ARM_TIMER_CVAL);
	cnt = saved_reg_u64(s.regs, s.nr_regs, KVM_REG_ARM_TIMER_CNT);
	TEST_ASSERT(cnt < cval,
		    "the guest's %d ms timer expired before the save (CNT 0x%lx, CVAL 0x%lx): host too slow",
		    TIMER_DELAY_MS, cnt, cval);

	vm = restore_suspended_vm(&s);
	v = &vm->vcpus[0];
	expect_reg("restored CNTV_CVAL", v, KVM_REG_ARM_TIMER_CVAL, cval);
	ctl = vcpu_get_reg(v, KVM_REG_ARM_TIMER_CTL);
	expect_eq("restored CNTV_CTL.{ENABLE,IMASK}", CNT_CTL_ENABLE,
		  ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK));
	cnt = vcpu_get_reg(v, KVM_REG_ARM_TIMER_CNT);
	pr_info("timer due 0x%lx ticks after the restore\n", cval - cnt);

	expect_timer_wakeup(vm, "virtual");
	cnt = vcpu_get_reg(v, KVM_REG_ARM_TIMER_CNT);
	TEST_ASSERT(cnt >= cval,
		    "WAKEUP before the timer was due: virtual counter 0x%lx, CVAL 0x%lx",
		    cnt, cval);

	resume_at_entry(vm, v);
	expect_resumed(vm, v);
	free_suspended_vm(&s);
	vm_free(vm);
}
