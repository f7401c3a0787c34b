// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_manage: what management (libvirt, an operator at the monitor) does
 * to a sleeping guest of Debian's QEMU with the QEMU series (qemu/), and
 * what QEMU and the guest must show of it.
 *
 *   qemu_manage SCENARIO [--kernel IMAGE] [--qemu PATH] [--source PATH]
 *
 * The guest (l2/suspend.c, plan wake=host,host) suspends in cycle 1 and
 * the scenario acts on it. Then, unless the scenario ended QEMU, the
 * guest carries on: every cycle left is woken by system_wakeup, after
 * every resume the guest holds the token it drew at boot (the guest that
 * wakes is the one that slept), and it says PASS and powers off; QEMU
 * reports the SHUTDOWN (guest-shutdown) and exits 0.
 *
 *   stop-cont	"stop": STOP, "paused"; "cont": "suspended" again, not
 *		"running", and RESUME; system_wakeup wakes cycle 1
 *   savevm	HMP savevm in cycle 1, onto a qcow2 node made over QMP at
 *		boot: still "suspended"; woken, the guest sleeps in cycle 2;
 *		HMP loadvm: "suspended", vCPU 0 in KVM_MP_STATE_SUSPENDED;
 *		system_wakeup resumes cycle 1 again, with the boot's token
 *   snapshot	the same with the snapshot-save and snapshot-load jobs
 *   reset	system_reset: RESET, "prelaunch", vCPU 0 runnable; "cont":
 *		"running"; the guest boots afresh (a new token, both vCPUs
 *		up) and runs its whole plan
 *   powerdown	system_powerdown: POWERDOWN, and the guest sleeps on (no
 *		WAKEUP, "suspended" 3 s later): like an x86 guest in S3, it
 *		wakes on the power button only if it armed it, and this one
 *		did not; system_wakeup wakes it
 *   quit	"quit": SHUTDOWN (host-qmp-quit), QEMU exits 0 in 30 s
 *   dump	dump-guest-memory to a file: an ELF core; still "suspended"
 *   double-wakeup  two system_wakeup in flight at once: one returns, the
 *		other is refused ("not in suspended state"); one WAKEUP
 *   to-off	the sleeping guest saved to a file and offered to the patched
 *		QEMU with system-suspend off: it must refuse it, and say why
 *		("system-suspend"); the source, postmigrate, keeps the guest:
 *		"cont" makes it "suspended" again, and system_wakeup wakes it
 *   to-debian	the same with Debian's QEMU as the destination: it must fail
 *		to load the stream (its message is printed)
 *   stop-race	"stop" while the guest is on its way to sleep, 0 to 165 ms
 *		after it writes "mem" (a step later each of 12 cycles): the
 *		VM must be "paused" and stay so, with no SUSPEND after the
 *		STOP, until "cont"; then the guest sleeps ("suspended"
 *		within 20 s: its suspend was kept, or it makes it now) and
 *		system_wakeup wakes it
 *   wake-race	a console byte and system_wakeup at once, 12 cycles: QEMU
 *		lives, one WAKEUP each time, the guest resumes with its token
 *
 * --source: the QEMU that runs the guest (default: the patched one).
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm, QEMU or capability).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

#define APPEND		"console=ttyAMA0 panic=-1 mode=honour wake=host,host alarm=30"
#define CYCLES		2	/* as many as wake= lists */
/* The race scenarios' guest: any wake-up will do, RACE_CYCLES times */
#define RACE_CYCLES	12
#define RACE_APPEND	"console=ttyAMA0 panic=-1 mode=honour wake=any cycles=12 alarm=30"
#define RACE_STEP_MS	15	/* stop-race: cycle n stops (n - 1) * this late */
#define DEBIAN_QEMU	"/usr/bin/qemu-system-aarch64"
#define SNAP_FILE	"/tmp/snap.qcow2"
#define DUMP_FILE	"/tmp/dump.elf"
#define MIN_DUMP	(1 << 20)
#define EVENT_SECS	30	/* an event that a command's handler emits */
#define ASLEEP_SECS	3	/* how long the guest must sleep on */
#define QUIT_SECS	30

