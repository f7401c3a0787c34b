// SPDX-License-Identifier: GPL-2.0
/*
 * What the QEMU series' peer tests share (qemu_suspend, qemu_migrate):
 * starting the patched QEMU with its QMP socket and trace events, and one
 * suspend cycle of the end-to-end guest (l2/suspend.c), checked from QMP
 * and from the guest's console, in two halves so that a test can move the
 * sleeping guest to another QEMU in between; and their command line and
 * SKIP checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

const char *qemu = "/peers/qemu/qemu-system-aarch64";
const char *kernel = "/boot/Image";
bool ok = true;

const char *tag = "qemu_suspend";

void fail(const char *fmt, ...)
{
	va_list ap;

	printf("%s: FAIL: ", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ok = false;
}

/*
 * QEMU's command line: what any user of KVM on arm64 runs, a QMP socket,
 * and the trace events the latencies are measured from and to (on
 * stderr, which the test reads with the console).
 */
static const char *const common_args[] = {
	"-accel", "kvm", "-cpu", "host", "-m", "256M",
	"-nodefaults", "-no-user-config", "-display", "none",
	"-serial", "stdio", "-no-reboot",
	"-qmp", "unix:" QMP_PATH ",server=on,wait=off",
	"-trace", "pl031_alarm_raised",
	"-trace", "kvm_arm_resume_from_suspend",
	"-trace", "kvm_arm_system_wakeup",
	"-trace", "kvm_arm_get_mp_state",
};

int qemu_start(struct qrun *r, const char *bin, const char *machine,
	       const char *smp, const char *image, const char *initrd,
	       const char *append, const char *incoming, bool stopped)
{
	const char *opt[] = { "-M", machine, "-smp", smp, "-kernel", image,
			      "-initrd", initrd, "-append", append,
			      "-incoming", incoming };
	char *v[64];
	size_t n = 0, i;

	unlink(QMP_PATH);
	v[n++] = (char *)(bin ? bin : qemu);
	for (i = 0; i < sizeof(common_args) / sizeof(*common_args); i++)
		v[n++] = (char *)common_args[i];
	for (i = 0; i < sizeof(opt) / sizeof(*opt); i += 2) {
		if (!opt[i + 1])
			continue;
		v[n++] = (char *)opt[i];
		v[n++] = (char *)opt[i + 1];
	}
	if (stopped)
		v[n++] = (char *)"-S";
	v[n] = NULL;
	printf("%s: running", tag);
	for (i = 0; i < n; i++)
		printf(" %s", v[i]);
	printf("\n");
	return qrun_start(r, v);
}

/* query-status's "status" must be @want */
bool check_status(struct qrun *r, const char *want)
{
	char got[32];
	int i = qrun_cmd(r, "{\"execute\": \"query-status\"}", STEP_SECS);

	qrun_str(i, "status", got, sizeof(got));
	if (strcmp(got, want)) {
		fail("query-status: \"%s\", expected \"%s\"", got, want);
		return false;
	}
	return true;
}

static double at(int i)
{
	return qrun_line(i) ? qrun_line(i)->t : -1;
}

/* Whether a console line between @from and @to contains @pat */
static bool seen(int from, int to, const char *pat)
{
	int i;

	for (i = from; i < to; i++)
		if (!qrun_line(i)->qmp && strstr(qrun_line(i)->text, pat))
			return true;
	return false;
}

/*
 * A guest without /sys/power/pm_wakeup_irq (Debian's kernels) cannot say
 * what woke it: "untold". QEMU's side can, from its trace between the
 * SUSPEND event and the guest's resume: a system_wakeup with no WAKEUP
 * exit (no interrupt) and no alarm raised is the host's; a byte sent,
 * then a WAKEUP exit with no alarm raised, and the guest reading that
 * byte, is the console's. Anything else is not proven.
 */
static bool attribute_untold(struct qrun *r, int n, const char *wake,
			     int from, int to, int *con)
{
	bool alarm = seen(from, to, "pl031_alarm_raised");
	bool exit = seen(from, to, "kvm_arm_system_wakeup");
	char pat[64];
	bool ok;

	if (!strcmp(wake, "host")) {
		ok = !alarm && !exit;
	} else if (!strcmp(wake, "console")) {
		snprintf(pat, sizeof(pat), "cycle %d: " GUEST_INPUT " \"k\"", n);
		ok = !alarm && exit && qrun_wait(r, false, pat, con, STEP_SECS) >= 0;
	} else {
		ok = false;
	}
	printf("%s: cycle %d: the guest cannot tell what woke it; QEMU saw: alarm raised %s, WAKEUP exit %s, %s sent: %s\n",
	       tag, n, alarm ? "yes" : "no", exit ? "yes" : "no",
	       !strcmp(wake, "host") ? "system_wakeup" : "a byte",
	       ok ? wake : "not proven");
	return ok;
}

/*
 * Per cycle, as vmm-e2e reports the reference VMM's: from the wake-up (the
 * QMP command or the console byte sent; the PL031 raising its alarm
 * interrupt, from QEMU's trace) to the vCPU reset to its entry point
 * (QEMU's trace), and to the guest's userspace saying it resumed.
 */
