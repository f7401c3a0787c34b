// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run unit tests of the PSCI model (psci_model.c): one line per case,
 * a VM, a call and an x0, and whether the model must accept that x0.
 * `make -C fuzz test` builds and runs them with the host's compiler.
 */
#include <inttypes.h>
#include <stdio.h>

#include "psci_model.h"

#define NS	PSCI_NS
#define ERR(e)	((uint64_t)(int64_t)(e))
#define A32_NS	0xffffffffULL		/* NOT_SUPPORTED in an AArch32 r0 */

#define V10	{ PSCI_V10, false, 4, false }
#define V02	{ PSCI_V02, false, 4, false }
#define V01	{ PSCI_V01, false, 4, false }
#define V10_32	{ PSCI_V10, true, 2, false }
#define V10_1	{ PSCI_V10, false, 1, false }
/* 6.12's base rules (psci_model.h): 1.1 by default, strict affinities */
#define V11	{ PSCI_V11, false, 4, true }
#define V11_32	{ PSCI_V11, true, 2, true }
#define V10S	{ PSCI_V10, false, 4, true }
#define RESET2	PSCI11_RESET2
#define RESET2_64 PSCI11_RESET2_64

#define F32(n)	PSCI_0_2_FN(n)
#define F64(n)	PSCI_0_2_FN64(n)

struct tcase {
	const char *name;
	struct psci_vm vm;
	uint64_t a0, a1, a2;
	int caller, cap_issue, cap_now;
	uint64_t r0;
	bool ok;
};

static const struct tcase cases[] = {
	/* PSCI_VERSION per version; the upper half of x0 is not the ID */
	{ "version 1.0", V10, F32(0), 0, 0, 0, 0, 0, PSCI_V10, true },
	{ "version 1.0 wrong", V10, F32(0), 0, 0, 0, 0, 0, PSCI_V02, false },
	{ "version 0.2", V02, F32(0), 0, 0, 0, 0, 0, PSCI_V02, true },
	{ "version 0.2 wrong", V02, F32(0), 0, 0, 0, 0, 0, PSCI_V10, false },
	{ "version 0.1: no such ID", V01, F32(0), 0, 0, 0, 0, 0, NS, true },
	{ "version 0.1: not 0", V01, F32(0), 0, 0, 0, 0, 0, 0, false },
	{ "x0 upper half ignored", V10, 0xdead00000000ULL | F32(0), 0, 0, 0, 0, 0,
	  PSCI_V10, true },

	/* SYSTEM_SUSPEND answered in the kernel */
	{ "suspend cap off", V10, F32(14), 0, 0, 0, CAP_OFF, CAP_OFF, NS, true },
	{ "suspend cap off: SUCCESS", V10, F32(14), 0, 0, 0, CAP_OFF, CAP_OFF, 0, false },
	{ "suspend cap on: must exit", V10, F64(14), 0, 0, 0, CAP_ON, CAP_ON, NS, false },
	{ "suspend cap being enabled", V10, F64(14), 0, 0, 0, CAP_ENABLING, CAP_ON, NS, true },
	{ "suspend under 0.2", V02, F64(14), 0, 0, 0, CAP_ON, CAP_ON, NS, true },
	{ "suspend under 0.2: SUCCESS", V02, F64(14), 0, 0, 0, CAP_ON, CAP_ON, 0, false },
	{ "suspend SMC64 from AArch32", V10_32, F64(14), 0, 0, 0, CAP_ON, CAP_ON, A32_NS, true },

	/* PSCI_FEATURES */
	{ "features(suspend) cap off", V10, F32(10), F32(14), 0, 0, 0, 0, NS, true },
	{ "features(suspend) cap off: 0", V10, F32(10), F32(14), 0, 0, 0, 0, 0, false },
	{ "features(suspend) cap on", V10, F32(10), F64(14), 0, 0, CAP_ON, CAP_ON, 0, true },
	{ "features(suspend) cap on: NS", V10, F32(10), F64(14), 0, 0, CAP_ON, CAP_ON, NS, false },
	{ "features(suspend) enabling: 0", V10, F32(10), F32(14), 0, 0, CAP_ENABLING, CAP_ON, 0,
	  true },
	{ "features(suspend) enabling: NS", V10, F32(10), F32(14), 0, 0, CAP_ENABLING, CAP_ON, NS,
	  true },
	{ "features: upper half of x1 ignored", V10, F32(10), 0x1234ULL << 32 | F64(14), 0, 0,
	  CAP_ON, CAP_ON, 0, true },
	{ "features(CPU_ON)", V10, F32(10), F64(3), 0, 0, 0, 0, 0, true },
	{ "features(SMCCC_VERSION)", V10, F32(10), SMCCC_VERSION, 0, 0, 0, 0, 0, true },
	{ "features(unknown)", V10, F32(10), F32(21), 0, 0, 0, 0, NS, true },
	{ "features(unknown): 0", V10, F32(10), F32(21), 0, 0, 0, 0, 0, false },
	{ "features under 0.2", V02, F32(10), F32(0), 0, 0, 0, 0, NS, true },
	{ "features(SMC64 CPU_ON) from AArch32", V10_32, F32(10), F64(3), 0, 0, 0, 0, A32_NS,
	  true },
	{ "features(SMC64 CPU_ON) from AArch32: 0", V10_32, F32(10), F64(3), 0, 0, 0, 0, 0,
	  false },

	/* CPU_ON against the topology */
	{ "cpu_on self", V10, F64(3), 2, 0, 2, 0, 0, ERR(PSCI_RET_ALREADY_ON), true },
	{ "cpu_on self: SUCCESS", V10, F64(3), 2, 0, 2, 0, 0, 0, false },
	{ "cpu_on sibling", V10, F64(3), 1, 0, 2, 0, 0, 0, true },
	{ "cpu_on sibling: ALREADY_ON", V10, F64(3), 1, 0, 2, 0, 0, ERR(PSCI_RET_ALREADY_ON),
	  true },
	{ "cpu_on no such vCPU", V10, F64(3), 4, 0, 0, 0, 0, ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "cpu_on no such vCPU: SUCCESS", V10, F64(3), 4, 0, 0, 0, 0, 0, false },
	{ "cpu_on SMC32 narrows x1", V10, F32(3), 1ULL << 32 | 1, 0, 0, 0, 0, 0, true },
	{ "cpu_on SMC64 does not", V10, F64(3), 1ULL << 32 | 1, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "cpu_on bits outside Aff ignored", V10, F64(3), 1ULL << 31 | 1, 0, 0, 0, 0, 0, true },
	{ "cpu_on SMC64 from AArch32", V10_32, F64(3), 1, 0, 0, 0, 0, A32_NS, true },

	/* AFFINITY_INFO */
	{ "affinity level 4", V10, F64(4), 0, 4, 1, 0, 0, ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "affinity self", V10, F64(4), 1, 0, 1, 0, 0, 0, true },
	{ "affinity self: OFF", V10, F64(4), 1, 0, 1, 0, 0, 1, false },
	{ "affinity sibling OFF", V10, F64(4), 3, 0, 1, 0, 0, 1, true },
	{ "affinity no match", V10, F64(4), 7, 0, 1, 0, 0, ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "affinity level 1 covers all", V10, F64(4), 0xff, 1, 0, 0, 0, 0, true },
	{ "affinity level 1 covers all: OFF", V10, F64(4), 0xff, 1, 0, 0, 0, 1, false },
	{ "affinity SMC32 narrows x2", V10, F32(4), 0, 1ULL << 32, 0, 0, 0, 0, true },

	/* the rest of 0.2 */
	{ "cpu_off", V02, F32(2), 0, 0, 0, 0, 0, 0, true },
	{ "cpu_suspend", V10, F64(1), 0, 0, 0, 0, 0, 0, true },
	{ "migrate_info_type", V10, F32(6), 0, 0, 0, 0, 0, 2, true },
	{ "migrate_info_type: 0", V10, F32(6), 0, 0, 0, 0, 0, 0, false },
	{ "unimplemented PSCI ID", V10, F32(7), 0, 0, 0, 0, 0, NS, true },
	{ "unimplemented PSCI ID: 0", V10, F64(20), 0, 0, 0, 0, 0, 0, false },
	{ "system_off never answered", V10, F32(8), 0, 0, 0, 0, 0,
	  ERR(PSCI_RET_INTERNAL_FAILURE), false },

	/* PSCI 0.1 IDs */
	{ "0.1 cpu_off", V01, PSCI01_FN(1), 0, 0, 0, 0, 0, 0, true },
	{ "0.1 cpu_on", V01, PSCI01_FN(2), 9, 0, 0, 0, 0, ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "0.1 cpu_on: ALREADY_ON", V01, PSCI01_FN(2), 0, 0, 0, 0, 0,
	  ERR(PSCI_RET_ALREADY_ON), false },
	{ "0.1 migrate", V01, PSCI01_FN(3), 0, 0, 0, 0, 0, NS, true },
	{ "0.1 ID under 1.0", V10, PSCI01_FN(1), 0, 0, 0, 0, 0, NS, true },
	{ "0.1 ID under 1.0: SUCCESS", V10, PSCI01_FN(1), 0, 0, 0, 0, 0, 0, false },

	/* 6.12's base rules: PSCI 1.1, SYSTEM_RESET2, strict affinities */
	{ "version 1.1", V11, F32(0), 0, 0, 0, 0, 0, PSCI_V11, true },
	{ "version 1.1: 1.0", V11, F32(0), 0, 0, 0, 0, 0, PSCI_V10, false },
	{ "version 1.0 on 6.12", V10S, F32(0), 0, 0, 0, 0, 0, PSCI_V10, true },
	{ "features(reset2) 1.1", V11, F32(10), RESET2_64, 0, 0, 0, 0, 0, true },
	{ "features(reset2) 1.1: NS", V11, F32(10), RESET2, 0, 0, 0, 0, NS, false },
	{ "features(reset2) 1.0", V10S, F32(10), RESET2, 0, 0, 0, 0, NS, true },
	{ "features(reset2) 1.0: 0", V10, F32(10), RESET2, 0, 0, 0, 0, 0, false },
	{ "features(reset2 SMC64) from AArch32", V11_32, F32(10), RESET2_64, 0, 0, 0, 0, A32_NS,
	  true },
	{ "reset2 bad type", V11, RESET2, 1, 0, 0, 0, 0, ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "reset2 type read as 32 bits", V11, RESET2_64, 1ULL << 32, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), false },
	{ "reset2 warm reset exits", V11, RESET2, 0, 0, 0, 0, 0, NS, false },
	{ "reset2 vendor type exits", V11, RESET2_64, 0x80000001, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), false },
	{ "reset2 under 1.0", V10S, RESET2_64, 1, 0, 0, 0, 0, NS, true },
	{ "reset2 SMC64 from AArch32", V11_32, RESET2_64, 0, 0, 0, 0, 0, A32_NS, true },
	{ "suspend on 1.1, cap off", V11, F64(14), 0, 0, 0, CAP_OFF, CAP_OFF, NS, true },
	{ "suspend on 1.1, cap on: must exit", V11, F32(14), 0, 0, 0, CAP_ON, CAP_ON, NS, false },
	{ "features(suspend) 1.1 cap on", V11, F32(10), F32(14), 0, 0, CAP_ON, CAP_ON, 0, true },
	{ "cpu_on bits outside Aff, 6.12", V10S, F64(3), 1ULL << 31 | 1, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "cpu_on bits outside Aff, 6.12: SUCCESS", V11, F64(3), 1ULL << 31 | 1, 0, 0, 0, 0, 0,
	  false },
	{ "cpu_on SMC32 narrows x1, 6.12", V11, F32(3), 1ULL << 32 | 1, 0, 0, 0, 0, 0, true },
	{ "affinity bits outside Aff, 5.10", V10, F64(4), 1ULL << 24, 0, 0, 0, 0, 0, true },
	{ "affinity bits outside Aff, 6.12", V11, F64(4), 1ULL << 24, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), true },
	{ "affinity bits outside Aff, 6.12: ON", V11, F64(4), 1ULL << 40, 0, 0, 0, 0, 0, false },

	/* not PSCI: no opinion */
	{ "SMCCC version", V10, SMCCC_VERSION, 0, 0, 0, 0, 0, 0x10001, true },
	{ "random ID", V02, 0x12345678, 0, 0, 0, 0, 0, 42, true },
	{ "one VM vCPU: cpu_on 1", V10_1, F64(3), 1, 0, 0, 0, 0,
	  ERR(PSCI_RET_INVALID_PARAMS), true },
};

int main(void)
{
	unsigned int fails = 0, n = sizeof(cases) / sizeof(cases[0]);

	for (unsigned int i = 0; i < n; i++) {
		const struct tcase *t = &cases[i];
		struct psci_call c = {
			.a = { t->a0, t->a1, t->a2, 0 },
			.caller = t->caller,
			.cap_at_issue = t->cap_issue,
			.cap_now = t->cap_now,
		};
		struct psci_answer a;
		bool ok;

		psci_model(&t->vm, &c, &a);
		ok = psci_answer_ok(&t->vm, &a, t->r0);
		if (ok != t->ok) {
			fails++;
			printf("FAIL: %s: x0=%#" PRIx64 " %s, want %s (model: %s)\n", t->name,
			       t->r0, ok ? "accepted" : "refused",
			       t->ok ? "accepted" : "refused", a.why);
		}
	}
	printf("psci_model: %u of %u cases %s\n", n - fails, n, fails ? "passed: FAIL" : "passed");
	return fails ? 1 : 0;
}