#define HMP(cmd)	"{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"" cmd "\"}}"
#define SET_REBOOT(a)	"{\"execute\": \"set-action\", \"arguments\": {\"reboot\": \"" a "\"}}"
#define CONT		"{\"execute\": \"cont\"}"
#define WAKEUP_CMD(id)	"{\"execute\": \"system_wakeup\", \"id\": \"" id "\"}"

static const char *source;	/* --source: the QEMU that runs the guest */

/* The QMP event @name after *@ev, within @secs */
static bool event(struct qrun *r, const char *name, int *ev, int secs)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"event\": \"%s\"", name);
	if (qrun_wait(r, true, pat, ev, secs) < 0) {
		fail("expected a %s event, none came in %d s", name, secs);
		return false;
	}
	return true;
}

/* QEMU did not die of what was done to it (@what) */
static bool still_alive(struct qrun *r, const char *what)
{
	int status = qrun_wait_exit(r, 0);

	if (status >= 0) {
		fail("after %s, QEMU is gone (wait status 0x%x), expected it running",
		     what, status);
		return false;
	}
	return true;
}

/* From *@from on, the guest said it still holds its boot's token */
static bool kept(struct qrun *r, struct cycle *c, int *from)
{
	char when[16];

	snprintf(when, sizeof(when), "cycle %d", c->n);
	return token_kept(r, when, from);
}

/* system_wakeup wakes cycle c->n, and the guest that wakes is the one that slept */
static bool wake(struct qrun *r, struct cycle *c)
{
	int from = c->con;

	return cycle_wake(r, c) && kept(r, c, &from);
}

static bool stop_cont(struct qrun *r, struct cycle *c)
{
	if (!qmp_returns(r, "{\"execute\": \"stop\"}", STEP_SECS) ||
	    !event(r, "STOP", &c->ev, EVENT_SECS) || !check_status(r, "paused"))
		return false;
	/* The guest did not resume: cont gives it back its sleep */
	if (!qmp_returns(r, CONT, STEP_SECS) || !check_status(r, "suspended") ||
	    !event(r, "RESUME", &c->ev, EVENT_SECS))
		return false;
	return wake(r, c);
}

/* @cmd starts the job @id; it must conclude with no error, and is dismissed */
static bool run_job(struct qrun *r, const char *id, const char *cmd)
{
	double end = qrun_now() + BOOT_SECS;
	char st[32] = "", err[256], dismiss[128];
	int i = -1;

	if (!qmp_returns(r, cmd, STEP_SECS))
		return false;
	while (qrun_now() < end) {
		i = qrun_cmd(r, "{\"execute\": \"query-jobs\"}", STEP_SECS);
		qrun_str(i, "status", st, sizeof(st));
		if (!strcmp(st, "concluded") || !st[0])
			break;
		usleep(500 * 1000);
	}
	if (strcmp(st, "concluded")) {
		fail("job %s: status \"%s\", expected \"concluded\" within %d s",
		     id, st, BOOT_SECS);
		return false;
	}
	qrun_str(i, "error", err, sizeof(err));
	if (err[0])
		fail("job %s: concluded with the error \"%s\", expected none",
		     id, err);
	snprintf(dismiss, sizeof(dismiss),
		 "{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"%s\"}}",
		 id);
	return qmp_returns(r, dismiss, STEP_SECS) && !err[0];
}

/*
 * A disk that can hold snapshots, as nothing else in this guest's machine
 * can: a qcow2 node ("disk0"), in no device (savevm takes every node that
 * is in a device or in no other node), made while the guest boots.
 */
