// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_suspend: Debian's QEMU with the project's QEMU series (qemu/) on
 * the L1 host, driven over QMP.
 *
 *   qemu_suspend suspend [--kernel IMAGE] [--qemu PATH]
 *	-M virt,system-suspend=on; the guest (l2/suspend.c, /vmm/guest.cpio)
 *	suspends three times, woken by system_wakeup, by its RTC alarm and
 *	by a byte on its console. Each cycle is checked from QMP (SUSPEND,
 *	query-status "suspended", WAKEUP, "running") and from the guest
 *	(what woke it, the byte read, its PASS at the end); the times from
 *	the wake-up to the guest running again are printed.
 *   qemu_suspend deny [--qemu PATH]
 *	bare-metal guests (vmm/bm-*.Image): SYSTEM_SUSPEND with the other
 *	vCPU on must return DENIED, and with an entry point outside RAM
 *	INVALID_ADDRESS; each guest powers off only if it got its answer.
 *   qemu_suspend nocap [--kernel IMAGE] [--qemu PATH]
 *	on a host without KVM_CAP_ARM_SYSTEM_SUSPEND, system-suspend=on must
 *	stop QEMU at start-up with an error naming the capability (on a host
 *	with it there is nothing to refuse: said, not failed). Then, on any
 *	host, the patched QEMU with the option off runs qemu_peer's checks;
 *	its answers line must equal Debian's QEMU's (harness/peers.sh).
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm or no QEMU).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qmp.h"

#ifndef KVM_CAP_ARM_SYSTEM_SUSPEND
#define KVM_CAP_ARM_SYSTEM_SUSPEND	216
#endif

#define QMP_PATH	"/tmp/qemu-suspend.qmp"
#define BOOT_SECS	300	/* a stock kernel under nested TCG: ~60 s */
#define STEP_SECS	120

static const char *qemu = "/peers/qemu/qemu-system-aarch64";
static const char *kernel = "/boot/Image";
static bool ok = true;

static void fail(const char *what)
{
	printf("qemu_suspend: FAIL: %s\n", what);
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
};

static int start(struct qrun *r, const char *machine, const char *smp,
		 const char *image, const char *initrd, const char *append)
{
	const char *opt[] = { "-M", machine, "-smp", smp, "-kernel", image,
			      "-initrd", initrd, "-append", append };
	char *v[64];
	size_t n = 0, i;

	unlink(QMP_PATH);
	v[n++] = (char *)qemu;
	for (i = 0; i < sizeof(common_args) / sizeof(*common_args); i++)
		v[n++] = (char *)common_args[i];
	for (i = 0; i < sizeof(opt) / sizeof(*opt); i += 2) {
		if (!opt[i + 1])
			continue;
		v[n++] = (char *)opt[i];
		v[n++] = (char *)opt[i + 1];
	}
	v[n] = NULL;
	printf("qemu_suspend: running");
	for (i = 0; i < n; i++)
		printf(" %s", v[i]);
	printf("\n");
	return qrun_start(r, v);
}

/* query-status's "status" must be @want */
static void check_status(struct qrun *r, const char *want)
{
	char got[32], msg[96];
	int i = qrun_cmd(r, "{\"execute\": \"query-status\"}", STEP_SECS);

	qrun_str(i, "status", got, sizeof(got));
	if (strcmp(got, want)) {
		snprintf(msg, sizeof(msg), "query-status: \"%s\", expected \"%s\"",
			 got, want);
		fail(msg);
	}
}

static double at(int i)
{
	return qrun_line(i) ? qrun_line(i)->t : -1;
}

static const char *const wakes[] = { "host", "rtc", "console" };

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
	printf("qemu_suspend: cycle %d: the guest cannot tell what woke it; QEMU saw: alarm raised %s, WAKEUP exit %s, %s sent: %s\n",
	       n, alarm ? "yes" : "no", exit ? "yes" : "no",
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
		printf("qemu_suspend: cycle %d: %s: no trace to measure from\n",
		       n, wake);
		return;
	}
	printf("qemu_suspend: cycle %d: %s -> vCPU back at the entry point: %.1f ms; -> guest userspace running: %.0f ms\n",
	       n, wake, 1000 * (at(entry) - t_wake),
	       1000 * (at(resumed) - t_wake));
}

