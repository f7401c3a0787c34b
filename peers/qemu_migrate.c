// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_migrate: a guest of Debian's QEMU with the QEMU series (qemu/) is
 * saved with "migrate" to a file, the QEMU quits, and a new QEMU loads it
 * with -incoming: the guest must carry on there as if nothing happened.
 *
 *   qemu_migrate suspended [--kernel IMAGE] [--qemu PATH] [--initrd PATH]
 *		[--accel kvm|tcg] [--machine OPTS]
 *	the guest (l2/suspend.c) suspends three times; each time it is
 *	moved while asleep (the first time into a QEMU started with -S
 *	and then told "cont", as libvirt restores a saved guest: it must
 *	say "paused" before), and the new QEMU must say "suspended", KVM
 *	must hold its vCPU in KVM_MP_STATE_SUSPENDED (under TCG, --accel
 *	tcg, QEMU holds it itself: not visible before the wake-up), and
 *	the wake-up the guest planned must come there: system_wakeup, the
 *	RTC alarm it set before the move, a byte on its console; the vCPU
 *	must resume at its SYSTEM_SUSPEND entry point, not return from the
 *	call.
 *   qemu_migrate running [options as suspended]
 *	the guest is moved while it runs (it pauses before its cycle), as
 *	before the series; then it suspends on the new QEMU and wakes.
 *   qemu_migrate pending [options as suspended]
 *	a wake-up pending across the move: the sleeping guest is stopped,
 *	a byte is written to its console while it is stopped (its UART
 *	raises its interrupt, which wakes nothing in a stopped VM), and it
 *	is moved. The interrupt is in the saved interrupt controller's
 *	state: once "cont" lets the new QEMU run, that interrupt must wake
 *	the guest, at its entry point, and nothing else.
 *   qemu_migrate from-off [options as suspended] [--source PATH]
 *	the stream of a running guest from the path without the series'
 *	option (system-suspend off, or another QEMU: --source) loads into
 *	the patched QEMU with the option on; the guest, which booted
 *	without SYSTEM_SUSPEND, carries on and completes its s2idle cycle.
 *
 * In every mode the guest's token, drawn at boot and kept in its memory
 * and a file, must be the same after each move: the guest that wakes is
 * the one that went to sleep.
 *
 * --machine replaces -M's argument where the option is on (MACHINE_ON).
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm, QEMU or capability).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

/*
 * A move takes ~5 s under nested TCG on a quiet machine (save 1.5 s, load
 * 2.5 s), up to 45 s on a loaded one: the RTC alarm, and a running
 * guest's pause, must outlast it
 */
#define ALARM_SECS	"30"

static const char *source;	/* the first QEMU, if not the patched one */

/* Saves the guest of @r to STREAM (migrate_to_file()); then QEMU quits */
static bool migrate_out(struct qrun *r, const char *want_before)
{
	if (!migrate_to_file(r, STREAM, want_before))
		return false;
	qrun_cmd(r, "{\"execute\": \"quit\"}", STEP_SECS);
	qrun_wait_exit(r, STEP_SECS);
	qrun_kill(r);
	return true;
}

/*
 * A new QEMU (@machine, the guest's command line @append) loads STREAM
 * with -incoming fd:N; returns once the load is over and query-status
 * says @want. @stopped: with -S, as libvirt restores a saved guest; the
 * load must then end "paused".
 */
static bool migrate_in(struct qrun *r, const char *machine,
		       const char *append, const char *want, bool stopped)
{
	double t0 = qrun_now(), end = t0 + BOOT_SECS;
	int fd = open(STREAM, O_RDONLY);	/* inherited by QEMU */
	char uri[32], st[32] = "";
	int i;

	if (fd < 0) {
		fail("%s: %s", STREAM, strerror(errno));
		return false;
	}
	snprintf(uri, sizeof(uri), "fd:%d", fd);
	i = qemu_start(r, NULL, machine, "2", kernel, guest_initrd, append, uri,
		       stopped);
	close(fd);
	if (i || qrun_qmp_connect(r, QMP_PATH, STEP_SECS)) {
		fail("cannot start the destination QEMU");
		return false;
	}
	while (qrun_now() < end) {
		i = qrun_cmd(r, "{\"execute\": \"query-status\"}", STEP_SECS);
		qrun_str(i, "status", st, sizeof(st));
		if (i < 0 || strcmp(st, "inmigrate"))
			break;
		usleep(500 * 1000);
	}
	printf("%s: loaded in %.1f s%s\n", tag, qrun_now() - t0,
	       stopped ? " (-S)" : "");
	if (stopped && strcmp(st, "paused")) {
		fail("after the load with -S, query-status: \"%s\", expected \"paused\"",
		     st);
		return false;
	}
	if (stopped) {
		/* What management does once it has the destination ready */
		i = qrun_cmd(r, "{\"execute\": \"cont\"}", STEP_SECS);
		if (i < 0 || !strstr(qrun_line(i)->text, "\"return\"")) {
			fail("cont refused");
			return false;
		}
		i = qrun_cmd(r, "{\"execute\": \"query-status\"}", STEP_SECS);
		qrun_str(i, "status", st, sizeof(st));
		printf("%s: after cont: %s\n", tag, st);
	}
	if (strcmp(st, want)) {
		fail("after the load%s, query-status: \"%s\", expected \"%s\"",
		     stopped ? " and cont" : "", st, want);
		return false;
	}
	return true;
}

