// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI SYSTEM_SUSPEND, the VMM's half.
 *
 * With KVM_CAP_ARM_SYSTEM_SUSPEND enabled, a guest's SYSTEM_SUSPEND call
 * comes out of KVM_RUN as KVM_SYSTEM_EVENT_SUSPEND with the vCPU's registers
 * untouched: x0 = function id, x1 = entry point, x2 = context id. What
 * happens next is ours to decide (PSCI 1.0, DEN0022D.b 5.19):
 *
 *  - refuse: put a PSCI error in x0 and let the vCPU run on. The call then
 *    "returns" to the guest like any other PSCI call;
 *  - honour: every other CPU must be OFF (else DENIED) and the entry point
 *    must be somewhere the CPU can run from (else INVALID_ADDRESS). Then the
 *    vCPU is parked in KVM_MP_STATE_SUSPENDED; KVM_RUN waits in the kernel
 *    for an interrupt for it while the devices carry on (the RTC alarm is
 *    our wakeup source) and comes back with KVM_SYSTEM_EVENT_WAKEUP. The
 *    guest then restarts as from a CPU_ON: reset vCPU, PC = entry point,
 *    x0 = context id.
 *
 * KVM leaves the "other CPUs are OFF" check to us because it could not keep
 * it true across the exit anyway: we do it with the other vCPU threads
 * paused, so that none of them can change state while we look.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/psci.h>

#include "vmm.h"

/* What this file keeps about each vCPU; nobody else touches it. */
struct vcpu_suspend {
	bool		suspended;	/* parked in KVM_MP_STATE_SUSPENDED */
	bool		eintr_seen;	/* KVM_RUN -EINTR while suspended */
	bool		host_wake;	/* "wakeup" asked for on the control socket */
	u64		resume_pc;
	u64		resume_ctx;
	double		since;		/* vmm_uptime() at the suspend */
};

struct suspend {
	struct vcpu_suspend	*vcpu;	/* one per vCPU */
	pthread_mutex_t		lock;	/* for resumed, below */
	pthread_cond_t		resumed; /* a vCPU left SUSPENDED */
};

static struct vcpu_suspend *state_of(struct vcpu *vcpu)
{
	return &vcpu->vm->suspend->vcpu[vcpu->id];
}

/* After vcpu_create_all(). */
int suspend_init(struct vm *vm)
{
	vm->suspend = calloc(1, sizeof(*vm->suspend));
	if (vm->suspend)
		vm->suspend->vcpu = calloc(vm->nr_vcpus,
					   sizeof(*vm->suspend->vcpu));
	if (!vm->suspend || !vm->suspend->vcpu) {
		vmm_err("out of memory");
		return -1;
	}
	pthread_mutex_init(&vm->suspend->lock, NULL);
	pthread_cond_init(&vm->suspend->resumed, NULL);
	return 0;
}

static enum suspend_policy policy(struct vm *vm)
{
	return __atomic_load_n(&vm->cfg.suspend, __ATOMIC_ACQUIRE);
}

bool suspend_vcpu_suspended(struct vcpu *vcpu)
{
	return __atomic_load_n(&state_of(vcpu)->suspended, __ATOMIC_ACQUIRE);
}

const char *suspend_policy_name(enum suspend_policy p)
{
	switch (p) {
	case SUSPEND_OFF:	return "off";
	case SUSPEND_DENY:	return "deny";
	case SUSPEND_HONOUR:	return "honour";
	}
	return "?";
}

/* Refuse the call: the guest sees it return with @ret in x0. */
static void psci_return(struct vcpu *vcpu, long ret, const char *why)
{
	vmm_log("vcpu%d: " EV_PSCI_RETURN " %s (%ld): %s", vcpu->id,
		ka_psci_ret_name(ret), ret, why);
	if (vcpu_set_xreg(vcpu, 0, (u64)ret) < 0) {
		vmm_err("vcpu%d: cannot set x0: %s", vcpu->id, strerror(errno));
		vm_exit(vcpu->vm, VMM_EXIT_ERROR);
	}
}

