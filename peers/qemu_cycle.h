/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patched QEMU under a peer test, and one suspend cycle of its guest
 * (l2/suspend.c) seen from QMP and the console, and what the tests that
 * save or move the sleeping guest share: qemu_cycle.c.
 */
#ifndef PEERS_QEMU_CYCLE_H
#define PEERS_QEMU_CYCLE_H

#include <stdbool.h>

#include "qmp.h"

#ifndef KVM_CAP_ARM_SYSTEM_SUSPEND
#define KVM_CAP_ARM_SYSTEM_SUSPEND	216
#endif

#ifndef KVM_MP_STATE_RUNNABLE
#define KVM_MP_STATE_RUNNABLE	0
#endif
#ifndef KVM_MP_STATE_SUSPENDED
#define KVM_MP_STATE_SUSPENDED	10
#endif

#define QMP_PATH	"/tmp/qemu-suspend.qmp"
#define BOOT_SECS	300	/* a stock kernel under nested TCG: ~60 s */
#define STEP_SECS	120

#define MACHINE_ON	"virt,gic-version=3,system-suspend=on"
#define MACHINE_OFF	"virt,gic-version=3"
#define INITRD		"/vmm/guest.cpio"
#define STREAM		"/tmp/qemu-migrate.stream"	/* a saved guest */

/* The series' trace events of a wake-up (kvm_arm_* on 7.2, arm_* later) */
#define TRACE_RESUME	"arm_resume_from_suspend"
#define TRACE_WAKEUP	"arm_system_wakeup"

extern const char *qemu;	/* the patched QEMU (--qemu) */
extern const char *kernel;	/* the guest's kernel (--kernel) */
extern const char *guest_initrd;	/* its initrd (--initrd), INITRD */
extern const char *accel;	/* -accel (--accel): kvm, or tcg */
extern const char *machine_on;	/* -M with the option on (--machine) */
extern const char *qemu_rtc;	/* -rtc's argument for qemu_start(), or NULL */
extern const char *tag;		/* the test's name, before every line */
extern bool ok;			/* false once fail() was called */
extern char guest_token[9];	/* what the guest drew at boot (read_token()) */

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Starts @bin (NULL: the patched QEMU) with the common options, a QMP
 * socket at QMP_PATH and the trace events the tests read; NULL options
 * are left out. @incoming: a -incoming URI, or NULL. @stopped: -S, as
 * libvirt starts every QEMU (it says "cont" when it is ready).
 */
int qemu_start(struct qrun *r, const char *bin, const char *machine,
	       const char *smp, const char *image, const char *initrd,
	       const char *append, const char *incoming, bool stopped);

/* Whether query-status says @want; fail()s if not */
bool check_status(struct qrun *r, const char *want);

/* Whether @cmd is answered with "return"; fail()s with the answer if not */
bool qmp_returns(struct qrun *r, const char *cmd, int secs);

/* One suspend cycle; con and ev: where to read on from (console, QMP) */
struct cycle {
	int n;
	const char *wake;	/* host, rtc or console */
	int con, ev;
	int sus, susp_ev;	/* the guest's suspend line, the SUSPEND event */
	int attr_from;		/* QEMU's trace from here says what woke it */
	int lat_from;		/* and from here when */
};

bool cycle_suspend(struct qrun *r, struct cycle *c, int n);
bool cycle_wake(struct qrun *r, struct cycle *c);

/*
 * cycle_wake() once the wake-up was sent (by the caller, at @t_wake s
 * after QEMU's start): the WAKEUP event, "running", the guest's resume.
 */
bool cycle_woken(struct qrun *r, struct cycle *c, double t_wake);

/*
 * Whether @line is the guest's "guest: token XXXXXXXX at boot"; if so its
 * eight hex digits are copied to @token (9 bytes). Nothing else counts: a
 * kernel's boot log says "token" too ("MPTCP token hash table entries").
 */
bool parse_boot_token(const char *line, char *token);

/* Waits for the guest's boot token from console line *@con: guest_token */
bool read_token(struct qrun *r, int *con);

/* Whether the guest said, after line *@con, "@when: token <guest_token> kept" */
bool token_kept(struct qrun *r, const char *when, int *con);

/*
 * KVM_GET_MP_STATE of vCPU 0 (the one that called SYSTEM_SUSPEND: Linux
 * suspends on its boot CPU), as QEMU traces it when HMP's "info
 * registers" has it read the vCPU's state; -1 (fail()ed) if not seen.
 */
int vcpu0_mp_state(struct qrun *r);
bool vcpu_suspended_in_kvm(struct qrun *r);

/*
 * Saves the guest of @r to @path as libvirt's save does ("getfd", then
 * "migrate" to "fd:"): query-status must say @want_before first, and
 * "postmigrate" once the migration completed. QEMU keeps running.
 */
bool migrate_to_file(struct qrun *r, const char *path, const char *want_before);

/*
 * The guest's end: it says PASS and powers off, QEMU reports the
 * SHUTDOWN (guest-shutdown) and exits 0. Checked only while ok; QEMU is
 * killed in any case.
 */
void guest_end(struct qrun *r, int *con, int *ev);

/* 1 if /dev/kvm offers KVM_CAP_ARM_SYSTEM_SUSPEND, 0 if not, -1: no KVM */
int host_has_cap(void);

/*
 * A peer test's command line, MODE [--kernel IMAGE] [--qemu PATH]
 * [--initrd PATH] [--accel kvm|tcg] [--machine OPTS] [--source PATH]
 * (--source only where @source is not NULL): sets kernel, qemu,
 * guest_initrd, accel, machine_on and *@source, calls @usage on anything
 * else, returns MODE.
 */
const char *qemu_test_args(int argc, char **argv, const char **source,
			   void (*usage)(void));

/*
 * Whether the test can run here: /dev/kvm, the patched QEMU and @other
 * (another QEMU, or NULL), and if @need_cap the capability. If not, the
 * test's SKIP line is printed.
 */
bool qemu_test_can_run(const char *other, bool need_cap);

#endif
