// SPDX-License-Identifier: GPL-2.0
/*
 * The PSCI model: what KVM/arm64 answers in x0, see psci_model.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "psci_model.h"

const uint32_t psci_known[] = {
	PSCI_0_2_FN_PSCI_VERSION, PSCI_0_2_FN_CPU_SUSPEND,
	PSCI_0_2_FN64_CPU_SUSPEND, PSCI_0_2_FN_CPU_OFF, PSCI_0_2_FN_CPU_ON,
	PSCI_0_2_FN64_CPU_ON, PSCI_0_2_FN_AFFINITY_INFO,
	PSCI_0_2_FN64_AFFINITY_INFO, PSCI_0_2_FN_MIGRATE_INFO_TYPE,
	PSCI_0_2_FN_SYSTEM_OFF, PSCI_0_2_FN_SYSTEM_RESET,
	PSCI_1_0_FN_PSCI_FEATURES, SMCCC_VERSION,
};
const size_t psci_nknown = sizeof(psci_known) / sizeof(psci_known[0]);

const char *psci_name(uint32_t v)
{
	return v == PSCI_V11 ? "1.1" : v == PSCI_V10 ? "1.0" : v == PSCI_V02 ? "0.2" : "0.1";
}

bool psci_is_susp(uint32_t fn)
{
	return fn == PSCI_1_0_FN_SYSTEM_SUSPEND ||
	       fn == PSCI_1_0_FN64_SYSTEM_SUSPEND;
}

bool psci_is_smc32(uint32_t fn)
{
	return (fn & 0xffffffe0) == PSCI_0_2_FN_BASE;
}

/*
 * The IDs KVM refuses to AArch32 vCPUs: every SMC64 one (the series'
 * patch 2 and 6.12 alike), which for the IDs it implements are the SMC64
 * CPU_SUSPEND, CPU_ON, AFFINITY_INFO, SYSTEM_SUSPEND and SYSTEM_RESET2.
 */
bool psci_is_fn64_only_a64(uint32_t fn)
{
	return fn & 0x40000000U;
}

bool psci_is_reset2(uint32_t fn)
{
	return fn == PSCI11_RESET2 || fn == PSCI11_RESET2_64;
}

/*
 * PSCI 1.1's SYSTEM_RESET2 exits (RESET) for the architectural warm reset
 * (type 0) and the vendor types (bit 31); KVM reads the type as 32 bits.
 */
bool psci_reset2_exits(const struct psci_call *c)
{
	uint32_t type = c->a[1];

	return type == 0 || (type & 0x80000000U);
}

static bool is_psci01(uint32_t fn)
{
	return fn >= PSCI01_FN(0) && fn <= PSCI01_FN(3);
}

/* Either PSCI range, SMC32 or SMC64. */
static bool is_psci02(uint32_t fn)
{
	return (fn & 0xbfffffe0) == PSCI_0_2_FN_BASE;
}