/* Called with the other vCPUs paused. */
static bool others_are_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool off = true;
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		u32 state;

		if (v == vcpu)
			continue;
		if (vcpu_get_mp_state(v, &state) < 0) {
			vmm_err("vcpu%d: KVM_GET_MP_STATE: %s", v->id,
				strerror(errno));
			return false;
		}
		vmm_log("vcpu%d: " EV_OTHER_VCPU " vcpu%d: %s", vcpu->id, v->id,
			ka_mp_state_name(state));
		if (state != KVM_MP_STATE_STOPPED)
			off = false;
	}
	return off;
}

static void honour(struct vcpu *vcpu, u64 entry, u64 ctx)
{
	struct vcpu_suspend *st = state_of(vcpu);
	struct vm *vm = vcpu->vm;

	vm_pause_others(vm, vcpu);

	if (!others_are_off(vcpu)) {
		psci_return(vcpu, PSCI_RET_DENIED, "another vCPU is not off");
		goto out;
	}
	/* The whole first instruction must be in RAM. */
	if (!kvm_in_ram(vm, entry, 4)) {
		psci_return(vcpu, PSCI_RET_INVALID_ADDRESS,
			    "entry point is not in guest RAM");
		goto out;
	}

	if (vcpu_set_mp_state(vcpu, KVM_MP_STATE_SUSPENDED) < 0) {
		vmm_err("vcpu%d: KVM_SET_MP_STATE(SUSPENDED): %s", vcpu->id,
			strerror(errno));
		psci_return(vcpu, PSCI_RET_INTERNAL_FAILURE,
			    "KVM would not suspend the vCPU");
		goto out;
	}
	st->resume_pc = entry;
	st->resume_ctx = ctx;
	st->eintr_seen = false;
	st->since = vmm_uptime();
	__atomic_store_n(&st->suspended, true, __ATOMIC_RELEASE);
	vmm_log("vcpu%d: " EV_SUSPENDED, vcpu->id);
out:
	vm_resume_others(vm);
}

void suspend_handle_call(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	u64 fn = 0, entry = 0, ctx = 0;

	if (vcpu_get_xreg(vcpu, 0, &fn) || vcpu_get_xreg(vcpu, 1, &entry) ||
	    vcpu_get_xreg(vcpu, 2, &ctx)) {
		vmm_err("vcpu%d: cannot read x0-x2: %s", vcpu->id,
			strerror(errno));
		vm_exit(vm, VMM_EXIT_ERROR);
		return;
	}
	vmm_log("vcpu%d: " EV_SUSPEND_CALL " fn=%#llx entry=%#llx ctx=%#llx, policy %s",
		vcpu->id, (unsigned long long)fn, (unsigned long long)entry,
		(unsigned long long)ctx, suspend_policy_name(policy(vm)));

	switch (policy(vm)) {
	case SUSPEND_HONOUR:
		honour(vcpu, entry, ctx);
		break;
	case SUSPEND_DENY:
		psci_return(vcpu, PSCI_RET_DENIED, "policy is deny");
		break;
	case SUSPEND_OFF:
		/* KVM must not exit for a capability we never enabled. */
		vmm_err("vcpu%d: SUSPEND exit without KVM_CAP_ARM_SYSTEM_SUSPEND enabled: kernel bug",
			vcpu->id);
		psci_return(vcpu, PSCI_RET_NOT_SUPPORTED, "not enabled");
		break;
	}
}

/*
 * Come back the way PSCI says: as from CPU_ON, with the vCPU in its reset
 * state (MMU and caches off, EL1h, interrupts masked), PC at the entry
 * point and the context id in x0.
 */
static void resume(struct vcpu *vcpu)
{
	struct vcpu_suspend *st = state_of(vcpu);

	if (vcpu_reinit(vcpu) ||
	    vcpu_set_pc(vcpu, st->resume_pc) ||
	    vcpu_set_xreg(vcpu, 0, st->resume_ctx) ||
	    vcpu_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE)) {
		vmm_err("vcpu%d: cannot resume the vCPU: %s", vcpu->id,
			strerror(errno));
		vm_exit(vcpu->vm, VMM_EXIT_ERROR);
		return;
	}
	vmm_log("vcpu%d: " EV_RESUME " %#llx x0=%#llx", vcpu->id,
		(unsigned long long)st->resume_pc,
		(unsigned long long)st->resume_ctx);
	pthread_mutex_lock(&vcpu->vm->suspend->lock);
	st->host_wake = false;
	__atomic_store_n(&st->suspended, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vcpu->vm->suspend->resumed);
	pthread_mutex_unlock(&vcpu->vm->suspend->lock);
}

