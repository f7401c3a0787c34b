// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the end-to-end test guest: suspend to RAM through PSCI
 * SYSTEM_SUSPEND and wake up on the PL031 RTC alarm, several times.
 *
 * Parameters come from the kernel command line (/proc/cmdline):
 *   mode=honour  the VMM honours SYSTEM_SUSPEND: "deep" is offered and every
 *                suspend succeeds and resumes after the alarm (default)
 *   mode=deny    "deep" is offered but the VMM refuses: the write of "mem"
 *                to /sys/power/state fails and the guest carries on
 *   mode=off     the VMM did not enable SYSTEM_SUSPEND: "deep" is not
 *                offered, and "mem" falls back to s2idle
 *   cycles=N     suspend/resume cycles (default 3)
 *   alarm=N      seconds from arming the alarm to its expiry (default 2)
 *
 * Every step is reported on the console with a "guest:" prefix. The verdict
 * is the way the guest goes down: PSCI SYSTEM_OFF (reboot(RB_POWER_OFF)) if
 * all went as expected, SYSTEM_RESET (RB_AUTOBOOT) otherwise; the VMM turns
 * these into different exit statuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "events.h"

#define MEM_SLEEP	"/sys/power/mem_sleep"
#define POWER_STATE	"/sys/power/state"
#define STATS_SUCCESS	"/sys/power/suspend_stats/success"
#define STATS_FAIL	"/sys/power/suspend_stats/fail"
#define RTC_TIME	"/sys/class/rtc/rtc0/since_epoch"
#define RTC_ALARM	"/sys/class/rtc/rtc0/wakealarm"

enum mode { MODE_HONOUR, MODE_DENY, MODE_OFF };

static const char *const mode_names[] = { "honour", "deny", "off" };

static enum mode mode = MODE_HONOUR;
static int cycles = 3;
static int alarm_secs = 2;

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s", GUEST);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void __attribute__((noreturn)) finish(bool pass, const char *why)
{
	say("%s: %s", pass ? GUEST_PASS : GUEST_FAIL, why);
	/* Let the UART drain before the machine goes away. */
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(pass ? RB_POWER_OFF : RB_AUTOBOOT);
	say("reboot() failed: %s", strerror(errno));
	for (;;)
		pause();
}

static int read_str(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)) || !buf[0]) {
		say("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	return strtol(buf, NULL, 0);
}

/* Returns 0 or the errno of the write. */
static int write_str(const char *path, const char *s)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

static void parse_cmdline(void)
{
	char buf[1024], *tok, *save;

	if (read_str("/proc/cmdline", buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "cycles=", 7))
			cycles = atoi(tok + 7);
		else if (!strncmp(tok, "alarm=", 6))
			alarm_secs = atoi(tok + 6);
		else if (!strcmp(tok, "mode=honour"))
			mode = MODE_HONOUR;
		else if (!strcmp(tok, "mode=deny"))
			mode = MODE_DENY;
		else if (!strcmp(tok, "mode=off"))
			mode = MODE_OFF;
	}
}

static void setup(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);

	/* No /dev/console in the initramfs: open it from devtmpfs. */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Arms the RTC wake alarm @secs ahead; returns its RTC time or -1. */
static long arm_alarm(int secs)
{
	char rel[16];
	int err;

	write_str(RTC_ALARM, "0");	/* an armed alarm can't be re-armed */
	snprintf(rel, sizeof(rel), "+%d", secs);
	err = write_str(RTC_ALARM, rel);
	if (err) {
		say("cannot arm %s: %s", RTC_ALARM, strerror(err));
		return -1;
	}
	return read_long(RTC_ALARM);
}

/*
 * One suspend attempt. @expect_ok: the write of "mem" must succeed (and the
 * system must have been asleep until the alarm), else it must fail.
 */
