// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the end-to-end test guest: suspend to RAM through PSCI
 * SYSTEM_SUSPEND, several times, and wake up on the PL031 RTC alarm, a key
 * on the console or the host's command, saying each time which one it was.
 *
 * Parameters come from the kernel command line (/proc/cmdline):
 *   mode=honour  the VMM honours SYSTEM_SUSPEND: "deep" is offered and every
 *                suspend succeeds and resumes after the alarm (default)
 *   mode=deny    "deep" is offered but the VMM refuses: the write of "mem"
 *                to /sys/power/state fails and the guest carries on
 *   mode=off     the VMM did not enable SYSTEM_SUSPEND: "deep" is not
 *                offered, and "mem" falls back to s2idle
 *   cycles=N     suspend/resume cycles (default 3; at most MAX_CYCLES, or
 *                MAX_ANY_CYCLES when every cycle of wake= is any)
 *   alarm=N      seconds from arming the alarm to its expiry (default 2)
 *   wake=W,W...  what each cycle expects to wake it (sets cycles):
 *                  rtc      the alarm, @alarm s ahead (default)
 *                  console  a byte on the console, armed as a wakeup source
 *                           in /sys/class/tty/ttyAMA0/power/wakeup; the
 *                           alarm is a safety net FAR_SECS ahead
 *                  host     the VMM, on a host command: no wakeup interrupt
 *                  unarmed  the alarm, @late s ahead, although a byte comes
 *                           first: the console is not armed; the byte must
 *                           be there after the resume
 *                  denied   none: the VMM refuses the suspend
 *                  early    the alarm, but the first attempt writes "mem"
 *                           only after the guest took the alarm's
 *                           interrupt: that attempt must be aborted, the
 *                           next one sleeps until its own alarm
 *                  any      whatever comes first: the console armed as for
 *                           console, the alarm @alarm s ahead as the
 *                           fallback, the host; what woke it is said but
 *                           not checked (the token still is). With
 *                           wake=any, cycles=N repeats it N times, so that
 *                           a VMM can be driven for as long as it likes
 *                           (peers/qemu_fuzz.c)
 *   late=N       the alarm of an unarmed cycle (default 8)
 *   linger=N     seconds to wait before the final power-off (default 0)
 *   pause=N      seconds to wait, running, before the first cycle (default
 *                0): a VMM migrates a running guest in that time
 *
 * A token, drawn at boot, is kept in memory and in /token; it is printed at
 * boot and checked against the file after every resume and after the pause.
 * A VMM that saved the guest and restored it elsewhere shows that the
 * guest's userspace is the one that went to sleep: the same token, kept.
 *
 * Each suspend commits /sys/power/wakeup_count first, so that an alarm
 * that fires before the kernel has armed its wakeup interrupts aborts the
 * suspend (EBUSY) instead of being lost; the guest then tries again.
 *
 * What woke the guest comes from /sys/power/pm_wakeup_irq (the first armed
 * interrupt that fired while suspended; CONFIG_PM_SLEEP_DEBUG), named after
 * its handler in /proc/interrupts. No interrupt at all means the VMM resumed
 * the guest without one: a host wakeup. A kernel without that file (no
 * CONFIG_PM_DEBUG, as Debian's) still shows an alarm taken while asleep in
 * the RTC's interrupt count; another source is "untold" and not held
 * against the plan here (the e2e driver attributes it from the VMM's log,
 * vmm/test/attrib.c); the RTC's own check (not before the alarm) stays.
 *
 * Every step is reported on the console with a "guest:" prefix. The verdict
 * is the way the guest goes down: PSCI SYSTEM_OFF (reboot(RB_POWER_OFF)) if
 * all went as expected, SYSTEM_RESET (RB_AUTOBOOT) otherwise; the VMM turns
 * these into different exit statuses.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "guest.h"

#define MEM_SLEEP	"/sys/power/mem_sleep"
#define POWER_STATE	"/sys/power/state"
#define STATS_SUCCESS	"/sys/power/suspend_stats/success"
#define STATS_FAIL	"/sys/power/suspend_stats/fail"
#define RTC_TIME	"/sys/class/rtc/rtc0/since_epoch"
#define RTC_ALARM	"/sys/class/rtc/rtc0/wakealarm"
#define WAKEUP_IRQ	"/sys/power/pm_wakeup_irq"
#define WAKEUP_COUNT	"/sys/power/wakeup_count"
#define TTY_WAKEUP	"/sys/class/tty/ttyAMA0/power/wakeup"
#define TOKEN_FILE	"/token"
#define INTERRUPTS	"/proc/interrupts"

#define MAX_CYCLES	16
#define MAX_ANY_CYCLES	100000
#define FAR_SECS	60
#define MAX_ATTEMPTS	4	/* suspends of a cycle a wakeup event may abort */

enum mode { MODE_HONOUR, MODE_DENY, MODE_OFF };
enum wake {
	WAKE_RTC, WAKE_CONSOLE, WAKE_HOST, WAKE_UNARMED, WAKE_DENIED, WAKE_EARLY,
	WAKE_ANY,
};

static const char *const mode_names[] = { "honour", "deny", "off" };
static const char *const wake_names[] = {
	"rtc", "console", "host", "unarmed", "denied", "early", "any",
};

static enum mode mode = MODE_HONOUR;
static int cycles = 3;
static int cycles_arg = -1;		/* cycles=, if given */
static int alarm_secs = 2;
static int late_secs = 8;
static int linger_secs;
static int pause_secs;
static unsigned long token;
static enum wake plan[MAX_CYCLES];	/* WAKE_RTC unless wake= says */
static bool console_used;		/* a cycle arms or feeds the console */
static bool plan_any;			/* every cycle of wake= is any */

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
	if (linger_secs)
		sleep(linger_secs);
	/* Let the UART drain before the machine goes away. */
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(pass ? RB_POWER_OFF : RB_AUTOBOOT);
	say("reboot() failed: %s", strerror(errno));
	for (;;)
		pause();
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

/* wake=rtc,console,...: one cycle each */
static void parse_plan(char *list)
{
	char *w, *save;
	size_t k;

	cycles = 0;
	plan_any = true;
	for (w = strtok_r(list, ",", &save); w && cycles < MAX_CYCLES;
	     w = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < sizeof(wake_names) / sizeof(*wake_names); k++)
			if (!strcmp(w, wake_names[k]))
				break;
		if (k == sizeof(wake_names) / sizeof(*wake_names)) {
			say("unknown wake=%s, taking rtc", w);
			k = WAKE_RTC;
		}
		plan[cycles++] = k;
		console_used |= k == WAKE_CONSOLE || k == WAKE_UNARMED ||
				k == WAKE_ANY;
		plan_any &= k == WAKE_ANY;
	}
	plan_any &= cycles > 0;
}

