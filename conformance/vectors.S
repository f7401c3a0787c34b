/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's exception vectors (VBAR_EL1): the guest runs with interrupts
 * masked and expects no exception, so each entry reports one to the host
 * through guest_exception(ESR, ELR, FAR, vector offset).
 */
	.text
	.align	11
	.global	guest_vectors
guest_vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.align	7
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	mov	x3, #(\n * 0x80)
	b	guest_exception
	.endr
