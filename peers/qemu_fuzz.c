// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_fuzz: a seeded, replayable fuzzer of the patched QEMU's (qemu/)
 * run states, over QMP.
 *
 *   qemu_fuzz [--seed N] [--sequences N] [--alarm SECS] [--kernel IMAGE] [--qemu PATH]
 *
 * One QEMU (virt,system-suspend=on, 2 vCPUs) runs l2/suspend.c with
 * wake=any cycles=100000: it suspends again and again, woken by whatever
 * comes first (its RTC alarm A s ahead, A drawn from the seed or --alarm; a console
 * byte; system_wakeup). Each of N sequences waits until the guest is
 * asleep or awake (drawn), then takes 1-6 actions drawn from query-status,
 * stop, cont, system_wakeup, a console byte, system_powerdown,
 * dump-guest-memory, HMP savevm/loadvm (on a qcow2 node made at start),
 * idle 0-3 s. The draws come from splitmix64(--seed) and never depend on
 * QEMU: a seed replays the same commands, each printed as
 * "seq S step K: ACTION -> RESULT (status STATUS)" (seq 0: set-up, N+1:
 * the final check; step 0: the sequence's own wait).
 *
 * The model, checked by query-status after every action: running,
 * suspended, paused, paused-asleep ("paused", or "restore-vm" once a
 * loadvm failed).
 *   SUSPEND event   running -> suspended
 *   WAKEUP event    suspended -> running
 *   stop            running -> paused, suspended -> paused-asleep
 *   cont            paused -> running, paused-asleep -> suspended
 *   system_wakeup   suspended -> running, else "not in suspended state"
 *   savevm, dump    no change
 *   loadvm          stopped: stays so, cont goes to the snapshot's state;
 *                   suspended: the snapshot's; running: stays running,
 *                   a snapshot taken asleep is woken (WAKEUP), as
 *                   load_snapshot_resume() does. No snapshot: "does not
 *                   exist", the VM left stopped ("restore-vm").
 * Violations: anything else; a SUSPEND or WAKEUP while stopped (but for a
 * wake-up the guest got just as the VM stopped); QEMU dying or leaving a
 * command unanswered for CMD_SECS; a resume reporting another token than
 * the boot's; a guest FAIL, an oops, a second boot; no new cycle once the
 * guest is woken at the end; QEMU not quitting with 0.
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm, QEMU or capability).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

#define DISK_PATH	"/tmp/fuzz.qcow2"
#define DUMP_PATH	"/tmp/fuzz-dump.elf"
#define CMD_SECS	60	/* every command is answered within this */
#define SETTLE_SECS	5	/* for a WAKEUP event to follow its run state */
#define SUSPEND_SECS	180	/* for an awake guest to suspend again */
#define WAKE_SLACK	30	/* past the guest's alarm, for its wake-up */
#define PROGRESS_SECS	120	/* for one more cycle at the end */
#define MAX_VIOLATIONS	10
#define ERR_SIZE	256
#define LINE_BUDGET	(QRUN_MAX_LINES - 2000)	/* leaves room for the end */

#define HMP(cmd) "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"" cmd "\"}}"

enum vm_state { VM_RUNNING, VM_SUSPENDED, VM_PAUSED, VM_PAUSED_ASLEEP };

static const char *const state_names[] = {
	"running", "suspended", "paused", "paused-asleep",
};

enum action {
	ACT_STATUS, ACT_STOP, ACT_CONT, ACT_WAKEUP, ACT_CONSOLE, ACT_POWERDOWN,
	ACT_DUMP, ACT_SAVEVM, ACT_LOADVM, ACT_IDLE,
};

/* Each action's name in the log and how often it is drawn */
static const struct {
	const char *name;
	unsigned int weight;
} actions[] = {
	[ACT_STATUS]	= { "query-status", 2 },
	[ACT_STOP]	= { "stop", 3 },
	[ACT_CONT]	= { "cont", 3 },
	[ACT_WAKEUP]	= { "system_wakeup", 3 },
	[ACT_CONSOLE]	= { "console byte", 3 },
	[ACT_POWERDOWN]	= { "system_powerdown", 1 },
	[ACT_DUMP]	= { "dump-guest-memory", 1 },
	[ACT_SAVEVM]	= { "savevm fz", 2 },
	[ACT_LOADVM]	= { "loadvm fz", 2 },
	[ACT_IDLE]	= { "idle", 3 },
};

