// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-e2e: end-to-end tests of PSCI SYSTEM_SUSPEND through the reference
 * VMM, run inside the KVM host (no shell needed: it execs the vmm itself).
 *
 *   vmm-e2e SCENARIO [--dir DIR] [--kernel IMAGE] [--timeout SECONDS]
 *
 * Scenarios:
 *   honour        2 vCPUs, Linux guest, 3 suspend/resume cycles, each with
 *                 SUSPEND -> secondary STOPPED -> SUSPENDED -> (a signal:
 *                 -EINTR, still SUSPENDED) -> alarm due -> WAKEUP -> resume
 *                 at entry in the VMM's log
 *   deny          --suspend=deny: the guest's write of "mem" fails, the
 *                 guest carries on and powers off cleanly
 *   off           --suspend=off: no "deep" in mem_sleep, s2idle still works
 *   bad-entry     bare-metal guest: entry points outside RAM get
 *                 INVALID_ADDRESS
 *   secondary-on  bare-metal guest: SYSTEM_SUSPEND with vCPU 1 on gets DENIED
 *   errors        the VMM's command line and setup errors
 *   demo          one honour cycle, narrated
 *
 * Each run of the vmm is echoed line by line; on a mismatch the expected
 * sequence is printed with what was and wasn't seen. Exit status: 0 pass,
 * 1 fail, 4 skip (no KVM, or KVM without KVM_CAP_ARM_SYSTEM_SUSPEND).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define EXIT_SKIP	4

/* vmm exit statuses (vmm/vmm.h) */
#define VMM_POWEROFF	0
#define VMM_ERROR	1
#define VMM_USAGE	2
#define VMM_RESET	3
#define VMM_NOCAP	4

#define MAX_ARGS	32

/*
 * Seconds from arming the RTC alarm to its expiry. The RTC counts whole
 * seconds, so the alarm may fire as early as ALARM_SECS - 1 seconds later;
 * under nested TCG the guest needs about 0.5 s to get from the write of
 * "mem" to SYSTEM_SUSPEND, and an alarm that fires before that aborts the
 * suspend. 3 leaves room for a loaded host.
 */
#define ALARM_SECS	3
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct line {
	double		t;	/* arrival, seconds since the vmm started */
	char		*s;
};

struct run {
	struct line	*lines;
	int		nr, cap;
	int		status;	/* exit status, or 128 + signal */
	bool		timed_out;
};

static char dir[PATH_MAX] = "/vmm";
static const char *kernel = "/boot/Image";
static int timeout = -1;

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("e2e: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_line(struct run *r, double t, const char *s, size_t len)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->lines = realloc(r->lines, r->cap * sizeof(*r->lines));
		if (!r->lines)
			abort();
	}
	r->lines[r->nr].t = t;
	r->lines[r->nr].s = strndup(s, len);
	r->nr++;
	/* Echo as it comes, so that a hang shows where it happened. */
	printf("%.*s\n", (int)len, s);
	fflush(stdout);
}

static void free_run(struct run *r)
{
	int i;

	for (i = 0; i < r->nr; i++)
		free(r->lines[i].s);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

/* Runs the vmm on a "/dev" without kvm: see scenario_errors(). */
static void hide_dev_kvm(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    (mount("none", "/dev", "tmpfs", 0, NULL) &&
	     mount("none", "/dev", "ramfs", 0, NULL))) {
		fprintf(stderr, "cannot hide /dev/kvm: %s\n", strerror(errno));
		_exit(127);
	}
}