static bool make_disk(struct qrun *r)
{
	int fd = open(SNAP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		fail("%s: %s", SNAP_FILE, strerror(errno));
		return false;
	}
	close(fd);
	return qmp_returns(r, "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", \"node-name\": \"file0\", \"filename\": \"" SNAP_FILE "\", \"locking\": \"off\"}}",
			   STEP_SECS) &&
	       run_job(r, "mk", "{\"execute\": \"blockdev-create\", \"arguments\": {\"job-id\": \"mk\", \"options\": {\"driver\": \"qcow2\", \"file\": \"file0\", \"size\": 67108864}}}") &&
	       qmp_returns(r, "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\": \"file0\"}}",
			   STEP_SECS);
}

/* An HMP command: answered, with no "Error" in what it says */
static bool hmp(struct qrun *r, const char *cmd, const char *cmd_line)
{
	int i = qrun_cmd(r, cmd, BOOT_SECS);

	if (i < 0) {
		if (still_alive(r, cmd_line))
			fail("%s: no answer in %d s", cmd_line, BOOT_SECS);
		return false;
	}
	if (!strstr(qrun_line(i)->text, "\"return\"") ||
	    strstr(qrun_line(i)->text, "Error")) {
		fail("%s: expected a return with no error, got %s", cmd_line,
		     qrun_line(i)->text);
		return false;
	}
	return true;
}

static bool hmp_save(struct qrun *r)
{
	return hmp(r, HMP("savevm s1"), "savevm s1");
}

static bool hmp_load(struct qrun *r)
{
	return hmp(r, HMP("loadvm s1"), "loadvm s1");
}

static bool job_save(struct qrun *r)
{
	return run_job(r, "save1", "{\"execute\": \"snapshot-save\", \"arguments\": {\"job-id\": \"save1\", \"tag\": \"s1\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}");
}

static bool job_load(struct qrun *r)
{
	return run_job(r, "load1", "{\"execute\": \"snapshot-load\", \"arguments\": {\"job-id\": \"load1\", \"tag\": \"s1\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}");
}

/*
 * A snapshot of the guest asleep in cycle 1; the guest woken, and asleep
 * again in cycle 2; the snapshot loaded: the guest is back asleep in
 * cycle 1, KVM holds its vCPU there, and system_wakeup resumes cycle 1.
 */
static bool save_load(struct qrun *r, struct cycle *c,
		      bool (*save)(struct qrun *), bool (*load)(struct qrun *))
{
	int mark;

	if (!save(r) || !still_alive(r, "the save") ||
	    !check_status(r, "suspended") || !wake(r, c) ||
	    !cycle_suspend(r, c, 2))
		return false;
	mark = qrun_nr_lines();
	if (!load(r) || !still_alive(r, "the load") ||
	    !check_status(r, "suspended") || !vcpu_suspended_in_kvm(r))
		return false;
	/* What the guest says from here on comes from the snapshot's cycle 1 */
	c->n = 1;
	c->con = c->ev = c->attr_from = c->lat_from = mark;
	return wake(r, c);
}

static bool savevm(struct qrun *r, struct cycle *c)
{
	return save_load(r, c, hmp_save, hmp_load);
}

static bool snapshot(struct qrun *r, struct cycle *c)
{
	return save_load(r, c, job_save, job_load);
}