static unsigned long long seed = 1;
static uint64_t rng;
static int sequences = 12;
static int alarm_secs;
static int alarm_arg;		/* --alarm: else drawn, 3-8 s */
static struct qrun qr;

static enum vm_state state = VM_RUNNING;
static const char *paused_as = "paused";	/* query-status when stopped */
static char paused_buf[32];
static int wakes_owed;		/* WAKEUP events of wake-ups QMP made */
static bool in_action;		/* from a command to the status after it */
static enum vm_state action_from;	/* the model when it was sent */
static bool have_snapshot, snapshot_asleep, loaded_since_alarm;
static int snapshot_cycle;

static int folded;		/* the next line of QEMU's to fold in */
static char token[9];		/* the guest's, from its boot line */
static int last_cycle, last_resumed = -1;
static char last_status[32] = "?";
static int seq, step_nr, new_cycle_mark;
static long nr_actions, nr_resumed, nr_violations;
static bool stopped;		/* after a fatal violation: no more actions */

/* splitmix64: small, and the same on every machine */
static uint64_t rng_next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rng_below(unsigned int n)
{
	return rng_next() % n;
}

static void __attribute__((format(printf, 2, 3)))
violation(bool fatal, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail("seed %llu seq %d step %d: %s", seed, seq, step_nr, msg);
	if (++nr_violations >= MAX_VIOLATIONS || fatal)
		stopped = true;
}

static bool asleep(enum vm_state s)
{
	return s == VM_SUSPENDED || s == VM_PAUSED_ASLEEP;
}

static bool paused(enum vm_state s)
{
	return s == VM_PAUSED || s == VM_PAUSED_ASLEEP;
}

static const char *expected_status(void)
{
	return state == VM_RUNNING ? "running" :
	       state == VM_SUSPENDED ? "suspended" : paused_as;
}

/* Whether QEMU is gone (its QMP socket closed, or it exited) */
static bool qemu_gone(void)
{
	int status;

	if (qr.status == -1 && waitpid(qr.pid, &status, WNOHANG) == qr.pid)
		qr.status = status;
	if (qr.status == -1 && qr.qmp < 0) {
		/* The socket closed: the exit status follows, say how it died */
		qrun_wait_exit(&qr, 10);
		if (qr.status != -1 && WIFSIGNALED(qr.status))
			printf("%s: QEMU was killed by signal %d\n", tag,
			       WTERMSIG(qr.status));
		else if (qr.status != -1)
			printf("%s: QEMU exited with status %d\n", tag,
			       WEXITSTATUS(qr.status));
	}
	return qr.status != -1 || qr.qmp < 0;
}

/* The eight hex digits at @p into @out, if @tail follows them */
static bool token_at(const char *p, const char *tail, char *out)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	if (strncmp(p + 8, tail, strlen(tail)))
		return false;
	memcpy(out, p, 8);
	out[8] = '\0';
	return true;
}

/* A console line: the guest's token, its verdicts, its cycles */
static void fold_console(int i, const char *text)
{
	static const char kept[] = ": " GUEST_TOKEN " ";
	static const char *const oopses[] = {
		"Kernel panic", "Internal error", "Unable to handle kernel",
	};
	const char *p;
	char tok[9];
	size_t k;

	if (parse_boot_token(text, tok)) {
		if (token[0])
			violation(true, "the guest booted again (token %s, was %s): no action resets it",
				  tok, token);
		memcpy(token, tok, sizeof(token));
		printf("%s: the guest's token: %s\n", tag, token);
		return;
	}
	p = strstr(text, kept);
	if (p && token_at(p + strlen(kept), " kept", tok) && strcmp(tok, token))
		violation(true, "the guest keeps token %s, it drew %s at boot",
			  tok, token);
	if (strstr(text, GUEST) && strstr(text, " in memory, "))
		violation(true, "the guest lost its token: \"%s\"", text);
	if (strstr(text, GUEST GUEST_FAIL))
		violation(true, "the guest failed: \"%s\"", text);
	for (k = 0; k < sizeof(oopses) / sizeof(*oopses); k++)
		if (strstr(text, oopses[k]))
			violation(true, "the guest's kernel: \"%s\"", text);
	p = strstr(text, GUEST "cycle ");
	if (!p)
		return;
	if (strstr(text, GUEST_SUSPENDING))	/* with a new alarm */
		loaded_since_alarm = false;
	last_cycle = atoi(p + strlen(GUEST "cycle "));
	if (strstr(text, ": " GUEST_RESUMED " ")) {
		nr_resumed++;
		last_resumed = i;
	}
}

