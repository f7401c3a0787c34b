// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (--control PATH): a UNIX stream socket that takes one
 * command per line and answers each with one line, "ok ..." or
 * "error: ...". The commands:
 *
 *   status                     running / suspended since T, the policy,
 *                              and each vCPU's mp_state
 *   wakeup                     resume a suspended guest now
 *   suspend-policy honour|deny how to answer the next SYSTEM_SUSPEND
 *   quit                       end the VMM (exit status 6)
 *   help                       the list
 *
 * One thread serves up to MAX_CLIENTS connections at once with poll(); one
 * more is told it is refused and hung up on. A client may hang up at any
 * time: a half-sent command is dropped, an answer it no longer reads is
 * lost (MSG_NOSIGNAL: no SIGPIPE). A line longer than CTL_LINE_MAX is answered
 * with an error and skipped up to its newline.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm.h"

#define MAX_CLIENTS	2
#define CTL_LINE_MAX	256
#define ANSWER_MAX	512

struct client {
	int		fd;		/* -1: a free slot */
	char		line[CTL_LINE_MAX];
	size_t		used;
	bool		too_long;	/* skipping the rest of a long line */
};

struct control {
	struct vm	*vm;
	int		listen_fd;
	bool		listening;	/* the socket file is ours */
	struct client	clients[MAX_CLIENTS];
};

static struct control ctl;

static void answer(struct client *c, const char *text)
{
	char buf[ANSWER_MAX + 1];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);

	if (n > ANSWER_MAX) {
		n = ANSWER_MAX;
		buf[n - 1] = '\n';
	}
	/* A client that went away only loses its answer. */
	if (send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		vmm_log("control: client %d: %s", c->fd, strerror(errno));
}

/* The command for the log and for error answers: printable, cut short. */
static void printable(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i < size - 1; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	if (in[i] && size > 4)
		strcpy(out + size - 4, "...");
}

static void status(char *out, size_t size)
{
	bool off;

	pthread_mutex_lock(&ctl.vm->lock);
	off = ctl.vm->exiting;
	pthread_mutex_unlock(&ctl.vm->lock);
	if (off)
		snprintf(out, size, CTL_OK " " CTL_POWERED_OFF);
	else
		suspend_status(ctl.vm, out, size);
}

static void run_command(struct client *c, char *cmd)
{
	char out[ANSWER_MAX], shown[64];
	char *arg = strchr(cmd, ' ');

	printable(cmd, shown, sizeof(shown));
	vmm_log(EV_CONTROL_CMD " %s", shown);
	if (arg)
		*arg++ = '\0';
	if (!strcmp(cmd, "status") && !arg)
		status(out, sizeof(out));
	else if (!strcmp(cmd, "wakeup") && !arg)
		suspend_host_wakeup(ctl.vm, out, sizeof(out));
	else if (!strcmp(cmd, "suspend-policy"))
		suspend_set_policy(ctl.vm, arg ? arg : "", out, sizeof(out));
	else if (!strcmp(cmd, "help") && !arg)
		snprintf(out, sizeof(out), CTL_OK " commands: status, wakeup, suspend-policy honour|deny, quit");
	else if (!strcmp(cmd, "quit") && !arg)
		snprintf(out, sizeof(out), CTL_OK " quitting");
	else if (!*cmd)
		snprintf(out, sizeof(out), CTL_ERROR " empty command (try help)");
	else
		snprintf(out, sizeof(out), CTL_ERROR " unknown command '%s' (try help)",
			 shown);
	answer(c, out);
	if (!strcmp(cmd, "quit") && !arg)
		vm_exit(ctl.vm, VMM_EXIT_QUIT);
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

/* The complete lines in the client's buffer, one command each. */
static void take_lines(struct client *c)
{
	char *nl;

	while ((nl = memchr(c->line, '\n', c->used))) {
		size_t len = nl - c->line + 1;

		*nl = '\0';
		if (nl > c->line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (c->too_long)
			c->too_long = false;
		else
			run_command(c, c->line);
		memmove(c->line, c->line + len, c->used - len);
		c->used -= len;
	}
	if (c->used == sizeof(c->line)) {
		if (!c->too_long)
			answer(c, CTL_ERROR " line too long (at most 255 bytes)");
		c->too_long = true;
		c->used = 0;
	}
}

static void serve(struct client *c)
{
	ssize_t n = read(c->fd, c->line + c->used, sizeof(c->line) - c->used);

	if (n <= 0) {
		drop(c);	/* hung up, maybe mid-command: forget it */
		return;
	}
	c->used += n;
	take_lines(c);
}

static void accept_client(void)
{
	int fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct client refused = { .fd = fd };
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (ctl.clients[i].fd < 0) {
			ctl.clients[i] = (struct client) { .fd = fd };
			return;
		}
	}
	answer(&refused, CTL_ERROR " busy: 2 clients are connected already");
	close(fd);
}

static void *control_thread(void *arg)
{
	struct pollfd p[1 + MAX_CLIENTS];
	int i;

	for (;;) {
		p[0] = (struct pollfd) { .fd = ctl.listen_fd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++)
			p[1 + i] = (struct pollfd) {
				.fd = ctl.clients[i].fd, .events = POLLIN,
			};
		if (poll(p, 1 + MAX_CLIENTS, -1) < 0)
			continue;
		for (i = 0; i < MAX_CLIENTS; i++)
			if (ctl.clients[i].fd >= 0 && p[1 + i].revents)
				serve(&ctl.clients[i]);
		if (p[0].revents & POLLIN)
			accept_client();
	}
	return NULL;
}

/*
 * A socket file left by an earlier run is replaced; anything else at the
 * path, or a socket someone still listens on, is an error.
 */
static int remove_stale(const char *path, const struct sockaddr_un *a)
{
	struct stat st;
	int fd, busy;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		vmm_err(ERR_CONTROL_PATH " %s exists and is not a socket",
			path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	busy = fd >= 0 && !connect(fd, (const struct sockaddr *)a, sizeof(*a));
	if (fd >= 0)
		close(fd);
	if (busy) {
		vmm_err(ERR_CONTROL_PATH " %s is in use by another process",
			path);
		return -1;
	}
	return unlink(path);
}

static int control_listen(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(a.sun_path)) {
		vmm_err(ERR_CONTROL_PATH " path too long: %s", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	if (remove_stale(path, &a))
		return -1;
	ctl.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl.listen_fd < 0 ||
	    bind(ctl.listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(ctl.listen_fd, 4)) {
		vmm_err(ERR_CONTROL_PATH " %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int control_start(struct vm *vm)
{
	int i;

	if (!vm->cfg.control)
		return 0;
	ctl.vm = vm;
	for (i = 0; i < MAX_CLIENTS; i++)
		ctl.clients[i].fd = -1;
	if (control_listen(vm->cfg.control))
		return -1;
	ctl.listening = true;
	vmm_log(EV_CONTROL_LISTEN " %s", vm->cfg.control);
	return vmm_thread_start(NULL, "control", control_thread, NULL);
}

/* At exit: the socket file goes, if it is ours. */
void control_cleanup(struct vm *vm)
{
	if (ctl.listening)
		unlink(vm->cfg.control);
}
