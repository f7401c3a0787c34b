// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creating them, and reading and writing their registers and
 * mp_state. vCPU 0 starts at the kernel entry point; the others start
 * powered off (KVM_ARM_VCPU_POWER_OFF) and KVM itself powers them on when
 * the guest calls PSCI CPU_ON. The threads that run them are run.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

int vcpu_get_xreg(struct vcpu *vcpu, int n, u64 *val)
{
	return ka_get_reg(vcpu->fd, KA_REG_X(n), val);
}

int vcpu_set_xreg(struct vcpu *vcpu, int n, u64 val)
{
	return ka_set_reg(vcpu->fd, KA_REG_X(n), val);
}

int vcpu_get_pc(struct vcpu *vcpu, u64 *pc)
{
	return ka_get_reg(vcpu->fd, KA_REG_PC, pc);
}

int vcpu_set_pc(struct vcpu *vcpu, u64 pc)
{
	return ka_set_reg(vcpu->fd, KA_REG_PC, pc);
}

int vcpu_get_mp_state(struct vcpu *vcpu, u32 *state)
{
	return ka_get_mp(vcpu->fd, state);
}

int vcpu_set_mp_state(struct vcpu *vcpu, u32 state)
{
	return ka_set_mp(vcpu->fd, state);
}

/*
 * Reset the vCPU to its architectural reset state. KVM (up to at least
 * 5.10) insists that every KVM_ARM_VCPU_INIT after the first uses the same
 * target and feature bits, POWER_OFF included, so repeat the first init; a
 * vCPU that this powers off is made RUNNABLE by the caller afterwards.
 */
int vcpu_reinit(struct vcpu *vcpu)
{
	if (ka_vcpu_reset(vcpu->fd, &vcpu->init) < 0) {
		vmm_err("vcpu%d: KVM_ARM_VCPU_INIT: %s", vcpu->id,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int vcpu_create(struct vm *vm, struct vcpu *vcpu, int id)
{
	u32 features = BIT(KVM_ARM_VCPU_PSCI_0_2);

	if (id)
		features |= BIT(KVM_ARM_VCPU_POWER_OFF);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->run = ka_vcpu_create(vm->sys_fd, vm->fd, id, &vcpu->fd);
	if (!vcpu->run) {
		vmm_err("vcpu%d: KVM_CREATE_VCPU or mmap of kvm_run: %s", id,
			strerror(errno));
		return -1;
	}
	if (ka_preferred_init(vm->fd, features, &vcpu->init) < 0) {
		vmm_err("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -1;
	}
	return vcpu_reinit(vcpu);
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
