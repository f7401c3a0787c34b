/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the bare-metal test guests: an arm64 Image header, so that
 * the VMM loads them like a kernel, and printing on the PL011 at its fixed
 * address. Everything is PC-relative: the VMM places the blob at the start
 * of RAM, which the code doesn't need to know.
 */
#define UART_DR			0x09000000

#define PSCI_FEATURES		0x8400000a
#define PSCI_CPU_ON64		0xc4000003
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_SYSTEM_RESET	0x84000009
#define PSCI_SYSTEM_SUSPEND	0x8400000e
#define PSCI_SYSTEM_SUSPEND64	0xc400000e

/* Documentation/arm64/booting.rst, "Image header" */
.macro	image_header
	.section .head, "ax"
	.globl	_head
_head:
	b	_start			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	_end - _head		/* image_size */
	.quad	0xa			/* LE, 4K pages, anywhere in RAM */
	.quad	0, 0, 0
	.long	0x644d5241		/* "ARM\x64" */
	.long	0
	.text
.endm

/* puts: print the NUL-terminated string at x0. Clobbers x0-x2. */
.macro	define_puts
puts:
	mov	x1, #UART_DR
1:	ldrb	w2, [x0], #1
	cbz	w2, 2f
	str	w2, [x1]
	b	1b
2:	ret
.endm

/* puthex: print x0 as 16 hex digits and a newline. Clobbers x0-x4. */
.macro	define_puthex
puthex:
	mov	x1, #UART_DR
	mov	x3, #60
1:	lsr	x2, x0, x3
	and	x2, x2, #0xf
	cmp	x2, #10
	add	x4, x2, #'0'
	add	x2, x2, #('a' - 10)
	csel	x2, x4, x2, lo
	str	w2, [x1]
	subs	x3, x3, #4
	b.pl	1b
	mov	w2, #'\n'
	str	w2, [x1]
	ret
.endm

/* print a string literal */
.macro	say str
	adr	x0, 98f
	bl	puts
	b	99f
98:	.asciz	"\str"
	.balign	4
99:
.endm

/* print a label and a register value */
.macro	say_hex str, reg
	mov	x19, \reg
	say	"\str"
	mov	x0, x19
	bl	puthex
.endm
