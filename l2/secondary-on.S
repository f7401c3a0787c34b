/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal guest: PSCI SYSTEM_SUSPEND while another CPU is still on must
 * come back with DENIED (-3) from a VMM that honours the call: PSCI 1.0
 * requires every other core to be OFF. vCPU 0 starts vCPU 1 with CPU_ON,
 * waits until it runs, then calls SYSTEM_SUSPEND with a valid entry point.
 * Powers off if the answer was DENIED, resets otherwise.
 */
#include "bm.h"

	image_header

_start:
	say	"bm: secondary-on test\n"

	ldr	x0, =PSCI_CPU_ON64
	mov	x1, #1			/* MPIDR of vCPU 1 */
	adr	x2, secondary
	mov	x3, #0
	hvc	#0
	say_hex	"bm: CPU_ON(vcpu1) x0=", x0
	cbnz	x19, fail

	/* Wait for vCPU 1 to show it is running (MMU off: no caching) */
	adr	x1, running
1:	ldr	w0, [x1]
	cbz	w0, 1b
	say	"bm: vcpu1 is running, calling SYSTEM_SUSPEND\n"

	ldr	x0, =PSCI_SYSTEM_SUSPEND64
	adr	x1, resumed		/* a valid entry point */
	ldr	x2, =0x1234
	hvc	#0
	say_hex	"bm: SYSTEM_SUSPEND returned x0=", x0
	cmn	x19, #3			/* PSCI_RET_DENIED */
	b.ne	fail

	say	"bm: PASS: DENIED while vcpu1 is on\n"
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
	b	.

resumed:
	say	"bm: resumed at the entry point: the call was not refused\n"
fail:
	say	"bm: FAIL\n"
	ldr	x0, =PSCI_SYSTEM_RESET
	hvc	#0
	b	.

secondary:
	adr	x1, running
	mov	w0, #1
	str	w0, [x1]
2:	wfe
	b	2b

	define_puts
	define_puthex

	.ltorg
	.balign	8
running:
	.long	0