/*
 * A QMP event. A wake-up the guest got just before an action stopped the
 * VM (its run state already "running", its WAKEUP event not yet sent) is
 * the one WAKEUP a stopped VM may report. An event that should not have
 * come still says whether the guest sleeps: the model takes that.
 */
static void fold_event(const char *text)
{
	if (strstr(text, "\"event\": \"SUSPEND\"")) {
		if (state == VM_RUNNING) {
			state = VM_SUSPENDED;
			return;
		}
		violation(false, "SUSPEND event while %s", state_names[state]);
		if (state == VM_PAUSED)
			state = VM_PAUSED_ASLEEP;
	} else if (strstr(text, "\"event\": \"WAKEUP\"")) {
		if (wakes_owed > 0) {
			wakes_owed--;
			return;
		}
		if (state == VM_SUSPENDED) {
			state = VM_RUNNING;
			return;
		}
		if (state == VM_PAUSED_ASLEEP && in_action &&
		    action_from == VM_SUSPENDED)
			printf("%s: the guest woke just before the VM stopped\n",
			       tag);
		else
			violation(false, "WAKEUP event while %s",
				  state_names[state]);
		if (state == VM_PAUSED_ASLEEP)
			state = VM_PAUSED;
	} else if (strstr(text, "\"event\": \"SHUTDOWN\"") ||
		   strstr(text, "\"event\": \"RESET\"")) {
		violation(true, "unexpected event: %s", text);
	}
}

/* Folds QEMU's lines before @end into the model, in their order */
static void fold_to(int end)
{
	const struct qline *l;

	for (; folded < end && (l = qrun_line(folded)); folded++) {
		if (l->qmp)
			fold_event(l->text);
		else
			fold_console(folded, l->text);
	}
}

/* What wait_for() waits for */
enum until {
	UNTIL_NEVER, UNTIL_SUSPENDED, UNTIL_RUNNING, UNTIL_NOT_SUSPENDED,
	UNTIL_TOKEN, UNTIL_NEW_CYCLE, UNTIL_REPORTED,
};

static char reported_status[32];	/* query-status's last answer */

static bool reached(enum until u)
{
	switch (u) {
	case UNTIL_SUSPENDED:
		return state == VM_SUSPENDED;
	case UNTIL_RUNNING:
		return state == VM_RUNNING;
	case UNTIL_NOT_SUSPENDED:
		return state != VM_SUSPENDED;
	case UNTIL_TOKEN:
		return token[0];
	case UNTIL_NEW_CYCLE:
		return last_resumed >= new_cycle_mark;
	case UNTIL_REPORTED:
		return !strcmp(expected_status(), reported_status);
	default:
		return false;
	}
}

/* Waits up to @secs for @u, folding what comes; whether it came */
static bool wait_for(enum until u, int secs)
{
	double end = qrun_now() + secs;
	int from;

	for (;;) {
		fold_to(qrun_nr_lines());
		if (stopped || reached(u))
			return !stopped;
		if (qrun_now() >= end)
			return false;
		if (qemu_gone()) {
			violation(true, "QEMU died (wait status %#x)", qr.status);
			return false;
		}
		from = qrun_nr_lines();
		qrun_wait(&qr, true, "\"event\"", &from, 1);
	}
}

/* @cmd's answer line; none (QEMU died or hangs) is a fatal violation */
static int command(const char *cmd)
{
	int i;

	if (stopped)
		return -1;
	i = qrun_cmd(&qr, cmd, CMD_SECS);
	if (i >= 0)
		return i;
	if (qemu_gone())
		violation(true, "QEMU died (wait status %#x) on %s", qr.status,
			  cmd);
	else
		violation(true, "no answer to %s in %d s", cmd, CMD_SECS);
	return -1;
}

/*
 * The error answer @i gives, "" if none: an error's "desc", or what HMP
 * says (its errors come back as a returned string, "Error: ...").
 */
static char *answer_error(int i, char *buf, size_t size)
{
	size_t n;

	if (strstr(qrun_line(i)->text, "\"error\": {")) {
		qrun_str(i, "desc", buf, size);
		if (!buf[0])
			snprintf(buf, size, "error");
		return buf;
	}
	qrun_str(i, "return", buf, size);
	n = strlen(buf);
	while (n >= 2 && buf[n - 2] == '\\' && strchr("rn", buf[n - 1]))
		buf[n -= 2] = '\0';
	return buf;
}

