// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the guest that a VMM which does not opt in to SYSTEM_SUSPEND
 * (Debian's QEMU) boots on the L1 kernel: what such a guest sees must not
 * depend on whether the host carries the series.
 *
 * It reports, one "peer: NAME: VALUE" line each, the answers that are
 * compared between hosts, and checks them:
 *   mem_sleep   the contents of /sys/power/mem_sleep; "deep" there would
 *               mean PSCI_FEATURES(SYSTEM_SUSPEND) said supported, which
 *               must not happen for a VMM that did not ask for it
 *   hotplug     CPU 1 taken offline (PSCI CPU_OFF) and brought back
 *               (PSCI CPU_ON), then running this program
 *   s2idle      one suspend-to-idle cycle woken by the PL031 RTC alarm
 * then powers off (PSCI SYSTEM_OFF) after "peer: PASS", or after "peer:
 * FAIL: why". The VMM's exit status and the lines are judged by the L1
 * driver (peers/qemu-peer.c).
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define MEM_SLEEP	"/sys/power/mem_sleep"
#define POWER_STATE	"/sys/power/state"
#define CPUS_ONLINE	"/sys/devices/system/cpu/online"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define RTC_TIME	"/sys/class/rtc/rtc0/since_epoch"
#define RTC_ALARM	"/sys/class/rtc/rtc0/wakealarm"
/*
 * Far enough ahead that the alarm cannot fire before the guest is in
 * s2idle: on a loaded machine, nested TCG took over 2 s from the write of
 * "mem" to suspending the console, and an alarm consumed before that wakes
 * nothing (the guest then sleeps for ever).
 */
#define ALARM_SECS	10

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("peer: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void __attribute__((noreturn)) power_off(void)
{
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_POWER_OFF);
	say("reboot(RB_POWER_OFF) failed: %s", strerror(errno));
	for (;;)
		pause();
}

static void __attribute__((noreturn)) fail(const char *why)
{
	say("FAIL: %s", why);
	power_off();
}

static void check_mem_sleep(void)
{
	char buf[128];

	if (read_str(MEM_SLEEP, buf, sizeof(buf)))
		fail("cannot read " MEM_SLEEP);
	say("mem_sleep: %s", buf);
	if (strstr(buf, "deep"))
		fail("deep offered: PSCI_FEATURES(SYSTEM_SUSPEND) answered supported to a VMM that did not opt in");
}

/* Writes @val to cpu1/online and checks the online mask becomes @want. */
static bool set_cpu1(const char *val, const char *want)
{
	char buf[64];
	int err = write_str(CPU1_ONLINE, val);

	if (err) {
		say("write %s to %s: %s", val, CPU1_ONLINE, strerror(err));
		return false;
	}
	if (read_str(CPUS_ONLINE, buf, sizeof(buf)) || strcmp(buf, want)) {
		say("after writing %s to %s, online CPUs are \"%s\", expected \"%s\"",
		    val, CPU1_ONLINE, buf, want);
		return false;
	}
	return true;
}

static void check_hotplug(void)
{
	cpu_set_t set;
	char buf[64];

	if (read_str(CPUS_ONLINE, buf, sizeof(buf)) || strcmp(buf, "0-1"))
		fail("CPUs 0-1 not both online at boot");
	if (!set_cpu1("0", "0") || !set_cpu1("1", "0-1"))
		fail("CPU hotplug");
	/* Prove CPU 1 runs code again, not only that the mask says so. */
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	if (sched_setaffinity(0, sizeof(set), &set) || sched_getcpu() != 1)
		fail("cannot run on CPU 1 after bringing it back");
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	say("hotplug: cpu1 off, on, running");
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)) || !buf[0])
		return -1;
	return strtol(buf, NULL, 0);
}

static void check_s2idle(void)
{
	char rel[16];
	long alarm, rtc;
	int err;

	write_str(RTC_ALARM, "0");
	snprintf(rel, sizeof(rel), "+%d", ALARM_SECS);
	if (write_str(RTC_ALARM, rel))
		fail("cannot arm the RTC alarm");
	alarm = read_long(RTC_ALARM);
	tcdrain(STDOUT_FILENO);
	err = write_str(POWER_STATE, "mem");
	rtc = read_long(RTC_TIME);
	if (err) {
		say("write of \"mem\": %s", strerror(err));
		fail("s2idle");
	}
	if (alarm < 0 || rtc < alarm)
		fail("s2idle: back before the RTC alarm");
	say("s2idle: resumed on the RTC alarm");
}

int main(void)
{
	guest_setup();
	say("up");
	check_mem_sleep();
	check_hotplug();
	check_s2idle();
	say("PASS");
	power_off();
}
