// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_MP_STATE_SUSPENDED with a userspace irqchip: the state itself, the
 * wait in KVM_RUN and what ends it, the honour and deny flows, a suspended
 * vCPU saved and restored, and how the other vCPUs see a suspended one.
 */
#include <signal.h>
#include <stdatomic.h>

#include "conformance.h"

/*
 * mp_state_suspended: KVM_SET_MP_STATE(SUSPENDED) is accepted and reported
 * back; any value that is not a state arm64 knows is refused and changes
 * nothing.
 */
void host_test_mp_state(void)
{
	static const uint32_t invalid[] = { 1, 2, 3, 4, 6, 7, 8, 9, 11,
					    0xffffffff };
	struct vm *vm = setup_vm_one(guest_never_runs, 0);
	struct vcpu *v = &vm->vcpus[0];
	size_t i;
	int ret;

	vcpu_set_mp(v, KVM_MP_STATE_SUSPENDED);
	expect_mp_state("mp_state", v, KVM_MP_STATE_SUSPENDED);

	for (i = 0; i < ARRAY_SIZE(invalid); i++) {
		ret = ka_set_mp(v->fd, invalid[i]);
		TEST_ASSERT(ret == -1 && errno == EINVAL,
			    "KVM_SET_MP_STATE(%u): expected EINVAL, observed ret %d errno %d",
			    invalid[i], ret, errno);
		expect_mp_state("mp_state after a refused KVM_SET_MP_STATE", v,
				KVM_MP_STATE_SUSPENDED);
	}

	vcpu_set_mp(v, KVM_MP_STATE_STOPPED);
	expect_mp_state("mp_state", v, KVM_MP_STATE_STOPPED);
	vcpu_set_mp(v, KVM_MP_STATE_RUNNABLE);
	expect_mp_state("mp_state", v, KVM_MP_STATE_RUNNABLE);
	vm_free(vm);
}

/*
 * suspended_wakeup: a suspended vCPU does not run the guest; KVM_RUN
 * returns once an interrupt is pending for it, with a WAKEUP event, and the
 * vCPU stays suspended.
 */
void host_test_wakeup(void)
{
	struct vm *vm = setup_vm_one(guest_never_runs, 0);
	struct vcpu *v = &vm->vcpus[0];

	vcpu_set_mp(v, KVM_MP_STATE_SUSPENDED);
	run_poked_to_wakeup(vm, v, POKE_IRQ, 0);

	/* Sticky: with the interrupt still pending, the next KVM_RUN says so */
	expect_system_event(v, KVM_SYSTEM_EVENT_WAKEUP);
	expect_mp_state("mp_state after a second WAKEUP", v,
			KVM_MP_STATE_SUSPENDED);
	vm_free(vm);
}

/* suspended_signal: a signal ends KVM_RUN with EINTR, still suspended */
void host_test_signal(void)
{
	struct vm *vm = setup_vm_one(guest_never_runs, 0);
	struct vcpu *v = &vm->vcpus[0];
	int ret;

	vcpu_set_mp(v, KVM_MP_STATE_SUSPENDED);
	ret = run_poked(vm, v, POKE_SIGNAL, 0);
	TEST_ASSERT(ret == -1 && errno == EINTR,
		    "KVM_RUN: expected EINTR, observed ret %d errno %d exit %u (%s)",
		    ret, errno, v->run->exit_reason,
		    exit_name(v->run->exit_reason));
	expect_eq("exit_reason", KVM_EXIT_INTR, v->run->exit_reason);
	expect_mp_state("mp_state after EINTR", v, KVM_MP_STATE_SUSPENDED);

	/* Still waiting: an interrupt now ends the wait as usual */
	TEST_ASSERT(!ka_set_cpu_irq(vm->fd, v->id, 1), "KVM_IRQ_LINE: errno %d",
		    errno);
	expect_system_event(v, KVM_SYSTEM_EVENT_WAKEUP);
	vm_free(vm);
}

/* honour: the whole flow, the guest resuming at its entry point */
void host_test_honour(void)
{
	struct vm *vm = setup_vm_one(guest_test_suspend, 0);
	struct vcpu *v = &vm->vcpus[0];
	struct ucall uc;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 1);
	suspend_and_park(v);
	wake_and_resume(vm, v);
	expect_resumed(vm, v);
	vm_free(vm);
}

/* deny: userspace refuses the call, and the guest sees why */
void host_test_deny(void)
{
	struct vm *vm = setup_vm_one(guest_test_suspend, 0);
	struct vcpu *v = &vm->vcpus[0];
	struct ucall uc;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 1);
	expect_system_event(v, KVM_SYSTEM_EVENT_SUSPEND);

	vcpu_set_reg(v, KA_REG_X(0), (uint64_t)PSCI_RET_DENIED);
	expect_sync(vm, v, &uc, 3);
	expect_eq("SYSTEM_SUSPEND return value", PSCI_RET_DENIED, uc.args[2]);
	expect_done(vm, v);
	vm_free(vm);
}

/*
 * snapshot_restore: save a suspended vCPU (every register KVM_GET_REG_LIST
 * names, and the mp_state) and restore it in a new VM, where it wakes up
 * and resumes: what a VMM does to save, restore or migrate a suspended
 * guest.
 */
