// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest side of every case calls: PSCI through HVC, the ucalls
 * that report to the host as MMIO writes, and where an unexpected exception
 * or a returning guest function ends up. This runs in the guest only.
 */
#include "conformance.h"

struct psci_res psci(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 asm("x0") = fn;
	register uint64_t x1 asm("x1") = a1;
	register uint64_t x2 asm("x2") = a2;
	register uint64_t x3 asm("x3") = a3;

	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     :
		     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
		       "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return (struct psci_res){ x0, x1, x2, x3 };
}

int64_t psci_features(uint32_t fn)
{
	return psci(PSCI_1_0_FN_PSCI_FEATURES, fn, 0, 0).a0;
}

/* A plain STR of a register, which KVM can decode for an MMIO exit */
void guest_mmio_write32(uint64_t addr, uint32_t val)
{
	asm volatile("str %w0, [%1]" : : "r"(val), "r"(addr) : "memory");
}

static void ucall_send(struct ucall *uc)
{
	asm volatile("str %0, [%1]"
		     : : "r"((uint64_t)(uintptr_t)uc), "r"(UCALL_GPA)
		     : "memory");
}

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3, uint64_t a4)
{
	struct ucall uc = {
		.cmd = cmd,
		/* args[1] is the stage, args[2..] the values, as the selftests */
		.args = { 0, a0, a1, a2, a3, a4 },
	};

	ucall_send(&uc);
}

void guest_abort(const char *file, uint64_t line, const char *msg,
		 uint64_t val)
{
	struct ucall uc = {
		.cmd = UCALL_ABORT,
		.args = { val },
		.file = file,
		.msg = msg,
		.line = line,
	};

	for (;;)
		ucall_send(&uc);
}

void guest_never_runs(void)
{
	GUEST_ASSERT(0);
}

void guest_returned(void)
{
	for (;;)
		GUEST_DONE();
}

/* vectors.S: every exception ends here, with what says what it was */
void guest_exception(uint64_t esr, uint64_t elr, uint64_t far,
		     uint64_t vector)
{
	struct ucall uc = {
		.cmd = UCALL_EXCEPTION,
		.args = { esr, elr, far, vector },
	};

	for (;;)
		ucall_send(&uc);
}
