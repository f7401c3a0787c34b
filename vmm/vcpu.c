// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one thread each, looping on KVM_RUN. vCPU 0 starts at the kernel
 * entry point; the others start powered off (KVM_ARM_VCPU_POWER_OFF) and
 * KVM itself powers them on when the guest calls PSCI CPU_ON.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
			 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(x))

int vcpu_get_reg(struct vcpu *vcpu, u64 id, u64 *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (u64)(unsigned long)val };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg);
}

int vcpu_set_reg(struct vcpu *vcpu, u64 id, u64 val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (u64)(unsigned long)&val };

	return ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg);
}

int vcpu_get_xreg(struct vcpu *vcpu, int n, u64 *val)
{
	return vcpu_get_reg(vcpu, CORE_REG(regs.regs[n]), val);
}

int vcpu_set_xreg(struct vcpu *vcpu, int n, u64 val)
{
	return vcpu_set_reg(vcpu, CORE_REG(regs.regs[n]), val);
}

int vcpu_set_pc(struct vcpu *vcpu, u64 pc)
{
	return vcpu_set_reg(vcpu, CORE_REG(regs.pc), pc);
}

int vcpu_get_mp_state(struct vcpu *vcpu, u32 *state)
{
	struct kvm_mp_state mp;

	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0)
		return -1;
	*state = mp.mp_state;
	return 0;
}

int vcpu_set_mp_state(struct vcpu *vcpu, u32 state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
}

const char *mp_state_name(u32 state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE:	return "RUNNABLE";
	case KVM_MP_STATE_STOPPED:	return "STOPPED";
	case KVM_MP_STATE_SUSPENDED:	return "SUSPENDED";
	default:			return "UNKNOWN";
	}
}

/*
 * Reset the vCPU to its architectural reset state. KVM (up to at least
 * 5.10) insists that every KVM_ARM_VCPU_INIT after the first uses the same
 * target and feature bits, POWER_OFF included, so repeat the first init; a
 * vCPU that this powers off is made RUNNABLE by the caller afterwards.
 */
int vcpu_reinit(struct vcpu *vcpu)
{
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &vcpu->init) < 0) {
		vmm_err("vcpu%d: KVM_ARM_VCPU_INIT: %s", vcpu->id,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int vcpu_create(struct vm *vm, struct vcpu *vcpu, int id)
{
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		vmm_err("KVM_CREATE_VCPU(%d): %s", id, strerror(errno));
		return -1;
	}

	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vmm_err("vcpu%d: mmap kvm_run: %s", id, strerror(errno));
		return -1;
	}

	vcpu->init = vm->preferred;
	memset(vcpu->init.features, 0, sizeof(vcpu->init.features));
	vcpu->init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (id)
		vcpu->init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;

	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &vcpu->init) < 0) {
		vmm_err("vcpu%d: KVM_ARM_VCPU_INIT: %s", id, strerror(errno));
		return -1;
	}
	return 0;
}

int vcpu_create_all(struct vm *vm)
{
	int i;

	vm->nr_vcpus = vm->cfg.nr_vcpus;
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -1;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vcpu_create(vm, &vm->vcpus[i], i))
			return -1;
	return 0;
}

static const char *event_name(u32 type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:	return "SHUTDOWN";
	case KVM_SYSTEM_EVENT_RESET:	return "RESET";
	case KVM_SYSTEM_EVENT_CRASH:	return "CRASH";
	case KVM_SYSTEM_EVENT_WAKEUP:	return "WAKEUP";
	case KVM_SYSTEM_EVENT_SUSPEND:	return "SUSPEND";
	default:			return "unknown";
	}
}

/* Returns true when the run is over for this thread. */
static bool handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 type = run->system_event.type;

	/* The ABI: these two carry nothing but their type. */
	if ((type == KVM_SYSTEM_EVENT_SUSPEND ||
	     type == KVM_SYSTEM_EVENT_WAKEUP) &&
	    (run->system_event.ndata || run->system_event.flags))
		vmm_err("vcpu%d: %s exit with ndata %u, flags %#llx: expected 0 (kernel bug)",
			vcpu->id, event_name(type), run->system_event.ndata,
			(unsigned long long)run->system_event.flags);

	switch (type) {
	case KVM_SYSTEM_EVENT_SUSPEND:
		suspend_handle_call(vcpu);
		return false;
	case KVM_SYSTEM_EVENT_WAKEUP:
		suspend_handle_wakeup(vcpu);
		return false;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vmm_log("vcpu%d: SYSTEM_OFF: guest powered off", vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_POWEROFF);
		return true;
	case KVM_SYSTEM_EVENT_RESET:
		vmm_log("vcpu%d: SYSTEM_RESET: guest asked for a reset",
			vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_RESET);
		return true;
	default:
		vmm_err("vcpu%d: system event %u (%s)", vcpu->id, type,
			event_name(type));
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
		return true;
	}
}

static void report_bad_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 pc = 0;

	vcpu_get_reg(vcpu, CORE_REG(regs.pc), &pc);
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		vmm_err("vcpu%d: KVM_EXIT_FAIL_ENTRY, reason %#llx, pc %#llx",
			vcpu->id, (unsigned long long)
			run->fail_entry.hardware_entry_failure_reason,
			(unsigned long long)pc);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vmm_err("vcpu%d: KVM_EXIT_INTERNAL_ERROR, suberror %u, pc %#llx",
			vcpu->id, run->internal.suberror,
			(unsigned long long)pc);
		break;
	default:
		vmm_err("vcpu%d: unhandled exit reason %u, pc %#llx",
			vcpu->id, run->exit_reason, (unsigned long long)pc);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", vcpu->id);
	pthread_setname_np(pthread_self(), name);

	for (;;) {
		vm_check_pause(vcpu);

		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			/*
			 * A kick from vm_pause_others(), or any signal. A
			 * SUSPENDED vCPU stays SUSPENDED across this (KVM
			 * keeps the state sticky), so just go round again.
			 */
			if (errno == EINTR || errno == EAGAIN) {
				if (__atomic_load_n(&vcpu->suspended,
						    __ATOMIC_ACQUIRE))
					suspend_handle_eintr(vcpu);
				continue;
			}
			vmm_err("vcpu%d: KVM_RUN: %s", vcpu->id,
				strerror(errno));
			vm_exit(vm, VMM_EXIT_ERROR);
			return NULL;
		}

		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (mmio_dispatch(vcpu)) {
				vm_exit(vm, VMM_EXIT_CRASH);
				return NULL;
			}
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (handle_system_event(vcpu))
				return NULL;
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			report_bad_exit(vcpu);
			vm_exit(vm, VMM_EXIT_CRASH);
			return NULL;
		}
	}
}

int vcpu_start_all(struct vm *vm)
{
	int i, err;

	for (i = 0; i < vm->nr_vcpus; i++) {
		err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
				     &vm->vcpus[i]);
		if (err) {
			vmm_err("cannot start vcpu%d: %s", i, strerror(err));
			return -1;
		}
	}
	return 0;
}
