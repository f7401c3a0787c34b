// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_offcmp: with system-suspend off, the QEMU series must change
 * nothing that management sees. The same commands, in the same order,
 * go to a running guest of the patched QEMU with the option off and to
 * one of Debian's unpatched QEMU; each command's answer (its return or
 * its error's text), the events it caused and query-status after it
 * make a transcript, and the two transcripts must be the same.
 *
 *   qemu_offcmp [--kernel IMAGE] [--qemu PATH] [--source PATH]
 *
 * --source: the QEMU to compare with (default: Debian's).
 *
 * The commands are those the management scenarios (qemu_manage) send to
 * a sleeping guest: stop, cont, system_wakeup, system_powerdown,
 * dump-guest-memory, savevm and loadvm (HMP) running and stopped, the
 * snapshot-save and snapshot-load jobs, system_reset and quit. The guest
 * (l2/suspend.c, mode=off) only waits, running, meanwhile.
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm or QEMU).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

#define APPEND		"console=ttyAMA0 panic=-1 mode=off wake=rtc alarm=3 pause=900"
#define DEBIAN_QEMU	"/usr/bin/qemu-system-aarch64"
#define DISK		"/tmp/offcmp.qcow2"
#define DUMP		"/tmp/offcmp.elf"
#define SETTLE_US	(1000 * 1000)	/* for the events a command causes */
#define TRANSCRIPT	8192

#define HMP(c)	"{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"" c "\"}}"

/* The commands, in order; the blockdev nodes come first, for the snapshots */
static const struct step {
	const char *name;
	const char *cmd;
} steps[] = {
	{ "blockdev-add file", "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", \"node-name\": \"file0\", \"filename\": \"" DISK "\", \"locking\": \"off\"}}" },
	{ "blockdev-create qcow2", "{\"execute\": \"blockdev-create\", \"arguments\": {\"job-id\": \"mk\", \"options\": {\"driver\": \"qcow2\", \"file\": \"file0\", \"size\": 67108864}}}" },
	{ "blockdev-add qcow2", "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\": \"file0\"}}" },
	{ "query-current-machine", "{\"execute\": \"query-current-machine\"}" },
	{ "stop", "{\"execute\": \"stop\"}" },
	{ "stop again", "{\"execute\": \"stop\"}" },
	{ "cont", "{\"execute\": \"cont\"}" },
	{ "cont again", "{\"execute\": \"cont\"}" },
	{ "system_wakeup", "{\"execute\": \"system_wakeup\"}" },
	{ "system_powerdown", "{\"execute\": \"system_powerdown\"}" },
	{ "dump-guest-memory", "{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:" DUMP "\"}}" },
	{ "savevm", HMP("savevm s1") },
	{ "loadvm", HMP("loadvm s1") },
	{ "loadvm unknown", HMP("loadvm nosuch") },
	{ "cont after a failed loadvm", "{\"execute\": \"cont\"}" },
	{ "snapshot-save", "{\"execute\": \"snapshot-save\", \"arguments\": {\"job-id\": \"save1\", \"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}" },
	{ "snapshot-load", "{\"execute\": \"snapshot-load\", \"arguments\": {\"job-id\": \"load1\", \"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}" },
	{ "stop before savevm", "{\"execute\": \"stop\"}" },
	{ "savevm stopped", HMP("savevm s3") },
	{ "loadvm stopped", HMP("loadvm s3") },
	{ "cont after loadvm", "{\"execute\": \"cont\"}" },
	{ "set-action reboot=reset", "{\"execute\": \"set-action\", \"arguments\": {\"reboot\": \"reset\"}}" },
	{ "system_reset", "{\"execute\": \"system_reset\"}" },
	{ "quit", "{\"execute\": \"quit\"}" },
};

/* Appends @fmt to @buf (TRANSCRIPT bytes) */
static void say(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(char *buf, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, TRANSCRIPT - n, fmt, ap);
	va_end(ap);
}

/* A job's end: query-jobs until "concluded"; its "error" if any, or "ok" */
static void job_end(struct qrun *r, const char *id, char *out, size_t size)
{
	double end = qrun_now() + STEP_SECS;
	char st[32], err[128], dismiss[128];
	int i;

	snprintf(out, size, "no end");
	while (qrun_now() < end) {
		i = qrun_cmd(r, "{\"execute\": \"query-jobs\"}", STEP_SECS);
		if (i < 0 || !strstr(qrun_line(i)->text, id))
			return;
		qrun_str(i, "status", st, sizeof(st));
		if (!strcmp(st, "concluded")) {
			qrun_str(i, "error", err, sizeof(err));
			snprintf(out, size, "%s", *err ? err : "ok");
			break;
		}
		usleep(200 * 1000);
	}
	snprintf(dismiss, sizeof(dismiss),
		 "{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"%s\"}}", id);
	qrun_cmd(r, dismiss, STEP_SECS);
}

/*
 * One QEMU (@bin) through every step: its transcript in @out, false if it
 * could not be started or stopped answering
 */
static bool transcript(const char *bin, char *out)
{
	struct qrun r;
	int con = 0, i, k, from, status;
	char text[160], job[128];

	*out = 0;
	close(open(DISK, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	if (qemu_start(&r, bin, MACHINE_OFF, "2", kernel, guest_initrd, APPEND, NULL,
		       false) || qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot start %s", bin);
		qrun_kill(&r);
		return false;
	}
	if (qrun_wait(&r, false, GUEST "pausing", &con, BOOT_SECS) < 0) {
		fail("%s: the guest did not come up", bin);
		qrun_kill(&r);
		return false;
	}
	for (k = 0; k < (int)(sizeof(steps) / sizeof(*steps)); k++) {
		from = qrun_nr_lines();
		i = qrun_cmd(&r, steps[k].cmd, STEP_SECS);
		if (i < 0 && strcmp(steps[k].name, "quit")) {
			say(out, "%s -> no answer\n", steps[k].name);
			break;
		}
		if (i < 0) {
			/* QEMU may close the socket before it answers "quit" */
			say(out, "%s -> no answer", steps[k].name);
		} else if (strstr(qrun_line(i)->text, "\"error\"")) {
			qrun_str(i, "desc", text, sizeof(text));
			say(out, "%s -> error: %s", steps[k].name, text);
		} else {
			/* HMP answers with its output text: "" when all went well */
			qrun_str(i, "return", text, sizeof(text));
			say(out, "%s -> return%s%s", steps[k].name,
			    *text ? ": " : "", text);
		}
		if (strstr(steps[k].cmd, "\"job-id\"")) {
			const char *p = strstr(steps[k].cmd, "\"job-id\": \"");
			char id[16];

			snprintf(id, sizeof(id), "%.*s", (int)strcspn(p + 11, "\""),
				 p + 11);
			job_end(&r, id, job, sizeof(job));
			say(out, ", job %s", job);
		}
		usleep(SETTLE_US);
		say(out, ", events:");
		for (i = from; i < qrun_nr_lines(); i++) {
			if (!qrun_line(i)->qmp ||
			    !qrun_str(i, "event", text, sizeof(text))[0] ||
			    !strncmp(text, "JOB_STATUS_CHANGE", 17))
				continue;
			say(out, " %s", text);
		}
		if (!strcmp(steps[k].name, "quit")) {
			status = qrun_wait_exit(&r, STEP_SECS);
			say(out, ", exit status %d\n",
			    status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			break;
		}
		i = qrun_cmd(&r, "{\"execute\": \"query-status\"}", STEP_SECS);
		qrun_str(i, "status", text, sizeof(text));
		say(out, ", status %s\n", text);
	}
	qrun_kill(&r);
	unlink(DISK);
	unlink(DUMP);
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_offcmp [--kernel IMAGE] [--qemu PATH] [--source PATH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static char patched[TRANSCRIPT], other[TRANSCRIPT];
	const char *source = DEBIAN_QEMU;
	char *argv2[argc + 2];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tag = "qemu_offcmp";
	/* qemu_test_args() wants a mode first: there is one */
	argv2[0] = argv[0];
	argv2[1] = (char *)"compare";
	for (i = 1; i < argc; i++)
		argv2[i + 1] = argv[i];
	qemu_test_args(argc + 1, argv2, &source, usage);
	if (!qemu_test_can_run(source, false))
		return 4;
	/* The base alone (make peers' second pass) builds no e2e guest */
	if (access(guest_initrd, R_OK)) {
		printf("%s: SKIP: %s: %s\n", tag, guest_initrd, strerror(errno));
		return 4;
	}
	if (transcript(qemu, patched) && transcript(source, other)) {
		printf("%s: the patched QEMU, system-suspend off:\n%s", tag, patched);
		printf("%s: %s:\n%s", tag, source, other);
		if (strcmp(patched, other))
			fail("the transcripts differ");
	}
	printf("%s: %s\n", tag, ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
