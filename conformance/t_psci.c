// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI as every VMM relies on it (CPU_ON, AFFINITY_INFO, SYSTEM_OFF and
 * SYSTEM_RESET, PSCI_FEATURES), and SYSTEM_SUSPEND's discovery, its exit
 * and where it is not offered.
 */
#include "conformance.h"

/*
 * cpu_on: the target's PC and x0 are the entry point and context ID as soon
 * as the call returns, before the target has run; AFFINITY_INFO follows.
 */
static void guest_test_cpu_on(void)
{
	GUEST_ASSERT_1(psci(PSCI_0_2_FN64_AFFINITY_INFO,
			    VCPU_MPIDR(VCPU_ID_TARGET), 0, 0).a0 ==
		       PSCI_0_2_AFFINITY_LEVEL_OFF, 0);
	GUEST_ASSERT(psci(PSCI_0_2_FN64_CPU_ON, VCPU_MPIDR(VCPU_ID_TARGET),
			  ENTRY_POINT, CONTEXT_ID).a0 == PSCI_RET_SUCCESS);
	GUEST_ASSERT(psci(PSCI_0_2_FN64_AFFINITY_INFO,
			  VCPU_MPIDR(VCPU_ID_TARGET), 0, 0).a0 ==
		     PSCI_0_2_AFFINITY_LEVEL_ON);
	GUEST_DONE();
}

void host_test_cpu_on(void)
{
	struct vm *vm = setup_vm_two(guest_test_cpu_on, guest_never_runs);
	struct vcpu *src = &vm->vcpus[0], *tgt = &vm->vcpus[1];

	expect_mp_state("target mp_state before CPU_ON", tgt,
			KVM_MP_STATE_STOPPED);
	expect_done(vm, src);

	expect_mp_state("target mp_state", tgt, KVM_MP_STATE_RUNNABLE);
	expect_reg("target PC", tgt, KA_REG_PC, ENTRY_POINT);
	expect_reg("target x0", tgt, KA_REG_X(0), CONTEXT_ID);
	vm_free(vm);
}

/*
 * system_off: SYSTEM_OFF and SYSTEM_RESET are as they were: a SHUTDOWN or
 * RESET exit, and every vCPU stopped. Where KVM_CAP_SYSTEM_EVENT_DATA says
 * that ndata is valid, arm64 reports one word, data[0], with the event's
 * flags (none is defined for these calls, so 0). Kernels without the
 * capability are only held to flags being 0. The values are printed for
 * make parity to compare.
 */
static void guest_test_system_event(uint64_t fn)
{
	psci(fn, 0, 0, 0);
	GUEST_ASSERT(0);
}

static void check_off_or_reset(uint32_t fn, uint32_t type, const char *name)
{
	struct vm *vm = setup_vm_two(guest_test_system_event, guest_never_runs);
	struct vcpu *src = &vm->vcpus[0], *tgt = &vm->vcpus[1];
	struct kvm_run *run;
	uint64_t data0;

	vcpu_set_reg(src, KA_REG_X(0), fn);
	vcpu_set_mp(tgt, KVM_MP_STATE_RUNNABLE);
	run = run_to_system_event(src, type);
	/* data[0] where the series' headers have it: over the old flags */
	memcpy(&data0, (char *)&run->system_event + 8, sizeof(data0));
	printf("# system_event %s: ndata %u data[0] 0x%lx\n", name,
	       ka_sysev_ndata(run), data0);
	if (cap(KVM_CAP_SYSTEM_EVENT_DATA) > 0) {
		expect_eq("system_event.ndata", 1, ka_sysev_ndata(run));
		expect_eq("system_event.data[0]", 0, data0);
	} else {
		expect_eq("system_event.flags", 0, data0);
	}
	expect_mp_state("source mp_state", src, KVM_MP_STATE_STOPPED);
	expect_mp_state("target mp_state", tgt, KVM_MP_STATE_STOPPED);
	vm_free(vm);
}