/* One cycle: the guest suspends, QMP sees it, @wake wakes it */
static void cycle(struct qrun *r, int n, const char *wake, int *con, int *ev)
{
	int sus, susp_ev, woke_ev, resumed, woken, cmd = -1;
	char pat[64], msg[128];
	double t_wake;

	snprintf(pat, sizeof(pat), "cycle %d (%s)", n, wake);
	sus = qrun_wait(r, false, pat, con, BOOT_SECS);
	if (sus < 0 || !strstr(qrun_line(sus)->text, GUEST_SUSPENDING)) {
		fail("the guest did not start its suspend");
		return;
	}
	susp_ev = qrun_wait(r, true, "\"event\": \"SUSPEND\"", ev, STEP_SECS);
	if (susp_ev < 0) {
		fail("no SUSPEND event");
		return;
	}
	check_status(r, "suspended");
	if (n == 1) {
		int i = qrun_cmd(r, "{\"execute\": \"query-current-machine\"}",
				 STEP_SECS);

		if (i < 0 || !strstr(qrun_line(i)->text,
				     "\"wakeup-suspend-support\": true"))
			fail("query-current-machine: no wakeup-suspend-support");
	}
	t_wake = qrun_now() - r->t0;
	if (!strcmp(wake, "host")) {
		cmd = qrun_cmd(r, "{\"execute\": \"system_wakeup\"}", STEP_SECS);
		if (cmd < 0 || !strstr(qrun_line(cmd)->text, "\"return\""))
			fail("system_wakeup refused");
	} else if (!strcmp(wake, "console")) {
		if (write(r->con_in, "k", 1) != 1)
			fail("cannot write to the guest's console");
	}
	woke_ev = qrun_wait(r, true, "\"event\": \"WAKEUP\"", ev, STEP_SECS);
	if (woke_ev < 0) {
		fail("no WAKEUP event");
		return;
	}
	check_status(r, "running");
	snprintf(pat, sizeof(pat), "cycle %d: " GUEST_RESUMED, n);
	resumed = qrun_wait(r, false, pat, con, STEP_SECS);
	snprintf(pat, sizeof(pat), "cycle %d: " GUEST_WOKEN_BY, n);
	woken = qrun_wait(r, false, pat, con, STEP_SECS);
	if (resumed < 0 || woken < 0) {
		fail("the guest did not report its resume");
		return;
	}
	snprintf(pat, sizeof(pat), GUEST_WOKEN_BY " %s ", wake);
	if (strstr(qrun_line(woken)->text, GUEST_WOKEN_BY " untold ")) {
		if (!attribute_untold(r, n, wake, susp_ev, woken, con)) {
			snprintf(msg, sizeof(msg), "cycle %d: not woken by %s",
				 n, wake);
			fail(msg);
		}
	} else if (!strstr(qrun_line(woken)->text, pat)) {
		snprintf(msg, sizeof(msg), "cycle %d: not woken by %s", n, wake);
		fail(msg);
	}
	report_latency(n, wake, t_wake, sus, resumed);
}

static int run_suspend(void)
{
	struct qrun r;
	int con = 0, ev = 0, n, status;

	if (start(&r, "virt,gic-version=3,system-suspend=on", "2", kernel,
		  "/vmm/guest.cpio",
		  "console=ttyAMA0 panic=-1 mode=honour wake=host,rtc,console alarm=3"))
		return 1;
	if (qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot talk QMP to QEMU");
		qrun_kill(&r);
		return 1;
	}
	for (n = 1; n <= 3 && ok; n++)
		cycle(&r, n, wakes[n - 1], &con, &ev);
	if (ok && qrun_wait(&r, false, GUEST GUEST_PASS, &con, STEP_SECS) < 0)
		fail("the guest did not PASS");
	if (ok && qrun_wait(&r, true, "\"reason\": \"guest-shutdown\"", &ev,
			    STEP_SECS) < 0)
		fail("no SHUTDOWN (guest-shutdown) event");
	status = qrun_wait_exit(&r, STEP_SECS);
	if (ok && (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)))
		fail("QEMU did not exit with status 0");
	qrun_kill(&r);
	return ok ? 0 : 1;
}

