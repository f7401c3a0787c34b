/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What psci_fuzz and its guest (fuzz_guest.S) agree on: the guest physical
 * memory map, the layout of the per-vCPU mailbox and the operations the
 * guest performs. Plain defines, for C and assembly alike.
 *
 * The guest runs with the MMU off. Each vCPU finds its mailbox from its
 * MPIDR_EL1.Aff0 (KVM gives vCPU n the Aff0 n for n < 16), so any vCPU that
 * enters the blob, however it got there, talks through its own mailbox.
 * Every time it is ready for work it stores a report word to its doorbell,
 * an address with no memory behind it: KVM exits to userspace with
 * KVM_EXIT_MMIO, the host reads the results out of the mailbox and the
 * vCPU's batch, writes the next operation and runs the vCPU again. A batch
 * of calls costs one exit, not one per call.
 */
#ifndef FUZZ_GUEST_H
#define FUZZ_GUEST_H

#define FZ_RAM_BASE	0x40000000
#define FZ_RAM_SIZE	0x20000
#define FZ_ENTRY	FZ_RAM_BASE		/* the blob starts with its entry */
#define FZ_MBOX_OFF	0x4000			/* mailboxes, 256 bytes each */
#define FZ_MBOX_SHIFT	8
#define FZ_BATCH_OFF	0x8000			/* batches of calls, 4 KiB each */
#define FZ_BATCH_SHIFT	12
#define FZ_JUNK_OFF	0x10000			/* to the end of RAM: no code */

#define FZ_DOORBELL	0x10000000		/* + 8 * vCPU index */
#define FZ_GICD		0x08000000
#define FZ_GICR		0x080a0000
#define FZ_SPI_BASE	40			/* vCPU n is woken by SPI 40 + n */
#define FZ_PPI		20			/* ... or by its PPI 20 */
#define FZ_NR_IRQS	96

/* Mailbox, offsets in bytes */
#define MB_OP		0x00	/* FZ_OP_* */
#define MB_SEQ		0x08	/* tag of the operation, echoed by the doorbell */
#define MB_A0		0x10	/* x0..x3 for SMC */
#define MB_A2		0x20
#define MB_R0		0x30	/* x0..x3 after SMC */
#define MB_R2		0x40
#define MB_ENTRY_X0	0x50	/* x0 at the last entry (the context id) */
#define MB_ENTRIES	0x58	/* number of entries */
#define MB_EXC_ESR	0x60	/* last exception taken by the blob */
#define MB_EXC_ELR	0x68
#define MB_EXC_N	0x70
#define MB_COUNT	0x78	/* calls in the batch, for FZ_OP_BATCH */
#define MB_IDX		0x80	/* the call being made; COUNT once all are */

/*
 * A batch: up to FZ_BATCH_MAX calls of 64 bytes each, x0-x3 going in,
 * x0-x3 as the HVC left them coming out. The guest stores the index of
 * each call in MB_IDX before making it, so that an exit in the middle of
 * a batch (SYSTEM_SUSPEND) tells the host which call it is.
 */
#define FZ_BATCH_MAX	64
#define FZ_CALL_SHIFT	6
#define CALL_A0		0x00
#define CALL_A2		0x10
#define CALL_R0		0x20
#define CALL_R2		0x30

#define FZ_OP_NOP	0
#define FZ_OP_BATCH	1	/* for each call: x0-x3 = A0-A3; hvc #0; R0-R3 = x0-x3 */
#define FZ_OP_SMC	2	/* x0-x3 = A0-A3; smc #0; R0-R3 = x0-x3 (KVM: x0 = ~0) */
#define FZ_OP_GIC	3	/* enable the GIC, this vCPU's SPI and PPI, PMR = 0xff */
#define FZ_OP_TIMER_ON	4	/* arm the virtual timer, firing now, unmasked */
#define FZ_OP_TIMER_OFF	5
#define FZ_OP_WFI	6

/* Doorbell words other than an operation's SEQ */
#define FZ_DB_ENTRY	0x8000000000000000	/* just entered the blob */
#define FZ_DB_EXC	0x4000000000000000	/* took an exception (| vector) */
#define FZ_DB_ENTRY32	0x80000000U		/* the A32 guest's 32-bit ENTRY */

#endif /* FUZZ_GUEST_H */