void host_test_system_off(void)
{
	check_off_or_reset(PSCI_0_2_FN_SYSTEM_OFF, KVM_SYSTEM_EVENT_SHUTDOWN,
			   "SHUTDOWN");
	check_off_or_reset(PSCI_0_2_FN_SYSTEM_RESET, KVM_SYSTEM_EVENT_RESET,
			   "RESET");
}

/*
 * features_unchanged: PSCI_FEATURES gives every other function the answer
 * it always had, with the capability and without.
 */
static const uint32_t features_probed[] = {
	SMCCC_VERSION_FUNC_ID,
	PSCI_0_2_FN(0), PSCI_0_2_FN(1), PSCI_0_2_FN(2), PSCI_0_2_FN(3),
	PSCI_0_2_FN(4), PSCI_0_2_FN(5), PSCI_0_2_FN(6), PSCI_0_2_FN(7),
	PSCI_0_2_FN(8), PSCI_0_2_FN(9), PSCI_0_2_FN(10), PSCI_0_2_FN(11),
	PSCI_0_2_FN(12), PSCI_0_2_FN(13), PSCI_0_2_FN(14), PSCI_0_2_FN(15),
	PSCI_0_2_FN(16), PSCI_0_2_FN(17), PSCI_0_2_FN(18), PSCI_0_2_FN(19),
	PSCI_0_2_FN64(1), PSCI_0_2_FN64(3), PSCI_0_2_FN64(4), PSCI_0_2_FN64(5),
	PSCI_0_2_FN64(7), PSCI_0_2_FN64(12), PSCI_0_2_FN64(13),
	PSCI_0_2_FN64(14), PSCI_0_2_FN64(16), PSCI_0_2_FN64(17),
	PSCI_0_2_FN64(18),
};

/* What KVM's PSCI 1.0 has always answered, SYSTEM_SUSPEND aside */
static int64_t expected_feature(uint32_t fn, bool suspend_enabled)
{
	switch (fn) {
	case SMCCC_VERSION_FUNC_ID:
	case PSCI_0_2_FN_PSCI_VERSION:
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
	case PSCI_0_2_FN_CPU_OFF:
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
	case PSCI_1_0_FN_PSCI_FEATURES:
		return 0;
	case PSCI_1_0_FN_SYSTEM_SUSPEND:
	case PSCI_1_0_FN64_SYSTEM_SUSPEND:
		return suspend_enabled ? 0 : PSCI_RET_NOT_SUPPORTED;
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

static void guest_test_features(void)
{
	size_t pass, i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ARRAY_SIZE(features_probed); i++)
			GUEST_SYNC_ARGS(i, features_probed[i],
					psci_features(features_probed[i]),
					0, 0);
	}
	GUEST_DONE();
}

static void check_features(struct vm *vm, bool suspend_enabled)
{
	size_t i, wrong = 0;
	struct ucall uc;

	for (i = 0; i < ARRAY_SIZE(features_probed); i++) {
		uint32_t fn = features_probed[i];
		int64_t expected = expected_feature(fn, suspend_enabled);

		expect_sync(vm, &vm->vcpus[0], &uc, i);
		if ((int64_t)uc.args[3] != expected) {
			pr_info("FEATURES(0x%08x), cap %s: expected %ld, observed %ld\n",
				fn, suspend_enabled ? "on" : "off", expected,
				(int64_t)uc.args[3]);
			wrong++;
		}
	}
	TEST_ASSERT(!wrong, "%zu PSCI_FEATURES answers differ", wrong);
}

void host_test_features(void)
{
	struct vm *vm = setup_vm_one(guest_test_features, 0);
	bool supported = system_suspend_supported();

	check_features(vm, false);
	if (supported)
		expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	check_features(vm, supported);
	if (!supported)
		pr_info("No KVM_CAP_ARM_SYSTEM_SUSPEND: both passes ran without it\n");
	expect_done(vm, &vm->vcpus[0]);
	vm_free(vm);
}

