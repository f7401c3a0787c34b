/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The psci_bench guest: tight loops around the operation being measured,
 * position independent, run from BG_ENTRY with the MMU off and interrupts
 * masked. x10 = mailbox, x11 = doorbell throughout.
 */
#include "bench_guest.h"

#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1	S3_0_C12_C12_7
#define PSCI_VERSION	0x84000000
#define SYSTEM_SUSPEND64 0xc400000e
#define PSCI_DENIED	-3

	.section .rodata.bench_guest, "a"
	.balign	4096
	.globl	bg_start
bg_start:
	adr	x10, bg_start
	add	x10, x10, #(BG_MBOX - BG_ENTRY)
	mov	x11, #BG_DOORBELL
	str	x0, [x10, #BG_ENTRY_X0]
	ldr	x12, [x10, #BG_ENTRIES]
	add	x12, x12, #1
	str	x12, [x10, #BG_ENTRIES]
	ldr	x13, [x10, #BG_MODE]
	cmp	x13, #BG_M_NULL
	b.eq	null
	cmp	x13, #BG_M_MMIO
	b.eq	mmio
	cmp	x13, #BG_M_DENY
	b.eq	deny
	cmp	x13, #BG_M_SUSPEND
	b.eq	suspend
	cmp	x13, #BG_M_GIC_SUSP
	b.eq	gic_suspend
	cmp	x13, #BG_M_TIMER_SUSP
	b.eq	timer_suspend
	cmp	x13, #BG_M_WFI
	b.eq	wfi
	cmp	x13, #BG_M_TIMER_WFI
	b.eq	timer_wfi
	b	failed

/* a. PSCI_VERSION, N times, never leaving the kernel; then one exit */
null:
	ldr	x14, [x10, #BG_N]
1:	mov	x0, #PSCI_VERSION
	hvc	#0
	subs	x14, x14, #1
	b.gt	1b
	str	x0, [x10, #BG_LAST_X0]
	str	xzr, [x11]
	b	null

/* b. nothing but exits */
mmio:
	str	xzr, [x11]
	b	mmio

/* c. SYSTEM_SUSPEND, which the host refuses: the call returns DENIED */
deny:
	movz	x0, #(SYSTEM_SUSPEND64 >> 16), lsl #16
	movk	x0, #(SYSTEM_SUSPEND64 & 0xffff)
	adr	x1, bg_start
	ldr	x2, [x10, #BG_CTX]
	hvc	#0
	cmp	x0, #PSCI_DENIED
	b.eq	deny
	b	failed

timer_suspend:
	bl	timer_fire
	b	suspend

/* g. an idle guest: WFI with its interrupts masked at the CPU, forever */
timer_wfi:
	bl	timer_fire
wfi:
	wfi
	b	wfi

/* the virtual timer enabled, unmasked, its condition met from now on */
timer_fire:
	msr	cntv_cval_el0, xzr
	mov	x0, #1
	msr	cntv_ctl_el0, x0
	isb
	ret

/* SPI BG_SPI to this vCPU (Aff0 0), enabled, priority mask open */
gic_suspend:
	mov	x15, #BG_GICD
	mov	w16, #0x13		/* GICD_CTLR: ARE, EnableGrp1, EnableGrp0 */
	str	w16, [x15]
	/* GICD_ICFGR: level-sensitive (KVM resets SPIs to edge) */
	str	wzr, [x15, #(0xc00 + (BG_SPI / 16) * 4)]
	add	x16, x15, #0x6000	/* GICD_IROUTER<BG_SPI> = Aff 0 */
	str	xzr, [x16, #(BG_SPI * 8)]
	mov	w16, #(1 << (BG_SPI % 32))
	str	w16, [x15, #(0x100 + (BG_SPI / 32) * 4)]	/* GICD_ISENABLER */
	mov	x0, #0xff
	msr	ICC_PMR_EL1, x0
	mov	x0, #1
	msr	ICC_IGRPEN1_EL1, x0
	isb

/* d, e. SYSTEM_SUSPEND, honoured: does not return */
suspend:
	movz	x0, #(SYSTEM_SUSPEND64 >> 16), lsl #16
	movk	x0, #(SYSTEM_SUSPEND64 & 0xffff)
	adr	x1, bg_start
	ldr	x2, [x10, #BG_CTX]
	hvc	#0
failed:
	str	x0, [x11, #(BG_FAILBELL - BG_DOORBELL)]
	b	failed

	.globl	bg_end
bg_end:
