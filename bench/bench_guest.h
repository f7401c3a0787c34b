/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What psci_bench and its guest (bench_guest.S) agree on. The guest runs
 * at EL1, MMU off, from BG_ENTRY; the host picks what it does with the
 * mailbox's MODE before the first KVM_RUN.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#define BG_RAM_BASE	0x40000000
#define BG_RAM_SIZE	0x10000
#define BG_ENTRY	BG_RAM_BASE
#define BG_MBOX		(BG_RAM_BASE + 0x4000)
#define BG_DOORBELL	0x10000000	/* an MMIO write: one exit per round */
#define BG_FAILBELL	0x10000008	/* written with x0 when a check fails */
#define BG_GICD		0x08000000
#define BG_GICR		0x080a0000
#define BG_SPI		40		/* routed to vCPU 0 by the guest */

/* Mailbox offsets */
#define BG_MODE		0x00
#define BG_N		0x08		/* hypercalls per round (mode NULL) */
#define BG_CTX		0x10		/* context ID to pass to SYSTEM_SUSPEND */
#define BG_ENTRY_X0	0x18		/* x0 at the last entry */
#define BG_ENTRIES	0x20		/* number of entries */
#define BG_LAST_X0	0x28		/* x0 after the last hypercall */

#define BG_M_NULL	1	/* N x PSCI_VERSION, then the doorbell; forever */
#define BG_M_MMIO	2	/* the doorbell, forever */
#define BG_M_DENY	3	/* SYSTEM_SUSPEND, expect DENIED; forever */
#define BG_M_SUSPEND	4	/* SYSTEM_SUSPEND(BG_ENTRY, CTX) from the entry */
#define BG_M_GIC_SUSP	5	/* GIC set up for BG_SPI, then as BG_M_SUSPEND */
#define BG_M_TIMER_SUSP	6	/* virtual timer firing, then as BG_M_SUSPEND */
#define BG_M_WFI	7	/* WFI, forever (interrupts masked at the CPU) */
#define BG_M_TIMER_WFI	8	/* virtual timer firing, then as BG_M_WFI */

#endif /* BENCH_GUEST_H */