/*
 * The vCPU that suspended the machine waits for its wake-up in the new
 * QEMU. Under KVM, KVM says so before the wake-up; under TCG QEMU holds
 * the CPU itself, halted, which nothing reads back.
 */
static bool held_suspended(struct qrun *r)
{
	return strcmp(accel, "kvm") ? true : vcpu_suspended_in_kvm(r);
}

/*
 * And once woken (from console line @from on) it resumed at the entry
 * point it was saved with: the series traces that only for a CPU held in
 * SYSTEM_SUSPEND, which on the destination is one loaded with the
 * cpu/suspended subsection. Without it the CPU would come back from its
 * call, halted, on the next interrupt.
 */
static bool resumed_at_entry(struct qrun *r, int n, int from)
{
	static const char pat[] = TRACE_RESUME " cpu 0 entry 0x";
	int i = qrun_wait(r, false, pat, &from, 5);

	if (i < 0) {
		fail("cycle %d: the new QEMU did not resume vCPU 0 at its SYSTEM_SUSPEND entry point (no \"%s\" trace)",
		     n, pat);
		return false;
	}
	printf("%s: cycle %d: resumed in the new QEMU: %s\n", tag, n,
	       strstr(qrun_line(i)->text, TRACE_RESUME));
	return true;
}

static const char *const wakes[] = { "host", "rtc", "console" };

static int run_suspended(void)
{
	const char *append = "console=ttyAMA0 panic=-1 mode=honour wake=host,rtc,console alarm=" ALARM_SECS;
	struct cycle c = { 0 };
	struct qrun r;
	char when[16];
	int n, mark;

	if (qemu_start(&r, NULL, machine_on, "2", kernel, guest_initrd, append, NULL,
		       false) ||
	    qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot start QEMU");
		return 1;
	}
	read_token(&r, &c.con);
	for (n = 1; n <= 3 && ok; n++) {
		c.wake = wakes[n - 1];
		if (!cycle_suspend(&r, &c, n))
			break;
		printf("%s: cycle %d: moving the sleeping guest\n", tag, n);
		if (!migrate_out(&r, "suspended"))
			break;
		/* What woke it, and when, is read in the new QEMU's output */
		mark = qrun_nr_lines();
		/* The first move is a libvirt restore: -S, then cont */
		if (!migrate_in(&r, machine_on, append, "suspended", n == 1) ||
		    !held_suspended(&r))
			break;
		c.con = c.ev = c.attr_from = c.lat_from = mark;
		if (!cycle_wake(&r, &c) || !resumed_at_entry(&r, n, mark))
			break;
		/* The guest that woke holds the token this test read at boot */
		snprintf(when, sizeof(when), "cycle %d", n);
		token_kept(&r, when, &mark);
	}
	guest_end(&r, &c.con, &c.ev);
	return ok ? 0 : 1;
}

/*
 * Whether QEMU raised the guest's RTC alarm (its safety net, a minute
 * ahead) after line @from and before it resumed the vCPU: then the alarm
 * woke it, whatever the guest says (the UART's interrupt, pending all
 * along, is the first its resume reports).
 */
static bool alarm_before_resume(int from)
{
	const struct qline *l;
	int i;

	for (i = from; i < qrun_nr_lines(); i++) {
		l = qrun_line(i);
		if (l->qmp)
			continue;
		if (strstr(l->text, TRACE_RESUME))
			return false;
		if (strstr(l->text, "pl031_alarm_raised"))
			return true;
	}
	return false;
}