static void parse_cmdline(void)
{
	char buf[1024], *tok, *save;
	int max;

	if (read_str("/proc/cmdline", buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "cycles=", 7))
			cycles = cycles_arg = atoi(tok + 7);
		else if (!strncmp(tok, "alarm=", 6))
			alarm_secs = atoi(tok + 6);
		else if (!strcmp(tok, "mode=honour"))
			mode = MODE_HONOUR;
		else if (!strcmp(tok, "mode=deny"))
			mode = MODE_DENY;
		else if (!strcmp(tok, "mode=off"))
			mode = MODE_OFF;
		else if (!strncmp(tok, "late=", 5))
			late_secs = atoi(tok + 5);
		else if (!strncmp(tok, "linger=", 7))
			linger_secs = atoi(tok + 7);
		else if (!strncmp(tok, "pause=", 6))
			pause_secs = atoi(tok + 6);
		else if (!strncmp(tok, "wake=", 5))
			parse_plan(tok + 5);
	}
	/* wake=any cycles=N, in either order: the one plan entry, N times */
	if (plan_any && cycles_arg >= 0)
		cycles = cycles_arg;
	max = plan_any ? MAX_ANY_CYCLES : MAX_CYCLES;
	if (cycles > max) {
		say("cycles=%d: at most %d", cycles, max);
		cycles = max;
	}
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The wakeup_count handshake (Documentation/ABI/testing/sysfs-power): with
 * the count written back, a wakeup event the kernel counts afterwards (the
 * RTC core counts each alarm interrupt) makes the write of "mem" fail with
 * EBUSY. Without it, an alarm that fires after the write of "mem" but
 * before the kernel has armed its wakeup interrupts (while it freezes tasks
 * and suspends devices, seconds on a loaded host) is handled as an ordinary
 * interrupt, and the suspend then waits for a wakeup that has come and
 * gone. Reading blocks until no event is in progress. Returns 0 or an
 * errno (EINVAL: an event came between the read and the write).
 */