static bool reset(struct qrun *r, struct cycle *c)
{
	int mark = qrun_nr_lines(), smp = mark, state;

	/*
	 * -no-reboot turns every reset into a shutdown (a failing guest's
	 * SYSTEM_RESET must end QEMU): not this one, and only this one.
	 */
	if (!qmp_returns(r, SET_REBOOT("reset"), STEP_SECS) ||
	    !qmp_returns(r, "{\"execute\": \"system_reset\"}", STEP_SECS) ||
	    !event(r, "RESET", &c->ev, EVENT_SECS) ||
	    !qmp_returns(r, SET_REBOOT("shutdown"), STEP_SECS))
		return false;
	/*
	 * As on x86 (S3) and upstream: a reset that finds the VM neither
	 * running nor migrating leaves it in "prelaunch", for "cont"
	 */
	if (!check_status(r, "prelaunch"))
		return false;
	printf("%s: after system_reset: prelaunch\n", tag);
	state = vcpu0_mp_state(r);
	if (state < 0)
		return false;
	if (state != KVM_MP_STATE_RUNNABLE) {
		fail("after system_reset, KVM_GET_MP_STATE of vCPU 0: %d, expected KVM_MP_STATE_RUNNABLE (%d)%s",
		     state, KVM_MP_STATE_RUNNABLE,
		     state == KVM_MP_STATE_SUSPENDED ? ": still suspended" : "");
		return false;
	}
	if (!qmp_returns(r, CONT, STEP_SECS) || !check_status(r, "running"))
		return false;
	/* A new boot, every vCPU brought up again, and a new plan */
	if (qrun_wait(r, false, "smp: Brought up 1 node, 2 CPUs", &smp,
		      BOOT_SECS) < 0) {
		fail("after system_reset, expected the kernel's \"smp: Brought up 1 node, 2 CPUs\", not seen");
		return false;
	}
	c->con = mark;
	if (!read_token(r, &c->con))
		return false;
	c->n = 0;
	return true;
}

static bool powerdown(struct qrun *r, struct cycle *c)
{
	int from = qrun_nr_lines();

	if (!qmp_returns(r, "{\"execute\": \"system_powerdown\"}", STEP_SECS) ||
	    !event(r, "POWERDOWN", &c->ev, EVENT_SECS))
		return false;
	if (qrun_wait(r, true, "\"event\": \"WAKEUP\"", &from, ASLEEP_SECS) >= 0) {
		fail("a WAKEUP event within %d s of system_powerdown, expected none: the guest did not arm its power button",
		     ASLEEP_SECS);
		return false;
	}
	return check_status(r, "suspended") && wake(r, c);
}

static bool quit(struct qrun *r, struct cycle *c)
{
	int i, status;

	if (!qmp_returns(r, "{\"execute\": \"quit\"}", STEP_SECS))
		return false;
	i = qrun_wait(r, true, "\"event\": \"SHUTDOWN\"", &c->ev, EVENT_SECS);
	if (i < 0 || !strstr(qrun_line(i)->text, "\"reason\": \"host-qmp-quit\"")) {
		fail("expected a SHUTDOWN event with the reason host-qmp-quit, got %s",
		     i < 0 ? "none" : qrun_line(i)->text);
		return false;
	}
	status = qrun_wait_exit(r, QUIT_SECS);
	if (status < 0)
		fail("QEMU still running %d s after quit, expected it gone",
		     QUIT_SECS);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("QEMU's wait status after quit: 0x%x, expected exit status 0",
		     status);
	return false;	/* the guest is gone with QEMU */
}

static bool dump(struct qrun *r, struct cycle *c)
{
	unsigned char magic[4] = { 0 };
	struct stat st = { 0 };
	int fd;

	if (!qmp_returns(r, "{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:" DUMP_FILE "\"}}",
			 BOOT_SECS))
		return false;
	fd = open(DUMP_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || read(fd, magic, 4) != 4 ||
	    memcmp(magic, "\177ELF", 4) || st.st_size <= MIN_DUMP)
		fail("%s: %lld bytes, starting %02x %02x %02x %02x; expected an ELF core (7f 45 4c 46) of more than %d bytes",
		     DUMP_FILE, (long long)st.st_size, magic[0], magic[1],
		     magic[2], magic[3], MIN_DUMP);
	else
		printf("%s: %s: an ELF core of %lld bytes\n", tag, DUMP_FILE,
		       (long long)st.st_size);
	if (fd >= 0)
		close(fd);
	unlink(DUMP_FILE);
	return ok && check_status(r, "suspended") && wake(r, c);
}

