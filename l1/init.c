// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test initramfs: check that KVM came up, run every test of
 * /suite.list with its own timeout, report kselftest-style TAP on the
 * console and power the machine off.
 *
 * /suite.list: one test a line, "NAME TIMEOUT ARGV0 ARGS...", blank lines
 * and lines starting with '#' ignored. A trailing "# SKIP reason" keeps
 * the test listed but reports it skipped without running it.
 *
 * Output: "TAP version 13", "1..N", then per test the child's stdout and
 * stderr, each line prefixed with "# " (so the child's own TAP cannot be
 * mistaken for ours), and "ok N selftests: kvm: NAME", "not ok ...", or
 * "ok N ... # SKIP reason". "Bail out!" if KVM is not usable.
 *
 * On a kernel with kmemleak (CONFIG=debug), what it suspects at boot is
 * cleared before the first test and a scan follows the suite (and every
 * test, with "l1.kmemleak=each" on the command line): each new suspected
 * leak is printed whole, unprefixed ("kmemleak: unreferenced object ..."
 * and its backtrace), before the result line of the test it follows, so
 * that the verdict fails that test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define KSFT_SKIP	4
#define MAX_TESTS	256
#define MAX_ARGS	64
#define LINE_MAX_LEN	4096
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

struct test {
	char *name;
	int timeout;
	char *argv[MAX_ARGS + 1];
	char *skip;		/* reason, if listed as skipped */
};

static struct test tests[MAX_TESTS];
static int ntests;

/* One write() per line keeps our lines whole on the console. */
static void out(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	while (n > 0) {
		ssize_t w = write(1, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		memmove(buf, buf + w, n - w);
		n -= w;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int pid1;

static void poweroff(void)
{
	if (!pid1)	/* run by hand: tests of the harness */
		exit(0);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void bail_out(const char *why)
{
	out("Bail out! %s\n", why);
	poweroff();
}

static void setup(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };
	FILE *f;

	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY)
		out("# init: mount devtmpfs: %s\n", strerror(errno));
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mkdir("/dev/pts", 0755);
	mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666");
	/*
	 * What udev or systemd would add to devtmpfs: kselftest's runner
	 * writes the TAP of every test to /dev/stdout.
	 */
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");

	/* kvm_create_max_vcpus wants one fd per vCPU (512) and more. */
	f = fopen("/proc/sys/fs/nr_open", "r");
	if (f) {
		unsigned long n;

		if (fscanf(f, "%lu", &n) == 1)
			rl.rlim_cur = rl.rlim_max = n;
		fclose(f);
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		out("# init: setrlimit(NOFILE): %s\n", strerror(errno));

	setenv("PATH", "/kvm:/vmm:/usr/bin:/bin", 1);
	setenv("HOME", "/", 1);
	setenv("TMPDIR", "/tmp", 1);
	chdir("/");
}

/* Fail fast, and say why, if this kernel has no usable KVM. */
static void check_kvm(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log, *p, *line;

	if (len <= 0)
		len = 1 << 20;
	log = calloc(1, len + 1);
	if (!log)
		bail_out("out of memory");
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len < 0)
		len = 0;
	log[len] = '\0';

	if (!strstr(log, "VHE mode initialized successfully") &&
	    !strstr(log, "Hyp mode initialized successfully")) {
		/* Show what KVM did say. */
		for (line = strtok_r(log, "\n", &p); line;
		     line = strtok_r(NULL, "\n", &p))
			if (strstr(line, "kvm") || strstr(line, "KVM") ||
			    strstr(line, "EL2") || strstr(line, "hyp"))
				out("# %s\n", line[0] == '<' && strchr(line, '>') ?
				    strchr(line, '>') + 1 : line);
		bail_out("KVM: no \"mode initialized successfully\" in the kernel log (is the CPU booted at EL2: -M virt,virtualization=on? CONFIG_KVM?)");
	}
	free(log);
	if (access("/dev/kvm", R_OK | W_OK))
		bail_out("/dev/kvm is missing (devtmpfs not mounted?)");
	/*
	 * From here on only warnings and worse reach the console, so that
	 * chatty info messages cannot cut our TAP lines in half; splats
	 * (WARNING, BUG, lockdep, KASAN) are all at KERN_WARNING or above.
	 */
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 5);
}

/* 0: no kmemleak; 1: scan after the suite; 2: after every test too */
static int kmemleak;

static int kmemleak_cmd(const char *cmd)
{
	int fd = open(KMEMLEAK, O_WRONLY | O_CLOEXEC);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, cmd, strlen(cmd));
	close(fd);
	return w == (ssize_t)strlen(cmd) ? 0 : -1;
}

/*
 * Scan (twice: an object in flight between two pointers is not reported
 * by the second scan) and print what kmemleak suspects now, its lines
 * unprefixed when show is set. Returns the number of suspects, -1 if the
 * scan failed (kmemleak disabled itself: an error line says so).
 */