static int commit_wakeup_count(void)
{
	char count[32];

	if (read_str(WAKEUP_COUNT, count, sizeof(count)))
		return errno;
	return write_str(WAKEUP_COUNT, count);
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

/* The handler's name of interrupt @irq in /proc/interrupts, or "?". */
static void irq_name(long irq, char *name, size_t size)
{
	char line[256], *last;
	FILE *f = fopen(INTERRUPTS, "r");

	snprintf(name, size, "?");
	while (f && fgets(line, sizeof(line), f)) {
		if (strtol(line, &last, 10) != irq || *last != ':')
			continue;
		line[strcspn(line, "\n")] = '\0';
		last = strrchr(line, ' ');
		snprintf(name, size, "%s", last ? last + 1 : "?");
		break;
	}
	if (f)
		fclose(f);
}

/* Interrupts taken so far by the handler named @name, summed over CPUs. */
static long irq_count(const char *name)
{
	char line[256], *p, *end;
	FILE *f = fopen(INTERRUPTS, "r");
	long sum = -1, v;

	while (f && fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!p || !strstr(line, name))
			continue;
		for (sum = 0, p++; (v = strtol(p, &end, 10)), end != p; p = end)
			sum += v;
		break;
	}
	if (f)
		fclose(f);
	return sum;
}

/* Waits up to @secs for the RTC's interrupt count to pass @before. */
static bool wait_rtc_irq(long before, int secs)
{
	int ms;

	for (ms = 0; ms < secs * 1000; ms += 100) {
		if (irq_count("pl031") > before)
			return true;
		poll(NULL, 0, 100);
	}
	return false;
}

struct sample {
	long	ok, fail, rtc, rtc_irqs;
	double	mono, boot;
};

/*
 * Which source woke the guest, and the evidence in @detail. Without
 * pm_wakeup_irq, the RTC's interrupt count across the suspend (@a before,
 * @b after) still tells an alarm taken while asleep; anything else is
 * untold.
 */
static const char *woken_by(const struct sample *a, const struct sample *b,
			    char *detail, size_t size)
{
	char buf[32], name[64];
	long irq;

	if (read_str(WAKEUP_IRQ, buf, sizeof(buf))) {
		if (errno == ENODATA) {
			snprintf(detail, size, "no wakeup interrupt recorded");
			return "host";
		}
		if (errno != ENOENT) {
			snprintf(detail, size, "%s: %s", WAKEUP_IRQ, strerror(errno));
			return "unknown";
		}
		/* A kernel without CONFIG_PM_DEBUG (Debian's) */
		snprintf(detail, size, "no %s; pl031 interrupts %ld -> %ld",
			 WAKEUP_IRQ, a->rtc_irqs, b->rtc_irqs);
		return b->rtc_irqs > a->rtc_irqs ? "rtc" : "untold";
	}
	irq = strtol(buf, NULL, 10);
	irq_name(irq, name, sizeof(name));
	snprintf(detail, size, "pm_wakeup_irq %ld, %s", irq, name);
	if (strstr(name, "pl011"))
		return "console";
	if (strstr(name, "pl031"))
		return "rtc";
	return "unknown";
}

static const char *expected_source(enum wake w)
{
	return w == WAKE_CONSOLE ? "console" : w == WAKE_HOST ? "host" :
	       w == WAKE_ANY ? "any" : "rtc";
}

static int alarm_for(enum wake w)
{
	return w == WAKE_RTC || w == WAKE_DENIED || w == WAKE_EARLY ||
	       w == WAKE_ANY ? alarm_secs :
	       w == WAKE_UNARMED ? late_secs : FAR_SECS;
}

/* Raw console input, so that one byte is readable without a newline. */
static void console_raw(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &t))
		return;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* What arrived on the console within @ms: reported; false if nothing. */
static bool report_input(int n, int ms)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[32];
	ssize_t len = 0, i;

	if (poll(&p, 1, ms) > 0)
		len = read(STDIN_FILENO, buf, sizeof(buf) - 1);
	for (i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] >= 0x7f)
			buf[i] = '?';
	buf[len > 0 ? len : 0] = '\0';
	say("cycle %d: " GUEST_INPUT " \"%s\"", n, buf);
	return len > 0;
}

/* CLOCK_MONOTONIC stops while suspended, CLOCK_BOOTTIME doesn't. */
static bool sample(struct sample *s)
{
	s->mono = clock_s(CLOCK_MONOTONIC);
	s->boot = clock_s(CLOCK_BOOTTIME);
	s->ok = read_long(STATS_SUCCESS);
	s->fail = read_long(STATS_FAIL);
	s->rtc = read_long(RTC_TIME);
	s->rtc_irqs = irq_count("pl031");
	return s->ok >= 0 && s->fail >= 0 && s->rtc >= 0;
}

static bool check_refused(int n, int err, const struct sample *a,
			  const struct sample *b)
{
	write_str(RTC_ALARM, "0");
	if (!err) {
		say("cycle %d: the write of \"mem\" succeeded, expected it to fail",
		    n);
		return false;
	}
	say("cycle %d: " GUEST_REFUSED ": %s (suspend_stats: success %ld -> %ld, fail %ld -> %ld)",
	    n, strerror(err), a->ok, b->ok, a->fail, b->fail);
	return b->ok == a->ok && b->fail == a->fail + 1;
}

/* Which source woke it, against the plan; the console's input after. */
static bool check_source(int n, enum wake w, long alarm,
			 const struct sample *a, const struct sample *b)
{
	const char *want = expected_source(w), *got;
	char detail[128];
	bool ok;

	got = woken_by(a, b, detail, sizeof(detail));
	ok = w == WAKE_ANY || !strcmp(got, want) || !strcmp(got, "untold");
	say("cycle %d: " GUEST_WOKEN_BY " %s (%s), expected %s", n, got,
	    detail, want);
	if (!strcmp(want, "rtc") && b->rtc < alarm) {
		say("cycle %d: woke up before the alarm", n);
		ok = false;
	}
	if (w == WAKE_CONSOLE || w == WAKE_UNARMED)
		ok &= report_input(n, 3000);
	else if (w == WAKE_ANY)
		report_input(n, 0);	/* what came, if anything: drained */
	return ok;
}

/* A token drawn at boot, in this process's memory and in TOKEN_FILE */
static void token_init(void)
{
	struct timespec ts;
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &ts);
	token = ((unsigned long)ts.tv_nsec << 20 ^ ts.tv_sec) & 0xffffffffUL;
	f = fopen(TOKEN_FILE, "w");
	if (!f || fprintf(f, "%08lx\n", token) < 0 || fclose(f))
		say("cannot write %s: %s", TOKEN_FILE, strerror(errno));
	say(GUEST_TOKEN " %08lx at boot", token);
}

/* Whether memory and TOKEN_FILE still hold the boot's token */
static bool token_check(const char *when)
{
	char buf[32];

	if (read_str(TOKEN_FILE, buf, sizeof(buf))) {
		say("%s: cannot read %s: %s", when, TOKEN_FILE, strerror(errno));
		return false;
	}
	if (strtoul(buf, NULL, 16) != token) {
		say("%s: " GUEST_TOKEN " %08lx in memory, %s in %s", when,
		    token, buf, TOKEN_FILE);
		return false;
	}
	say("%s: " GUEST_TOKEN " %08lx kept", when, token);
	return true;
}

static bool check_resumed(int n, enum wake w, int err, long alarm,
			  const struct sample *a, const struct sample *b)
{
	double asleep = (b->boot - a->boot) - (b->mono - a->mono);
	char when[32];

	if (err) {
		say("cycle %d: the write of \"mem\" failed: %s", n,
		    strerror(err));
		return false;
	}
	say("cycle %d: " GUEST_RESUMED " %.3f s, %.3f s of it asleep: suspend_stats/success %ld -> %ld, RTC %ld (alarm %ld)",
	    n, b->boot - a->boot, asleep > 0 ? asleep : 0, a->ok, b->ok,
	    b->rtc, alarm);
	if (b->ok != a->ok + 1) {
		say("cycle %d: suspend_stats/success did not go up by one", n);
		return false;
	}
	snprintf(when, sizeof(when), "cycle %d", n);
	if (!token_check(when))
		return false;
	return check_source(n, w, alarm, a, b);
}