/*
 * Sends @cmd and folds the events before its answer: the error into @err
 * (ERR_SIZE bytes), the result into @res.
 */
static bool send_action(const char *cmd, char *err, char *res, size_t size)
{
	int i = command(cmd);

	if (i < 0)
		return false;
	fold_to(i);
	answer_error(i, err, ERR_SIZE);
	snprintf(res, size, "%s%s", err[0] ? "error: " : "return", err);
	return true;
}

/* An action whose error nothing explains; its result into @res */
static void expect_return(enum action a, const char *cmd, char *res,
			  size_t size)
{
	char err[ERR_SIZE];

	if (send_action(cmd, err, res, size) && err[0])
		violation(false, "%s: unexpected error \"%s\"", actions[a].name,
			  err);
}

/* Whether a QMP line in [@from, @to) contains @pat */
static bool event_between(int from, int to, const char *pat)
{
	for (; from < to; from++)
		if (qrun_line(from)->qmp && strstr(qrun_line(from)->text, pat))
			return true;
	return false;
}

static void act_wakeup(char *res, size_t size)
{
	char err[ERR_SIZE];
	bool was_suspended;
	int sent, i;

	/*
	 * The guest may suspend between the command's sending and its
	 * handling: a SUSPEND event before the answer makes a success right,
	 * and the WAKEUP it causes may come before the answer or after it.
	 */
	fold_to(qrun_nr_lines());
	sent = qrun_nr_lines();
	was_suspended = state == VM_SUSPENDED;
	i = command("{\"execute\": \"system_wakeup\"}");
	if (i < 0)
		return;
	answer_error(i, err, ERR_SIZE);
	snprintf(res, size, "%s%s", err[0] ? "error: " : "return", err);
	if (!err[0]) {
		if (!was_suspended &&
		    !event_between(sent, i, "\"event\": \"SUSPEND\"")) {
			fold_to(i);
			violation(false, "system_wakeup worked while %s",
				  state_names[state]);
			return;
		}
		wakes_owed++;
		fold_to(i);
		state = VM_RUNNING;
		return;
	}
	fold_to(i);
	if (!strstr(err, "not in suspended state")) {
		violation(false, "system_wakeup: unexpected error \"%s\"", err);
	} else if (state == VM_SUSPENDED && !wait_for(UNTIL_NOT_SUSPENDED, SETTLE_SECS)) {
		/* Only a wake-up already under way excuses it */
		violation(false, "system_wakeup refused a suspended VM, and no WAKEUP came");
	}
}

/*
 * Sends @cmd, which stops the VM for its work (savevm, loadvm), and folds
 * QEMU's lines up to its STOP event (none from a stopped VM), so that the
 * model says what the command found; what follows is the command's doing,
 * and the guest's again. The answer's index, or -1.
 */
static int stop_at;	/* command_until_stop(): its STOP's line, or the answer's */

static int command_until_stop(const char *cmd)
{
	int sent, i;

	fold_to(qrun_nr_lines());
	sent = qrun_nr_lines();
	i = command(cmd);
	if (i < 0)
		return -1;
	for (stop_at = sent; stop_at < i; stop_at++)
		if (qrun_line(stop_at)->qmp &&
		    strstr(qrun_line(stop_at)->text, "\"event\": \"STOP\""))
			break;
	fold_to(stop_at);
	return i;
}

static void act_savevm(char *res, size_t size)
{
	char err[ERR_SIZE];
	int i = command_until_stop(HMP("savevm fz"));

	if (i < 0)
		return;
	answer_error(i, err, ERR_SIZE);
	snprintf(res, size, "%s%s", err[0] ? "error: " : "return", err);
	if (err[0]) {
		fold_to(i);
		violation(false, "savevm: \"%s\"", err);
		return;
	}
	have_snapshot = true;
	/*
	 * A WAKEUP between the save's STOP and its answer was requested
	 * before the save (QEMU says "running" from the request on): the
	 * snapshot holds a guest on its way to wake, which QEMU saves as
	 * running, and which wakes as soon as it is loaded.
	 */
	snapshot_asleep = asleep(state) &&
			  !event_between(stop_at, i, "\"event\": \"WAKEUP\"");
	snapshot_cycle = last_cycle;
	snprintf(res, size, "return (the guest %s, cycle %d)",
		 snapshot_asleep ? "asleep" : "awake", snapshot_cycle);
	fold_to(i);
}

static void act_loadvm(char *res, size_t size)
{
	char err[ERR_SIZE];
	enum vm_state from;
	int i = command_until_stop(HMP("loadvm fz"));

	if (i < 0)
		return;
	/* The model takes the load's result before what the guest does next */
	from = state;
	answer_error(i, err, ERR_SIZE);
	snprintf(res, size, "%s%s", err[0] ? "error: " : "return", err);
	if (!have_snapshot) {
		if (!strstr(err, "does not exist")) {
			fold_to(i);
			violation(false, "loadvm with no snapshot: \"%s\"", err);
			return;
		}
		/* hmp_loadvm() stops the VM first, and a failed load leaves it so */
		if (!paused(from)) {
			state = from == VM_RUNNING ? VM_PAUSED : VM_PAUSED_ASLEEP;
			paused_as = "restore-vm";
		}
		fold_to(i);
		return;
	}
	if (err[0]) {
		fold_to(i);
		violation(false, "loadvm: \"%s\"", err);
		return;
	}
	loaded_since_alarm = true;
	snprintf(res, size, "return (back to cycle %d, %s)", snapshot_cycle,
		 snapshot_asleep ? "asleep" : "awake");
	if (paused(from)) {
		state = snapshot_asleep ? VM_PAUSED_ASLEEP : VM_PAUSED;
	} else if (from == VM_RUNNING) {
		/* A running VM stays so: a sleeping snapshot is woken */
		state = VM_RUNNING;
		if (snapshot_asleep)
			wakes_owed++;
	} else {
		state = snapshot_asleep ? VM_SUSPENDED : VM_RUNNING;
	}
	fold_to(i);
}

/* Takes action @a; what it answered into @res. The model moves with it. */
static void act(enum action a, unsigned int idle_secs, char *res, size_t size)
{
	snprintf(res, size, "not taken");
	switch (a) {
	case ACT_STATUS:
		snprintf(res, size, "return");	/* the check asks */
		break;
	case ACT_STOP:
		expect_return(a, "{\"execute\": \"stop\"}", res, size);
		if (!paused(state)) {
			state = state == VM_RUNNING ? VM_PAUSED : VM_PAUSED_ASLEEP;
			paused_as = "paused";
		}
		break;
	case ACT_CONT:
		expect_return(a, "{\"execute\": \"cont\"}", res, size);
		if (paused(state))
			state = state == VM_PAUSED ? VM_RUNNING : VM_SUSPENDED;
		break;
	case ACT_WAKEUP:
		act_wakeup(res, size);
		break;
	case ACT_CONSOLE:
		if (write(qr.con_in, "k", 1) != 1)
			violation(true, "cannot write to the guest's console: %s",
				  strerror(errno));
		snprintf(res, size, "sent");
		break;
	case ACT_POWERDOWN:
		/* A power-button press: the guest has nothing that listens */
		expect_return(a, "{\"execute\": \"system_powerdown\"}", res, size);
		break;
	case ACT_DUMP:
		expect_return(a, "{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:" DUMP_PATH "\"}}",
			      res, size);
		unlink(DUMP_PATH);	/* the guest's RAM, in the L1's */
		break;
	case ACT_SAVEVM:
		act_savevm(res, size);
		break;
	case ACT_LOADVM:
		act_loadvm(res, size);
		break;
	case ACT_IDLE:
		wait_for(UNTIL_NEVER, idle_secs);
		snprintf(res, size, "%u s", idle_secs);
		break;
	}
}

/* A status no action leads to ends the run; else the model takes it */
static void resync(const char *status)
{
	bool was_asleep = asleep(state);

	wakes_owed = 0;
	if (!strcmp(status, "running")) {
		state = VM_RUNNING;
	} else if (!strcmp(status, "suspended")) {
		state = VM_SUSPENDED;
	} else if (!strcmp(status, "paused") || !strcmp(status, "restore-vm")) {
		state = was_asleep ? VM_PAUSED_ASLEEP : VM_PAUSED;
		snprintf(paused_buf, sizeof(paused_buf), "%s", status);
		paused_as = paused_buf;
	} else {
		violation(true, "QEMU's run state is \"%s\"", status);
	}
}

