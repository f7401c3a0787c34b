// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-e2e: end-to-end tests of PSCI SYSTEM_SUSPEND through the reference
 * VMM, run inside the KVM host (no shell needed: it execs the vmm itself).
 *
 *   vmm-e2e SCENARIO [--dir DIR] [--kernel IMAGE] [--timeout SECONDS]
 *
 * Each scenario is a row of scenarios[] below: the vmm's command line, the
 * steps its output must show in order (a step is a VMM event or a guest
 * line from events.h, and a detail the same line must contain), the lines
 * it must not show, its exit status, and what the driver does while it
 * runs (write to the vmm's standard input, send control-socket commands)
 * when a given line shows up. Every line is echoed as it comes; on a
 * mismatch the expected steps are printed with what was and wasn't seen.
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no KVM, or KVM without
 * KVM_CAP_ARM_SYSTEM_SUSPEND).
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
#include <unistd.h>

#include "kvm_arm.h"
#include "events.h"
#include "e2e.h"

#define MAX_ARGS	40
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char dir[PATH_MAX] = "/vmm";
static const char *kernel = "/boot/Image";
static int timeout = -1;

void note(const char *fmt, ...)
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
	return ka_now_ns() / 1e9;
}

void add_line(struct run *r, const char *s, size_t len)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->lines = realloc(r->lines, r->cap * sizeof(*r->lines));
		if (!r->lines)
			abort();
	}
	r->lines[r->nr].t = mono() - r->t0;
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

