/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VMM and its L2 guest say, defined once: the VMM's exit statuses,
 * the text of the log lines a reader (or test/e2e.c) follows a run by, and
 * the guest's (l2/suspend.c) report lines. The VMM builds its log lines
 * from these and the e2e driver looks for the same macros, so rewording an
 * event changes both, and removing one breaks the build, not the test.
 *
 * A VMM event line is "[vmm  12.345] vcpuN: EVENT details"; the details
 * (values) are not part of the macros.
 */
#ifndef VMM_EVENTS_H
#define VMM_EVENTS_H

/* Exit statuses of the vmm process */
#define VMM_EXIT_POWEROFF	0	/* guest called PSCI SYSTEM_OFF */
#define VMM_EXIT_ERROR		1	/* setup or run-time error */
#define VMM_EXIT_USAGE		2	/* bad command line */
#define VMM_EXIT_RESET		3	/* guest called PSCI SYSTEM_RESET */
#define VMM_EXIT_NOCAP		4	/* KVM lacks a capability we need */
#define VMM_EXIT_CRASH		5	/* guest crash or unhandled exit */
#define VMM_EXIT_QUIT		6	/* "quit" on the control socket */

/* The log line's prefix, and the one of an error line after it */
#define EV_LOG_PREFIX		"[vmm "
#define EV_ERROR		"error: "

/* Setup */
#define EV_POLICY		"suspend policy"	/* + honour|deny|off */
#define EV_KERNEL_LOADED	"kernel loaded"
#define EV_CONTROL_LISTEN	"control: listening on"

/* SYSTEM_SUSPEND, the VMM's half (suspend.c) */
#define EV_SUSPEND_CALL		"SYSTEM_SUSPEND call:"	/* fn= entry= ctx= */
#define EV_OTHER_VCPU		"other vCPU"		/* vcpuN: STATE */
#define EV_PSCI_RETURN		"SYSTEM_SUSPEND ->"	/* NAME (value): why */
#define EV_SUSPENDED		"SUSPENDED, waiting for a wakeup"
#define EV_EINTR		"KVM_RUN -EINTR while suspended"
#define EV_WAKEUP		"WAKEUP after"
#define EV_HOST_WAKEUP		"host wakeup after"
#define EV_RESUME		"resume at entry"
#define EV_POWEROFF		"SYSTEM_OFF: guest powered off"
#define EV_RESET		"SYSTEM_RESET: guest asked for a reset"

/* Wake-up sources */
#define EV_ALARM_SET		"pl031: alarm set"
#define EV_ALARM_DUE		"pl031: alarm due"
#define EV_ALARM_CLEARED	"pl031: alarm interrupt cleared by the guest"
#define EV_CONSOLE_INPUT	"pl011: input while suspended"
#define EV_CONTROL_CMD		"control: command"	/* + the command */

/* Control socket answers: CTL_OK or CTL_ERROR, then the rest of the line */
#define CTL_OK			"ok"
#define CTL_ERROR		"error:"
#define CTL_RUNNING		"running"
#define CTL_SUSPENDED		"suspended since"
#define CTL_POWERED_OFF		"powered off"

/* Errors a user meets first */
#define ERR_UNKNOWN_OPTION	"unknown option"
#define ERR_NO_KERNEL		"no kernel: use --kernel IMAGE"
#define ERR_BAD_MEM		"bad memory size"
#define ERR_NO_KVM		"cannot open /dev/kvm"
#define ERR_NOT_IMAGE		"is not an arm64 Image"
#define ERR_SMALL_RAM		"not enough guest RAM"
#define ERR_NOCAP		"KVM lacks"
#define ERR_CONTROL_PATH	"control socket"

/* The L2 guest's lines (l2/suspend.c): GUEST, then one of these */
#define GUEST			"guest: "
#define GUEST_PARAMS		"mode="
#define GUEST_MEM_SLEEP		"/sys/power/mem_sleep:"
#define GUEST_NO_DEEP		"no deep in mem_sleep"
#define GUEST_SUSPENDING	"writing \"mem\""
#define GUEST_RESUMED		"resumed after"
#define GUEST_ABORTED		"a wakeup event aborted the suspend"
#define GUEST_REFUSED		"the write of \"mem\" failed as expected"
#define GUEST_WOKEN_BY		"woken by"	/* + rtc|console|host|untold|unknown */
#define GUEST_INPUT		"console input:"	/* + the bytes read */
#define GUEST_TOKEN		"token"	/* + 8 hex digits: at boot, kept */
#define GUEST_PASS		"PASS"
#define GUEST_FAIL		"FAIL"

#endif /* VMM_EVENTS_H */