static void report_latency(int n, const char *wake, double t_wake, int susp,
			   int resumed)
{
	int i, entry = -1, alarm = -1;

	for (i = susp; i < resumed; i++) {
		const struct qline *l = qrun_line(i);

		if (l->qmp)
			continue;
		if (alarm < 0 && strstr(l->text, "pl031_alarm_raised"))
			alarm = i;
		if (entry < 0 && strstr(l->text, "kvm_arm_resume_from_suspend"))
			entry = i;
	}
	if (!strcmp(wake, "rtc"))
		t_wake = alarm >= 0 ? at(alarm) : -1;
	if (t_wake < 0 || entry < 0) {
		printf("%s: cycle %d: %s: no trace to measure from\n",
		       tag, n, wake);
		return;
	}
	printf("%s: cycle %d: %s -> vCPU back at the entry point: %.1f ms; -> guest userspace running: %.0f ms\n",
	       tag, n, wake, 1000 * (at(entry) - t_wake),
	       1000 * (at(resumed) - t_wake));
}

/* First half of cycle @n: the guest suspends and QMP sees it */
bool cycle_suspend(struct qrun *r, struct cycle *c, int n)
{
	char pat[64];

	c->n = n;
	snprintf(pat, sizeof(pat), "cycle %d (%s)", n, c->wake);
	c->sus = qrun_wait(r, false, pat, &c->con, BOOT_SECS);
	if (c->sus < 0 || !strstr(qrun_line(c->sus)->text, GUEST_SUSPENDING)) {
		fail("the guest did not start its suspend");
		return false;
	}
	c->susp_ev = qrun_wait(r, true, "\"event\": \"SUSPEND\"", &c->ev,
			       STEP_SECS);
	if (c->susp_ev < 0) {
		fail("no SUSPEND event");
		return false;
	}
	c->attr_from = c->susp_ev;
	c->lat_from = c->sus;
	if (!check_status(r, "suspended"))
		return false;
	if (n == 1) {
		int i = qrun_cmd(r, "{\"execute\": \"query-current-machine\"}",
				 STEP_SECS);

		if (i < 0 || !strstr(qrun_line(i)->text,
				     "\"wakeup-suspend-support\": true")) {
			fail("query-current-machine: no wakeup-suspend-support");
			return false;
		}
	}
	return true;
}

/*
 * Second half: c->wake wakes the guest (in whatever QEMU runs it now; its
 * console and events are read from c->con and c->ev), QMP sees the
 * WAKEUP, and the guest says what woke it and that its token is kept.
 */
bool cycle_wake(struct qrun *r, struct cycle *c)
{
	int woke_ev, resumed, woken, cmd, n = c->n;
	const char *wake = c->wake;
	char pat[64];
	double t_wake;

	t_wake = qrun_now() - r->t0;
	if (!strcmp(wake, "host")) {
		cmd = qrun_cmd(r, "{\"execute\": \"system_wakeup\"}", STEP_SECS);
		if (cmd < 0 || !strstr(qrun_line(cmd)->text, "\"return\""))
			fail("system_wakeup refused");
	} else if (!strcmp(wake, "console")) {
		if (write(r->con_in, "k", 1) != 1)
			fail("cannot write to the guest's console");
	}
	woke_ev = qrun_wait(r, true, "\"event\": \"WAKEUP\"", &c->ev, STEP_SECS);
	if (woke_ev < 0) {
		fail("no WAKEUP event");
		return false;
	}
	check_status(r, "running");
	snprintf(pat, sizeof(pat), "cycle %d: " GUEST_RESUMED, n);
	resumed = qrun_wait(r, false, pat, &c->con, STEP_SECS);
	snprintf(pat, sizeof(pat), "cycle %d: " GUEST_WOKEN_BY, n);
	woken = qrun_wait(r, false, pat, &c->con, STEP_SECS);
	if (resumed < 0 || woken < 0) {
		fail("the guest did not report its resume");
		return false;
	}
	snprintf(pat, sizeof(pat), GUEST_WOKEN_BY " %s ", wake);
	if (strstr(qrun_line(woken)->text, GUEST_WOKEN_BY " untold ")) {
		if (!attribute_untold(r, n, wake, c->attr_from, woken, &c->con))
			fail("cycle %d: not woken by %s", n, wake);
	} else if (!strstr(qrun_line(woken)->text, pat)) {
		fail("cycle %d: not woken by %s", n, wake);
	}
	report_latency(n, wake, t_wake, c->lat_from, resumed);
	return ok;
}

int host_has_cap(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SYSTEM_SUSPEND);
	close(fd);
	return ret > 0;
}

const char *qemu_test_args(int argc, char **argv, const char **source,
			   void (*usage)(void))
{
	int i;

	if (argc < 2)
		usage();
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--kernel"))
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--qemu"))
			qemu = argv[++i];
		else if (source && !strcmp(argv[i], "--source"))
			*source = argv[++i];
		else
			usage();
	}
	return argv[1];
}

bool qemu_test_can_run(const char *other, bool need_cap)
{
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("%s: SKIP: /dev/kvm: %s\n", tag, strerror(errno));
		return false;
	}
	if (access(qemu, X_OK) || (other && access(other, X_OK))) {
		printf("%s: SKIP: %s: %s (make qemu)\n", tag,
		       access(qemu, X_OK) ? qemu : other, strerror(errno));
		return false;
	}
	if (need_cap && host_has_cap() != 1) {
		printf("%s: SKIP: the host kernel lacks KVM_CAP_ARM_SYSTEM_SUSPEND\n",
		       tag);
		return false;
	}
	return true;
}