/*
 * query-status against the model. A wake-up sets the run state before
 * its WAKEUP event is sent: a "running" where the model says suspended
 * is asked again once that event had time to come; any other difference
 * is a violation, and the model takes QEMU's word to go on.
 */
static void check_model(void)
{
	int i, tries;

	for (tries = 0; tries < 2; tries++) {
		i = command("{\"execute\": \"query-status\"}");
		if (i < 0)
			return;
		fold_to(i);
		in_action = false;	/* a race with the action is over */
		qrun_str(i, "status", reported_status, sizeof(reported_status));
		snprintf(last_status, sizeof(last_status), "%s", reported_status);
		if (reached(UNTIL_REPORTED))
			return;
		if (state != VM_SUSPENDED || strcmp(reported_status, "running"))
			break;
		wait_for(UNTIL_RUNNING, SETTLE_SECS);
	}
	if (stopped)
		return;
	violation(false, "query-status says \"%s\", the model %s (\"%s\")",
		  last_status, state_names[state], expected_status());
	resync(last_status);
}

/* One action, checked, and its line */
static void take(enum action a, unsigned int idle_secs)
{
	char res[320];

	if (stopped)
		return;
	fold_to(qrun_nr_lines());
	in_action = true;
	action_from = state;
	act(a, idle_secs, res, sizeof(res));
	if (!stopped)
		check_model();
	in_action = false;
	nr_actions++;
	printf("%s: seq %d step %d: %s -> %s (status %s)\n", tag, seq, step_nr,
	       actions[a].name, res, last_status);
}

/*
 * Before a sequence: the guest asleep or awake as drawn. A guest that
 * sleeps past its alarm is woken: a snapshot loaded since it armed the
 * alarm may have had it pass while away (the PL031 matches only the time
 * it is set to, and a load moves its count past it); without one, the
 * RTC's wake-up was lost.
 */
static void settle(bool want_asleep)
{
	step_nr = 0;
	printf("%s: seq %d: waiting for the guest to be %s (the model: %s)\n",
	       tag, seq, want_asleep ? "asleep" : "awake", state_names[state]);
	if (state == VM_PAUSED_ASLEEP) {
		/* Its alarm comes due while it is stopped: that must not wake it */
		printf("%s: seq %d: the sleeping guest stays stopped %d s\n",
		       tag, seq, alarm_secs + 2);
		wait_for(UNTIL_NEVER, alarm_secs + 2);
	}
	if (paused(state))
		take(ACT_CONT, 0);
	if (want_asleep) {
		if (!wait_for(UNTIL_SUSPENDED, SUSPEND_SECS) && !stopped)
			violation(true, "the guest did not suspend in %d s (the model: %s)",
				  SUSPEND_SECS, state_names[state]);
		return;
	}
	if (wait_for(UNTIL_RUNNING, alarm_secs + WAKE_SLACK) || stopped)
		return;
	if (state == VM_SUSPENDED && !loaded_since_alarm)
		violation(false, "the guest slept %d s past its %d s alarm",
			  WAKE_SLACK, alarm_secs);
	take(ACT_WAKEUP, 0);
}

static void run_sequence(void)
{
	bool want_asleep = rng_below(2);
	unsigned int n = 1 + rng_below(6), k, total = 0, pick, idle_secs;
	enum action a;

	for (a = 0; a < sizeof(actions) / sizeof(*actions); a++)
		total += actions[a].weight;
	settle(want_asleep);
	for (k = 1; k <= n && !stopped; k++) {
		pick = rng_below(total);
		idle_secs = rng_below(4);
		for (a = 0; pick >= actions[a].weight; a++)
			pick -= actions[a].weight;
		step_nr = k;
		take(a, idle_secs);
	}
}

/* Whether @cmd is answered "return"; a fatal violation if not */
static bool setup_cmd(const char *cmd)
{
	int i = command(cmd);

	if (i >= 0 && !strstr(qrun_line(i)->text, "\"return\""))
		violation(true, "%s: %s", cmd, qrun_line(i)->text);
	return !stopped;
}