/* A bare-metal guest of vmm/: it powers off only on its expected answer */
static void run_bm(const char *image, const char *want)
{
	struct qrun r;
	int con = 0, ev = 0;
	char msg[128];

	if (start(&r, "virt,gic-version=3,system-suspend=on", "2", image,
		  NULL, NULL)) {
		fail("cannot start QEMU");
		return;
	}
	if (qrun_qmp_connect(&r, QMP_PATH, STEP_SECS))
		fail("cannot talk QMP to QEMU");
	if (qrun_wait(&r, false, want, &con, STEP_SECS) < 0) {
		snprintf(msg, sizeof(msg), "%s: no \"%s\"", image, want);
		fail(msg);
	}
	if (qrun_wait(&r, true, "\"reason\": \"guest-shutdown\"", &ev,
		      STEP_SECS) < 0) {
		snprintf(msg, sizeof(msg), "%s: did not power off", image);
		fail(msg);
	}
	qrun_wait_exit(&r, STEP_SECS);
	qrun_kill(&r);
}

static int host_has_cap(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SYSTEM_SUSPEND);
	close(fd);
	return ret > 0;
}

static int run_nocap(void)
{
	struct qrun r;
	int con = 0, status;
	char *peer[] = { "/peers/qemu_peer", "--qemu", (char *)qemu,
			 "--kernel", (char *)kernel, "--label", "patched, option off",
			 NULL };
	pid_t pid;

	if (host_has_cap()) {
		printf("qemu_suspend: the host has KVM_CAP_ARM_SYSTEM_SUSPEND: the start-up error is checked on the base\n");
	} else {
		if (start(&r, "virt,gic-version=3,system-suspend=on", "1",
			  kernel, NULL, NULL))
			return 1;
		status = qrun_wait_exit(&r, STEP_SECS);
		if (status < 0 || !WIFEXITED(status) || !WEXITSTATUS(status))
			fail("QEMU did not stop at start-up");
		if (qrun_wait(&r, false, "KVM_CAP_ARM_SYSTEM_SUSPEND", &con, 1) < 0)
			fail("QEMU's error does not name KVM_CAP_ARM_SYSTEM_SUSPEND");
		else
			printf("qemu_suspend: QEMU stopped at start-up, status %d\n",
			       WEXITSTATUS(status));
		qrun_kill(&r);
	}

	fflush(stdout);
	pid = fork();
	if (!pid) {
		execv(peer[0], peer);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("qemu_peer with the patched QEMU, option off");
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_suspend suspend|deny|nocap [--kernel IMAGE] [--qemu PATH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode;
	int i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--kernel"))
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--qemu"))
			qemu = argv[++i];
		else
			usage();
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("qemu_suspend: SKIP: /dev/kvm: %s\n", strerror(errno));
		return 4;
	}
	if (access(qemu, X_OK)) {
		printf("qemu_suspend: SKIP: %s: %s (make qemu)\n", qemu,
		       strerror(errno));
		return 4;
	}
	if (strcmp(mode, "nocap") && host_has_cap() != 1) {
		printf("qemu_suspend: SKIP: the host kernel lacks KVM_CAP_ARM_SYSTEM_SUSPEND\n");
		return 4;
	}
	if (!strcmp(mode, "suspend")) {
		ret = run_suspend();
	} else if (!strcmp(mode, "deny")) {
		run_bm("/vmm/bm-secondary-on.Image", "bm: PASS: DENIED");
		run_bm("/vmm/bm-bad-entry.Image", "bm: PASS");
		ret = ok ? 0 : 1;
	} else if (!strcmp(mode, "nocap")) {
		ret = run_nocap();
	} else {
		usage();
	}
	printf("qemu_suspend: %s: %s\n", mode, ret ? "FAIL" : "PASS");
	return ret;
}
