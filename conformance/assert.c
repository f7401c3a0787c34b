// SPDX-License-Identifier: GPL-2.0
/*
 * The host side's assertions: each prints what was expected and what was
 * observed, and ends the case (its own process) with exit status 1. The
 * ioctl wrappers here must succeed; the cases call lib/kvm_arm.h's own
 * wrappers where a failure is what they test.
 */
#include <stdarg.h>

#include "conformance.h"

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(KA_EXIT_FAIL);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	printf("# SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KA_EXIT_SKIP);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void __expect_eq(const char *file, int line, const char *what,
		 uint64_t expected, uint64_t observed)
{
	if (expected != observed)
		test_fail(file, line,
			  "%s: expected 0x%lx (%ld), observed 0x%lx (%ld)",
			  what, expected, (int64_t)expected, observed,
			  (int64_t)observed);
}

void vcpu_set_mp(struct vcpu *v, uint32_t state)
{
	TEST_ASSERT(!ka_set_mp(v->fd, state),
		    "vCPU %u: KVM_SET_MP_STATE(%s): errno %d", v->id,
		    ka_mp_state_name(state), errno);
}

uint32_t vcpu_get_mp(struct vcpu *v)
{
	uint32_t state;

	TEST_ASSERT(!ka_get_mp(v->fd, &state),
		    "vCPU %u: KVM_GET_MP_STATE: errno %d", v->id, errno);
	return state;
}

void vcpu_set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	TEST_ASSERT(!ka_set_reg(v->fd, id, val),
		    "vCPU %u: KVM_SET_ONE_REG(0x%lx): errno %d", v->id, id,
		    errno);
}

uint64_t vcpu_get_reg(struct vcpu *v, uint64_t id)
{
	uint64_t val;

	TEST_ASSERT(!ka_get_reg(v->fd, id, &val),
		    "vCPU %u: KVM_GET_ONE_REG(0x%lx): errno %d", v->id, id,
		    errno);
	return val;
}

void vcpu_run(struct vcpu *v)
{
	int ret = ioctl(v->fd, KVM_RUN, NULL);

	TEST_ASSERT(!ret, "vCPU %u: KVM_RUN: ret %d errno %d exit %u", v->id,
		    ret, errno, v->run->exit_reason);
}

const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_MMIO:		return "MMIO";
	case KVM_EXIT_SYSTEM_EVENT:	return "SYSTEM_EVENT";
	case KVM_EXIT_INTR:		return "INTR";
	case KVM_EXIT_UNKNOWN:		return "UNKNOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:	return "INTERNAL_ERROR";
	default:			return "other";
	}
}

/* The ucall the guest made, if this exit is one */
static uint64_t get_ucall(struct vm *vm, struct vcpu *v, struct ucall *uc)
{
	struct kvm_run *run = v->run;
	uint64_t gva;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_MMIO ||
	    run->mmio.phys_addr != UCALL_GPA || !run->mmio.is_write ||
	    run->mmio.len != 8)
		return UCALL_NONE;
	memcpy(&gva, run->mmio.data, sizeof(gva));
	memcpy(uc, gpa_hva(vm, gva), sizeof(*uc));
	return uc->cmd;
}

uint64_t run_to_ucall(struct vm *vm, struct vcpu *v, struct ucall *uc)
{
	struct kvm_run *run = v->run;
	uint64_t cmd;

	vcpu_run(v);
	cmd = get_ucall(vm, v, uc);
	TEST_ASSERT(cmd != UCALL_NONE,
		    "vCPU %u: expected a ucall, got exit %u (%s)", v->id,
		    run->exit_reason, exit_name(run->exit_reason));
	/* The guest's strings are the host's: the image is the same */
	if (cmd == UCALL_ABORT)
		TEST_FAIL("vCPU %u: guest assertion '%s' failed at %s:%lu (value 0x%lx)",
			  v->id, uc->msg, uc->file, uc->line, uc->args[0]);
	if (cmd == UCALL_EXCEPTION)
		TEST_FAIL("vCPU %u: guest exception: ESR 0x%lx ELR 0x%lx FAR 0x%lx vector 0x%lx",
			  v->id, uc->args[0], uc->args[1], uc->args[2],
			  uc->args[3]);
	return cmd;
}

void expect_sync(struct vm *vm, struct vcpu *v, struct ucall *uc,
		 uint64_t stage)
{
	uint64_t cmd = run_to_ucall(vm, v, uc);

	TEST_ASSERT(cmd == UCALL_SYNC && uc->args[1] == stage,
		    "vCPU %u: expected GUEST_SYNC(%lu), got ucall %lu stage %lu",
		    v->id, stage, cmd, uc->args[1]);
}

void expect_done(struct vm *vm, struct vcpu *v)
{
	struct ucall uc;
	uint64_t cmd = run_to_ucall(vm, v, &uc);

	TEST_ASSERT(cmd == UCALL_DONE,
		    "vCPU %u: expected GUEST_DONE, got ucall %lu", v->id, cmd);
}

struct kvm_run *run_to_system_event(struct vcpu *v, uint32_t type)
{
	struct kvm_run *run = v->run;

	memset(&run->system_event, 0xa5, sizeof(run->system_event));
	vcpu_run(v);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_SYSTEM_EVENT,
		    "vCPU %u: expected exit SYSTEM_EVENT (%u), observed %u (%s)",
		    v->id, KVM_EXIT_SYSTEM_EVENT, run->exit_reason,
		    exit_name(run->exit_reason));
	expect_eq("system_event.type", type, run->system_event.type);
	return run;
}

void expect_system_event(struct vcpu *v, uint32_t type)
{
	struct kvm_run *run = run_to_system_event(v, type);
	uint64_t data[16];
	size_t i, n;

	/* ndata and data[] as the series' headers have them, at the flags */
	expect_eq("system_event.ndata", 0, ka_sysev_ndata(run));
	n = (sizeof(run->system_event) - 8) / 8;
	memcpy(data, (char *)&run->system_event + 8, n * 8);
	for (i = 0; i < n; i++)
		expect_eq("system_event.data[i]", 0, data[i]);
}
