/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal guest: PSCI SYSTEM_SUSPEND with an entry point outside guest
 * RAM must come back with INVALID_ADDRESS (-9) from a VMM that honours the
 * call, for both the SMC64 and the SMC32 function id. Powers off (SYSTEM_OFF)
 * if every answer was right, resets (SYSTEM_RESET) otherwise.
 */
#include "bm.h"

	image_header

_start:
	say	"bm: bad-entry test\n"

	/* The VMM opted in: the call must be advertised */
	ldr	x0, =PSCI_FEATURES
	ldr	x1, =PSCI_SYSTEM_SUSPEND64
	hvc	#0
	say_hex	"bm: PSCI_FEATURES(SYSTEM_SUSPEND64) x0=", x0
	cbnz	x19, fail

	adr	x20, bad_entries
next:
	ldp	x21, x22, [x20], #16	/* function id, entry point */
	cbz	x21, pass
	say_hex	"bm: SYSTEM_SUSPEND fn=", x21
	say_hex	"bm:   entry=", x22
	mov	x0, x21
	mov	x1, x22
	ldr	x2, =0xc0ffee		/* context id */
	hvc	#0
	say_hex	"bm:   returned x0=", x0
	cmn	x19, #9			/* PSCI_RET_INVALID_ADDRESS */
	b.ne	fail
	b	next

pass:
	say	"bm: PASS: INVALID_ADDRESS for every entry point outside RAM\n"
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
	b	.

fail:
	say	"bm: FAIL: unexpected PSCI return value\n"
	ldr	x0, =PSCI_SYSTEM_RESET
	hvc	#0
	b	.

	define_puts
	define_puthex

	.ltorg
	.balign	8
bad_entries:
	/* below RAM (RAM starts at 0x40000000) */
	.quad	PSCI_SYSTEM_SUSPEND64, 0x1000
	.quad	PSCI_SYSTEM_SUSPEND64, 0x3ffffffc
	/* far above any RAM */
	.quad	PSCI_SYSTEM_SUSPEND64, 0xfffffffffffff000
	/* SMC32: KVM clears the upper half, 0x1000 is still outside RAM */
	.quad	PSCI_SYSTEM_SUSPEND, 0xffffffff00001000
	.quad	0, 0
