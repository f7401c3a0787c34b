/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patched QEMU under a peer test, and one suspend cycle of its guest
 * (l2/suspend.c) seen from QMP and the console: qemu_cycle.c.
 */
#ifndef PEERS_QEMU_CYCLE_H
#define PEERS_QEMU_CYCLE_H

#include <stdbool.h>

#include "qmp.h"

#ifndef KVM_CAP_ARM_SYSTEM_SUSPEND
#define KVM_CAP_ARM_SYSTEM_SUSPEND	216
#endif

#define QMP_PATH	"/tmp/qemu-suspend.qmp"
#define BOOT_SECS	300	/* a stock kernel under nested TCG: ~60 s */
#define STEP_SECS	120

extern const char *qemu;	/* the patched QEMU (--qemu) */
extern const char *kernel;	/* the guest's kernel (--kernel) */
extern const char *tag;		/* the test's name, before every line */
extern bool ok;			/* false once fail() was called */

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

/* 1 if /dev/kvm offers KVM_CAP_ARM_SYSTEM_SUSPEND, 0 if not, -1: no KVM */
int host_has_cap(void);

/*
 * A peer test's command line, MODE [--kernel IMAGE] [--qemu PATH]
 * [--source PATH] (--source only where @source is not NULL): sets
 * kernel, qemu and *@source, calls @usage on anything else, returns MODE.
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
