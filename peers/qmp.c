// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU under a test: its console and its QMP socket, read by one poll
 * loop into one timestamped list of lines (qmp.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

static struct qline *lines;
static int nr_lines, lines_size;

double qrun_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const struct qline *qrun_line(int i)
{
	return i >= 0 && i < nr_lines ? &lines[i] : NULL;
}

int qrun_nr_lines(void)
{
	return nr_lines;
}

/* Console lines are echoed as they come, QMP messages with a prefix */
static void add_line(struct qrun *r, bool qmp, const char *s, size_t len)
{
	double t = qrun_now() - r->t0;

	while (len && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	printf("%s%.*s\n", qmp ? "qmp< " : "", (int)len, s);
	if (nr_lines == QRUN_MAX_LINES)
		return;
	if (nr_lines == lines_size) {
		lines_size = lines_size ? 2 * lines_size : 8192;
		lines = realloc(lines, lines_size * sizeof(*lines));
		if (!lines)
			abort();
	}
	lines[nr_lines].t = t;
	lines[nr_lines].qmp = qmp;
	lines[nr_lines].text = strndup(s, len);
	if (!lines[nr_lines].text)
		abort();
	nr_lines++;
}

/* Reads what @fd has; returns 0 at end of file or error */
static int drain(struct qrun *r, int fd, struct qreader *rd, bool qmp)
{
	ssize_t n = read(fd, rd->buf + rd->used, sizeof(rd->buf) - rd->used);
	char *nl;

	if (n <= 0)
		return 0;
	rd->used += n;
	while ((nl = memchr(rd->buf, '\n', rd->used)) ||
	       rd->used == sizeof(rd->buf)) {
		size_t len = nl ? (size_t)(nl - rd->buf) + 1 : rd->used;

		add_line(r, qmp, rd->buf, len);
		memmove(rd->buf, rd->buf + len, rd->used - len);
		rd->used -= len;
	}
	return 1;
}

/* Reads whatever comes within @ms milliseconds */
static void pump(struct qrun *r, int ms)
{
	struct pollfd p[2] = {
		{ .fd = r->con_out, .events = POLLIN },
		{ .fd = r->qmp, .events = POLLIN },
	};

	if (poll(p, 2, ms) <= 0)
		return;
	if ((p[0].revents & (POLLIN | POLLHUP)) &&
	    !drain(r, r->con_out, &r->con_rd, false)) {
		close(r->con_out);
		r->con_out = -1;
	}
	if (r->qmp >= 0 && (p[1].revents & (POLLIN | POLLHUP)) &&
	    !drain(r, r->qmp, &r->qmp_rd, true)) {
		close(r->qmp);
		r->qmp = -1;
	}
}

int qrun_start(struct qrun *r, char *const argv[])
{
	int in[2], out[2];

	/* Not inherited by another QEMU started while this one runs */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (!r->pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(in[1]);
		close(out[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->con_in = in[1];
	r->con_out = out[0];
	r->qmp = -1;
	r->status = -1;
	r->t0 = qrun_now();
	r->con_rd.used = 0;
	r->qmp_rd.used = 0;
	/* A QEMU that exits must not kill the test with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static bool alive(struct qrun *r)
{
	if (r->status == -1 && waitpid(r->pid, &r->status, WNOHANG) == 0)
		r->status = -1;
	return r->status == -1;
}

int qrun_qmp_connect(struct qrun *r, const char *path, int secs)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double end = qrun_now() + secs;
	int from = nr_lines;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	while (qrun_now() < end && alive(r)) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			r->qmp = fd;
			break;
		}
		close(fd);
		pump(r, 50);
	}
	if (r->qmp < 0)
		return -1;
	if (qrun_wait(r, true, "\"QMP\"", &from, secs) < 0)
		return -1;
	return qrun_cmd(r, "{\"execute\": \"qmp_capabilities\"}", secs) < 0 ?
	       -1 : 0;
}

/* Writes @cmd and a newline, with @fd attached (SCM_RIGHTS) if >= 0 */
static int send_cmd(struct qrun *r, const char *cmd, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)cmd, .iov_len = strlen(cmd) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(r->qmp, &msg, 0) != (ssize_t)iov.iov_len)
		return -1;
	return write(r->qmp, "\n", 1) == 1 ? 0 : -1;
}

int qrun_cmd(struct qrun *r, const char *cmd, int secs)
{
	return qrun_cmd_fd(r, cmd, -1, secs);
}

int qrun_cmd_fd(struct qrun *r, const char *cmd, int fd, int secs)
{
	int from = nr_lines;

	if (r->qmp < 0)
		return -1;
	printf("qmp> %s%s\n", cmd, fd >= 0 ? " (with a file descriptor)" : "");
	if (send_cmd(r, cmd, fd))
		return -1;
	return qrun_answer(r, &from, secs);
}

int qrun_send(struct qrun *r, const char *cmd)
{
	if (r->qmp < 0)
		return -1;
	printf("qmp> %s\n", cmd);
	return send_cmd(r, cmd, -1);
}

int qrun_answer(struct qrun *r, int *from, int secs)
{
	double end = qrun_now() + secs;
	int i = *from;

	while (qrun_now() < end) {
		for (; i < nr_lines; i++) {
			if (!lines[i].qmp || strstr(lines[i].text, "\"event\""))
				continue;
			if (strstr(lines[i].text, "\"return\"") ||
			    strstr(lines[i].text, "\"error\"")) {
				*from = i + 1;
				return i;
			}
		}
		if (r->qmp < 0)
			return -1;
		pump(r, 100);
	}
	return -1;
}

int qrun_wait(struct qrun *r, bool qmp, const char *pat, int *from, int secs)
{
	double end = qrun_now() + secs;
	int i = *from;

	for (;;) {
		for (; i < nr_lines; i++) {
			if (lines[i].qmp == qmp && strstr(lines[i].text, pat)) {
				*from = i + 1;
				return i;
			}
		}
		if (qrun_now() >= end || (r->con_out < 0 && r->qmp < 0))
			return -1;
		pump(r, 100);
	}
}

int qrun_wait_exit(struct qrun *r, int secs)
{
	double end = qrun_now() + secs;

	while (alive(r) && qrun_now() < end)
		pump(r, 100);
	/* What it said last, before the pipes close */
	while (r->con_out >= 0 && !alive(r)) {
		struct pollfd p = { .fd = r->con_out, .events = POLLIN };

		if (poll(&p, 1, 0) <= 0 ||
		    !drain(r, r->con_out, &r->con_rd, false))
			break;
	}
	return alive(r) ? -1 : r->status;
}

void qrun_kill(struct qrun *r)
{
	if (alive(r)) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &r->status, 0);
	}
	if (r->con_in >= 0)
		close(r->con_in);
	if (r->con_out >= 0)
		close(r->con_out);
	if (r->qmp >= 0)
		close(r->qmp);
	r->con_in = r->con_out = r->qmp = -1;
}

char *qrun_str(int i, const char *key, char *buf, size_t size)
{
	const char *s = qrun_line(i) ? lines[i].text : "";
	char pat[64];
	size_t n = 0;

	buf[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	s = strstr(s, pat);
	if (!s)
		return buf;
	for (s += strlen(pat); *s && *s != '"' && n + 1 < size; s++)
		buf[n++] = *s;
	buf[n] = '\0';
	return buf;
}