/* A qcow2 node for savevm's snapshots, attached to no device */
static void make_snapshot_disk(void)
{
	double end = qrun_now() + CMD_SECS;
	char st[32] = "";
	int fd, i = -1;

	fd = open(DISK_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd)) {
		violation(true, "%s: %s", DISK_PATH, strerror(errno));
		return;
	}
	if (!setup_cmd("{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", \"node-name\": \"file0\", \"filename\": \"" DISK_PATH "\", \"locking\": \"off\"}}") ||
	    !setup_cmd("{\"execute\": \"blockdev-create\", \"arguments\": {\"job-id\": \"mk\", \"options\": {\"driver\": \"qcow2\", \"file\": \"file0\", \"size\": 67108864}}}"))
		return;
	while (strcmp(st, "concluded") && qrun_now() < end && !stopped) {
		usleep(200 * 1000);
		i = command("{\"execute\": \"query-jobs\"}");
		qrun_str(i, "status", st, sizeof(st));
	}
	if (stopped)
		return;
	/* A concluded job that failed says why in its "error" */
	if (strcmp(st, "concluded") || strstr(qrun_line(i)->text, "\"error\"")) {
		violation(true, "blockdev-create: %s", qrun_line(i)->text);
		return;
	}
	if (setup_cmd("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"mk\"}}"))
		setup_cmd("{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\": \"file0\"}}");
}

/* The guest, woken, completes one more cycle; then QEMU quits with 0 */
static void check_progress(void)
{
	int status;

	seq = sequences + 1;
	step_nr = 0;
	printf("%s: final: the guest must complete another cycle\n", tag);
	fold_to(qrun_nr_lines());
	new_cycle_mark = qrun_nr_lines();
	if (paused(state))
		take(ACT_CONT, 0);
	if (state == VM_SUSPENDED)
		take(ACT_WAKEUP, 0);
	if (!stopped && !wait_for(UNTIL_NEW_CYCLE, PROGRESS_SECS))
		violation(true, "no cycle completed in %d s", PROGRESS_SECS);
	if (stopped)
		return;
	/* No more folding: its SHUTDOWN event is expected now */
	qrun_cmd(&qr, "{\"execute\": \"quit\"}", CMD_SECS);
	status = qrun_wait_exit(&qr, CMD_SECS);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		violation(true, "QEMU did not exit with 0 on quit (wait status %#x)",
			  status);
}

static int run(void)
{
	char append[160];
	int ran;

	/* drawn even when given, so that a seed draws the same actions */
	alarm_secs = 3 + rng_below(6);
	if (alarm_arg > 0)
		alarm_secs = alarm_arg;
	snprintf(append, sizeof(append),
		 "console=ttyAMA0 panic=-1 mode=honour wake=any cycles=100000 alarm=%d",
		 alarm_secs);
	if (qemu_start(&qr, NULL, MACHINE_ON, "2", kernel, guest_initrd,
		       append, NULL, false) ||
	    qrun_qmp_connect(&qr, QMP_PATH, STEP_SECS)) {
		fail("cannot start QEMU");
		qrun_kill(&qr);
		return 1;
	}
	make_snapshot_disk();
	if (!stopped && !wait_for(UNTIL_TOKEN, BOOT_SECS) && !stopped)
		violation(true, "no \"" GUEST GUEST_TOKEN " XXXXXXXX at boot\" in %d s",
			  BOOT_SECS);
	for (seq = 1; seq <= sequences && !stopped; seq++) {
		/* qmp.c keeps QRUN_MAX_LINES: stop while the end still fits */
		if (qrun_nr_lines() > LINE_BUDGET) {
			printf("%s: stopping after %d sequences: QEMU's output fills qmp.c's line store\n",
			       tag, seq - 1);
			break;
		}
		run_sequence();
	}
	ran = seq - 1;
	if (!stopped)
		check_progress();
	qrun_kill(&qr);
	unlink(DISK_PATH);
	printf("%s: seed %llu: %d sequences, %ld actions, %ld suspend cycles, %ld violations\n",
	       tag, seed, ran, nr_actions, nr_resumed, nr_violations);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_fuzz [--seed N] [--sequences N] [--alarm SECS] [--kernel IMAGE] [--qemu PATH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	int i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tag = "qemu_fuzz";
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--sequences"))
			sequences = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--alarm"))
			alarm_arg = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--kernel"))
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--qemu"))
			qemu = argv[++i];
		else
			usage();
	}
	printf("%s: seed %llu, %d sequences (replay: qemu_fuzz --seed %llu --sequences %d)\n",
	       tag, seed, sequences, seed, sequences);
	if (!qemu_test_can_run(NULL, true))
		return 4;
	rng = seed;
	ret = run();
	printf("%s: %s\n", tag, ret ? "FAIL" : "PASS");
	return ret;
}