static int kmemleak_scan(int show)
{
	char line[LINE_MAX_LEN];
	double t0 = now();
	int n = 0;
	FILE *f;

	out("# kmemleak: scanning\n");
	if (kmemleak_cmd("scan") || kmemleak_cmd("scan") ||
	    !(f = fopen(KMEMLEAK, "r"))) {
		out("kmemleak: error: scan failed: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			n++;
		if (show)
			out("kmemleak: %s%s", line,
			    strchr(line, '\n') ? "" : "\n");
	}
	fclose(f);
	out("# kmemleak: %d suspected leak(s), scans took %.1fs\n", n,
	    now() - t0);
	return n;
}

/*
 * kmemleak reports objects at least 5 s old: let boot's age, scan, and
 * clear what is suspected then (boot's own, not the tests').
 */
static void kmemleak_start(void)
{
	char cmdline[4096] = "";
	FILE *f;
	int n;

	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(KMEMLEAK, R_OK | W_OK))
		return;
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	kmemleak = strstr(cmdline, "l1.kmemleak=each") ? 2 : 1;
	sleep(6);
	n = kmemleak_scan(0);
	if (n < 0 || kmemleak_cmd("clear")) {
		out("kmemleak: error: cannot clear boot's suspects\n");
		kmemleak = 0;
		return;
	}
	out("# kmemleak: on, %d suspect(s) of boot cleared; scans after %s\n",
	    n, kmemleak == 2 ? "every test" : "the suite");
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void load_suite(const char *path)
{
	static char buf[1 << 16];
	char *line, *save, *p;
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		bail_out("cannot open the suite list");
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct test *t = &tests[ntests];
		char *hash, *tok, *end;
		int argc = 0;

		line = skip_space(line);
		if (*line == '#' || *line == '\0')
			continue;
		hash = strchr(line, '#');
		if (hash) {
			*hash = '\0';
			p = skip_space(hash + 1);
			if (!strncmp(p, "SKIP", 4))
				t->skip = skip_space(p + 4);
		}
		t->name = strtok_r(line, " \t", &p);
		tok = strtok_r(NULL, " \t", &p);
		if (!t->name || !tok)
			continue;
		t->timeout = strtol(tok, &end, 10);
		if (*end || t->timeout <= 0) {
			out("# init: %s: bad timeout '%s', using 60\n", t->name, tok);
			t->timeout = 60;
		}
		while ((tok = strtok_r(NULL, " \t", &p)) && argc < MAX_ARGS)
			t->argv[argc++] = tok;
		t->argv[argc] = NULL;
		if (!argc) {
			out("# init: %s: no command, ignored\n", t->name);
			continue;
		}
		if (++ntests == MAX_TESTS)
			break;
	}
}

/* "kvm:get-reg-list" -> "kvm: get-reg-list" */
static const char *desc(const char *name)
{
	static char buf[256];
	const char *c = strchr(name, ':');

	if (c)
		snprintf(buf, sizeof(buf), "selftests: %.*s: %s",
			 (int)(c - name), name, c + 1);
	else
		snprintf(buf, sizeof(buf), "selftests: %s", name);
	return buf;
}

struct linebuf {
	char buf[LINE_MAX_LEN];
	size_t len;
	char last[256];		/* last non-empty line, for the SKIP reason */
};

static void emit(struct linebuf *lb)
{
	lb->buf[lb->len] = '\0';
	out("# %s\n", lb->buf);
	if (lb->len)
		snprintf(lb->last, sizeof(lb->last), "%.*s",
			 (int)sizeof(lb->last) - 1, lb->buf);
	lb->len = 0;
}

static void feed(struct linebuf *lb, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (c == '\n') {
			emit(lb);
		} else if (c != '\r') {
			lb->buf[lb->len++] = c;
			if (lb->len == sizeof(lb->buf) - 1)
				emit(lb);
		}
	}
}

/*
 * As PID 1 we also inherit orphans: reap everything that exited, noting
 * the status of our own child when it is among them.
 */
static void reap(pid_t child, int *status, int *exited)
{
	pid_t w;
	int st;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0)
		if (w == child) {
			*status = st;
			*exited = 1;
		}
}

/*
 * The child's stdout and stderr: a pty when we have one, so that stdio
 * line-buffers and a test killed at its timeout has shown how far it got;
 * a pipe otherwise. fds[0] is ours to read, fds[1] the child's.
 */
