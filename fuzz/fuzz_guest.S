/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The psci_fuzz guest: position-independent AArch64 code, copied to
 * FZ_ENTRY and run at EL1 with the MMU off and interrupts masked. The host
 * drives it through the mailbox described in fuzz_guest.h.
 *
 * Registers kept across the loop (an HVC only clobbers x0-x3):
 *   x6  batch                         x7  call index x8  call
 *   x9  vCPU index (MPIDR_EL1.Aff0)   x10 mailbox   x11 doorbell
 *   x12 next doorbell word            x13 operation  x14 calls in the batch
 */
#include "fuzz_guest.h"

#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1	S3_0_C12_C12_7

	.section .rodata.fz_guest, "a"
	.balign	4096
	.globl	fz_guest_start
fz_guest_start:
	/*
	 * A racer's KVM_ARM_VCPU_INIT can lose to an MMIO exit the vCPU's
	 * own thread makes in between (the racer completes any pending MMIO
	 * first, with immediate_exit, but cannot keep the vCPU from running
	 * before the INIT): the next KVM_RUN completes that MMIO and moves
	 * the PC past the first instruction of the new one (see README).
	 * Skipping this one changes nothing.
	 */
	nop
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	adr	x10, fz_guest_start
	add	x10, x10, #FZ_MBOX_OFF
	add	x10, x10, x9, lsl #FZ_MBOX_SHIFT
	mov	x11, #FZ_DOORBELL
	add	x11, x11, x9, lsl #3
	adr	x6, fz_guest_start
	add	x6, x6, #FZ_BATCH_OFF
	add	x6, x6, x9, lsl #FZ_BATCH_SHIFT

	str	x0, [x10, #MB_ENTRY_X0]
	ldr	x12, [x10, #MB_ENTRIES]
	add	x12, x12, #1
	str	x12, [x10, #MB_ENTRIES]
	adr	x12, vectors
	msr	vbar_el1, x12
	isb
	mov	x12, #FZ_DB_ENTRY

loop:
	str	x12, [x11]		/* exit to the host: report x12 */
	ldr	x12, [x10, #MB_SEQ]
	ldr	x13, [x10, #MB_OP]
	cmp	x13, #FZ_OP_BATCH
	b.eq	op_batch
	cmp	x13, #FZ_OP_SMC
	b.eq	op_smc
	cmp	x13, #FZ_OP_GIC
	b.eq	op_gic
	cmp	x13, #FZ_OP_TIMER_ON
	b.eq	op_timer_on
	cmp	x13, #FZ_OP_TIMER_OFF
	b.eq	op_timer_off
	cmp	x13, #FZ_OP_WFI
	b.eq	op_wfi
	b	loop

op_batch:
	ldr	x14, [x10, #MB_COUNT]
	mov	x7, #0
1:	cmp	x7, x14
	b.hs	2f
	str	x7, [x10, #MB_IDX]
	add	x8, x6, x7, lsl #FZ_CALL_SHIFT
	ldp	x0, x1, [x8, #CALL_A0]
	ldp	x2, x3, [x8, #CALL_A2]
	hvc	#0
	stp	x0, x1, [x8, #CALL_R0]
	stp	x2, x3, [x8, #CALL_R2]
	add	x7, x7, #1
	b	1b
2:	str	x7, [x10, #MB_IDX]
	b	loop

op_smc:
	ldp	x0, x1, [x10, #MB_A0]
	ldp	x2, x3, [x10, #MB_A2]
	smc	#0
	stp	x0, x1, [x10, #MB_R0]
	stp	x2, x3, [x10, #MB_R2]
	b	loop

/*
 * Enough of a GICv3 driver for KVM to see an interrupt as pending for this
 * vCPU: the distributor on with affinity routing, SPI 40 + n level-sensitive
 * (so that lowering the line ends it), routed to this vCPU (Aff0 n) and
 * enabled, PPI 20 enabled in this vCPU's redistributor,
 * and a priority mask that lets everything through. The interrupts stay
 * masked in PSTATE: the guest never takes them, KVM only has to notice.
 */
op_gic:
	mov	x15, #FZ_GICD
	mov	w16, #0x13		/* GICD_CTLR: ARE, EnableGrp1, EnableGrp0 */
	str	w16, [x15]
	/* GICD_ICFGR: SPIs 32-47 level-sensitive (KVM resets them to edge) */
	str	wzr, [x15, #0xc08]
	add	x16, x9, #FZ_SPI_BASE	/* INTID */
	add	x17, x15, #0x6000	/* GICD_IROUTER<n> */
	str	x9, [x17, x16, lsl #3]
	lsr	x17, x16, #5		/* GICD_ISENABLER<n / 32> */
	add	x17, x15, x17, lsl #2
	and	x16, x16, #31
	mov	w0, #1
	lsl	w0, w0, w16
	str	w0, [x17, #0x100]
	mov	x15, #FZ_GICR		/* this vCPU's SGI frame */
	add	x15, x15, x9, lsl #17
	add	x15, x15, #0x10000
	mov	w0, #(1 << FZ_PPI)
	str	w0, [x15, #0x100]	/* GICR_ISENABLER0 */
	mov	x0, #0xff
	msr	ICC_PMR_EL1, x0
	mov	x0, #1
	msr	ICC_IGRPEN1_EL1, x0
	isb
	b	loop

op_timer_on:
	msr	cntv_cval_el0, xzr
	mov	x0, #1
	msr	cntv_ctl_el0, x0
	isb
	b	loop

op_timer_off:
	msr	cntv_ctl_el0, xzr
	isb
	b	loop

op_wfi:
	wfi
	b	loop

/*
 * Any exception (none is expected) is recorded in the mailbox and
 * reported; the loop then carries on.
 */
exception:
	mrs	x0, esr_el1
	str	x0, [x10, #MB_EXC_ESR]
	mrs	x0, elr_el1
	str	x0, [x10, #MB_EXC_ELR]
	ldr	x0, [x10, #MB_EXC_N]
	add	x0, x0, #1
	str	x0, [x10, #MB_EXC_N]
	mov	x12, #FZ_DB_EXC
	orr	x12, x12, x15
	b	loop

	.macro	vector n
	.balign	0x80
	mov	x15, #\n
	b	exception
	.endm

	.balign	0x800
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vector	\n
	.endr

	.globl	fz_guest_end
fz_guest_end:

/*
 * The same guest for AArch32 vCPUs (KVM_ARM_VCPU_EL1_32BIT), batches only:
 * any other operation is acknowledged without being performed. A32 code,
 * given as words so that the AArch64 toolchain alone builds it (encoded
 * with clang --target=armv7a and checked with llvm-objdump); the encodings
 * assume the layout of fuzz_guest.h (checked by main.c at build time).
 * Results are stored as 64-bit values with a zero upper word, and the
 * doorbell is a 32-bit store: FZ_DB_ENTRY32 on entry, else the low word of
 * SEQ.
 *
 * Registers: r6 batch, r7 call index, r8 call, r9 vCPU index, r10 mailbox,
 * r11 doorbell, r12 next doorbell word, r5 calls in the batch.
 */
	.balign	4096
	.globl	fz_guest32_start
fz_guest32_start:
	.word	0xe320f000	/* nop			@ see fz_guest_start */
	.word	0xee109fb0	/* mrc	p15, 0, r9, c0, c0, 5	@ MPIDR */
	.word	0xe20990ff	/* and	r9, r9, #0xff */
	.word	0xe24fa014	/* adr	r10, fz_guest32_start */
	.word	0xe28a6902	/* add	r6, r10, #FZ_BATCH_OFF */
	.word	0xe0866609	/* add	r6, r6, r9, lsl #FZ_BATCH_SHIFT */
	.word	0xe28aa901	/* add	r10, r10, #FZ_MBOX_OFF */
	.word	0xe08aa409	/* add	r10, r10, r9, lsl #FZ_MBOX_SHIFT */
	.word	0xe3a0b201	/* mov	r11, #FZ_DOORBELL */
	.word	0xe08bb189	/* add	r11, r11, r9, lsl #3 */
	.word	0xe3a04000	/* mov	r4, #0 */
	.word	0xe58a0050	/* str	r0, [r10, #MB_ENTRY_X0] */
	.word	0xe58a4054	/* str	r4, [r10, #MB_ENTRY_X0 + 4] */
	.word	0xe59ac058	/* ldr	r12, [r10, #MB_ENTRIES] */
	.word	0xe28cc001	/* add	r12, r12, #1 */
	.word	0xe58ac058	/* str	r12, [r10, #MB_ENTRIES] */
	.word	0xe3a0c102	/* mov	r12, #0x80000000 */
				/* loop: */
	.word	0xe58bc000	/* str	r12, [r11]		@ exit to the host */
	.word	0xe59ac008	/* ldr	r12, [r10, #MB_SEQ] */
	.word	0xe59a4000	/* ldr	r4, [r10, #MB_OP] */
	.word	0xe3540001	/* cmp	r4, #FZ_OP_BATCH */
	.word	0x1afffffa	/* bne	loop */
	.word	0xe59a5078	/* ldr	r5, [r10, #MB_COUNT] */
	.word	0xe3a07000	/* mov	r7, #0 */
				/* 1: */
	.word	0xe1570005	/* cmp	r7, r5 */
	.word	0x2a000011	/* bhs	2f */
	.word	0xe58a7080	/* str	r7, [r10, #MB_IDX] */
	.word	0xe0868307	/* add	r8, r6, r7, lsl #FZ_CALL_SHIFT */
	.word	0xe5980000	/* ldr	r0, [r8, #CALL_A0] */
	.word	0xe5981008	/* ldr	r1, [r8, #CALL_A0 + 8] */
	.word	0xe5982010	/* ldr	r2, [r8, #CALL_A2] */
	.word	0xe5983018	/* ldr	r3, [r8, #CALL_A2 + 8] */
	.word	0xe1400070	/* hvc	#0 */
	.word	0xe3a04000	/* mov	r4, #0 */
	.word	0xe5880020	/* str	r0, [r8, #CALL_R0] */
	.word	0xe5884024	/* str	r4, [r8, #CALL_R0 + 4] */
	.word	0xe5881028	/* str	r1, [r8, #CALL_R0 + 8] */
	.word	0xe588402c	/* str	r4, [r8, #CALL_R0 + 12] */
	.word	0xe5882030	/* str	r2, [r8, #CALL_R2] */
	.word	0xe5884034	/* str	r4, [r8, #CALL_R2 + 4] */
	.word	0xe5883038	/* str	r3, [r8, #CALL_R2 + 8] */
	.word	0xe588403c	/* str	r4, [r8, #CALL_R2 + 12] */
	.word	0xe2877001	/* add	r7, r7, #1 */
	.word	0xeaffffeb	/* b	1b */
				/* 2: */
	.word	0xe58a7080	/* str	r7, [r10, #MB_IDX] */
	.word	0xeaffffe2	/* b	loop */
	.globl	fz_guest32_end
fz_guest32_end:
