/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What KVM/arm64 answers in x0 to a PSCI call made by HVC, as far as the
 * answer is defined (api.rst and PSCI 1.0): a pure function of the VM's PSCI
 * version, register width and size, the call and the suspend capability's
 * state. It touches no KVM state, so it runs on the host too
 * (test_psci_model.c).
 *
 * Like KVM, one function per PSCI version: psci_model_0_1(),
 * psci_model_0_2() and psci_model_1_x() (1.0 and 1.1), the last handing
 * what 1.x does not change to the 0.2 one.
 *
 * Two kernels' base KVM: 5.10's and upstream 6.12's. Where their answers
 * differ for reasons that have nothing to do with SYSTEM_SUSPEND, the VM
 * says which rules hold (struct psci_vm, fuzz/README.md lists them with
 * the upstream commits); every SYSTEM_SUSPEND answer is one rule for both.
 */
#ifndef PSCI_MODEL_H
#define PSCI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/psci.h>

#define PSCI_V01	1
#define PSCI_V02	2
#define PSCI_V10	0x10000
#define PSCI_V11	0x10001
#define PSCI11_RESET2	0x84000012U	/* SYSTEM_RESET2, SMC32 */
#define PSCI11_RESET2_64 0xc4000012U
#define PSCI01_FN(n)	(0x95c1ba5eU + (n))	/* KVM's PSCI 0.1 function IDs */
#define MPIDR_HWID	0xff00ffffffULL
#define SMCCC_VERSION	0x80000000U

/* x0 as KVM leaves it for NOT_SUPPORTED, on a 64-bit register */
#define PSCI_NS		((uint64_t)(int64_t)PSCI_RET_NOT_SUPPORTED)

/* The VM, as far as the answers depend on it. */
struct psci_vm {
	uint32_t version;	/* PSCI_V01, PSCI_V02, PSCI_V10 or PSCI_V11 */
	bool a32;		/* AArch32 vCPUs: 32-bit registers */
	int nvcpus;		/* vCPU n has MPIDR Aff0 n */
	/*
	 * 6.12's rules: a CPU_ON or AFFINITY_INFO target with bits set
	 * outside MPIDR's affinity fields is INVALID_PARAMS (5.10 ignores
	 * those bits).
	 */
	bool strict_aff;
};

/* Suspend capability states */
#define CAP_OFF		0
#define CAP_ENABLING	1	/* KVM_ENABLE_CAP in flight */
#define CAP_ON		2

struct psci_call {
	uint64_t a[4];		/* x0-x3 as the guest passed them */
	int caller;		/* index of the calling vCPU */
	int cap_at_issue;	/* CAP_* when the call was made */
	int cap_now;		/* CAP_* when the answer is judged */
	bool sysev;		/* the call made a SHUTDOWN/RESET exit */
};

/*
 * The acceptable values of x0. judged false: the model has no opinion
 * (SMCCC and other non-PSCI IDs). n == 0 with judged: no value is right,
 * KVM had to exit to userspace instead (SYSTEM_SUSPEND with the
 * capability on, SYSTEM_OFF/RESET).
 */
struct psci_answer {
	bool judged;
	unsigned int n;
	int64_t x0[2];
	char why[112];
};

void psci_model(const struct psci_vm *vm, const struct psci_call *c,
		struct psci_answer *a);
void psci_model_0_1(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a);
void psci_model_0_2(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a);
void psci_model_1_x(const struct psci_vm *vm, const struct psci_call *c,
		    struct psci_answer *a);

/* Whether x0 (as read from the guest) is one of the answer's values. */
bool psci_answer_ok(const struct psci_vm *vm, const struct psci_answer *a,
		    uint64_t r0);

/* The IDs PSCI_FEATURES reports as implemented under PSCI 1.0. */
extern const uint32_t psci_known[];
extern const size_t psci_nknown;

const char *psci_name(uint32_t version);
bool psci_is_susp(uint32_t fn);
bool psci_is_smc32(uint32_t fn);
bool psci_is_fn64_only_a64(uint32_t fn);
bool psci_is_reset2(uint32_t fn);
bool psci_reset2_exits(const struct psci_call *c);

#endif /* PSCI_MODEL_H */