static int run_pending(void)
{
	const char *append = "console=ttyAMA0 panic=-1 mode=honour wake=console";
	struct cycle c = { .wake = "console" };
	struct qrun r;
	double t_cont;
	int ev, mark;

	if (qemu_start(&r, NULL, machine_on, "2", kernel, guest_initrd, append, NULL,
		       false) ||
	    qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot start QEMU");
		return 1;
	}
	if (!read_token(&r, &c.con) || !cycle_suspend(&r, &c, 1) ||
	    !qmp_returns(&r, "{\"execute\": \"stop\"}", STEP_SECS) ||
	    !check_status(&r, "paused"))
		goto out;
	if (write(r.con_in, "k", 1) != 1) {
		fail("cannot write to the guest's console");
		goto out;
	}
	/* The UART takes the byte at once; a stopped VM must not wake */
	ev = c.ev;
	if (qrun_wait(&r, true, "\"event\": \"WAKEUP\"", &ev, 2) >= 0) {
		fail("WAKEUP while the VM is stopped");
		goto out;
	}
	printf("%s: cycle 1: moving the stopped sleeping guest, a console byte pending\n",
	       tag);
	if (!migrate_out(&r, "paused"))
		goto out;
	mark = qrun_nr_lines();
	if (!migrate_in(&r, machine_on, append, "paused", false))
		goto out;
	c.con = c.ev = c.attr_from = c.lat_from = mark;
	t_cont = qrun_now() - r.t0;
	if (!qmp_returns(&r, "{\"execute\": \"cont\"}", STEP_SECS))
		goto out;
	printf("%s: cycle 1: cont; the pending byte must wake the guest (latencies from the cont)\n",
	       tag);
	if (cycle_woken(&r, &c, t_cont) && resumed_at_entry(&r, 1, mark) &&
	    alarm_before_resume(mark))
		fail("cycle 1: the pending console interrupt did not wake the guest after cont: it slept on until its RTC alarm");
	guest_end(&r, &c.con, &c.ev);
out:
	qrun_kill(&r);
	return ok ? 0 : 1;
}

/*
 * A running guest, moved while it pauses: from @src (NULL: the patched
 * QEMU) with @src_machine to the patched QEMU with the option on. Then
 * one cycle as @append plans it (with @wake if the guest suspends to RAM,
 * none for s2idle, which needs no VMM).
 */
static int run_running(const char *src, const char *src_machine,
		       const char *append, const char *wake)
{
	struct cycle c = { 0 };
	struct qrun r;

	if (qemu_start(&r, src, src_machine, "2", kernel, guest_initrd, append, NULL,
		       false) ||
	    qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot start QEMU");
		return 1;
	}
	if (!read_token(&r, &c.con) ||
	    qrun_wait(&r, false, GUEST "pausing", &c.con, BOOT_SECS) < 0) {
		fail("the guest did not pause");
		qrun_kill(&r);
		return 1;
	}
	printf("%s: moving the running guest\n", tag);
	if (migrate_out(&r, "running")) {
		c.con = c.ev = qrun_nr_lines();
		if (!migrate_in(&r, machine_on, append, "running", false))
			goto out;
		token_kept(&r, "after the pause", &c.con);
		if (ok && wake) {
			c.wake = wake;
			if (cycle_suspend(&r, &c, 1))
				cycle_wake(&r, &c);
		}
	}
	guest_end(&r, &c.con, &c.ev);
out:
	qrun_kill(&r);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_migrate suspended|running|pending|from-off [--kernel IMAGE] [--qemu PATH] [--initrd PATH] [--accel kvm|tcg] [--machine OPTS] [--source PATH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tag = "qemu_migrate";
	mode = qemu_test_args(argc, argv, &source, usage);
	if (!qemu_test_can_run(source, true))
		return 4;
	if (!strcmp(mode, "suspended"))
		ret = run_suspended();
	else if (!strcmp(mode, "running"))
		ret = run_running(NULL, machine_on,
				  "console=ttyAMA0 panic=-1 mode=honour wake=host pause=20",
				  "host");
	else if (!strcmp(mode, "pending"))
		ret = run_pending();
	else if (!strcmp(mode, "from-off"))
		ret = run_running(source, MACHINE_OFF,
				  "console=ttyAMA0 panic=-1 mode=off wake=rtc alarm=3 pause=20",
				  NULL);
	else
		usage();
	printf("%s: %s: %s\n", tag, mode, ret ? "FAIL" : "PASS");
	return ret;
}
