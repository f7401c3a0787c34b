// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU threads: one each, looping on KVM_RUN and dispatching its exits
 * to the MMIO bus, to suspend.c, or to the end of the run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

/* The ABI: SUSPEND and WAKEUP carry nothing but their type. */
static void check_sysev_payload(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->system_event.ndata || run->system_event.flags)
		vmm_err("vcpu%d: %s exit with ndata %u, flags %#llx: expected 0 (kernel bug)",
			vcpu->id, ka_sysev_name(run->system_event.type),
			run->system_event.ndata,
			(unsigned long long)run->system_event.flags);
}

/* Returns true when the run is over for this thread. */
static bool handle_system_event(struct vcpu *vcpu)
{
	u32 type = vcpu->run->system_event.type;

	switch (type) {
	case KVM_SYSTEM_EVENT_SUSPEND:
		check_sysev_payload(vcpu);
		suspend_handle_call(vcpu);
		return false;
	case KVM_SYSTEM_EVENT_WAKEUP:
		check_sysev_payload(vcpu);
		suspend_handle_wakeup(vcpu);
		return false;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vmm_log("vcpu%d: " EV_POWEROFF, vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_POWEROFF);
		return true;
	case KVM_SYSTEM_EVENT_RESET:
		vmm_log("vcpu%d: " EV_RESET, vcpu->id);
		vm_exit(vcpu->vm, VMM_EXIT_RESET);
		return true;
	default:
		vmm_err("vcpu%d: system event %u (%s)", vcpu->id, type,
			ka_sysev_name(type));
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
		return true;
	}
}

static void report_bad_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned long long pc = 0;

	vcpu_get_pc(vcpu, (u64 *)&pc);
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		vmm_err("vcpu%d: KVM_EXIT_FAIL_ENTRY, reason %#llx, pc %#llx",
			vcpu->id, (unsigned long long)
			run->fail_entry.hardware_entry_failure_reason, pc);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vmm_err("vcpu%d: KVM_EXIT_INTERNAL_ERROR, suberror %u, pc %#llx",
			vcpu->id, run->internal.suberror, pc);
		break;
	default:
		vmm_err("vcpu%d: unhandled exit reason %u, pc %#llx",
			vcpu->id, run->exit_reason, pc);
	}
}

/* One exit; returns true when the run is over for this thread. */
static bool handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_MMIO:
		if (!mmio_dispatch(vcpu))
			return false;
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(vcpu);
	case KVM_EXIT_INTR:
		return false;
	default:
		report_bad_exit(vcpu);
		vm_exit(vcpu->vm, VMM_EXIT_CRASH);
		return true;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	for (;;) {
		vm_check_pause(vcpu);
		if (ioctl(vcpu->fd, KVM_RUN, 0) == 0) {
			if (handle_exit(vcpu))
				return NULL;
			continue;
		}
		/*
		 * A kick from vm_pause_others(), or any signal. A SUSPENDED
		 * vCPU stays SUSPENDED across this (KVM keeps the state
		 * sticky); suspend.c checks that, and may resume it itself.
		 */
		if (errno == EINTR || errno == EAGAIN) {
			suspend_handle_eintr(vcpu);
			continue;
		}
		vmm_err("vcpu%d: KVM_RUN: %s", vcpu->id, strerror(errno));
		vm_exit(vcpu->vm, VMM_EXIT_ERROR);
		return NULL;
	}
}

int vcpu_start_all(struct vm *vm)
{
	char name[16];
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "vcpu%d", i);
		if (vmm_thread_start(&vm->vcpus[i].thread, name, vcpu_thread,
				     &vm->vcpus[i]))
			return -1;
	}
	return 0;
}