static bool suspend_cycle(int n, bool expect_ok)
{
	long ok0, ok1, fail0, fail1, alarm, rtc0, rtc1;
	double mono0, boot0, mono1, boot1, asleep;
	int err;

	ok0 = read_long(STATS_SUCCESS);
	fail0 = read_long(STATS_FAIL);
	rtc0 = read_long(RTC_TIME);
	alarm = arm_alarm(alarm_secs);
	if (ok0 < 0 || fail0 < 0 || rtc0 < 0 || alarm < 0)
		return false;

	say("cycle %d: RTC %ld, wake alarm at %ld, " GUEST_SUSPENDING " to %s",
	    n, rtc0, alarm, POWER_STATE);
	tcdrain(STDOUT_FILENO);

	/* CLOCK_MONOTONIC stops while suspended, CLOCK_BOOTTIME doesn't. */
	mono0 = clock_s(CLOCK_MONOTONIC);
	boot0 = clock_s(CLOCK_BOOTTIME);
	err = write_str(POWER_STATE, "mem");
	mono1 = clock_s(CLOCK_MONOTONIC);
	boot1 = clock_s(CLOCK_BOOTTIME);

	ok1 = read_long(STATS_SUCCESS);
	fail1 = read_long(STATS_FAIL);
	rtc1 = read_long(RTC_TIME);

	if (!expect_ok) {
		write_str(RTC_ALARM, "0");
		if (!err) {
			say("cycle %d: the write of \"mem\" succeeded, expected it to fail",
			    n);
			return false;
		}
		say("cycle %d: " GUEST_REFUSED ": %s (suspend_stats: success %ld -> %ld, fail %ld -> %ld)",
		    n, strerror(err), ok0, ok1, fail0, fail1);
		return ok1 == ok0 && fail1 == fail0 + 1;
	}

	if (err) {
		say("cycle %d: the write of \"mem\" failed: %s", n,
		    strerror(err));
		return false;
	}
	asleep = (boot1 - boot0) - (mono1 - mono0);
	say("cycle %d: " GUEST_RESUMED " %.3f s, %.3f s of it asleep: suspend_stats/success %ld -> %ld, RTC %ld (alarm %ld)",
	    n, boot1 - boot0, asleep > 0 ? asleep : 0, ok0, ok1, rtc1, alarm);
	if (ok1 != ok0 + 1) {
		say("cycle %d: suspend_stats/success did not go up by one", n);
		return false;
	}
	if (rtc1 < alarm) {
		say("cycle %d: woke up before the alarm", n);
		return false;
	}
	return true;
}

static void run_honour_or_deny(void)
{
	bool expect_ok = mode == MODE_HONOUR;
	int err, i;

	err = write_str(MEM_SLEEP, "deep");
	if (err) {
		say("cannot select deep in %s: %s", MEM_SLEEP, strerror(err));
		finish(false, "no suspend to RAM");
	}
	for (i = 1; i <= cycles; i++)
		if (!suspend_cycle(i, expect_ok))
			finish(false, "cycle failed");

	finish(true, expect_ok ? "all suspend/resume cycles succeeded"
			       : "every suspend was refused, guest still fine");
}

static void run_off(const char *mem_sleep)
{
	if (strstr(mem_sleep, "deep")) {
		say("mem_sleep offers deep, but the VMM did not enable SYSTEM_SUSPEND");
		finish(false, "deep offered");
	}
	say(GUEST_NO_DEEP ": PSCI SYSTEM_SUSPEND is not available, as expected");

	/* What is left is s2idle: show that suspend still works that way. */
	if (cycles > 0 && !suspend_cycle(1, true))
		finish(false, "s2idle cycle failed");
	finish(true, "only s2idle offered, and it works");
}

int main(void)
{
	char mem_sleep[128];

	setup();
	parse_cmdline();
	say(GUEST_PARAMS "%s cycles=%d alarm=%ds", mode_names[mode], cycles,
	    alarm_secs);

	if (read_str(MEM_SLEEP, mem_sleep, sizeof(mem_sleep))) {
		say("cannot read %s: %s", MEM_SLEEP, strerror(errno));
		finish(false, "no suspend support in this kernel");
	}
	say(GUEST_MEM_SLEEP " %s", mem_sleep);

	if (mode == MODE_OFF)
		run_off(mem_sleep);

	if (!strstr(mem_sleep, "deep")) {
		say("mem_sleep does not offer deep: the VMM did not enable SYSTEM_SUSPEND, or the kernel cannot use it");
		finish(false, "no deep");
	}
	run_honour_or_deny();
}