/*
 * The host asked for a wakeup (control.c): KVM waits for an interrupt that
 * is not coming, but leaves it to userspace to take the vCPU out of
 * SUSPENDED, so resume it here, on its own thread, exactly as after a
 * WAKEUP exit. The guest sees the same return at its entry point, with no
 * wake-up interrupt pending.
 */
static bool host_wakeup(struct vcpu *vcpu)
{
	struct vcpu_suspend *st = state_of(vcpu);

	if (!__atomic_load_n(&st->host_wake, __ATOMIC_ACQUIRE))
		return false;
	vcpu->run->immediate_exit = 0;
	vmm_log("vcpu%d: " EV_HOST_WAKEUP " %.3f s", vcpu->id,
		vmm_uptime() - st->since);
	resume(vcpu);
	return true;
}

void suspend_handle_wakeup(struct vcpu *vcpu)
{
	struct vcpu_suspend *st = state_of(vcpu);
	u32 state = 0;

	if (!st->suspended) {
		vmm_err("vcpu%d: WAKEUP exit for a vCPU we never suspended",
			vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
		return;
	}
	vcpu_get_mp_state(vcpu, &state);
	vmm_log("vcpu%d: " EV_WAKEUP " %.3f s (mp_state %s)", vcpu->id,
		vmm_uptime() - st->since, ka_mp_state_name(state));
	/* Only userspace takes a vCPU out of SUSPENDED. */
	if (state != KVM_MP_STATE_SUSPENDED)
		vmm_err("vcpu%d: mp_state %s at WAKEUP, expected SUSPENDED: kernel bug",
			vcpu->id, ka_mp_state_name(state));
	resume(vcpu);
}

/*
 * A signal while the vCPU waits in SUSPENDED makes KVM_RUN return -EINTR
 * and must leave the vCPU SUSPENDED: the caller just calls KVM_RUN again.
 * Check that, once per suspension, so that the log shows it was exercised.
 */
void suspend_handle_eintr(struct vcpu *vcpu)
{
	struct vcpu_suspend *st = state_of(vcpu);
	u32 state;

	if (!suspend_vcpu_suspended(vcpu) || host_wakeup(vcpu) ||
	    st->eintr_seen)
		return;
	st->eintr_seen = true;
	if (vcpu_get_mp_state(vcpu, &state) < 0) {
		vmm_err("vcpu%d: KVM_GET_MP_STATE: %s", vcpu->id,
			strerror(errno));
		return;
	}
	vmm_log("vcpu%d: " EV_EINTR ", mp_state %s", vcpu->id,
		ka_mp_state_name(state));
	if (state != KVM_MP_STATE_SUSPENDED) {
		vmm_err("vcpu%d: a signal took the vCPU out of SUSPENDED: kernel bug",
			vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
	}
}

/* The suspended vCPU, or NULL. */
static struct vcpu *suspended_vcpu(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (suspend_vcpu_suspended(&vm->vcpus[i]))
			return &vm->vcpus[i];
	return NULL;
}

bool suspend_vm_suspended(struct vm *vm)
{
	return suspended_vcpu(vm) != NULL;
}

/*
 * "wakeup" on the control socket: have the suspended vCPU's thread resume
 * it (host_wakeup()), and wait until it has, so that a "status" right after
 * the answer already says running. immediate_exit covers a thread that is
 * about to enter KVM_RUN when the signal comes.
 */
void suspend_host_wakeup(struct vm *vm, char *answer, size_t size)
{
	struct vcpu *vcpu = suspended_vcpu(vm);
	struct timespec deadline;
	struct vcpu_suspend *st;
	int err = 0;

	if (!vcpu) {
		snprintf(answer, size, CTL_ERROR " the guest is not suspended");
		return;
	}
	st = state_of(vcpu);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&vm->suspend->lock);
	__atomic_store_n(&st->host_wake, true, __ATOMIC_RELEASE);
	vcpu->run->immediate_exit = 1;
	vcpu_kick(vcpu);
	while (st->suspended && !err)
		err = pthread_cond_timedwait(&vm->suspend->resumed,
					     &vm->suspend->lock, &deadline);
	pthread_mutex_unlock(&vm->suspend->lock);
	if (err)
		snprintf(answer, size, CTL_ERROR " vcpu%d did not resume within 5 s",
			 vcpu->id);
	else
		snprintf(answer, size, CTL_OK " vcpu%d resumed", vcpu->id);
}

/* "suspend-policy honour|deny" on the control socket */
void suspend_set_policy(struct vm *vm, const char *name, char *answer,
			size_t size)
{
	enum suspend_policy p;

	if (!strcmp(name, "honour") || !strcmp(name, "honor")) {
		p = SUSPEND_HONOUR;
	} else if (!strcmp(name, "deny")) {
		p = SUSPEND_DENY;
	} else {
		snprintf(answer, size, CTL_ERROR " suspend-policy takes honour or deny");
		return;
	}
	/* The guest's PSCI driver asked at boot; it would not ask again. */
	if (policy(vm) == SUSPEND_OFF) {
		snprintf(answer, size, CTL_ERROR " SYSTEM_SUSPEND is off for this VM (--suspend off): the guest was told at boot it is not supported");
		return;
	}
	__atomic_store_n(&vm->cfg.suspend, p, __ATOMIC_RELEASE);
	vmm_log("control: " EV_POLICY " now %s", suspend_policy_name(p));
	snprintf(answer, size, CTL_OK " " EV_POLICY " %s", suspend_policy_name(p));
}

/*
 * "status": running, or suspended since when, with the policy and each
 * vCPU's mp_state. KVM_GET_MP_STATE waits for the vCPU to leave KVM_RUN,
 * so the vCPUs are paused for the look.
 */
void suspend_status(struct vm *vm, char *answer, size_t size)
{
	static const char token;	/* the control thread, as a pauser */
	struct vcpu *susp = suspended_vcpu(vm);
	int i, n;
	u32 state;

	if (susp)
		n = snprintf(answer, size, CTL_OK " " CTL_SUSPENDED " %.3f s (%.3f s ago)",
			     state_of(susp)->since,
			     vmm_uptime() - state_of(susp)->since);
	else
		n = snprintf(answer, size, CTL_OK " " CTL_RUNNING);
	n += snprintf(answer + n, size - n, ", " EV_POLICY " %s;",
		      suspend_policy_name(policy(vm)));
	vm_pause_others(vm, &token);
	for (i = 0; i < vm->nr_vcpus && n < (int)size; i++) {
		if (vcpu_get_mp_state(&vm->vcpus[i], &state))
			state = ~0U;
		n += snprintf(answer + n, size - n, " vcpu%d %s", i,
			      ka_mp_state_name(state));
	}
	vm_resume_others(vm);
}

/*
 * Test aid (--test-kick-ms): signal suspended vCPUs every few milliseconds,
 * the way a VMM's own housekeeping (pausing for a snapshot, a timer signal)
 * would, to exercise the -EINTR path above with a real guest.
 */
static void *kicker_thread(void *arg)
{
	struct vm *vm = arg;
	struct timespec ts = {
		.tv_sec = vm->cfg.kick_ms / 1000,
		.tv_nsec = (vm->cfg.kick_ms % 1000) * 1000000L,
	};
	int i;

	for (;;) {
		nanosleep(&ts, NULL);
		for (i = 0; i < vm->nr_vcpus; i++)
			if (suspend_vcpu_suspended(&vm->vcpus[i]))
				vcpu_kick(&vm->vcpus[i]);
	}
	return NULL;
}

int suspend_start_kicker(struct vm *vm)
{
	if (vm->cfg.kick_ms <= 0)
		return 0;
	return vmm_thread_start(NULL, "kicker", kicker_thread, vm);
}