void host_test_snapshot(void)
{
	struct vm *vm = setup_vm_one(guest_test_suspend, 0);
	struct vcpu *v = &vm->vcpus[0];
	struct saved_reg *regs;
	struct ucall uc;
	uint32_t state;
	uint64_t nr;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 1);
	suspend_and_park(v);

	regs = save_regs(v, &nr);
	state = vcpu_get_mp(v);
	expect_eq("saved mp_state", KVM_MP_STATE_SUSPENDED, state);
	vm_free(vm);

	/* The same guest image, a new VM and vCPU, the saved state on top */
	vm = setup_vm_one(guest_never_runs, 0);
	v = &vm->vcpus[0];
	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	restore_regs(v, regs, nr);
	vcpu_set_mp(v, state);
	expect_mp_state("restored mp_state", v, KVM_MP_STATE_SUSPENDED);
	expect_reg("restored x0", v, KA_REG_X(0), PSCI_1_0_FN64_SYSTEM_SUSPEND);

	wake_and_resume(vm, v);
	expect_resumed(vm, v);
	free(regs);
	vm_free(vm);
}

/* suspended_vcpu_is_on: a suspended vCPU is ON for the other vCPUs */
static void guest_test_suspended_is_on(void)
{
	GUEST_SYNC_ARGS(1, psci(PSCI_0_2_FN64_AFFINITY_INFO,
				VCPU_MPIDR(VCPU_ID_TARGET), 0, 0).a0,
			psci(PSCI_0_2_FN64_CPU_ON, VCPU_MPIDR(VCPU_ID_TARGET),
			     ENTRY_POINT, CONTEXT_ID).a0, 0, 0);
	GUEST_DONE();
}

void host_test_suspended_is_on(void)
{
	struct vm *vm = setup_vm_two(guest_test_suspended_is_on,
				     guest_never_runs);
	struct vcpu *src = &vm->vcpus[0], *tgt = &vm->vcpus[1];
	struct ucall uc;

	vcpu_set_mp(tgt, KVM_MP_STATE_SUSPENDED);
	expect_sync(vm, src, &uc, 1);
	expect_eq("AFFINITY_INFO(suspended vCPU)", PSCI_0_2_AFFINITY_LEVEL_ON,
		  uc.args[2]);
	expect_eq("CPU_ON(suspended vCPU)", PSCI_RET_ALREADY_ON, uc.args[3]);
	expect_mp_state("target mp_state", tgt, KVM_MP_STATE_SUSPENDED);
	expect_done(vm, src);
	vm_free(vm);
}

/*
 * other_vcpu_on: SYSTEM_SUSPEND while another vCPU is on still exits (the
 * precondition is the VMM's to check) and leaves that vCPU as it was. The
 * other vCPU counts in guest memory: the count moving proves that it runs
 * guest code, so is inside KVM_RUN, before the call and after its exit, and
 * its mp_state, read once a signal got it out, is RUNNABLE. A kernel that
 * stopped the other vCPUs for SYSTEM_SUSPEND, as it does for SYSTEM_OFF,
 * fails both.
 */
static volatile uint64_t other_count;

static void guest_count_loop(void)
{
	for (;;)
		other_count++;
}

static atomic_int other_done;

static void *other_vcpu_thread(void *data)
{
	struct vcpu *v = data;

	/* Only a signal gets the vCPU out of its loop */
	ioctl(v->fd, KVM_RUN, NULL);
	atomic_store(&other_done, 1);
	return NULL;
}

static void sigusr1_nop(int sig)
{
}

/* Whether the other vCPU's count moves within @ms */
static bool other_counting(struct vm *vm, unsigned int ms)
{
	uint64_t c0 = READ_GUEST_GLOBAL(vm, other_count), t0 = ka_now_ns();

	while (ka_now_ns() - t0 < ms * 1000000ULL) {
		if (READ_GUEST_GLOBAL(vm, other_count) != c0)
			return true;
		usleep(1000);
	}
	return false;
}

void host_test_other_vcpu_on(void)
{
	struct vm *vm = setup_vm_one(guest_test_suspend, 0);
	struct sigaction sa = { .sa_handler = sigusr1_nop };
	struct vcpu *src = &vm->vcpus[0], *other;
	struct ucall uc;
	pthread_t thread;

	other = vm_add_vcpu(vm, guest_count_loop, 0, F_PSCI_0_2);
	sigaction(SIGUSR1, &sa, NULL);
	TEST_ASSERT(!pthread_create(&thread, NULL, other_vcpu_thread, other),
		    "pthread_create failed");
	TEST_ASSERT(other_counting(vm, 5000),
		    "the other vCPU does not run guest code before the call");

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, src, &uc, 1);
	expect_system_event(src, KVM_SYSTEM_EVENT_SUSPEND);

	TEST_ASSERT(other_counting(vm, 2000),
		    "the other vCPU stopped running guest code at the SUSPEND exit (its KVM_RUN %s)",
		    atomic_load(&other_done) ? "returned" : "still waits");
	TEST_ASSERT(!atomic_load(&other_done),
		    "the other vCPU's KVM_RUN returned without a signal");

	while (!atomic_load(&other_done)) {
		pthread_kill(thread, SIGUSR1);
		usleep(10000);
	}
	pthread_join(thread, NULL);
	expect_mp_state("other vCPU mp_state", other, KVM_MP_STATE_RUNNABLE);
	vm_free(vm);
}