/*
 * discovery: the capability is reported on /dev/kvm and on the VM, and
 * PSCI_FEATURES reports SYSTEM_SUSPEND only once it is enabled, which it
 * may be while the guest runs; flags other than 0 are refused.
 */
static void guest_test_discovery(void)
{
	GUEST_SYNC_ARGS(1, psci_features(PSCI_1_0_FN_SYSTEM_SUSPEND),
			psci_features(PSCI_1_0_FN64_SYSTEM_SUSPEND), 0, 0);
	GUEST_SYNC_ARGS(2, psci_features(PSCI_1_0_FN_SYSTEM_SUSPEND),
			psci_features(PSCI_1_0_FN64_SYSTEM_SUSPEND), 0, 0);
	GUEST_DONE();
}

void host_test_discovery(void)
{
	struct vm *vm = setup_vm_one(guest_test_discovery, 0);
	struct vcpu *v = &vm->vcpus[0];
	struct ucall uc;
	int ret;

	expect_eq("KVM_CHECK_EXTENSION on /dev/kvm", 1,
		  cap(KVM_CAP_ARM_SYSTEM_SUSPEND));
	expect_eq("KVM_CHECK_EXTENSION on the VM", 1,
		  ka_check_cap(vm->fd, KVM_CAP_ARM_SYSTEM_SUSPEND));
	expect_eq("KVM_CHECK_EXTENSION(KVM_CAP_SYSTEM_EVENT_DATA)", 1,
		  cap(KVM_CAP_SYSTEM_EVENT_DATA));

	expect_sync(vm, v, &uc, 1);
	expect_eq("FEATURES(SMC32 SYSTEM_SUSPEND), cap off",
		  PSCI_RET_NOT_SUPPORTED, uc.args[2]);
	expect_eq("FEATURES(SMC64 SYSTEM_SUSPEND), cap off",
		  PSCI_RET_NOT_SUPPORTED, uc.args[3]);

	ret = enable_system_suspend(vm, 1);
	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "KVM_ENABLE_CAP with flags 1: expected EINVAL, observed ret %d errno %d",
		    ret, errno);

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 2);
	expect_eq("FEATURES(SMC32 SYSTEM_SUSPEND), cap on", 0, uc.args[2]);
	expect_eq("FEATURES(SMC64 SYSTEM_SUSPEND), cap on", 0, uc.args[3]);
	expect_done(vm, v);
	vm_free(vm);
}

/*
 * suspend_exit_smc64/smc32: KVM leaves x0-x3 alone for SMC64, and only
 * clears the upper halves of x1-x3 for SMC32. Userspace then gives the call
 * its return value, which the guest sees.
 */
static void guest_test_suspend_exit(uint64_t fn)
{
	struct psci_res res = psci(fn, ENTRY_POINT, CONTEXT_ID, ARG3);

	GUEST_SYNC_ARGS(1, res.a0, 0, 0, 0);
	GUEST_DONE();
}

static void host_test_suspend_exit(uint32_t fn)
{
	struct vm *vm = setup_vm_one(guest_test_suspend_exit, fn);
	struct vcpu *v = &vm->vcpus[0];
	uint64_t mask = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? 0xffffffffull : ~0ull;
	struct ucall uc;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_system_event(v, KVM_SYSTEM_EVENT_SUSPEND);
	expect_reg("x0 (function ID)", v, KA_REG_X(0), fn);
	expect_reg("x1 (entry point)", v, KA_REG_X(1), ENTRY_POINT & mask);
	expect_reg("x2 (context ID)", v, KA_REG_X(2), CONTEXT_ID & mask);
	expect_reg("x3", v, KA_REG_X(3), ARG3 & mask);
	expect_mp_state("mp_state after the exit", v, KVM_MP_STATE_RUNNABLE);

	vcpu_set_reg(v, KA_REG_X(0), (uint64_t)PSCI_RET_INTERNAL_FAILURE);
	expect_sync(vm, v, &uc, 1);
	expect_eq("return value seen by the guest", PSCI_RET_INTERNAL_FAILURE,
		  uc.args[2]);
	expect_done(vm, v);
	vm_free(vm);
}

