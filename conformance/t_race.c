// SPDX-License-Identifier: GPL-2.0
/*
 * mp_state_race: vCPU A calls CPU_ON for B in a loop, alternating two
 * (entry point, context ID) pairs, while B's thread cycles B through
 * STOPPED, SUSPENDED and RUNNABLE and runs it. Nothing orders the two but
 * KVM, so each round checks what any order would give:
 *
 *  - a SUSPENDED B stays SUSPENDED until its thread changes it: CPU_ON only
 *    starts a vCPU that is off, so a CPU_ON racing KVM_SET_MP_STATE must
 *    either land first (and be overridden) or see B suspended and answer
 *    ALREADY_ON, never leave B RUNNABLE (a lost update);
 *  - B, reset by a CPU_ON, starts at an entry point with that call's
 *    context ID, never one call's entry with another's ID (a torn reset);
 *  - CPU_ON answers SUCCESS or ALREADY_ON, nothing else.
 *
 * B runs raw code with the MMU off, as a vCPU does after CPU_ON: each entry
 * point reports x0 with a store to an unbacked address of its own, then B
 * turns itself off (PSCI CPU_OFF) until the next CPU_ON.
 *
 * A lost update needs B's KVM_SET_MP_STATE(SUSPENDED) to land between
 * CPU_ON's check that B is off and its write of RUNNABLE, a window of a
 * few instructions: with the lock removed, one STOPPED-then-SUSPENDED in
 * about 2,600 lost its update, and 11 of 20 runs of 2000 such rounds caught
 * one. Each round now makes RACE_TRIES of them before it runs B, which
 * costs a few ioctls each against the round's KVM_RUN (docs/conformance.md
 * has the rates).
 */
#include <stdatomic.h>

#include "conformance.h"

#define RACE_ROUNDS_MAX		2000
#define RACE_TRIES		32	/* STOPPED, SUSPENDED per round */
#define RACE_BUDGET_S		30	/* stop early under a slow host */
#define RACE_REPORT_A		UNBACKED_GPA
#define RACE_REPORT_B		(UNBACKED_GPA + 0x1000)
#define RACE_CONTEXT_A		0xc0de0000000000aaull
#define RACE_CONTEXT_B		0xc0de0000000000bbull
#define RACE_ENTRY_A		(CODE_GPA + 0x00)
#define RACE_ENTRY_B		(CODE_GPA + 0x40)
#define RACE_OFF_LOOP		(CODE_GPA + 0x80)

static const uint32_t race_code_a[] = {
	0xd2a80001,	/* movz x1, #0x4000, lsl #16	(RACE_REPORT_A) */
	0xf9000020,	/* str x0, [x1] */
	0x1400001e,	/* b RACE_OFF_LOOP */
};

static const uint32_t race_code_b[] = {
	0xd2a80001,	/* movz x1, #0x4000, lsl #16 */
	0xf2820001,	/* movk x1, #0x1000		(RACE_REPORT_B) */
	0xf9000020,	/* str x0, [x1] */
	0x1400000d,	/* b RACE_OFF_LOOP */
};

static const uint32_t race_off_loop[] = {
	0xd2b08000,	/* movz x0, #0x8400, lsl #16 */
	0xf2800040,	/* movk x0, #0x2		(CPU_OFF) */
	0xd4000002,	/* hvc #0 */
	0x17fffffd,	/* b RACE_OFF_LOOP */
};

/* Set by the host when B's thread is done; read by vCPU A's loop */
static volatile uint64_t race_stop;

static void guest_race_cpu_on(void)
{
	uint64_t calls = 0, success = 0, already_on = 0;

	while (!race_stop) {
		bool odd = calls & 1;
		uint64_t ret;

		ret = psci(PSCI_0_2_FN64_CPU_ON, VCPU_MPIDR(VCPU_ID_TARGET),
			   odd ? RACE_ENTRY_B : RACE_ENTRY_A,
			   odd ? RACE_CONTEXT_B : RACE_CONTEXT_A).a0;
		if (ret == PSCI_RET_SUCCESS)
			success++;
		else if (ret == (uint64_t)PSCI_RET_ALREADY_ON)
			already_on++;
		else
			GUEST_ASSERT_1(false, ret);
		calls++;
	}
	GUEST_SYNC_ARGS(1, calls, success, already_on, 0);
	GUEST_DONE();
}