/* Index of the first line at or after @from with @ev and @detail, or -1. */
int find(const struct run *r, int from, const char *ev, const char *detail)
{
	int i;

	for (i = from < 0 ? 0 : from; i < r->nr; i++)
		if (strstr(r->lines[i].s, ev) &&
		    (!detail || strstr(r->lines[i].s, detail)))
			return i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Running the vmm */

/* Runs the vmm on a "/dev" without kvm: see the errors scenario. */
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

static void __attribute__((noreturn)) exec_child(char *const argv[],
						  int in, int out, bool no_kvm)
{
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	if (no_kvm)
		hide_dev_kvm();
	execv(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static pid_t start_vmm(struct run *r, char *const argv[], bool no_kvm,
		       int *out)
{
	int opipe[2], ipipe[2], i;
	pid_t pid;

	printf("e2e: running");
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	if (pipe2(opipe, O_CLOEXEC) || pipe2(ipipe, O_CLOEXEC)) {
		note("pipe: %s", strerror(errno));
		exit(KA_EXIT_FAIL);
	}
	r->t0 = mono();
	pid = fork();
	if (pid < 0) {
		note("fork: %s", strerror(errno));
		exit(KA_EXIT_FAIL);
	}
	if (!pid)
		exec_child(argv, ipipe[0], opipe[1], no_kvm);
	close(opipe[1]);
	close(ipipe[0]);
	r->stdin_fd = ipipe[1];
	*out = opipe[0];
	return pid;
}

/* Splits what arrived into lines; returns how much is left unsplit. */
static size_t take_lines(struct run *r, char *buf, size_t used, size_t size)
{
	char *nl;

	while ((nl = memchr(buf, '\n', used)) || used == size) {
		size_t len = nl ? (size_t)(nl - buf) : used;

		add_line(r, buf, len);
		if (nl)
			len++;
		memmove(buf, buf + len, used - len);
		used -= len;
		actions_run(r);
	}
	return used;
}

static void collect(struct run *r, int fd, pid_t pid, double deadline)
{
	char buf[4096];
	size_t used = 0;
	ssize_t n;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - mono()) * 1000);

		if (left <= 0) {
			r->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(fd, buf + used, sizeof(buf) - used);
		if (n <= 0)
			break;
		used = take_lines(r, buf, used + n, sizeof(buf));
	}
	if (used)
		add_line(r, buf, used);
}

/* Runs argv (argv[0] a path), collecting its stdout and stderr. */
static void run_vmm(struct run *r, char *const argv[], int secs, bool no_kvm,
		    const struct action *actions)
{
	int out, wstatus;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->actions = actions;
	pid = start_vmm(r, argv, no_kvm, &out);
	collect(r, out, pid, r->t0 + secs);
	close(out);
	close(r->stdin_fd);
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

/* ------------------------------------------------------------------ */
/* Checking what it said */

/*
 * The guest's next "woken by" line at or after @from, if it names what
 * @st wants, or says "untold" and the run proves @st->attribute; or -1.
 */
static int find_woken(const struct run *r, int from, const struct step *st)
{
	int at = find(r, from, GUEST, st->ev);
	const char *src;
	char why[256];

	if (at < 0 || (st->detail && strstr(r->lines[at].s, st->detail)))
		return at;
	if (!strstr(r->lines[at].s, GUEST_WOKEN_BY " untold ("))
		return -1;
	src = attribute_wakeup(r, at, why, sizeof(why));
	note("line %d, the guest cannot tell what woke it: the run shows %s: %s",
	     at + 1, src ? src : "nothing certain", why);
	return src && !strcmp(src, st->attribute) ? at : -1;
}

static bool steps_seen(const struct run *r, const struct step *const *blocks,
		       int nblocks, int *failed_block, int *failed_step)
{
	int at = 0, b, i, found;

	for (b = 0; b < nblocks; b++) {
		for (i = 0; blocks[b] && blocks[b][i].ev; i++) {
			found = blocks[b][i].attribute ?
				find_woken(r, at, &blocks[b][i]) :
				find(r, at, blocks[b][i].ev, blocks[b][i].detail);
			if (found < 0) {
				*failed_block = b;
				*failed_step = i;
				return false;
			}
			at = found + 1;
		}
	}
	return true;
}

static void print_steps(const struct step *const *blocks, int nblocks,
			int fb, int fs)
{
	int b, i;

	note("expected these lines in this order:");
	for (b = 0; b < nblocks; b++)
		for (i = 0; blocks[b] && blocks[b][i].ev; i++)
			note("  %-8s \"%s\"%s%s%s",
			     b < fb || (b == fb && i < fs) ? "seen" :
			     b == fb && i == fs ? "MISSING" : "-",
			     blocks[b][i].ev,
			     blocks[b][i].detail ? " with \"" : "",
			     blocks[b][i].detail ? blocks[b][i].detail : "",
			     blocks[b][i].detail ? "\"" : "");
}

static bool expect_steps(const struct run *r, const struct scenario *sc)
{
	int n, fb, fs;

	for (n = 0; n < MAX_BLOCKS && sc->blocks[n]; n++)
		;
	if (steps_seen(r, sc->blocks, n, &fb, &fs))
		return true;
	print_steps(sc->blocks, n, fb, fs);
	return false;
}

static bool expect_absent(const struct run *r, const char *const *forbidden)
{
	bool ok = true;
	int i, at;

	for (i = 0; forbidden && forbidden[i]; i++) {
		at = find(r, 0, forbidden[i], NULL);
		if (at < 0)
			continue;
		note("did not expect \"%s\", saw it in output line %d: %s",
		     forbidden[i], at + 1, r->lines[at].s);
		ok = false;
	}
	return ok;
}

static bool expect_status(const struct run *r, int status)
{
	if (r->status == status)
		return true;
	note("expected vmm exit status %d, got %d", status, r->status);
	return false;
}

/* ------------------------------------------------------------------ */
/* Command lines */

static char *path(const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 8];

	if (snprintf(p, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		note("path too long: %s/%s", dir, name);
		exit(KA_EXIT_FAIL);
	}
	return p;
}

/* Splits @s at spaces into argv[*n...], in @buf. */
static void split_args(char *buf, size_t size, const char *s, char **argv,
		       int *n)
{
	char *tok, *save;

	snprintf(buf, size, "%s", s ? s : "");
	for (tok = strtok_r(buf, " ", &save); tok && *n < MAX_ARGS - 1;
	     tok = strtok_r(NULL, " ", &save))
		argv[(*n)++] = tok;
	argv[*n] = NULL;
}

/*
 * The Linux guest gets l2/suspend.c as PID 1 and its parameters on the
 * kernel command line; no_console_suspend makes the guest kernel's suspend
 * messages come out when they happen, in order with the VMM's steps.
 */
static void build_argv(const struct scenario *sc, char **argv, char *buf,
		       size_t size, char *append, size_t asize)
{
	int n = 0;

	argv[n++] = path("vmm");
	argv[n++] = "--kernel";
	if (sc->image) {
		argv[n++] = path(sc->image);
	} else {
		argv[n++] = (char *)kernel;
		argv[n++] = "--initrd";
		argv[n++] = path("guest.cpio");
		argv[n++] = "--append";
		argv[n++] = append;
		snprintf(append, asize,
			 "console=ttyAMA0 no_console_suspend panic=-1 %s",
			 sc->guest_args);
	}
	split_args(buf, size, sc->vmm_args, argv, &n);
}

/* ------------------------------------------------------------------ */
/* Scenarios */

/* Skip when KVM itself is missing; the vmm's own check is tested apart. */
static void require_kvm(void)
{
	if (access("/dev/kvm", R_OK | W_OK)) {
		note("SKIP: /dev/kvm: %s", strerror(errno));
		exit(KA_EXIT_SKIP);
	}
}

static void skip_if_nocap(const struct run *r)
{
	if (r->status == VMM_EXIT_NOCAP && find(r, 0, ERR_NOCAP, NULL) >= 0) {
		note("SKIP: this kernel lacks KVM_CAP_ARM_SYSTEM_SUSPEND");
		exit(KA_EXIT_SKIP);
	}
}

static int finish(bool ok, const char *name)
{
	note("%s: %s", name, ok ? "PASS" : "FAIL");
	return ok ? KA_EXIT_PASS : KA_EXIT_FAIL;
}

static int run_scenario(const struct scenario *sc)
{
	char *argv[MAX_ARGS], buf[512], append[512];
	struct run r;
	bool ok;

	if (sc->custom)
		return sc->custom(sc);
	require_kvm();
	if (sc->about)
		note("%s", sc->about);
	build_argv(sc, argv, buf, sizeof(buf), append, sizeof(append));
	run_vmm(&r, argv, timeout > 0 ? timeout : sc->timeout, false,
		sc->actions);
	if (sc->suspend_needed)
		skip_if_nocap(&r);
	ok = expect_steps(&r, sc);
	ok &= expect_absent(&r, sc->forbidden);
	ok &= expect_absent(&r, common_forbidden);
	ok &= expect_status(&r, sc->status);
	report_boot(&r);
	if (!sc->image)
		report_latency(&r);
	free_run(&r);
	return finish(ok, sc->name);
}

/* One bad invocation: the exit status and a piece of the message. */
static bool check_error(const struct error_case *e)
{
	char *argv[MAX_ARGS], buf[512];
	struct step want[] = { { e->msg, NULL }, { NULL } };
	const struct step *blocks[] = { want };
	struct run r;
	int n = 0, fb, fs;
	bool ok;

	argv[n++] = path("vmm");
	split_args(buf, sizeof(buf), e->args, argv, &n);
	for (n = 0; argv[n]; n++)
		if (argv[n][0] == '@')
			argv[n] = argv[n][1] == '@' ? (char *)kernel :
				  path(argv[n] + 1);
	if (!e->no_kvm && !e->before_kvm)
		require_kvm();
	run_vmm(&r, argv, 15, e->no_kvm, NULL);
	ok = expect_status(&r, e->status);
	if (!steps_seen(&r, blocks, 1, &fb, &fs)) {
		print_steps(blocks, 1, fb, fs);
		ok = false;
	}
	free_run(&r);
	return ok;
}

int scenario_errors(const struct scenario *sc)
{
	const struct error_case *e;
	bool ok = true;

	for (e = error_cases; e->args; e++)
		ok &= check_error(e);
	return finish(ok, sc->name);
}

static void usage(void)
{
	const struct scenario *sc;

	fprintf(stderr, "usage: vmm-e2e SCENARIO [--dir DIR] [--kernel IMAGE] [--timeout SECONDS]\n"
		"  --dir DIR        where vmm, guest.cpio and bm-*.Image are (default:\n"
		"                   this program's directory)\n"
		"  --kernel IMAGE   kernel for the Linux guest (default /boot/Image)\n"
		"scenarios:\n");
	for (sc = scenarios; sc->name; sc++)
		fprintf(stderr, "  %-14s %s\n", sc->name, sc->summary);
	exit(KA_EXIT_FAIL);
}

static const char *parse_args(int argc, char **argv)
{
	const char *scenario = NULL;
	int i;

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
	return scenario;
}

int main(int argc, char **argv)
{
	const struct scenario *sc;
	const char *name;
	char self[PATH_MAX];
	ssize_t n;

	/* Default: the directory this program was installed in */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strrchr(self, '/'))
			*strrchr(self, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s", self);
	}
	name = parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	for (sc = scenarios; sc->name; sc++)
		if (!strcmp(sc->name, name))
			return run_scenario(sc);
	usage();
}