void host_test_suspend_exit_smc64(void)
{
	host_test_suspend_exit(PSCI_1_0_FN64_SYSTEM_SUSPEND);
}

void host_test_suspend_exit_smc32(void)
{
	host_test_suspend_exit(PSCI_1_0_FN_SYSTEM_SUSPEND);
}

/*
 * not_offered_*: without the capability, or with a PSCI version that has no
 * SYSTEM_SUSPEND, both function IDs return NOT_SUPPORTED to the guest,
 * which keeps running: the only exits are the guest's own ucalls.
 */
static void guest_test_not_offered(void)
{
	GUEST_SYNC_ARGS(1, psci(PSCI_0_2_FN_PSCI_VERSION, 0, 0, 0).a0,
			psci(PSCI_1_0_FN_SYSTEM_SUSPEND, ENTRY_POINT,
			     CONTEXT_ID, 0).a0,
			psci(PSCI_1_0_FN64_SYSTEM_SUSPEND, ENTRY_POINT,
			     CONTEXT_ID, 0).a0,
			psci_features(PSCI_1_0_FN64_SYSTEM_SUSPEND));
	GUEST_DONE();
}

static void check_not_offered(struct vm *vm, uint64_t version)
{
	struct ucall uc;

	expect_sync(vm, &vm->vcpus[0], &uc, 1);
	expect_eq("PSCI_VERSION", version, uc.args[2]);
	expect_eq("SMC32 SYSTEM_SUSPEND", PSCI_RET_NOT_SUPPORTED, uc.args[3]);
	expect_eq("SMC64 SYSTEM_SUSPEND", PSCI_RET_NOT_SUPPORTED, uc.args[4]);
	expect_eq("FEATURES(SMC64 SYSTEM_SUSPEND)", PSCI_RET_NOT_SUPPORTED,
		  uc.args[5]);
	expect_done(vm, &vm->vcpus[0]);
}

void host_test_not_offered_without_cap(void)
{
	struct vm *vm = setup_vm_one(guest_test_not_offered, 0);

	check_not_offered(vm, PSCI_VERSION_1_0);
	vm_free(vm);
}

void host_test_not_offered_psci_0_2(void)
{
	struct vm *vm = setup_vm_one(guest_test_not_offered, 0);

	vcpu_set_reg(&vm->vcpus[0], KVM_REG_ARM_PSCI_VERSION,
		     PSCI_VERSION_0_2);
	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	check_not_offered(vm, PSCI_VERSION_0_2);
	vm_free(vm);
}

/* PSCI 0.1 has KVM-specific function IDs, none of which is SYSTEM_SUSPEND */
static void guest_test_psci_0_1(void)
{
	GUEST_SYNC_ARGS(1, psci(PSCI_1_0_FN_SYSTEM_SUSPEND, ENTRY_POINT,
				CONTEXT_ID, 0).a0,
			psci(PSCI_1_0_FN64_SYSTEM_SUSPEND, ENTRY_POINT,
			     CONTEXT_ID, 0).a0, 0, 0);
	GUEST_DONE();
}

void host_test_not_offered_psci_0_1(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v = vm_add_vcpu(vm, guest_test_psci_0_1, 0, 0);
	struct ucall uc;

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));
	expect_sync(vm, v, &uc, 1);
	expect_eq("SMC32 SYSTEM_SUSPEND", PSCI_RET_NOT_SUPPORTED, uc.args[2]);
	expect_eq("SMC64 SYSTEM_SUSPEND", PSCI_RET_NOT_SUPPORTED, uc.args[3]);
	expect_done(vm, v);
	vm_free(vm);
}