static int open_output(int fds[2])
{
	static int warned;
	struct termios tio;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char *name;

	if (m >= 0 && !grantpt(m) && !unlockpt(m) && (name = ptsname(m))) {
		fds[1] = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fds[1] >= 0) {
			/* No \n -> \r\n, no echo. */
			if (!tcgetattr(fds[1], &tio)) {
				cfmakeraw(&tio);
				tcsetattr(fds[1], TCSANOW, &tio);
			}
			fds[0] = m;
			return 0;
		}
	}
	if (m >= 0)
		close(m);
	if (!warned) {
		out("# init: no pty (%s): test output goes through a pipe\n",
		    strerror(errno));
		warned = 1;
	}
	return pipe2(fds, O_CLOEXEC);
}

/* Run one test and print its TAP result line. */
/* Start t with its stdout and stderr on fds[1]; returns its pid. */
static pid_t spawn_test(const struct test *t, int fds[2])
{
	pid_t pid;

	if (open_output(fds))
		bail_out("cannot create a pty or a pipe");
	pid = fork();
	if (pid < 0)
		bail_out("fork failed");
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execv(t->argv[0], t->argv);
		fprintf(stderr, "exec %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	return pid;
}

/*
 * Relay fd's output into lb until the pipe closes and the child is gone,
 * or the deadline passes. Once the child exited, anything still holding
 * the pipe gets one more second. Returns 1 if the deadline killed it.
 */
static int relay_output(pid_t pid, int fd, double deadline,
			struct linebuf *lb, int *status)
{
	int exited = 0, timed_out = 0;
	double grace = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = (grace ? grace : deadline) - now();
		char data[4096];
		int r;

		if (!exited) {
			reap(pid, status, &exited);
			if (exited)
				grace = now() + 1;
		}
		if (pfd.fd < 0 && exited)
			break;
		if (left <= 0) {
			if (!exited)
				timed_out = 1;
			break;
		}
		if (pfd.fd < 0) {
			usleep(20000);
			continue;
		}
		r = poll(&pfd, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
		if (r > 0) {
			ssize_t n = read(fd, data, sizeof(data));

			if (n > 0) {
				feed(lb, data, n);
			} else if (n == 0 || errno != EINTR) {
				close(fd);
				fd = -1;
			}
		}
	}
	kill(-pid, SIGKILL);
	if (!exited)
		waitpid(pid, status, 0);
	if (fd >= 0)
		close(fd);
	if (lb->len)
		emit(lb);
	reap(0, NULL, NULL);
	return timed_out;
}

/* The TAP result of test num from its wait status. */
static void report(int num, const struct test *t, int status, int timed_out,
		   const struct linebuf *lb)
{
	const char *d = desc(t->name);

	if (timed_out) {
		out("# timeout: killed after %d seconds\n", t->timeout);
		out("not ok %d %s # TIMEOUT %d seconds\n", num, d, t->timeout);
	} else if (WIFSIGNALED(status)) {
		out("# killed by signal %d (%s)\n", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
		out("not ok %d %s\n", num, d);
	} else if (WEXITSTATUS(status) == KSFT_SKIP) {
		out("ok %d %s # SKIP %s\n", num, d, lb->last[0] ? lb->last : "");
	} else if (WEXITSTATUS(status) == 0) {
		out("ok %d %s\n", num, d);
	} else {
		out("# exit=%d\n", WEXITSTATUS(status));
		out("not ok %d %s\n", num, d);
	}
}

static void run_test(int num, struct test *t)
{
	struct linebuf lb = { .len = 0 };
	double start = now();
	int fds[2], status = 0, timed_out;
	const char *d = desc(t->name);
	pid_t pid;

	if (t->skip) {
		out("ok %d %s # SKIP %s\n", num, d, *t->skip ? t->skip : "listed as skipped");
		return;
	}
	if (access(t->argv[0], X_OK)) {
		out("ok %d %s # SKIP not built\n", num, d);
		return;
	}
	pid = spawn_test(t, fds);
	timed_out = relay_output(pid, fds[0], start + t->timeout, &lb, &status);
	out("# %s: %.2fs\n", t->name, now() - start);
	/* A leak is new from here on: reported once, by this test. */
	if (kmemleak == 2 && kmemleak_scan(1) > 0)
		kmemleak_cmd("clear");
	report(num, t, status, timed_out, &lb);
}

/*
 * As PID 1: set up, check KVM, run /suite.list, power off. Run by hand
 * (the harness's own tests do, on the build host): "init SUITE" only runs
 * the tests of SUITE.
 */
int main(int argc, char **argv)
{
	double t0;

	pid1 = getpid() == 1;
	if (pid1)
		setup();
	out("TAP version 13\n");
	if (pid1) {
		check_kvm();
		kmemleak_start();
	}
	load_suite(!pid1 && argc > 1 ? argv[1] : "/suite.list");
	out("1..%d\n", ntests);
	t0 = now();
	for (int i = 0; i < ntests; i++)
		run_test(i + 1, &tests[i]);
	if (kmemleak == 1)
		kmemleak_scan(1);
	out("# init: %d test(s) in %.1fs, powering off\n", ntests, now() - t0);
	poweroff();
	return 0;
}