static void __attribute__((format(printf, 4, 5)))
answer(struct psci_answer *a, unsigned int n, const int64_t *x0,
       const char *fmt, ...)
{
	va_list ap;

	a->judged = true;
	a->n = n;
	for (unsigned int i = 0; i < n && i < 2; i++)
		a->x0[i] = x0[i];
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

#define ANSWER1(a, v, ...)	answer(a, 1, (const int64_t[]){ (v) }, __VA_ARGS__)
#define ANSWER2(a, v, w, ...)	answer(a, 2, (const int64_t[]){ (v), (w) }, __VA_ARGS__)
#define ANSWER0(a, ...)		answer(a, 0, NULL, __VA_ARGS__)

/* An argument as KVM reads it: SMC32 calls (and 0.1 ones) use 32 bits. */
static uint64_t arg(const struct psci_call *c, int i)
{
	uint32_t fn = c->a[0];

	return psci_is_smc32(fn) || is_psci01(fn) ? (uint32_t)c->a[i] : c->a[i];
}

/* Not ours to judge: SMCCC and the other IDs outside PSCI's ranges. */
static void unjudged(struct psci_answer *a)
{
	a->judged = false;
	a->n = 0;
	snprintf(a->why, sizeof(a->why), "anything (not a PSCI ID)");
}

/* 6.12: a target with bits outside MPIDR's affinity fields is invalid. */
static bool bad_affinity(const struct psci_vm *vm, const struct psci_call *c,
			 struct psci_answer *a)
{
	if (!vm->strict_aff || !(arg(c, 1) & ~MPIDR_HWID))
		return false;
	ANSWER1(a, PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (target %#" PRIx64
		" has bits outside MPIDR's affinity)", arg(c, 1));
	return true;
}

static void cpu_on(const struct psci_vm *vm, const struct psci_call *c,
		   struct psci_answer *a)
{
	uint64_t t = arg(c, 1) & MPIDR_HWID;

	if (bad_affinity(vm, c, a))
		return;
	if (t >= (uint64_t)vm->nvcpus)
		ANSWER1(a, PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (no vCPU %#" PRIx64 ")", t);
	else if (t == (uint64_t)c->caller)
		ANSWER1(a, PSCI_RET_ALREADY_ON, "ALREADY_ON (itself)");
	else
		ANSWER2(a, 0, PSCI_RET_ALREADY_ON, "SUCCESS or ALREADY_ON");
}

static void affinity_info(const struct psci_vm *vm, const struct psci_call *c,
			  struct psci_answer *a)
{
	uint64_t lvl = arg(c, 2), mask, t;
	bool any = false;

	if (bad_affinity(vm, c, a))
		return;
	if (lvl > 3) {
		ANSWER1(a, PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (level %" PRIu64 ")", lvl);
		return;
	}
	mask = MPIDR_HWID & ~((1ULL << (lvl == 3 ? 32 : lvl * 8)) - 1);
	t = arg(c, 1) & mask;
	for (int i = 0; i < vm->nvcpus; i++)
		any |= ((uint64_t)i & mask) == t;
	if (!any)
		ANSWER1(a, PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (no match)");
	else if (((uint64_t)c->caller & mask) == t)
		ANSWER1(a, 0, "ON (the caller matches)");
	else
		ANSWER2(a, 0, 1, "ON or OFF");
}

/* Under PSCI 0.2 and 1.0, KVM's check before anything else. */
static bool refused_to_a32(const struct psci_vm *vm, uint32_t fn,
			   struct psci_answer *a)
{
	if (!vm->a32 || !psci_is_fn64_only_a64(fn) || !is_psci02(fn))
		return false;
	ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (an SMC64 ID from AArch32)");
	return true;
}

/* The IDs that are not PSCI 0.2 ones, under 0.2 and 1.0. */
static bool not_psci02(const struct psci_vm *vm, uint32_t fn,
		       struct psci_answer *a)
{
	if (is_psci01(fn)) {
		ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (a PSCI 0.1 ID under PSCI %s)",
			psci_name(vm->version));
		return true;
	}
	if (!is_psci02(fn)) {
		unjudged(a);
		return true;
	}
	return false;
}

void psci_model_0_1(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a)
{
	uint32_t fn = c->a[0];

	if (fn == PSCI01_FN(1))
		ANSWER1(a, 0, "SUCCESS (CPU_OFF)");
	else if (fn == PSCI01_FN(2))
		ANSWER2(a, 0, PSCI_RET_INVALID_PARAMS, "SUCCESS or INVALID_PARAMS (0.1 CPU_ON)");
	else if (is_psci01(fn))
		ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED");
	else if (!is_psci02(fn))
		unjudged(a);
	else
		ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (PSCI 0.1 has no 0.2 IDs)");
}

void psci_model_0_2(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a)
{
	uint32_t fn = c->a[0];

	if (refused_to_a32(vm, fn, a) || not_psci02(vm, fn, a))
		return;

	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		ANSWER1(a, PSCI_V02, "PSCI_VERSION = %#x", PSCI_V02);
		break;
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
	case PSCI_0_2_FN_CPU_OFF:
		ANSWER1(a, 0, "SUCCESS");
		break;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		cpu_on(vm, c, a);
		break;
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
		affinity_info(vm, c, a);
		break;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		ANSWER1(a, PSCI_0_2_TOS_MP, "2 (TOS_MP)");
		break;
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
		if (c->sysev)
			ANSWER1(a, PSCI_RET_INTERNAL_FAILURE,
				"a SHUTDOWN/RESET exit, then INTERNAL_FAILURE if run again");
		else
			ANSWER0(a, "a SHUTDOWN/RESET exit, then INTERNAL_FAILURE if run again");
		break;
	default:
		ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (%s under PSCI %s)",
			psci_is_susp(fn) ? "SYSTEM_SUSPEND" :
			fn == PSCI_1_0_FN_PSCI_FEATURES ? "PSCI_FEATURES" : "not implemented",
			psci_name(vm->version));
		break;
	}
}

/* SYSTEM_SUSPEND answered without an exit, or PSCI_FEATURES about it. */
static void suspend_answer(const struct psci_call *c, bool features,
			   struct psci_answer *a)
{
	unsigned int n = 0;
	int64_t x0[2];

	if (features && c->cap_now > CAP_OFF)
		x0[n++] = 0;
	if (c->cap_at_issue < CAP_ON)
		x0[n++] = PSCI_RET_NOT_SUPPORTED;
	if (features)
		answer(a, n, x0, "%s for SYSTEM_SUSPEND (the capability %s at the call, %s now)",
		       n == 2 ? "0 or NOT_SUPPORTED" : n ? (x0[0] ? "NOT_SUPPORTED" : "0") :
		       "nothing", c->cap_at_issue == CAP_ON ? "on" : "not on",
		       c->cap_now == CAP_OFF ? "off" : "on or being enabled");
	else
		answer(a, n, x0, "%s", c->cap_at_issue == CAP_ON ?
		       "a SUSPEND exit (the capability is on)" : "NOT_SUPPORTED or a SUSPEND exit");
}

static void features(const struct psci_vm *vm, const struct psci_call *c,
		     struct psci_answer *a)
{
	uint32_t f = arg(c, 1);

	if (refused_to_a32(vm, f, a)) {
		snprintf(a->why, sizeof(a->why), "NOT_SUPPORTED (%#x from AArch32)", f);
		return;
	}
	for (size_t i = 0; i < psci_nknown; i++) {
		if (psci_known[i] == f) {
			ANSWER1(a, 0, "0 (%#x is implemented)", f);
			return;
		}
	}
	if (psci_is_susp(f))
		suspend_answer(c, true, a);
	else if (psci_is_reset2(f) && vm->version == PSCI_V11)
		ANSWER1(a, 0, "0 (SYSTEM_RESET2 is implemented by PSCI 1.1)");
	else
		ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (%#x)", f);
}

/* SYSTEM_RESET2 under PSCI 1.1: a RESET exit, or a bad reset type. */
static void reset2(const struct psci_call *c, struct psci_answer *a)
{
	if (!psci_reset2_exits(c))
		ANSWER1(a, PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (reset type %#x)",
			(uint32_t)c->a[1]);
	else if (c->sysev)
		ANSWER1(a, PSCI_RET_INTERNAL_FAILURE,
			"a RESET exit, then INTERNAL_FAILURE if run again");
	else
		ANSWER0(a, "a RESET exit (SYSTEM_RESET2), then INTERNAL_FAILURE if run again");
}

void psci_model_1_x(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a)
{
	uint32_t fn = c->a[0];

	if (refused_to_a32(vm, fn, a) || not_psci02(vm, fn, a))
		return;

	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		ANSWER1(a, vm->version, "PSCI_VERSION = %#x", vm->version);
		break;
	case PSCI11_RESET2:
	case PSCI11_RESET2_64:
		if (vm->version == PSCI_V11)
			reset2(c, a);
		else
			ANSWER1(a, PSCI_RET_NOT_SUPPORTED, "NOT_SUPPORTED (SYSTEM_RESET2 under PSCI 1.0)");
		break;
	case PSCI_1_0_FN_PSCI_FEATURES:
		features(vm, c, a);
		break;
	case PSCI_1_0_FN_SYSTEM_SUSPEND:
	case PSCI_1_0_FN64_SYSTEM_SUSPEND:
		suspend_answer(c, false, a);
		break;
	default:
		psci_model_0_2(vm, c, a);
		break;
	}
}

void psci_model(const struct psci_vm *vm, const struct psci_call *c,
		struct psci_answer *a)
{
	switch (vm->version) {
	case PSCI_V11:
	case PSCI_V10:
		psci_model_1_x(vm, c, a);
		break;
	case PSCI_V02:
		psci_model_0_2(vm, c, a);
		break;
	default:
		psci_model_0_1(vm, c, a);
		break;
	}
}

bool psci_answer_ok(const struct psci_vm *vm, const struct psci_answer *a,
		    uint64_t r0)
{
	/* an AArch32 r0 is 32 bits; KVM's answers are sign-extended ints */
	int64_t x = vm->a32 ? (int64_t)(int32_t)r0 : (int64_t)r0;

	if (!a->judged)
		return true;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->x0[i] == x)
			return true;
	return false;
}