static struct vm *race_vm;

static void *race_vcpu_a_thread(void *data)
{
	struct vcpu *a = data;
	struct ucall uc;

	expect_sync(race_vm, a, &uc, 1);
	pr_info("vCPU A: %lu CPU_ON calls, %lu SUCCESS, %lu ALREADY_ON\n",
		uc.args[2], uc.args[3], uc.args[4]);
	expect_done(race_vm, a);
	return NULL;
}

/* Run B to its next report, and check that entry point and ID belong together */
static void race_run_b(struct vcpu *b, uint64_t round)
{
	struct kvm_run *run = b->run;
	uint64_t x0;

	vcpu_run(b);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
		    run->mmio.len == 8,
		    "round %lu: B: expected an 8-byte MMIO write, observed exit %u (%s)",
		    round, run->exit_reason, exit_name(run->exit_reason));
	memcpy(&x0, run->mmio.data, sizeof(x0));
	if (run->mmio.phys_addr == RACE_REPORT_A)
		expect_eq("context ID seen at entry point A", RACE_CONTEXT_A,
			  x0);
	else if (run->mmio.phys_addr == RACE_REPORT_B)
		expect_eq("context ID seen at entry point B", RACE_CONTEXT_B,
			  x0);
	else
		TEST_FAIL("round %lu: B wrote to 0x%llx", round,
			  run->mmio.phys_addr);
}

void host_test_mp_state_race(void)
{
	struct vm *vm = vm_create();
	time_t end = time(NULL) + RACE_BUDGET_S;
	uint64_t round, try, lost = 0;
	struct vcpu *a, *b;
	pthread_t thread;
	uint32_t state;

	memcpy(gpa_hva(vm, RACE_ENTRY_A), race_code_a, sizeof(race_code_a));
	memcpy(gpa_hva(vm, RACE_ENTRY_B), race_code_b, sizeof(race_code_b));
	memcpy(gpa_hva(vm, RACE_OFF_LOOP), race_off_loop,
	       sizeof(race_off_loop));
	a = vm_add_vcpu(vm, guest_race_cpu_on, 0, F_PSCI_0_2);
	/* Until a CPU_ON resets it, B runs its code as after one: MMU off */
	b = vm_add_vcpu(vm, NULL, 0, F_PSCI_0_2 | F_POWER_OFF);
	vcpu_set_reg(b, KA_REG_PC, RACE_OFF_LOOP);

	race_vm = vm;
	TEST_ASSERT(!pthread_create(&thread, NULL, race_vcpu_a_thread, a),
		    "pthread_create failed");
	for (round = 0; round < RACE_ROUNDS_MAX && time(NULL) < end; round++) {
		for (try = 0; try < RACE_TRIES; try++) {
			vcpu_set_mp(b, KVM_MP_STATE_STOPPED);
			vcpu_set_mp(b, KVM_MP_STATE_SUSPENDED);
			state = vcpu_get_mp(b);
			if (state == KVM_MP_STATE_SUSPENDED)
				continue;
			if (!lost++)
				pr_info("round %lu, try %lu: B set SUSPENDED, then read %s\n",
					round, try, ka_mp_state_name(state));
		}
		vcpu_set_mp(b, KVM_MP_STATE_RUNNABLE);
		race_run_b(b, round);
	}
	WRITE_GUEST_GLOBAL(vm, race_stop, 1);
	pthread_join(thread, NULL);

	pr_info("%lu rounds of %d tries, %lu lost SUSPENDED update(s)\n",
		round, RACE_TRIES, lost);
	TEST_ASSERT(!lost,
		    "%lu of %lu tries lost B's SUSPENDED state to a racing CPU_ON",
		    lost, round * RACE_TRIES);
	vm_free(vm);
}
