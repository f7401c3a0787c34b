// SPDX-License-Identifier: GPL-2.0
/*
 * vmm/log.c on the host: a VMM log line that comes while the guest is in
 * the middle of a console line must not cut that line in two.
 */
#include "log.h"

static void guest_says(const char *s)
{
	while (*s)
		console_putc(*s++);
}

int main(void)
{
	guest_says("guest: cycle 1: the write of \"mem\" ");
	vmm_log("pl031: alarm due (RTC 1), interrupt raised");
	guest_says("failed as expected\r\n");
	guest_says("unfinished");
	console_flush();
	return 0;
}