/*
 * aarch32_smc64: at AArch32 EL1 the SMC64 function ID is neither offered
 * nor callable, while the SMC32 one works as for AArch64. The guest is
 * three A32 instructions, run with the MMU off:
 *
 *	loop:	hvc	#0		@ r0-r3 set by the host
 *		str	r0, [r4]	@ r4 is unbacked: MMIO exit with r0
 *		b	loop
 */
static const uint32_t a32_psci_loop[] = {
	0xe1400070,	/* hvc #0 */
	0xe5840000,	/* str r0, [r4] */
	0xeafffffc,	/* b loop */
};

static void a32_call(struct vcpu *v, uint32_t fn, uint32_t arg1)
{
	vcpu_set_reg(v, KA_REG_X(0), fn);
	vcpu_set_reg(v, KA_REG_X(1), arg1);
	vcpu_set_reg(v, KA_REG_X(2), 0);
	vcpu_set_reg(v, KA_REG_X(3), 0);
}

/* Run to the MMIO write that reports r0 */
static uint32_t a32_result(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t r0;

	vcpu_run(v);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO &&
		    run->mmio.phys_addr == UNBACKED_GPA && run->mmio.is_write &&
		    run->mmio.len == 4,
		    "AArch32 guest: expected a 4-byte MMIO write to 0x%llx, observed exit %u (%s)",
		    UNBACKED_GPA, run->exit_reason, exit_name(run->exit_reason));
	memcpy(&r0, run->mmio.data, sizeof(r0));
	return r0;
}

void host_test_aarch32(void)
{
	struct vm *vm;
	struct vcpu *v;

	if (cap(KVM_CAP_ARM_EL1_32BIT) <= 0)
		test_skip("the CPU has no AArch32 EL1 (KVM_CAP_ARM_EL1_32BIT)");

	vm = vm_create();
	memcpy(gpa_hva(vm, CODE_GPA), a32_psci_loop, sizeof(a32_psci_loop));
	v = vm_add_vcpu(vm, NULL, 0, F_PSCI_0_2 | F_EL1_32BIT);
	vcpu_set_reg(v, KA_REG_PC, CODE_GPA);
	vcpu_set_reg(v, KA_REG_X(4), UNBACKED_GPA);

	expect_eq("KVM_ENABLE_CAP", 0, enable_system_suspend(vm, 0));

	a32_call(v, PSCI_1_0_FN_PSCI_FEATURES, PSCI_1_0_FN64_SYSTEM_SUSPEND);
	expect_eq("FEATURES(SMC64 SYSTEM_SUSPEND)",
		  (uint32_t)PSCI_RET_NOT_SUPPORTED, a32_result(v));

	a32_call(v, PSCI_1_0_FN64_SYSTEM_SUSPEND, 0x1000);
	expect_eq("SMC64 SYSTEM_SUSPEND", (uint32_t)PSCI_RET_NOT_SUPPORTED,
		  a32_result(v));

	/* The negative twin: the SMC32 ID is offered to AArch32 */
	a32_call(v, PSCI_1_0_FN_PSCI_FEATURES, PSCI_1_0_FN_SYSTEM_SUSPEND);
	expect_eq("FEATURES(SMC32 SYSTEM_SUSPEND)", 0, a32_result(v));

	a32_call(v, PSCI_1_0_FN_SYSTEM_SUSPEND, 0x1000);
	expect_system_event(v, KVM_SYSTEM_EVENT_SUSPEND);
	expect_reg("r1 (entry point)", v, KA_REG_X(1), 0x1000);
	vcpu_set_reg(v, KA_REG_X(0), (uint32_t)PSCI_RET_DENIED);
	expect_eq("SMC32 SYSTEM_SUSPEND, denied by the host",
		  (uint32_t)PSCI_RET_DENIED, a32_result(v));
	vm_free(vm);
}
