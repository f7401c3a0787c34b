// SPDX-License-Identifier: GPL-2.0
/*
 * The names of KVM's and PSCI's values, for the tools' logs, and the
 * helpers that allocate (kvm_arm.h).
 */
#include <stdlib.h>

#include "kvm_arm.h"

struct kvm_reg_list *ka_reg_list(int vcpu)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;

	/* E2BIG, with the count in probe.n */
	if (!ioctl(vcpu, KVM_GET_REG_LIST, &probe) || errno != E2BIG)
		return NULL;
	list = calloc(1, sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return NULL;
	list->n = probe.n;
	if (ioctl(vcpu, KVM_GET_REG_LIST, list)) {
		int e = errno;

		free(list);
		errno = e;
		return NULL;
	}
	return list;
}

const char *ka_mp_state_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE:	return "RUNNABLE";
	case KVM_MP_STATE_STOPPED:	return "STOPPED";
	case KVM_MP_STATE_SUSPENDED:	return "SUSPENDED";
	default:			return "UNKNOWN";
	}
}

const char *ka_sysev_name(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:	return "SHUTDOWN";
	case KVM_SYSTEM_EVENT_RESET:	return "RESET";
	case KVM_SYSTEM_EVENT_CRASH:	return "CRASH";
	case KVM_SYSTEM_EVENT_WAKEUP:	return "WAKEUP";
	case KVM_SYSTEM_EVENT_SUSPEND:	return "SUSPEND";
	default:			return "UNKNOWN";
	}
}

const char *ka_psci_ret_name(long ret)
{
	switch (ret) {
	case PSCI_RET_SUCCESS:		return "SUCCESS";
	case PSCI_RET_NOT_SUPPORTED:	return "NOT_SUPPORTED";
	case PSCI_RET_INVALID_PARAMS:	return "INVALID_PARAMS";
	case PSCI_RET_DENIED:		return "DENIED";
	case PSCI_RET_ALREADY_ON:	return "ALREADY_ON";
	case PSCI_RET_ON_PENDING:	return "ON_PENDING";
	case PSCI_RET_INTERNAL_FAILURE:	return "INTERNAL_FAILURE";
	case PSCI_RET_NOT_PRESENT:	return "NOT_PRESENT";
	case PSCI_RET_DISABLED:		return "DISABLED";
	case PSCI_RET_INVALID_ADDRESS:	return "INVALID_ADDRESS";
	default:			return "?";
	}
}
