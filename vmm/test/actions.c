// SPDX-License-Identifier: GPL-2.0
/*
 * What the e2e driver does while the vmm runs, when a scenario's line shows
 * up: write to the vmm's standard input (the guest's console), or talk to
 * its control socket and add each answer to the run as a line of its own
 * (E2E_ANSWER "command -> answer"), so that the scenario's steps check the
 * answers like any other line. And, after the run, the timings.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kvm_arm.h"
#include "events.h"
#include "e2e.h"

static void record(struct run *r, const char *who, const char *cmd,
		   const char *answer)
{
	char line[600];
	int n;

	n = snprintf(line, sizeof(line), E2E_ANSWER "%s%s -> %s", who, cmd,
		     answer);
	add_line(r, line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
}

static int control_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", E2E_CONTROL_PATH);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* One answer line (without its newline) within 10 s; "" on none. */
static void read_answer(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	ssize_t n;

	buf[0] = '\0';
	while (used < size - 1 && poll(&p, 1, 10000) > 0) {
		n = read(fd, buf + used, size - 1 - used);
		if (n <= 0)
			break;
		used += n;
		buf[used] = '\0';
		if (strchr(buf, '\n')) {
			*strchr(buf, '\n') = '\0';
			return;
		}
	}
	if (!used)
		snprintf(buf, size, "(no answer: %s)",
			 used ? "cut" : "connection closed or timed out");
}

static void send_line(int fd, const char *cmd, bool newline)
{
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0 ||
	    (newline && send(fd, "\n", 1, MSG_NOSIGNAL) < 0))
		note("control: send: %s", strerror(errno));
}

static void control(struct run *r, const char *cmd)
{
	char answer[512];
	int fd = control_connect();

	if (fd < 0) {
		record(r, "", cmd, "(cannot connect)");
		return;
	}
	send_line(fd, cmd, true);
	read_answer(fd, answer, sizeof(answer));
	record(r, "", cmd, answer);
	close(fd);
}

/* A client that hangs up in the middle of a command: nothing to record. */
static void control_cut(struct run *r, const char *cmd)
{
	int fd = control_connect();

	if (fd < 0) {
		record(r, "", cmd, "(cannot connect)");
		return;
	}
	send_line(fd, cmd, false);
	close(fd);
}

/* Two clients connected at once, each sends @cmd; B is served first. */
static void control_two(struct run *r, const char *cmd)
{
	char answer[512];
	int a = control_connect(), b = control_connect();

	if (a < 0 || b < 0) {
		record(r, "A+B ", cmd, "(cannot connect)");
	} else {
		send_line(b, cmd, true);
		read_answer(b, answer, sizeof(answer));
		record(r, "B ", cmd, answer);
		send_line(a, cmd, true);
		read_answer(a, answer, sizeof(answer));
		record(r, "A ", cmd, answer);
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

static void act(struct run *r, const struct action *a)
{
	switch (a->kind) {
	case ACT_STDIN:
		note("writing \"%s\" to the vmm's standard input", a->arg);
		if (write(r->stdin_fd, a->arg, strlen(a->arg)) < 0)
			note("write: %s", strerror(errno));
		break;
	case ACT_CONTROL:
		control(r, a->arg);
		break;
	case ACT_CONTROL_CUT:
		control_cut(r, a->arg);
		break;
	case ACT_CONTROL_TWO:
		control_two(r, a->arg);
		break;
	}
}

/* After each new line: the actions it triggers, in table order. */
void actions_run(struct run *r)
{
	const char *s = r->lines[r->nr - 1].s;
	const struct action *a;
	int i;

	for (i = 0, a = r->actions; a && a->on && i < MAX_ACTIONS; i++, a++) {
		if (r->done[i] || !strstr(s, a->on) ||
		    (a->detail && !strstr(s, a->detail)))
			continue;
		if (++r->hits[i] < (a->nth ? a->nth : 1))
			continue;
		r->done[i] = true;
		act(r, a);
	}
}

/* ------------------------------------------------------------------ */
/* Timings */

void report_boot(const struct run *r)
{
	int i = find(r, 0, GUEST GUEST_PARAMS, NULL);

	if (i >= 0)
		note("L2 boot: the guest's init ran %.2f s after the vmm started",
		     r->lines[i].t);
}

/* The vmm's own timestamp in a "[vmm  12.345] ..." line, or -1. */
static double vmm_time(const char *s)
{
	double t;

	if (sscanf(s, EV_LOG_PREFIX "%lf]", &t) == 1)
		return t;
	return -1;
}

/*
 * The vmm's clock against the driver's: a line arrives at least as late as
 * the vmm stamped it, so the smallest difference is the clocks' offset (up
 * to the quickest pipe delay).
 */
static double clock_offset(const struct run *r)
{
	double off = 1e9, t;
	int i;

	for (i = 0; i < r->nr; i++) {
		t = vmm_time(r->lines[i].s);
		if (t >= 0 && r->lines[i].t - t < off)
			off = r->lines[i].t - t;
	}
	return off;
}

static const char *const wake_events[] = {
	EV_ALARM_DUE, EV_CONSOLE_INPUT, EV_CONTROL_CMD " wakeup",
};

/* The last wake-up event in lines [from, to), or -1. */
static int last_wake_event(const struct run *r, int from, int to,
			   int *kind)
{
	int i, k, last = -1;

	for (i = from; i < to; i++)
		for (k = 0; k < (int)(sizeof(wake_events) / sizeof(*wake_events)); k++)
			if (strstr(r->lines[i].s, wake_events[k])) {
				last = i;
				*kind = k;
			}
	return last;
}

/*
 * Per cycle: from the wake-up event (the last one while suspended) to the
 * vCPU resuming at the entry point (both in the vmm's clock), and to the
 * guest's userspace saying it resumed (the arrival of its line, in the
 * vmm's clock: not the event line's arrival, which a control command the
 * driver waits on delays). An event before that one, that did not wake the
 * guest, is reported with how long the guest then stayed asleep.
 */
void report_latency(const struct run *r)
{
	int at = 0, n, susp, entry, user, ev, kind = 0, early, k2 = 0;
	double off = clock_offset(r);

	for (n = 1; (susp = find(r, at, EV_SUSPENDED, NULL)) >= 0; n++) {
		entry = find(r, susp, EV_RESUME, NULL);
		user = find(r, entry, GUEST_RESUMED, GUEST);
		ev = entry < 0 ? -1 : last_wake_event(r, susp, entry, &kind);
		if (ev < 0 || user < 0)
			return;
		note("cycle %d: %s -> vCPU back at the entry point: %.1f ms; -> guest userspace running: %.0f ms",
		     n, wake_events[kind],
		     1000 * (vmm_time(r->lines[entry].s) -
			     vmm_time(r->lines[ev].s)),
		     1000 * (r->lines[user].t - off - vmm_time(r->lines[ev].s)));
		early = last_wake_event(r, susp, ev, &k2);
		if (early >= 0)
			note("cycle %d: %s earlier did not wake the guest: it slept %.2f s more",
			     n, wake_events[k2],
			     vmm_time(r->lines[ev].s) -
			     vmm_time(r->lines[early].s));
		at = user + 1;
	}
}