/* Runs argv (argv[0] a path), collecting its stdout and stderr. */
static void run_vmm(struct run *r, char *const argv[], int secs,
		    bool no_kvm)
{
	char buf[4096];
	size_t used = 0;
	double t0, deadline;
	int pfd[2], wstatus, i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	printf("e2e: running");
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	if (pipe2(pfd, O_CLOEXEC)) {
		note("pipe: %s", strerror(errno));
		exit(EXIT_FAIL);
	}
	t0 = mono();
	deadline = t0 + secs;
	pid = fork();
	if (pid < 0) {
		note("fork: %s", strerror(errno));
		exit(EXIT_FAIL);
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		else
			close(STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (no_kvm)
			hide_dev_kvm();
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);

	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((deadline - mono()) * 1000);
		ssize_t n;
		char *nl;

		if (left <= 0) {
			r->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(pfd[0], buf + used, sizeof(buf) - used);
		if (n <= 0)
			break;
		used += n;
		while ((nl = memchr(buf, '\n', used)) ||
		       used == sizeof(buf)) {
			size_t len = nl ? (size_t)(nl - buf) : used;

			add_line(r, mono() - t0, buf, len);
			if (nl)
				len++;
			memmove(buf, buf + len, used - len);
			used -= len;
		}
	}
	if (used)
		add_line(r, mono() - t0, buf, used);
	close(pfd[0]);

	waitpid(pid, &wstatus, 0);
	if (WIFEXITED(wstatus))
		r->status = WEXITSTATUS(wstatus);
	else
		r->status = 128 + WTERMSIG(wstatus);
	if (r->timed_out)
		note("TIMEOUT: the vmm ran for more than %d s and was killed",
		     secs);
	note("vmm exit status %d", r->status);
}

/* Index of the first line at or after @from containing @pat, or -1. */
static int find(struct run *r, int from, const char *pat)
{
	int i;

	for (i = from < 0 ? 0 : from; i < r->nr; i++)
		if (strstr(r->lines[i].s, pat))
			return i;
	return -1;
}

/*
 * @steps must appear in this order (not necessarily adjacent). On failure
 * print the whole expectation, marking what was seen and where.
 */
static bool expect_seq(struct run *r, const char *const *steps, int n)
{
	int at = 0, i, j, found;

	for (i = 0; i < n; i++) {
		found = find(r, at, steps[i]);
		if (found < 0)
			break;
		at = found + 1;
	}
	if (i == n)
		return true;

	note("expected these lines in this order:");
	at = 0;
	for (j = 0; j < n; j++) {
		found = j < i ? find(r, at, steps[j]) : -1;
		note("  %-8s \"%s\"", found >= 0 ? "seen" :
		     j == i ? "MISSING" : "-", steps[j]);
		if (found >= 0)
			at = found + 1;
	}
	if (at > 0)
		note("last match in output line %d: %s", at, r->lines[at - 1].s);
	return false;
}

static bool expect_absent(struct run *r, const char *pat)
{
	int i = find(r, 0, pat);

	if (i < 0)
		return true;
	note("did not expect \"%s\", saw it in output line %d: %s", pat, i + 1,
	     r->lines[i].s);
	return false;
}

static bool expect_status(struct run *r, int status, const char *what)
{
	if (r->status == status)
		return true;
	note("expected vmm exit status %d (%s), got %d", status, what,
	     r->status);
	return false;
}

/* The vmm's own timestamp in a "[vmm  12.345] ..." line, or -1. */
static double vmm_time(const char *s)
{
	double t;

	if (sscanf(s, "[vmm %lf]", &t) == 1)
		return t;
	return -1;
}

static char *path(const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 8];

	if (snprintf(p, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		note("path too long: %s/%s", dir, name);
		exit(EXIT_FAIL);
	}
	return p;
}

/* Skip when KVM itself is missing; the vmm's own check is tested apart. */
static void require_kvm(void)
{
	if (access("/dev/kvm", R_OK | W_OK)) {
		note("SKIP: /dev/kvm: %s", strerror(errno));
		exit(EXIT_SKIP);
	}
}

static void skip_if_nocap(struct run *r)
{
	if (r->status == VMM_NOCAP && find(r, 0, "KVM lacks") >= 0) {
		note("SKIP: this kernel lacks KVM_CAP_ARM_SYSTEM_SUSPEND");
		exit(EXIT_SKIP);
	}
}

static int finish(bool ok, const char *name)
{
	note("%s: %s", name, ok ? "PASS" : "FAIL");
	return ok ? EXIT_PASS : EXIT_FAIL;
}

/*
 * Boots the Linux guest with l2/suspend.c as PID 1. no_console_suspend
 * makes the guest kernel's suspend messages come out when they happen, in
 * order with the VMM's steps, instead of after the resume. @kick_ms, when
 * not 0, has the vmm signal the suspended vCPU that often.
 */
static void run_linux(struct run *r, const char *policy, const char *mode,
		      int cycles, int kick_ms, int secs)
{
	char append[256], suspend[32], kick[16];
	char *argv[MAX_ARGS] = {
		path("vmm"), "--kernel", (char *)kernel,
		"--initrd", path("guest.cpio"), "--mem", "256M",
		"--cpus", "2", "--suspend", suspend, "--append", append,
		kick_ms ? "--test-kick-ms" : NULL, kick, NULL,
	};

	snprintf(suspend, sizeof(suspend), "%s", policy);
	snprintf(kick, sizeof(kick), "%d", kick_ms);
	snprintf(append, sizeof(append),
		 "console=ttyAMA0 no_console_suspend panic=-1 mode=%s cycles=%d alarm=%d",
		 mode, cycles, ALARM_SECS);
	run_vmm(r, argv, timeout > 0 ? timeout : secs, false);
}

static void report_boot(struct run *r)
{
	int i = find(r, 0, "guest: mode=");

	if (i >= 0)
		note("L2 boot: the guest's init ran %.2f s after the vmm started",
		     r->lines[i].t);
}

/*
 * Time from the alarm being due to the guest running again, per cycle: to
 * the vCPU resuming at the entry point (both times from the vmm's log), and
 * to the guest's userspace reporting it resumed (arrival of that line).
 */
static void report_cycles(struct run *r, int cycles)
{
	int at = 0, n;

	for (n = 1; n <= cycles; n++) {
		char pat[64];
		int due, entry, user;

		due = find(r, find(r, at, "SUSPENDED, waiting"), "alarm due");
		entry = find(r, due, "resume at entry");
		snprintf(pat, sizeof(pat), "guest: cycle %d: resumed", n);
		user = find(r, entry, pat);
		if (due < 0 || entry < 0 || user < 0)
			return;
		note("cycle %d: alarm due -> vCPU back at the entry point: %.0f ms; -> guest userspace running: %.0f ms",
		     n, 1000 * (vmm_time(r->lines[entry].s) -
				vmm_time(r->lines[due].s)),
		     1000 * (r->lines[user].t - r->lines[due].t));
		at = user + 1;
	}
}

/*
 * @kick: also have the vmm signal the suspended vCPU, and check that each
 * time KVM_RUN came back with -EINTR and the vCPU stayed SUSPENDED.
 */
static int scenario_honour(int cycles, bool kick, const char *name)
{
	const char *steps[16 * 8 + 4];
	char bufs[16][64];
	struct run r;
	bool ok;
	int n = 0, i;

	require_kvm();
	if (cycles > 16)
		cycles = 16;
	run_linux(&r, "honour", "honour", cycles, kick ? 100 : 0,
		  cycles > 1 ? 400 : 250);
	skip_if_nocap(&r);

	steps[n++] = "suspend policy honour";
	steps[n++] = "guest: /sys/power/mem_sleep: s2idle [deep]";
	for (i = 0; i < cycles; i++) {
		steps[n++] = "vcpu0: SYSTEM_SUSPEND fn=0xc400000e";
		steps[n++] = "vcpu0: secondary vcpu1 STOPPED";
		steps[n++] = "vcpu0: SUSPENDED";
		if (kick)
			steps[n++] = "vcpu0: KVM_RUN -EINTR while suspended, mp_state SUSPENDED";
		steps[n++] = "pl031: alarm due";
		steps[n++] = "vcpu0: WAKEUP";
		steps[n++] = "vcpu0: resume at entry";
		snprintf(bufs[i], sizeof(bufs[i]), "guest: cycle %d: resumed",
			 i + 1);
		steps[n++] = bufs[i];
	}
	steps[n++] = "guest: PASS";
	steps[n++] = "SYSTEM_OFF";

	ok = expect_seq(&r, steps, n);
	ok &= expect_absent(&r, "SYSTEM_SUSPEND ->");
	ok &= expect_absent(&r, "] error: ");
	ok &= expect_status(&r, VMM_POWEROFF, "guest powered off");
	report_boot(&r);
	report_cycles(&r, cycles);
	free_run(&r);
	return finish(ok, name);
}

static int scenario_deny(void)
{
	static const char *const steps[] = {
		"suspend policy deny",
		"guest: /sys/power/mem_sleep: s2idle [deep]",
		"vcpu0: SYSTEM_SUSPEND fn=0xc400000e",
		"SYSTEM_SUSPEND -> DENIED",
		"guest: cycle 1: the write of \"mem\" failed as expected",
		"guest: PASS",
		"SYSTEM_OFF",
	};
	struct run r;
	bool ok;

	require_kvm();
	run_linux(&r, "deny", "deny", 1, 0, 250);
	skip_if_nocap(&r);
	ok = expect_seq(&r, steps, ARRAY_SIZE(steps));
	ok &= expect_absent(&r, "SUSPENDED");
	ok &= expect_absent(&r, "] error: ");
	ok &= expect_status(&r, VMM_POWEROFF, "guest powered off");
	report_boot(&r);
	free_run(&r);
	return finish(ok, "deny");
}

static int scenario_off(void)
{
	static const char *const steps[] = {
		"suspend policy off",
		"guest: /sys/power/mem_sleep: [s2idle]",
		"guest: no deep in mem_sleep",
		"guest: cycle 1: resumed",
		"guest: PASS",
		"SYSTEM_OFF",
	};
	struct run r;
	bool ok;

	require_kvm();
	run_linux(&r, "off", "off", 1, 0, 250);
	ok = expect_seq(&r, steps, ARRAY_SIZE(steps));
	ok &= expect_absent(&r, "SYSTEM_SUSPEND fn=");
	ok &= expect_absent(&r, "] error: ");
	ok &= expect_status(&r, VMM_POWEROFF, "guest powered off");
	report_boot(&r);
	free_run(&r);
	return finish(ok, "off");
}

static void run_bare(struct run *r, const char *image, int cpus)
{
	char ncpus[16];
	char *argv[MAX_ARGS] = {
		path("vmm"), "--kernel", path(image), "--mem", "64M",
		"--cpus", ncpus, "--suspend", "honour", NULL,
	};

	snprintf(ncpus, sizeof(ncpus), "%d", cpus);
	run_vmm(r, argv, timeout > 0 ? timeout : 60, false);
}

static int scenario_bad_entry(void)
{
	static const char *const steps[] = {
		"bm: PSCI_FEATURES(SYSTEM_SUSPEND64) x0=0000000000000000",
		"entry=0x1000 ",
		"SYSTEM_SUSPEND -> INVALID_ADDRESS (-9)",
		"bm:   returned x0=fffffffffffffff7",
		"entry=0x3ffffffc ",
		"SYSTEM_SUSPEND -> INVALID_ADDRESS (-9)",
		"entry=0xfffffffffffff000 ",
		"SYSTEM_SUSPEND -> INVALID_ADDRESS (-9)",
		/* SMC32: KVM hands over the entry point's low 32 bits only */
		"fn=0x8400000e entry=0x1000 ",
		"SYSTEM_SUSPEND -> INVALID_ADDRESS (-9)",
		"bm: PASS",
		"SYSTEM_OFF",
	};
	struct run r;
	bool ok;

	require_kvm();
	run_bare(&r, "bm-bad-entry.Image", 1);
	skip_if_nocap(&r);
	ok = expect_seq(&r, steps, ARRAY_SIZE(steps));
	ok &= expect_absent(&r, "SUSPENDED");
	ok &= expect_absent(&r, "] error: ");
	ok &= expect_status(&r, VMM_POWEROFF, "guest powered off");
	free_run(&r);
	return finish(ok, "bad-entry");
}

static int scenario_secondary_on(void)
{
	static const char *const steps[] = {
		"bm: CPU_ON(vcpu1) x0=0000000000000000",
		"bm: vcpu1 is running",
		"vcpu0: SYSTEM_SUSPEND fn=0xc400000e",
		"vcpu0: secondary vcpu1 RUNNABLE",
		"SYSTEM_SUSPEND -> DENIED (-3)",
		"bm: SYSTEM_SUSPEND returned x0=fffffffffffffffd",
		"bm: PASS",
		"SYSTEM_OFF",
	};
	struct run r;
	bool ok;

	require_kvm();
	run_bare(&r, "bm-secondary-on.Image", 2);
	skip_if_nocap(&r);
	ok = expect_seq(&r, steps, ARRAY_SIZE(steps));
	ok &= expect_absent(&r, "SUSPENDED");
	ok &= expect_absent(&r, "] error: ");
	ok &= expect_status(&r, VMM_POWEROFF, "guest powered off");
	free_run(&r);
	return finish(ok, "secondary-on");
}

/* One bad invocation: expected exit status and a piece of the message. */
static bool check_error(char *const argv[], bool no_kvm, int status,
			const char *msg)
{
	struct run r;
	bool ok;

	run_vmm(&r, argv, 15, no_kvm);
	ok = expect_status(&r, status, "error") && expect_seq(&r, &msg, 1);
	free_run(&r);
	return ok;
}

static int scenario_errors(void)
{
	char *unknown[] = { path("vmm"), "--kernel", (char *)kernel,
			    "--frobnicate", NULL };
	char *nokernel[] = { path("vmm"), "--cpus", "2", NULL };
	char *badmem[] = { path("vmm"), "--kernel", (char *)kernel,
			   "--mem", "3M", NULL };
	char *notimage[] = { path("vmm"), "--kernel", path("vmm"),
			     "--suspend", "off", NULL };
	char *small[] = { path("vmm"), "--kernel", (char *)kernel,
			  "--initrd", path("guest.cpio"), "--mem", "6M",
			  "--suspend", "off", NULL };
	char *nokvm[] = { path("vmm"), "--kernel", (char *)kernel,
			  "--suspend", "off", NULL };
	bool ok = true;

	ok &= check_error(unknown, false, VMM_USAGE,
			  "unknown option '--frobnicate'");
	ok &= check_error(nokernel, false, VMM_USAGE, "no kernel");
	ok &= check_error(badmem, false, VMM_USAGE, "bad memory size '3M'");
	ok &= check_error(nokvm, true, VMM_ERROR, "cannot open /dev/kvm");
	/* The rest get as far as loading the guest. */
	require_kvm();
	ok &= check_error(notimage, false, VMM_ERROR,
			  "is not an arm64 Image: no \"ARM\\x64\" magic at offset 0x38 (it is an ELF file");
	ok &= check_error(small, false, VMM_ERROR, "not enough guest RAM");
	return finish(ok, "errors");
}

static int scenario_demo(void)
{
	note("demo: the reference VMM boots Linux with 2 vCPUs; the guest arms its");
	note("PL031 RTC wake alarm and writes \"mem\" to /sys/power/state. Linux");
	note("takes vCPU 1 offline (PSCI CPU_OFF) and calls PSCI SYSTEM_SUSPEND;");
	note("KVM hands the call to the VMM, which checks vCPU 1 is STOPPED, parks");
	note("vCPU 0 in KVM_MP_STATE_SUSPENDED and waits. When the alarm is due the");
	note("RTC raises its interrupt, KVM reports WAKEUP, and the VMM restarts vCPU 0");
	note("at the guest's resume entry point. Lines: [vmm t] = VMM steps with");
	note("timestamps, guest: = the guest's init, [ t] = the guest kernel.");
	return scenario_honour(1, false, "demo");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vmm-e2e honour|deny|off|bad-entry|secondary-on|errors|demo\n"
		"               [--dir DIR] [--kernel IMAGE] [--timeout SECONDS]\n"
		"  --dir DIR        where vmm, guest.cpio and bm-*.Image are (default:\n"
		"                   this program's directory)\n"
		"  --kernel IMAGE   kernel for the Linux guest (default /boot/Image)\n");
	exit(EXIT_FAIL);
}

int main(int argc, char **argv)
{
	const char *scenario = NULL;
	char self[PATH_MAX];
	ssize_t n;
	int i;

	/* Default: the directory this program was installed in */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strrchr(self, '/'))
			*strrchr(self, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s", self);
	}

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			snprintf(dir, sizeof(dir), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !scenario)
			scenario = argv[i];
		else
			usage();
	}
	if (!scenario)
		usage();

	if (!strcmp(scenario, "honour"))
		return scenario_honour(3, true, "honour");
	if (!strcmp(scenario, "deny"))
		return scenario_deny();
	if (!strcmp(scenario, "off"))
		return scenario_off();
	if (!strcmp(scenario, "bad-entry"))
		return scenario_bad_entry();
	if (!strcmp(scenario, "secondary-on"))
		return scenario_secondary_on();
	if (!strcmp(scenario, "errors"))
		return scenario_errors();
	if (!strcmp(scenario, "demo"))
		return scenario_demo();
	usage();
}
