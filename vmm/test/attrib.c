// SPDX-License-Identifier: GPL-2.0
/*
 * Who woke a guest that cannot say: a kernel without
 * /sys/power/pm_wakeup_irq (no CONFIG_PM_DEBUG, as Debian's stock kernels)
 * reports "woken by untold" unless its RTC's interrupt count went up. The
 * driver then attributes the wake-up from what the run proves:
 *
 *   console  between the vCPU going SUSPENDED and the WAKEUP exit, a byte
 *            came in with the PL011's RX interrupt raised (unmasked in the
 *            UART), no RTC alarm came due and no control command came in;
 *            the exit was KVM's WAKEUP (an interrupt), not a host wakeup;
 *            and after the resume the guest read that byte.
 *   rtc      the same, with an alarm due and no console input.
 *
 * Two sources in the window, or none, or a byte the guest never read,
 * prove nothing: the result is NULL and @why says what was found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "e2e.h"

static bool has(const struct run *r, int i, const char *s)
{
	return strstr(r->lines[i].s, s) != NULL;
}

/* The vmm's own time stamp of a log line, or -1 */
static double stamp(const struct run *r, int i)
{
	double t;

	return sscanf(r->lines[i].s, EV_LOG_PREFIX "%lf]", &t) == 1 ? t : -1;
}

static int count(const struct run *r, int from, int to, const char *s,
		 int *last)
{
	int i, n = 0;

	for (i = from; i < to; i++)
		if (has(r, i, s)) {
			n++;
			*last = i;
		}
	return n;
}

const char *attribute_wakeup(const struct run *r, int woken, char *why,
			     size_t size)
{
	int susp = -1, wake = -1, rx = -1, alarm = -1, cmd = -1, input = -1;
	int i, n_rx, n_alarm, n_cmd;
	unsigned int byte;
	const char *p;

	for (i = woken - 1; i >= 0 && susp < 0; i--)
		if (has(r, i, EV_SUSPENDED))
			susp = i;
	for (i = susp + 1; susp >= 0 && i < woken && wake < 0; i++)
		if (has(r, i, EV_WAKEUP) || has(r, i, EV_HOST_WAKEUP))
			wake = i;
	if (susp < 0 || wake < 0) {
		snprintf(why, size, "no SUSPENDED and wake-up before the guest's line");
		return NULL;
	}
	if (has(r, wake, EV_HOST_WAKEUP)) {
		snprintf(why, size, "a host wakeup, not an interrupt");
		return NULL;
	}
	n_rx = count(r, susp, wake, EV_CONSOLE_INPUT ": byte", &rx);
	if (n_rx && !has(r, rx, "RX interrupt raised"))
		n_rx = 0;	/* masked in the UART: cannot have woken it */
	n_alarm = count(r, susp, wake, EV_ALARM_DUE, &alarm);
	n_cmd = count(r, susp, wake, EV_CONTROL_CMD, &cmd);
	if (n_cmd) {
		snprintf(why, size, "a control command while suspended: %s",
			 r->lines[cmd].s);
		return NULL;
	}
	if (n_rx && n_alarm) {
		snprintf(why, size, "console input and an RTC alarm in the same window (%s)",
			 r->lines[alarm].s);
		return NULL;
	}
	if (n_alarm) {
		snprintf(why, size, "an RTC alarm, then WAKEUP");
		return "rtc";
	}
	if (!n_rx) {
		snprintf(why, size, "no console input or alarm while suspended");
		return NULL;
	}
	/* The byte typed while it slept, read after the resume */
	p = strstr(r->lines[rx].s, ": byte ");
	byte = p ? (unsigned int)strtoul(p + 7, NULL, 0) : 0;
	for (i = woken + 1; i < r->nr && input < 0; i++) {
		if (has(r, i, EV_SUSPEND_CALL))
			break;
		if (has(r, i, GUEST) && has(r, i, GUEST_INPUT))
			input = i;
	}
	if (input < 0 || byte < 0x20 || byte >= 0x7f ||
	    !strchr(strstr(r->lines[input].s, GUEST_INPUT), (int)byte)) {
		snprintf(why, size, "the byte %#04x typed while suspended was not read after the resume",
			 byte);
		return NULL;
	}
	snprintf(why, size, "RX interrupt raised while suspended, then WAKEUP %.3f s later, no alarm or command between; the guest read '%c'",
		 stamp(r, wake) - stamp(r, rx), (int)byte);
	return "console";
}