/*
 * Commits the wakeup count, arms the alarm and writes "mem"; @a and @b
 * sample the counters around the write. Returns 0 or the write's errno,
 * -1 if the attempt could not be made.
 */
static int suspend_attempt(int n, enum wake w, bool late, long *alarm,
			   struct sample *a, struct sample *b)
{
	long irqs = irq_count("pl031");
	int err = commit_wakeup_count();

	if (err == EINVAL)
		return EBUSY;	/* an event came: as good as an abort */
	if (err) {
		say("cycle %d: cannot commit %s: %s", n, WAKEUP_COUNT,
		    strerror(err));
		return -1;
	}
	*alarm = arm_alarm(alarm_for(w));
	if (*alarm < 0 || !sample(a))
		return -1;
	if (late) {
		say("cycle %d (%s): waiting for the alarm's interrupt first",
		    n, wake_names[w]);
		if (!wait_rtc_irq(irqs, alarm_for(w) + FAR_SECS)) {
			say("cycle %d: the alarm's interrupt never came", n);
			return -1;
		}
		sample(a);
	}
	say("cycle %d (%s): RTC %ld, wake alarm at %ld, " GUEST_SUSPENDING " to %s",
	    n, wake_names[w], a->rtc, *alarm, POWER_STATE);
	tcdrain(STDOUT_FILENO);
	a->mono = clock_s(CLOCK_MONOTONIC);
	a->boot = clock_s(CLOCK_BOOTTIME);
	err = write_str(POWER_STATE, "mem");
	sample(b);
	return err;
}

/*
 * One suspend, expected to go as @w says; tried again when a wakeup event
 * (an alarm that fired early on a slow host) aborted it before it slept.
 */
static bool suspend_cycle(int n, enum wake w)
{
	bool refused = mode == MODE_DENY || w == WAKE_DENIED;
	struct sample a, b;
	int err, attempt;
	long alarm = -1;

	if (console_used &&
	    (err = write_str(TTY_WAKEUP, w == WAKE_CONSOLE || w == WAKE_ANY ?
					 "enabled" : "disabled"))) {
		say("cannot write %s: %s", TTY_WAKEUP, strerror(err));
		return false;
	}
	for (attempt = 1;; attempt++) {
		bool late = w == WAKE_EARLY && attempt == 1;

		err = suspend_attempt(n, w, late, &alarm, &a, &b);
		if (err < 0)
			return false;
		if (late && err != EBUSY) {
			say("cycle %d: the write of \"mem\" after the alarm gave %s, expected %s",
			    n, err ? strerror(err) : "success", strerror(EBUSY));
			return false;
		}
		if (err != EBUSY)
			break;
		say("cycle %d: " GUEST_ABORTED " before it slept, attempt %d of %d",
		    n, attempt, MAX_ATTEMPTS);
		if (attempt == MAX_ATTEMPTS)
			return false;
	}
	if (refused)
		return check_refused(n, err, &a, &b);
	return check_resumed(n, w, err, alarm, &a, &b);
}

static void run_honour_or_deny(void)
{
	int err, i;

	err = write_str(MEM_SLEEP, "deep");
	if (err) {
		say("cannot select deep in %s: %s", MEM_SLEEP, strerror(err));
		finish(false, "no suspend to RAM");
	}
	for (i = 1; i <= cycles; i++)
		if (!suspend_cycle(i, plan_any ? WAKE_ANY : plan[i - 1]))
			finish(false, "cycle failed");

	finish(true, mode == MODE_HONOUR ? "every cycle went as planned"
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
	if (cycles > 0 && !suspend_cycle(1, plan[0]))
		finish(false, "s2idle cycle failed");
	finish(true, "only s2idle offered, and it works");
}

int main(void)
{
	char mem_sleep[128];

	guest_setup();
	parse_cmdline();
	if (console_used)
		console_raw();
	say(GUEST_PARAMS "%s cycles=%d alarm=%ds", mode_names[mode], cycles,
	    alarm_secs);
	token_init();
	if (pause_secs) {
		say("pausing %d s", pause_secs);
		sleep(pause_secs);
		if (!token_check("after the pause"))
			finish(false, "token lost");
	}

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
