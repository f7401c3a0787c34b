// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of the cases with the in-kernel vGICv3 and the arch
 * timers, and the wait for a timer's wakeup.
 */
#include "conformance.h"

/* The physical timer's compare value, for the host to check */
volatile uint64_t guest_ptimer_cval;

/*
 * The guest turns its GIC on as its driver would: WAKE_SPI, WAKE_PPI and
 * both timers' PPIs enabled in group 1 with a priority its CPU interface
 * lets through, MASKED_SPI the same but left disabled, LOW_SPI enabled with
 * a priority the PMR masks. It arms a timer if told to, then suspends as
 * guest_test_suspend() does. PSTATE.I stays set: the guest never takes an
 * interrupt, only KVM's view of them counts.
 */
void guest_test_gic(uint64_t mode)
{
	uint64_t ms = mode >> G_MS_SHIFT, freq, now;

	guest_gic_enable(WAKE_SPI, GIC_PRIORITY, true);
	guest_gic_enable(MASKED_SPI, GIC_PRIORITY, false);
	guest_gic_enable(LOW_SPI, GIC_PMR, true);
	guest_gic_enable(WAKE_PPI, GIC_PRIORITY, true);
	guest_gic_enable(VTIMER_PPI, GIC_PRIORITY,
			 !(mode & G_VTIMER_PPI_OFF));
	guest_gic_enable(PTIMER_PPI, GIC_PRIORITY, true);
	guest_gic_on(GIC_PMR);

	asm volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	if (mode & G_VTIMER) {
		asm volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
		asm volatile("msr cntv_cval_el0, %0"
			     : : "r"(now + freq * ms / 1000));
		asm volatile("msr cntv_ctl_el0, %0; isb"
			     : : "r"((uint64_t)CNT_CTL_ENABLE));
	}
	if (mode & G_PTIMER) {
		asm volatile("isb; mrs %0, cntpct_el0" : "=r"(now));
		guest_ptimer_cval = now + freq * ms / 1000;
		asm volatile("msr cntp_cval_el0, %0"
			     : : "r"(guest_ptimer_cval));
		asm volatile("msr cntp_ctl_el0, %0; isb"
			     : : "r"((uint64_t)CNT_CTL_ENABLE));
	}
	guest_test_suspend();
}

/*
 * Woken by the guest's own timer: KVM_RUN returns WAKEUP without a poke,
 * not before the timer is due; a signal ends a wait past its due time.
 */
void expect_timer_wakeup(struct vm *vm, const char *which)
{
	struct vcpu *v = &vm->vcpus[0];
	struct poker deadline = {
		.vm = vm, .vcpu = v, .poke = POKE_NONE,
		.deadline_ms = TIMER_DELAY_MS + WAKEUP_DEADLINE_MS,
	};
	int ret;

	memset(&v->run->system_event, 0xa5, sizeof(v->run->system_event));
	ret = run_poked_custom(&deadline);
	TEST_ASSERT(!deadline.had_signalled,
		    "the %s timer did not end the wait: KVM_RUN returned (ret %d errno %d exit %u) only after a signal %d ms later",
		    which, ret, errno, v->run->exit_reason,
		    TIMER_DELAY_MS + WAKEUP_DEADLINE_MS);
	expect_wakeup(v, ret);
	pr_info("%s timer: WAKEUP after %lu ms\n", which,
		deadline.run_ns / 1000000);
}