static bool double_wakeup(struct qrun *r, struct cycle *c)
{
	int mark = qrun_nr_lines(), from = mark, con = c->con;
	int i, k, returns = 0, refused = 0, wakeups = 0;
	double t_wake = qrun_now() - r->t0;
	char desc[128];

	/* Both written before either is answered */
	if (qrun_send(r, WAKEUP_CMD("wake1")) || qrun_send(r, WAKEUP_CMD("wake2"))) {
		fail("cannot send two system_wakeup");
		return false;
	}
	for (k = 0; k < 2; k++) {
		i = qrun_answer(r, &from, STEP_SECS);
		if (i < 0) {
			fail("system_wakeup twice: %d answer(s), expected 2", k);
			return false;
		}
		if (strstr(qrun_line(i)->text, "\"return\""))
			returns++;
		else if (strstr(qrun_str(i, "desc", desc, sizeof(desc)),
				"not in suspended state"))
			refused++;
	}
	if (returns != 1 || refused != 1) {
		fail("system_wakeup twice: %d return(s) and %d \"not in suspended state\" error(s), expected one of each",
		     returns, refused);
		return false;
	}
	if (!cycle_woken(r, c, t_wake) || !kept(r, c, &con))
		return false;
	for (i = mark; i < qrun_nr_lines(); i++)
		wakeups += qrun_line(i)->qmp &&
			   strstr(qrun_line(i)->text, "\"event\": \"WAKEUP\"");
	if (wakeups != 1) {
		fail("system_wakeup twice: %d WAKEUP events, expected 1", wakeups);
		return false;
	}
	return true;
}

/*
 * The sleeping guest saved to STREAM and offered to @dest (NULL: the
 * patched QEMU) with system-suspend off: it must refuse the stream, with
 * an error that contains @why if not NULL. The source, postmigrate, keeps
 * the guest: "cont" gives it back its sleep, and system_wakeup wakes it.
 */
static bool to_other(struct qrun *r, struct cycle *c, const char *dest,
		     const char *why)
{
	int fd, i, mark, status;
	bool said = !why;
	struct qrun d;
	char uri[32];

	if (!migrate_to_file(r, STREAM, "suspended"))
		return false;
	fd = open(STREAM, O_RDONLY);	/* inherited by the destination */
	if (fd < 0) {
		fail("%s: %s", STREAM, strerror(errno));
		return false;
	}
	snprintf(uri, sizeof(uri), "fd:%d", fd);
	mark = qrun_nr_lines();
	i = qemu_start(&d, dest, MACHINE_OFF, "2", kernel, guest_initrd, APPEND, uri,
		       false);
	close(fd);
	if (i) {
		fail("cannot start %s", dest ? dest : qemu);
		return false;
	}
	status = qrun_wait_exit(&d, STEP_SECS);
	for (i = mark; i < qrun_nr_lines(); i++) {
		const char *line = qrun_line(i)->text;

		if (qrun_line(i)->qmp || !strstr(line, "qemu-system-aarch64:"))
			continue;
		printf("%s: the destination said: %s\n", tag, line);
		said |= why && strstr(line, why);
	}
	if (status < 0)
		fail("the destination still runs %d s after it started: it took the stream, expected a refusal",
		     STEP_SECS);
	else if (!WIFEXITED(status) || !WEXITSTATUS(status))
		fail("the destination's wait status: 0x%x, expected a non-zero exit status",
		     status);
	if (!said)
		fail("no error of the destination says \"%s\", expected it to say why it refused",
		     why);
	qrun_kill(&d);
	unlink(STREAM);
	/* The source is checked whatever the destination did */
	return qmp_returns(r, CONT, STEP_SECS) && check_status(r, "suspended") &&
	       wake(r, c) && ok;
}

/* The WAKEUP events between lines @from and now */
static int wakeups_since(int from)
{
	int i, n = 0;

	for (i = from; i < qrun_nr_lines(); i++)
		n += qrun_line(i)->qmp &&
		     strstr(qrun_line(i)->text, "\"event\": \"WAKEUP\"");
	return n;
}

/* The guest says it resumed from cycle c->n, with its boot's token */
static bool resumed(struct qrun *r, struct cycle *c)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "cycle %d: " GUEST_RESUMED, c->n);
	if (qrun_wait(r, false, pat, &c->con, STEP_SECS) < 0) {
		fail("cycle %d: the guest did not say it resumed", c->n);
		return false;
	}
	return kept(r, c, &c->con);
}

