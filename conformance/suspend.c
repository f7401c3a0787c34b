// SPDX-License-Identifier: GPL-2.0
/*
 * The honour flow's steps, which several cases share: SUSPEND exit,
 * SUSPENDED, an interrupt, WAKEUP, then a reset of the vCPU with PC at the
 * entry point and x0 holding the context ID. The guest resumes in
 * guest_resume(), not after its call.
 */
#include "conformance.h"

static void guest_resume(uint64_t context_id)
{
	GUEST_SYNC_ARGS(2, context_id, 0, 0, 0);
	GUEST_DONE();
}

void guest_test_suspend(void)
{
	struct psci_res res;

	GUEST_SYNC(1);
	res = psci(PSCI_1_0_FN64_SYSTEM_SUSPEND, (uint64_t)guest_resume,
		   CONTEXT_ID, 0);
	GUEST_SYNC_ARGS(3, res.a0, 0, 0, 0);
	GUEST_DONE();
}

void suspend_and_park(struct vcpu *v)
{
	expect_system_event(v, KVM_SYSTEM_EVENT_SUSPEND);
	expect_reg("x0 (function ID)", v, KA_REG_X(0),
		   PSCI_1_0_FN64_SYSTEM_SUSPEND);
	vcpu_set_mp(v, KVM_MP_STATE_SUSPENDED);
}

/*
 * The reset puts the vCPU in the state KVM_ARM_VCPU_INIT defines; the
 * program's boot-time setup (MMU, stack, vectors) is applied again on top,
 * as the guest's startup code would do for itself.
 */
void resume_at_entry(struct vm *vm, struct vcpu *v)
{
	uint64_t entry = vcpu_get_reg(v, KA_REG_X(1));
	uint64_t context_id = vcpu_get_reg(v, KA_REG_X(2));

	vcpu_reset(vm, v);
	vcpu_boot(vm, v, entry, context_id);
	vcpu_set_mp(v, KVM_MP_STATE_RUNNABLE);
}

void wake_and_resume(struct vm *vm, struct vcpu *v)
{
	TEST_ASSERT(!ka_set_cpu_irq(vm->fd, v->id, 1),
		    "KVM_IRQ_LINE: errno %d", errno);
	expect_system_event(v, KVM_SYSTEM_EVENT_WAKEUP);
	TEST_ASSERT(!ka_set_cpu_irq(vm->fd, v->id, 0),
		    "KVM_IRQ_LINE: errno %d", errno);
	resume_at_entry(vm, v);
}

void expect_resumed(struct vm *vm, struct vcpu *v)
{
	struct ucall uc;

	expect_sync(vm, v, &uc, 2);
	expect_eq("context ID seen at the entry point", CONTEXT_ID,
		  uc.args[2]);
	expect_done(vm, v);
}

/* A VMM's save and restore of a vCPU: every register, as KVM lists them */
struct saved_reg *save_regs(struct vcpu *v, uint64_t *nr)
{
	struct kvm_reg_list *list = ka_reg_list(v->fd);
	struct saved_reg *regs;
	uint64_t i;

	TEST_ASSERT(list, "KVM_GET_REG_LIST: errno %d", errno);
	regs = calloc(list->n, sizeof(*regs));
	TEST_ASSERT(regs, "out of memory");
	for (i = 0; i < list->n; i++) {
		struct kvm_one_reg reg = {
			.id = list->reg[i],
			.addr = (uint64_t)(uintptr_t)regs[i].val,
		};

		TEST_ASSERT(KVM_REG_SIZE(reg.id) <= sizeof(regs[i].val),
			    "register 0x%llx is too large", reg.id);
		regs[i].id = reg.id;
		TEST_ASSERT(!ioctl(v->fd, KVM_GET_ONE_REG, &reg),
			    "KVM_GET_ONE_REG(0x%llx): errno %d", reg.id, errno);
	}
	*nr = list->n;
	free(list);
	return regs;
}

void restore_regs(struct vcpu *v, struct saved_reg *regs, uint64_t nr)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct kvm_one_reg reg = {
			.id = regs[i].id,
			.addr = (uint64_t)(uintptr_t)regs[i].val,
		};

		TEST_ASSERT(!ioctl(v->fd, KVM_SET_ONE_REG, &reg),
			    "KVM_SET_ONE_REG(0x%llx): errno %d", reg.id, errno);
	}
}

uint64_t saved_reg_u64(struct saved_reg *regs, uint64_t nr, uint64_t id)
{
	uint64_t i, val;

	for (i = 0; i < nr; i++) {
		if (regs[i].id == id) {
			memcpy(&val, regs[i].val, sizeof(val));
			return val;
		}
	}
	TEST_FAIL("register 0x%lx was not saved", id);
}
