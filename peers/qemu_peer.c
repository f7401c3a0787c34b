// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_peer: a VMM that does not opt in to SYSTEM_SUSPEND (Debian's QEMU,
 * run with KVM in the L1 kernel) must see the same host whether or not
 * the host carries the series.
 *
 *   qemu_peer [--qemu PATH] [--kernel IMAGE] [--initrd CPIO] [--timeout S]
 *             [--label NAME]   (answers line of another QEMU, by name)
 *
 * Boots IMAGE (default /boot/Image) with 2 vCPUs under
 *   qemu-system-aarch64 -accel kvm -M virt,gic-version=3 -cpu host
 * with l2/peer.c as PID 1 (CPIO, default /peers/peer-guest.cpio), which
 * reports what it sees (mem_sleep, a CPU hotplug cycle, an s2idle cycle)
 * and powers off. Passes if QEMU exits with status 0 after the guest's
 * PASS, and prints one "qemu_peer: answers: ..." line, which harness/
 * peers.sh compares between the patched kernel and the base.
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm or no QEMU).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES	4096

static const char *qemu = "/usr/bin/qemu-system-aarch64";
static const char *kernel = "/boot/Image";
static const char *initrd = "/peers/peer-guest.cpio";
static int timeout = 240;
static const char *label;	/* another QEMU's answers line, by name */

static char *lines[MAX_LINES];
static double stamps[MAX_LINES];
static int nr_lines;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_line(const char *s, size_t len, double t)
{
	printf("%.*s\n", (int)len, s);
	fflush(stdout);
	if (nr_lines == MAX_LINES)
		return;
	stamps[nr_lines] = t;
	lines[nr_lines] = strndup(s, len);
	if (!lines[nr_lines])
		abort();
	nr_lines++;
}

/* The first line containing @pat, or -1. */
static int find(const char *pat)
{
	int i;

	for (i = 0; i < nr_lines; i++)
		if (strstr(lines[i], pat))
			return i;
	return -1;
}

/* The rest of the first line starting with @prefix, or NULL. */
static const char *value(const char *prefix)
{
	size_t n = strlen(prefix);
	int i;

	for (i = 0; i < nr_lines; i++)
		if (!strncmp(lines[i], prefix, n))
			return lines[i] + n;
	return NULL;
}

/* Runs QEMU, echoing its output; returns its wait status, -1 on timeout. */
static int run_qemu(char *const argv[])
{
	char buf[4096];
	size_t used = 0;
	double t0 = mono();
	int pfd[2], wstatus;
	bool timed_out = false;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((t0 + timeout - mono()) * 1000);
		char *nl;
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(pfd[0], buf + used, sizeof(buf) - used);
		if (n <= 0)
			break;
		used += n;
		while ((nl = memchr(buf, '\n', used)) || used == sizeof(buf)) {
			size_t len = nl ? (size_t)(nl - buf) : used;

			add_line(buf, len && buf[len - 1] == '\r' ? len - 1 : len,
				 mono() - t0);
			len += nl ? 1 : 0;
			memmove(buf, buf + len, used - len);
			used -= len;
		}
	}
	if (used)
		add_line(buf, used, mono() - t0);
	close(pfd[0]);
	waitpid(pid, &wstatus, 0);
	if (timed_out) {
		printf("qemu_peer: TIMEOUT: QEMU ran for more than %d s and was killed\n",
		       timeout);
		return -1;
	}
	return wstatus;
}

static bool expect(const char *pat)
{
	if (find(pat) >= 0)
		return true;
	printf("qemu_peer: missing \"%s\"\n", pat);
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_peer [--qemu PATH] [--kernel IMAGE] [--initrd CPIO] [--timeout SECONDS] [--label NAME]\n");
	exit(1);
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--qemu"))
			qemu = argv[++i];
		else if (!strcmp(argv[i], "--kernel"))
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--initrd"))
			initrd = argv[++i];
		else if (!strcmp(argv[i], "--timeout"))
			timeout = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--label"))
			label = argv[++i];
		else
			usage();
	}
	if (timeout <= 0)
		usage();
}

/* QEMU's command line: what any user of KVM on arm64 would run. */
static char **qemu_argv(void)
{
	static char *v[] = {
		NULL, "-accel", "kvm", "-M", "virt,gic-version=3",
		"-cpu", "host", "-smp", "2", "-m", "256M",
		"-nodefaults", "-no-user-config", "-display", "none",
		"-serial", "stdio", "-no-reboot",
		"-kernel", NULL, "-initrd", NULL,
		"-append", "console=ttyAMA0 panic=-1", NULL,
	};
	size_t i;

	v[0] = (char *)qemu;
	for (i = 1; i + 1 < sizeof(v) / sizeof(v[0]); i++) {
		if (!v[i])
			continue;
		if (!strcmp(v[i], "-kernel"))
			v[i + 1] = (char *)kernel;
		else if (!strcmp(v[i], "-initrd"))
			v[i + 1] = (char *)initrd;
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *mem_sleep;
	int status, i, up;
	char **qargv;
	bool ok = true;

	parse_args(argc, argv);
	qargv = qemu_argv();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("qemu_peer: SKIP: /dev/kvm: %s\n", strerror(errno));
		return 4;
	}
	if (access(qargv[0], X_OK)) {
		printf("qemu_peer: SKIP: %s: %s\n", qargv[0], strerror(errno));
		return 4;
	}
	printf("qemu_peer: running");
	for (i = 0; qargv[i]; i++)
		printf(" %s", qargv[i]);
	printf("\n");

	status = run_qemu(qargv);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("qemu_peer: QEMU did not exit with status 0 (wait status %#x)\n",
		       status);
		ok = false;
	}
	ok &= expect("peer: up");
	ok &= expect("peer: hotplug: cpu1 off, on, running");
	ok &= expect("peer: s2idle: resumed on the RTC alarm");
	ok &= expect("peer: PASS");
	if (find("peer: FAIL") >= 0)
		ok = false;

	up = find("peer: up");
	if (up >= 0)
		printf("qemu_peer: guest init up %.2f s after QEMU started\n",
		       stamps[up]);
	mem_sleep = value("peer: mem_sleep: ");
	if (label)
		printf("qemu_peer: answers (%s): ", label);
	else
		printf("qemu_peer: answers: ");
	printf("mem_sleep=\"%s\" hotplug=%s s2idle=%s guest=%s qemu_status=%d\n",
	       mem_sleep ? mem_sleep : "?",
	       find("peer: hotplug: cpu1 off, on, running") >= 0 ? "ok" : "no",
	       find("peer: s2idle: resumed") >= 0 ? "ok" : "no",
	       find("peer: PASS") >= 0 ? "PASS" : "FAIL",
	       status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("qemu_peer: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