/* query-status says @want within @secs */
static bool status_within(struct qrun *r, const char *want, int secs)
{
	double end = qrun_now() + secs;
	char st[32] = "";
	int i;

	while (qrun_now() < end) {
		i = qrun_cmd(r, "{\"execute\": \"query-status\"}", STEP_SECS);
		qrun_str(i, "status", st, sizeof(st));
		if (!strcmp(st, want))
			return true;
		usleep(200 * 1000);
	}
	fail("query-status: \"%s\" after %d s, expected \"%s\"", st, secs, want);
	return false;
}

/*
 * A guest's suspend is served by QEMU's main loop after its vCPU stopped;
 * a "stop" in between must leave the VM stopped: it may not move to
 * "suspended" on its own, nor let the guest's vCPU run.
 */
static bool stop_race(struct qrun *r, struct cycle *c)
{
	int n, i, stop_ev;
	char pat[64];

	for (n = 1; n <= RACE_CYCLES && ok; n++) {
		c->n = n;
		if (n > 1) {
			snprintf(pat, sizeof(pat), "cycle %d (any)", n);
			if (qrun_wait(r, false, pat, &c->con, BOOT_SECS) < 0) {
				fail("cycle %d: the guest did not start its suspend", n);
				return false;
			}
		}
		usleep((n - 1) * RACE_STEP_MS * 1000);
		c->ev = qrun_nr_lines();
		if (!qmp_returns(r, "{\"execute\": \"stop\"}", STEP_SECS) ||
		    !event(r, "STOP", &c->ev, EVENT_SECS))
			return false;
		stop_ev = c->ev - 1;
		sleep(ASLEEP_SECS);
		for (i = stop_ev; i < qrun_nr_lines(); i++)
			if (qrun_line(i)->qmp &&
			    strstr(qrun_line(i)->text, "\"event\": \"SUSPEND\"")) {
				fail("cycle %d: a SUSPEND event after the STOP, with the VM stopped",
				     n);
				return false;
			}
		printf("%s: cycle %d: stopped %d ms after the guest wrote \"mem\"\n",
		       tag, n, (n - 1) * RACE_STEP_MS);
		if (!check_status(r, "paused") ||
		    !qmp_returns(r, CONT, STEP_SECS) ||
		    !status_within(r, "suspended", 20) ||
		    !qmp_returns(r, "{\"execute\": \"system_wakeup\"}", STEP_SECS) ||
		    !event(r, "WAKEUP", &c->ev, STEP_SECS) || !resumed(r, c))
			return false;
	}
	return ok;
}

/*
 * An interrupt the guest armed (a console byte) and system_wakeup at the
 * same moment: two roads to one wake-up, whichever QEMU takes first.
 */
static bool wake_race(struct qrun *r, struct cycle *c)
{
	int n, i, from, mark;

	for (n = 1; n <= RACE_CYCLES && ok; n++) {
		if (n > 1 && !cycle_suspend(r, c, n))
			return false;
		mark = from = qrun_nr_lines();
		if (write(r->con_in, "k", 1) != 1 ||
		    qrun_send(r, WAKEUP_CMD("race")) ||
		    (i = qrun_answer(r, &from, STEP_SECS)) < 0) {
			if (still_alive(r, "a console byte and system_wakeup"))
				fail("cycle %d: system_wakeup: no answer", n);
			return false;
		}
		if (!strstr(qrun_line(i)->text, "\"return\"") &&
		    !strstr(qrun_line(i)->text, "not in suspended state")) {
			fail("cycle %d: system_wakeup: %s, expected a return or \"not in suspended state\"",
			     n, qrun_line(i)->text);
			return false;
		}
		if (!event(r, "WAKEUP", &c->ev, STEP_SECS) || !resumed(r, c) ||
		    !still_alive(r, "a console byte and system_wakeup"))
			return false;
		if (wakeups_since(mark) != 1) {
			fail("cycle %d: %d WAKEUP events, expected 1", n,
			     wakeups_since(mark));
			return false;
		}
	}
	return ok;
}

