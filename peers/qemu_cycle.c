// SPDX-License-Identifier: GPL-2.0
/*
 * What the QEMU series' peer tests share (qemu_suspend, qemu_migrate,
 * qemu_manage): starting the patched QEMU with its QMP socket and trace
 * events, and one suspend cycle of the end-to-end guest (l2/suspend.c),
 * checked from QMP and from the guest's console, in two halves so that a
 * test can save, move or otherwise manage the sleeping guest in between;
 * the guest's token, what KVM says of its vCPU, its save to a file and
 * its end; and the tests' command line and SKIP checks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

const char *qemu = "/peers/qemu/qemu-system-aarch64";
const char *kernel = "/boot/Image";
const char *guest_initrd = INITRD;
const char *accel = "kvm";
const char *machine_on = MACHINE_ON;
const char *qemu_rtc;
bool ok = true;
char guest_token[9];

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
 * QEMU's command line: what any user of KVM on arm64 runs (or of TCG:
 * -cpu max), a QMP socket, and the trace events the latencies are
 * measured from and to (on stderr, which the test reads with the
 * console). The series names them kvm_arm_* on 7.2, where only KVM
 * suspends, and arm_* on later bases: a pattern takes both.
 */
static const char *const common_args[] = {
	"-m", "256M",
	"-nodefaults", "-no-user-config", "-display", "none",
	"-serial", "stdio", "-no-reboot",
	"-qmp", "unix:" QMP_PATH ",server=on,wait=off",
	"-trace", "pl031_alarm_raised",
	"-trace", "*" TRACE_RESUME,
	"-trace", "*" TRACE_WAKEUP,
	"-trace", "kvm_arm_get_mp_state",
};

