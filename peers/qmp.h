/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A QEMU run driven from C, for the peer tests in the L1 (the initramfs
 * has no Python): QEMU started with its console on a pipe pair, and a QMP
 * client on a Unix socket. Everything QEMU says, console line or QMP
 * message, is kept with the time it arrived, so that a test waits for a
 * line or an event and measures the time between two of them.
 *
 * QMP messages are one JSON object per line; the client matches them by
 * their text ("event": "NAME", "return", "error"), which is all these
 * tests read of them.
 */
#ifndef PEERS_QMP_H
#define PEERS_QMP_H

#include <stdbool.h>
#include <sys/types.h>

/* What came from one of QEMU's outputs after its last newline */
struct qreader {
	char buf[16384];
	size_t used;
};

/* One QEMU; two may run at once (a migration's source and destination) */
struct qrun {
	pid_t pid;
	int con_in;		/* QEMU's stdin: the guest's console input */
	int con_out;		/* QEMU's stdout and stderr */
	int qmp;		/* QMP socket, -1 before qrun_qmp_connect() */
	double t0;		/* when QEMU was started (qrun_now()) */
	int status;		/* wait status once exited, else -1 */
	struct qreader con_rd, qmp_rd;
};

/*
 * Everything QEMU said is kept, up to this many lines (a long fuzzer run
 * makes a few hundred thousand); later lines are printed, not kept.
 */
#define QRUN_MAX_LINES	(1 << 22)

struct qline {
	double t;		/* seconds since t0 */
	bool qmp;		/* a QMP message, else a console line */
	char *text;
};

double qrun_now(void);

/*
 * Starts @argv with a QMP server on @qmp_path (which the caller put in
 * argv). Returns 0 or -1 (errno set).
 */
int qrun_start(struct qrun *r, char *const argv[]);

/* Connects to @path and negotiates capabilities; 0, or -1 after @secs */
int qrun_qmp_connect(struct qrun *r, const char *path, int secs);

/*
 * Sends @cmd (a complete JSON object) and waits up to @secs for its
 * answer. Returns the index of the answer line ("return" or "error"), or
 * -1 on timeout or a dead QEMU.
 */
int qrun_cmd(struct qrun *r, const char *cmd, int secs);

/* As qrun_cmd(), passing @fd along (SCM_RIGHTS), as "getfd" wants */
int qrun_cmd_fd(struct qrun *r, const char *cmd, int fd, int secs);

/*
 * Sends @cmd without waiting for its answer, so that several commands
 * are in flight at once; 0 or -1. qrun_answer() finds the answers.
 */
int qrun_send(struct qrun *r, const char *cmd);

/*
 * The index of the first answer ("return" or "error") after @*from,
 * waiting up to @secs for it; -1 if none came. On success *@from is set
 * past it.
 */
int qrun_answer(struct qrun *r, int *from, int secs);

/*
 * The index of the first line after @*from that contains @pat (console
 * lines if !@qmp, QMP messages if @qmp), waiting up to @secs for it;
 * -1 if it did not come. On success *@from is set past it.
 */
int qrun_wait(struct qrun *r, bool qmp, const char *pat, int *from, int secs);

/* Waits up to @secs for QEMU to exit; returns its wait status or -1 */
int qrun_wait_exit(struct qrun *r, int secs);

/* Kills QEMU (if still running) and reaps it */
void qrun_kill(struct qrun *r);

const struct qline *qrun_line(int i);
int qrun_nr_lines(void);

/*
 * Copies the JSON string value of "@key" in line @i into @buf ("" if
 * absent); returns @buf.
 */
char *qrun_str(int i, const char *key, char *buf, size_t size);

#endif