static bool to_off(struct qrun *r, struct cycle *c)
{
	return to_other(r, c, NULL, "system-suspend");
}

static bool to_debian(struct qrun *r, struct cycle *c)
{
	return to_other(r, c, DEBIAN_QEMU, NULL);
}

static const struct scenario {
	const char *name;
	bool (*at_boot)(struct qrun *r);	/* before the guest sleeps */
	/*
	 * With the guest asleep in cycle 1; whether the guest carries on
	 * with its plan after cycle c->n
	 */
	bool (*asleep)(struct qrun *r, struct cycle *c);
	const char *append;	/* the guest's plan, if not APPEND's */
} scenarios[] = {
	{ "stop-cont", NULL, stop_cont },
	{ "savevm", make_disk, savevm },
	{ "snapshot", make_disk, snapshot },
	{ "reset", NULL, reset },
	{ "powerdown", NULL, powerdown },
	{ "quit", NULL, quit },
	{ "dump", NULL, dump },
	{ "double-wakeup", NULL, double_wakeup },
	{ "to-off", NULL, to_off },
	{ "to-debian", NULL, to_debian },
	{ "stop-race", NULL, stop_race, RACE_APPEND },
	{ "wake-race", NULL, wake_race, RACE_APPEND },
};

static int run(const struct scenario *s)
{
	const char *append = s->append ? s->append : APPEND;
	struct cycle c = { .wake = s->append ? "any" : "host" };
	struct qrun r;
	int n;

	/*
	 * The guest's cycles are woken by the host, with its RTC alarm as a
	 * safety net 60 s ahead. On the VM's clock, the RTC does not count
	 * the time QEMU holds the VM stopped (a save, a load, a refused
	 * destination), and a snapshot takes its time back with it.
	 */
	qemu_rtc = "clock=vm";
	if (qemu_start(&r, source, MACHINE_ON, "2", kernel, guest_initrd, append, NULL,
		       false)) {
		fail("cannot start %s", source ? source : qemu);
		return 1;
	}
	if (qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot talk QMP to QEMU");
	} else if ((!s->at_boot || s->at_boot(&r)) && read_token(&r, &c.con) &&
		   cycle_suspend(&r, &c, 1) && s->asleep(&r, &c)) {
		for (n = c.n + 1; n <= CYCLES && ok; n++)
			if (cycle_suspend(&r, &c, n))
				wake(&r, &c);
		guest_end(&r, &c.con, &c.ev);
	}
	qrun_kill(&r);
	/* What a scenario wrote, in the L1's RAM */
	unlink(SNAP_FILE);
	unlink(DUMP_FILE);
	unlink(STREAM);
	return ok ? 0 : 1;
}

static void usage(void)
{
	size_t k;

	fprintf(stderr, "usage: qemu_manage SCENARIO [--kernel IMAGE] [--qemu PATH] [--source PATH]\nscenarios:");
	for (k = 0; k < sizeof(scenarios) / sizeof(*scenarios); k++)
		fprintf(stderr, " %s", scenarios[k].name);
	fprintf(stderr, "\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const struct scenario *s = NULL;
	const char *name;
	size_t k;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tag = "qemu_manage";
	name = qemu_test_args(argc, argv, &source, usage);
	for (k = 0; k < sizeof(scenarios) / sizeof(*scenarios); k++)
		if (!strcmp(name, scenarios[k].name))
			s = &scenarios[k];
	if (!s)
		usage();
	if (!qemu_test_can_run(source, true) ||
	    (s->asleep == to_debian && !qemu_test_can_run(DEBIAN_QEMU, true)))
		return 4;
	ret = run(s);
	printf("%s: %s: %s\n", tag, name, ret ? "FAIL" : "PASS");
	return ret;
}