int qemu_start(struct qrun *r, const char *bin, const char *machine,
	       const char *smp, const char *image, const char *initrd,
	       const char *append, const char *incoming, bool stopped)
{
	const char *opt[] = { "-M", machine, "-smp", smp, "-kernel", image,
			      "-initrd", initrd, "-append", append,
			      "-incoming", incoming, "-rtc", qemu_rtc };
	char *v[64];
	size_t n = 0, i;

	unlink(QMP_PATH);
	v[n++] = (char *)(bin ? bin : qemu);
	v[n++] = (char *)"-accel";
	v[n++] = (char *)accel;
	v[n++] = (char *)"-cpu";
	v[n++] = (char *)(strcmp(accel, "kvm") ? "max" : "host");
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

bool qmp_returns(struct qrun *r, const char *cmd, int secs)
{
	int i = qrun_cmd(r, cmd, secs);

	if (i < 0 || !strstr(qrun_line(i)->text, "\"return\"")) {
		fail("%s: expected a return, got %s", cmd,
		     i < 0 ? "no answer" : qrun_line(i)->text);
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
	bool exit = seen(from, to, TRACE_WAKEUP);
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
	char other[160] = "";

	for (i = susp; i < resumed; i++) {
		const struct qline *l = qrun_line(i);

		if (l->qmp)
			continue;
		/*
		 * The last alarm before the vCPU's reset: an earlier one may
		 * have aborted an attempt still freezing tasks, and the guest
		 * then set another and tried again.
		 */
		if (entry < 0 && strstr(l->text, "pl031_alarm_raised"))
			alarm = i;
		if (entry < 0 && strstr(l->text, TRACE_RESUME))
			entry = i;
	}
	if (!strcmp(wake, "rtc"))
		t_wake = alarm >= 0 ? at(alarm) : -1;
	if (t_wake < 0 || entry < 0) {
		printf("%s: cycle %d: %s: no trace to measure from\n",
		       tag, n, wake);
		return;
	}
	/* Another machine than the default (--machine) is named */
	if (strcmp(machine_on, MACHINE_ON))
		snprintf(other, sizeof(other), " (-M %s)", machine_on);
	printf("%s: cycle %d: %s -> vCPU back at the entry point: %.1f ms; -> guest userspace running: %.0f ms%s\n",
	       tag, n, wake, 1000 * (at(entry) - t_wake),
	       1000 * (at(resumed) - t_wake), other);
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
	double t_wake = qrun_now() - r->t0;
	int cmd;

	if (!strcmp(c->wake, "host")) {
		cmd = qrun_cmd(r, "{\"execute\": \"system_wakeup\"}", STEP_SECS);
		if (cmd < 0 || !strstr(qrun_line(cmd)->text, "\"return\""))
			fail("system_wakeup refused");
	} else if (!strcmp(c->wake, "console")) {
		if (write(r->con_in, "k", 1) != 1)
			fail("cannot write to the guest's console");
	}
	return cycle_woken(r, c, t_wake);
}

bool cycle_woken(struct qrun *r, struct cycle *c, double t_wake)
{
	int woke_ev, resumed, woken, n = c->n;
	const char *wake = c->wake;
	char pat[64];

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

bool parse_boot_token(const char *line, char *token)
{
	static const char prefix[] = GUEST GUEST_TOKEN " ";
	const char *p, *hex;
	int i;

	for (p = strstr(line, prefix); p; p = strstr(p + 1, prefix)) {
		hex = p + strlen(prefix);
		for (i = 0; i < 8 && isxdigit((unsigned char)hex[i]); i++)
			;
		if (i == 8 && !strncmp(hex + 8, " at boot", 8)) {
			memcpy(token, hex, 8);
			token[8] = '\0';
			return true;
		}
	}
	return false;
}

bool read_token(struct qrun *r, int *con)
{
	double end = qrun_now() + BOOT_SECS;
	int i, left;

	for (;;) {
		left = end - qrun_now();
		i = qrun_wait(r, false, GUEST GUEST_TOKEN " ", con,
			      left > 0 ? left : 0);
		if (i < 0)
			break;
		if (parse_boot_token(qrun_line(i)->text, guest_token)) {
			printf("%s: the guest's token: %s\n", tag, guest_token);
			return true;
		}
	}
	fail("no \"" GUEST GUEST_TOKEN " XXXXXXXX at boot\" from the guest in %d s",
	     BOOT_SECS);
	return false;
}

bool token_kept(struct qrun *r, const char *when, int *con)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "%s: " GUEST_TOKEN " %s kept", when,
		 guest_token);
	if (qrun_wait(r, false, pat, con, STEP_SECS) < 0) {
		fail("%s: expected \"%s\", not seen: not the guest that slept",
		     when, pat);
		return false;
	}
	return true;
}

int vcpu0_mp_state(struct qrun *r)
{
	static const char pat[] = "kvm_arm_get_mp_state cpu 0 mp_state ";
	int from = qrun_nr_lines(), i;

	i = qrun_cmd(r, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info registers\"}}",
		     STEP_SECS);
	if (i < 0) {
		fail("info registers: no answer");
		return -1;
	}
	/* The trace comes on stderr, not in order with the QMP answer */
	i = qrun_wait(r, false, pat, &from, 5);
	if (i < 0) {
		fail("info registers: expected QEMU's trace of KVM_GET_MP_STATE of vCPU 0, none came");
		return -1;
	}
	return atoi(strstr(qrun_line(i)->text, pat) + strlen(pat));
}

bool vcpu_suspended_in_kvm(struct qrun *r)
{
	int state = vcpu0_mp_state(r);

	if (state < 0)
		return false;
	if (state != KVM_MP_STATE_SUSPENDED) {
		fail("KVM_GET_MP_STATE of vCPU 0: %d, expected KVM_MP_STATE_SUSPENDED (%d)",
		     state, KVM_MP_STATE_SUSPENDED);
		return false;
	}
	printf("%s: KVM_GET_MP_STATE of vCPU 0: KVM_MP_STATE_SUSPENDED\n", tag);
	return true;
}

/* query-migrate until the migration is over; whether it completed */
static bool migration_done(struct qrun *r)
{
	double end = qrun_now() + BOOT_SECS;
	char st[32];
	int i;

	while (qrun_now() < end) {
		i = qrun_cmd(r, "{\"execute\": \"query-migrate\"}", STEP_SECS);
		qrun_str(i, "status", st, sizeof(st));
		if (!strcmp(st, "completed"))
			return true;
		if (strcmp(st, "active") && strcmp(st, "setup") &&
		    strcmp(st, "device")) {
			fail("query-migrate: status \"%s\", expected \"completed\"",
			     st);
			return false;
		}
		usleep(500 * 1000);
	}
	fail("the migration did not end in %d s", BOOT_SECS);
	return false;
}

bool migrate_to_file(struct qrun *r, const char *path, const char *want_before)
{
	double t0 = qrun_now();
	struct stat st;
	int fd, i;

	if (!check_status(r, want_before))
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail("%s: %s", path, strerror(errno));
		return false;
	}
	i = qrun_cmd_fd(r, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"stream\"}}",
			fd, STEP_SECS);
	close(fd);
	if (i < 0 || !strstr(qrun_line(i)->text, "\"return\"")) {
		fail("getfd refused");
		return false;
	}
	if (!qmp_returns(r, "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"fd:stream\"}}",
			 STEP_SECS) ||
	    !migration_done(r) || !check_status(r, "postmigrate"))
		return false;
	stat(path, &st);
	printf("%s: saved %lld bytes in %.1f s\n", tag, (long long)st.st_size,
	       qrun_now() - t0);
	return true;
}

void guest_end(struct qrun *r, int *con, int *ev)
{
	int status;

	if (ok && qrun_wait(r, false, GUEST GUEST_PASS, con, STEP_SECS) < 0)
		fail("the guest did not PASS");
	if (ok && qrun_wait(r, true, "\"reason\": \"guest-shutdown\"", ev,
			    STEP_SECS) < 0)
		fail("no SHUTDOWN (guest-shutdown) event");
	status = qrun_wait_exit(r, STEP_SECS);
	if (ok && (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)))
		fail("QEMU did not exit with status 0");
	qrun_kill(r);
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
		else if (!strcmp(argv[i], "--initrd"))
			guest_initrd = argv[++i];
		else if (!strcmp(argv[i], "--accel"))
			accel = argv[++i];
		else if (!strcmp(argv[i], "--machine"))
			machine_on = argv[++i];
		else if (source && !strcmp(argv[i], "--source"))
			*source = argv[++i];
		else
			usage();
	}
	return argv[1];
}

bool qemu_test_can_run(const char *other, bool need_cap)
{
	if (strcmp(accel, "kvm")) {
		/* TCG: QEMU is the guest's firmware, no host kernel involved */
		need_cap = false;
	} else if (access("/dev/kvm", R_OK | W_OK)) {
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
