// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_suspend: Debian's QEMU with the project's QEMU series (qemu/) on
 * the L1 host, driven over QMP.
 *
 *   qemu_suspend suspend [--kernel IMAGE] [--qemu PATH] [--initrd PATH]
 *		[--accel kvm|tcg]
 *	-M virt,system-suspend=on; the guest (l2/suspend.c, /vmm/guest.cpio)
 *	suspends three times, woken by system_wakeup, by its RTC alarm and
 *	by a byte on its console. Each cycle is checked from QMP (SUSPEND,
 *	query-status "suspended", WAKEUP, "running") and from the guest
 *	(what woke it, the byte read, its PASS at the end); the times from
 *	the wake-up to the guest running again are printed. With --accel
 *	tcg, QEMU emulates the guest's CPU and PSCI itself: no KVM needed,
 *	so it runs on any host (make qemu-tcg). --machine replaces -M's
 *	argument (MACHINE_ON), e.g. to try another GIC setting.
 *   qemu_suspend deny [--qemu PATH] [--initrd PATH] [--accel kvm|tcg]
 *	bare-metal guests (vmm/bm-*.Image, beside the guest's initrd):
 *	SYSTEM_SUSPEND with the other vCPU on must return DENIED, and with
 *	an entry point outside RAM INVALID_ADDRESS; each guest powers off
 *	only if it got its answer.
 *   qemu_suspend nocap [--kernel IMAGE] [--qemu PATH]
 *	on a host without KVM_CAP_ARM_SYSTEM_SUSPEND, system-suspend=on must
 *	stop QEMU at start-up with an error naming the capability (on a host
 *	with it there is nothing to refuse: said, not failed). Then, on any
 *	host, the patched QEMU with the option off runs qemu_peer's checks;
 *	its answers line must equal Debian's QEMU's (harness/peers.sh).
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm or no QEMU).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/events.h"
#include "qemu_cycle.h"

static const char *const wakes[] = { "host", "rtc", "console" };

static int run_suspend(void)
{
	struct qrun r;
	struct cycle c = { 0 };
	int n, status;

	if (qemu_start(&r, NULL, machine_on, "2", kernel, guest_initrd,
		       "console=ttyAMA0 panic=-1 mode=honour wake=host,rtc,console alarm=3",
		       NULL, false))
		return 1;
	if (qrun_qmp_connect(&r, QMP_PATH, STEP_SECS)) {
		fail("cannot talk QMP to QEMU");
		qrun_kill(&r);
		return 1;
	}
	for (n = 1; n <= 3 && ok; n++) {
		c.wake = wakes[n - 1];
		if (cycle_suspend(&r, &c, n))
			cycle_wake(&r, &c);
	}
	if (ok && qrun_wait(&r, false, GUEST GUEST_PASS, &c.con, STEP_SECS) < 0)
		fail("the guest did not PASS");
	if (ok && qrun_wait(&r, true, "\"reason\": \"guest-shutdown\"", &c.ev,
			    STEP_SECS) < 0)
		fail("no SHUTDOWN (guest-shutdown) event");
	status = qrun_wait_exit(&r, STEP_SECS);
	if (ok && (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)))
		fail("QEMU did not exit with status 0");
	qrun_kill(&r);
	return ok ? 0 : 1;
}

/* vmm/'s bare-metal guest @name, from where its guest.cpio is (--initrd) */
static const char *bm_image(const char *name)
{
	static char path[4096];
	const char *slash = strrchr(guest_initrd, '/');
	int dir = slash ? (int)(slash - guest_initrd) : 1;

	snprintf(path, sizeof(path), "%.*s/%s", dir,
		 slash ? guest_initrd : ".", name);
	return path;
}

/*
 * A bare-metal guest of vmm/: it powers off only on its expected answer.
 * QEMU starts stopped (-S) and runs it on "cont": without nesting the
 * guest is done before a QMP client could connect.
 */
static void run_bm(const char *image, const char *want)
{
	struct qrun r;
	int con = 0, ev = 0;

	if (qemu_start(&r, NULL, machine_on, "2", image, NULL, NULL, NULL,
		       true)) {
		fail("cannot start QEMU");
		return;
	}
	if (qrun_qmp_connect(&r, QMP_PATH, STEP_SECS))
		fail("cannot talk QMP to QEMU");
	else
		qmp_returns(&r, "{\"execute\": \"cont\"}", STEP_SECS);
	if (qrun_wait(&r, false, want, &con, STEP_SECS) < 0) {
		fail("%s: no \"%s\"", image, want);
	}
	if (qrun_wait(&r, true, "\"reason\": \"guest-shutdown\"", &ev,
		      STEP_SECS) < 0) {
		fail("%s: did not power off", image);
	}
	qrun_wait_exit(&r, STEP_SECS);
	qrun_kill(&r);
}

static int run_nocap(void)
{
	struct qrun r;
	int con = 0, status;
	char *peer[] = { "/peers/qemu_peer", "--qemu", (char *)qemu,
			 "--kernel", (char *)kernel, "--label", "patched, option off",
			 NULL };
	pid_t pid;

	if (host_has_cap()) {
		printf("qemu_suspend: the host has KVM_CAP_ARM_SYSTEM_SUSPEND: the start-up error is checked on the base\n");
	} else {
		if (qemu_start(&r, NULL, machine_on, "1", kernel, NULL, NULL,
			       NULL, false))
			return 1;
		status = qrun_wait_exit(&r, STEP_SECS);
		if (status < 0 || !WIFEXITED(status) || !WEXITSTATUS(status))
			fail("QEMU did not stop at start-up");
		if (qrun_wait(&r, false, "KVM_CAP_ARM_SYSTEM_SUSPEND", &con, 1) < 0)
			fail("QEMU's error does not name KVM_CAP_ARM_SYSTEM_SUSPEND");
		else
			printf("qemu_suspend: QEMU stopped at start-up, status %d\n",
			       WEXITSTATUS(status));
		qrun_kill(&r);
	}

	fflush(stdout);
	pid = fork();
	if (!pid) {
		execv(peer[0], peer);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("qemu_peer with the patched QEMU, option off");
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: qemu_suspend suspend|deny|nocap [--kernel IMAGE] [--qemu PATH] [--initrd PATH] [--accel kvm|tcg] [--machine OPTS]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = qemu_test_args(argc, argv, NULL, usage);
	if (!qemu_test_can_run(NULL, strcmp(mode, "nocap") != 0))
		return 4;
	if (!strcmp(mode, "suspend")) {
		ret = run_suspend();
	} else if (!strcmp(mode, "deny")) {
		run_bm(bm_image("bm-secondary-on.Image"), "bm: PASS: DENIED");
		run_bm(bm_image("bm-bad-entry.Image"), "bm: PASS");
		ret = ok ? 0 : 1;
	} else if (!strcmp(mode, "nocap")) {
		ret = run_nocap();
	} else {
		usage();
	}
	printf("qemu_suspend: %s: %s\n", mode, ret ? "FAIL" : "PASS");
	return ret;
}
