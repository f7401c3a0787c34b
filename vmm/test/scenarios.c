// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end scenarios, one row each: the vmm's command line, the steps
 * its output must show in order, what it must not show, its exit status,
 * and what the driver does while it runs. The strings are events.h's, so
 * the VMM and this table cannot drift apart silently.
 */
#include "kvm_arm.h"
#include "events.h"
#include "e2e.h"

/* The function ID of SYSTEM_SUSPEND (SMC64) in the VMM's log */
#define FN_SUSPEND64	"fn=0xc400000e"

/*
 * Seconds from arming the RTC alarm to its expiry. The RTC counts whole
 * seconds, so the alarm may fire as early as a second sooner;
 * under nested TCG the guest needs about 0.5 s to get from the write of
 * "mem" to SYSTEM_SUSPEND, several seconds on a loaded host. An alarm that
 * fires before that aborts the suspend (the guest committed its wakeup
 * count) and the guest tries again: 3 keeps that rare.
 */
#define ALARM		"alarm=3"
#define LINUX_VMM	"--mem 256M --cpus 2"
#define CONTROL		" --control " E2E_CONTROL_PATH

const char *const common_forbidden[] = { "] " EV_ERROR, NULL };

static const struct step honour_head[] = {
	{ EV_POLICY, "honour" },
	{ GUEST GUEST_MEM_SLEEP, "s2idle [deep]" },
	{ NULL }
};

/*
 * The pieces of a suspend/resume cycle; a scenario lists the ones its
 * cycles go through. Going to sleep, with vCPU 1 taken offline first:
 */
static const struct step asleep[] = {
	{ EV_SUSPEND_CALL, FN_SUSPEND64 },
	{ EV_OTHER_VCPU, "vcpu1: STOPPED" },
	{ EV_SUSPENDED },
	{ NULL }
};

/* A signal (--test-kick-ms) leaves the vCPU SUSPENDED */
static const struct step kicked[] = {
	{ EV_EINTR, "mp_state SUSPENDED" },
	{ NULL }
};

static const struct step rtc_alarm[] = { { EV_ALARM_DUE }, { NULL } };

/* KVM ends the wait (WAKEUP exit), the VMM resumes the guest */
static const struct step woken[] = {
	{ EV_WAKEUP },
	{ EV_RESUME },
	{ GUEST_RESUMED, GUEST },
	{ NULL }
};

static const struct step by_rtc[] = {
	{ GUEST_WOKEN_BY, "rtc (" },
	{ NULL }
};

/* Armed console: the byte raises the RX interrupt and KVM wakes the vCPU */
static const struct step key[] = {
	{ EV_CONSOLE_INPUT, "RX interrupt raised" },
	{ NULL }
};

/*
 * The guest names the PL011's interrupt (pm_wakeup_irq), or, a kernel
 * without pm_wakeup_irq, says "untold" and the run must prove the console
 * woke it (attrib.c).
 */
static const struct step by_key[] = {
	{ GUEST_WOKEN_BY, "console (", "console" },
	{ GUEST_INPUT, "\"k\"" },
	{ NULL }
};

/*
 * Unarmed console: the byte comes, the UART raises its line, but the GIC
 * has it disabled across the suspend: only the alarm, seconds later, wakes
 * the guest (which checks the RTC reached the alarm), and the byte is then
 * delivered.
 */
static const struct step key_ignored[] = {
	{ EV_CONSOLE_INPUT },
	{ EV_ALARM_DUE },
	{ NULL }
};

static const struct step late_input[] = {
	{ GUEST_INPUT, "\"u\"" },
	{ NULL }
};

/* "wakeup" over the control socket: the VMM resumes the vCPU itself */
static const struct step by_host[] = {
	{ E2E_ANSWER "status -> " CTL_OK " " CTL_SUSPENDED, "vcpu0 SUSPENDED" },
	{ E2E_ANSWER "wakeup -> " CTL_OK },
	{ EV_CONTROL_CMD, "wakeup" },
	{ EV_HOST_WAKEUP },
	{ EV_RESUME },
	{ E2E_ANSWER "status -> " CTL_OK " " CTL_RUNNING, "vcpu0 RUNNABLE" },
	{ GUEST_RESUMED, GUEST },
	{ GUEST_WOKEN_BY, "host (no wakeup interrupt" },
	{ NULL }
};

/*
 * The guest takes the alarm's interrupt before it writes "mem": with its
 * wakeup count committed the kernel aborts that suspend before the PSCI
 * call, and the next attempt sleeps until its own alarm.
 */
static const struct step early_alarm[] = {
	{ EV_ALARM_DUE },
	{ EV_ALARM_CLEARED },
	{ GUEST_SUSPENDING, "(early)" },
	{ GUEST_ABORTED, GUEST },
	{ NULL }
};

static const struct step pass_tail[] = {
	{ GUEST GUEST_PASS },
	{ EV_POWEROFF },
	{ NULL }
};

static const struct step deny_steps[] = {
	{ EV_POLICY, "deny" },
	{ GUEST GUEST_MEM_SLEEP, "s2idle [deep]" },
	{ EV_SUSPEND_CALL, FN_SUSPEND64 },
	{ EV_PSCI_RETURN, "DENIED" },
	{ GUEST_REFUSED, GUEST },
	{ NULL }
};

static const struct step off_head[] = {
	{ EV_POLICY, "off" },
	{ GUEST GUEST_MEM_SLEEP, "[s2idle]" },
	{ GUEST GUEST_NO_DEEP },
	{ NULL }
};

static const struct step resumed[] = { { GUEST_RESUMED, GUEST }, { NULL } };

static const struct step bad_entry_steps[] = {
	{ "bm: PSCI_FEATURES(SYSTEM_SUSPEND64) x0=0000000000000000" },
	{ EV_SUSPEND_CALL, "entry=0x1000 " },
	{ EV_PSCI_RETURN, "INVALID_ADDRESS (-9)" },
	{ "bm:   returned x0=fffffffffffffff7" },
	{ EV_SUSPEND_CALL, "entry=0x3ffffffc " },
	{ EV_PSCI_RETURN, "INVALID_ADDRESS (-9)" },
	{ EV_SUSPEND_CALL, "entry=0xfffffffffffff000 " },
	{ EV_PSCI_RETURN, "INVALID_ADDRESS (-9)" },
	/* SMC32: KVM hands over the entry point's low 32 bits only */
	{ EV_SUSPEND_CALL, "fn=0x8400000e entry=0x1000 " },
	{ EV_PSCI_RETURN, "INVALID_ADDRESS (-9)" },
	{ "bm: PASS" },
	{ EV_POWEROFF },
	{ NULL }
};

static const struct step secondary_on_steps[] = {
	{ "bm: CPU_ON(vcpu1) x0=0000000000000000" },
	{ "bm: vcpu1 is running" },
	{ EV_SUSPEND_CALL, FN_SUSPEND64 },
	{ EV_OTHER_VCPU, "vcpu1: RUNNABLE" },
	{ EV_PSCI_RETURN, "DENIED (-3)" },
	{ "bm: SYSTEM_SUSPEND returned x0=fffffffffffffffd" },
	{ "bm: PASS" },
	{ EV_POWEROFF },
	{ NULL }
};

static const struct step control_head[] = {
	{ EV_POLICY, "honour" },
	{ EV_CONTROL_LISTEN, E2E_CONTROL_PATH },
	{ GUEST GUEST_MEM_SLEEP, "s2idle [deep]" },
	{ NULL }
};

static const struct action console_actions[] = {
	{ EV_SUSPENDED, NULL, 1, ACT_STDIN, "k" },
	{ EV_SUSPENDED, NULL, 2, ACT_STDIN, "u" },
	{ NULL }
};

/* status, wakeup, status, at the @n-th suspend */
#define HOST_ACTIONS(n)							\
	{ EV_SUSPENDED, NULL, n, ACT_CONTROL, "status" },		\
	{ EV_SUSPENDED, NULL, n, ACT_CONTROL, "wakeup" },		\
	{ EV_RESUME, NULL, n, ACT_CONTROL, "status" }

static const struct action host_actions[] = {
	HOST_ACTIONS(1),
	{ NULL }
};

/* The demo's three cycles: alarm, key, host command */
static const struct action demo_actions[] = {
	{ EV_SUSPENDED, NULL, 2, ACT_STDIN, "k" },
	HOST_ACTIONS(3),
	{ NULL }
};

#define LONG10		"xxxxxxxxxx"
#define LONG100		LONG10 LONG10 LONG10 LONG10 LONG10 \
			LONG10 LONG10 LONG10 LONG10 LONG10
#define LONG300		LONG100 LONG100 LONG100

/*
 * Bad commands, a client that hangs up mid-command, two at once, and the
 * policy changed at run time: the guest's second suspend is refused.
 */
static const struct action control_error_actions[] = {
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "frobnicate" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "status now" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "suspend-policy maybe" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, LONG300 },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL_CUT, "wake" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL_TWO, "status" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "suspend-policy deny" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "wakeup" },
	{ EV_SUSPENDED, NULL, 1, ACT_CONTROL, "wakeup" },
	{ GUEST GUEST_PASS, NULL, 1, ACT_CONTROL, "quit" },
	{ NULL }
};

static const struct step control_error_steps[] = {
	{ E2E_ANSWER "frobnicate -> " CTL_ERROR " unknown command" },
	{ E2E_ANSWER " -> " CTL_ERROR " empty command" },
	{ E2E_ANSWER "status now -> " CTL_ERROR " unknown command" },
	{ E2E_ANSWER "suspend-policy maybe -> " CTL_ERROR },
	{ E2E_ANSWER LONG300 " -> " CTL_ERROR " line too long" },
	{ E2E_ANSWER "B status -> " CTL_OK " " CTL_SUSPENDED },
	{ E2E_ANSWER "A status -> " CTL_OK " " CTL_SUSPENDED },
	{ E2E_ANSWER "suspend-policy deny -> " CTL_OK },
	{ E2E_ANSWER "wakeup -> " CTL_OK },
	{ E2E_ANSWER "wakeup -> " CTL_ERROR " the guest is not suspended" },
	{ GUEST_WOKEN_BY, "host (" },
	{ EV_SUSPEND_CALL, "policy deny" },
	{ EV_PSCI_RETURN, "DENIED" },
	{ GUEST_REFUSED, GUEST },
	{ GUEST GUEST_PASS },
	{ E2E_ANSWER "quit -> " CTL_OK },
	{ NULL }
};

static const char *const not_refused[] = { EV_PSCI_RETURN, NULL };
static const char *const not_by_interrupt[] = { EV_ALARM_DUE, EV_WAKEUP, NULL };
static const char *const not_suspended[] = { EV_SUSPENDED, NULL };
static const char *const not_called[] = { EV_SUSPEND_CALL, NULL };

const struct error_case error_cases[] = {
	{ "--kernel @@ --frobnicate", .before_kvm = true,
	  .status = VMM_EXIT_USAGE, .msg = ERR_UNKNOWN_OPTION " '--frobnicate'" },
	{ "--cpus 2", .before_kvm = true,
	  .status = VMM_EXIT_USAGE, .msg = ERR_NO_KERNEL },
	{ "--kernel @@ --mem 3M", .before_kvm = true,
	  .status = VMM_EXIT_USAGE, .msg = ERR_BAD_MEM " '3M'" },
	{ "--kernel @@ --suspend off", .no_kvm = true,
	  .status = VMM_EXIT_ERROR, .msg = ERR_NO_KVM },
	{ "--kernel @vmm --suspend off",
	  .status = VMM_EXIT_ERROR,
	  .msg = ERR_NOT_IMAGE ": no \"ARM\\x64\" magic at offset 0x38 (it is an ELF file" },
	{ "--kernel @@ --initrd @guest.cpio --mem 6M --suspend off",
	  .status = VMM_EXIT_ERROR, .msg = ERR_SMALL_RAM },
	{ NULL }
};

const struct scenario scenarios[] = {
	{
		.name = "honour",
		.summary = "3 suspend/resume cycles, woken by the RTC alarm, with signals while suspended",
		.vmm_args = LINUX_VMM " --suspend honour --test-kick-ms 100",
		.guest_args = "mode=honour cycles=3 " ALARM,
		.blocks = { honour_head,
			    asleep, kicked, rtc_alarm, woken, by_rtc,
			    asleep, kicked, rtc_alarm, woken, by_rtc,
			    asleep, kicked, rtc_alarm, woken, by_rtc, pass_tail },
		.forbidden = not_refused,
		.status = VMM_EXIT_POWEROFF, .timeout = 400,
		.suspend_needed = true,
	}, {
		.name = "deny",
		.summary = "--suspend=deny: the guest's write of \"mem\" fails, the guest carries on",
		.vmm_args = LINUX_VMM " --suspend deny",
		.guest_args = "mode=deny cycles=1 " ALARM,
		.blocks = { deny_steps, pass_tail },
		.forbidden = not_suspended,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
		.suspend_needed = true,
	}, {
		.name = "off",
		.summary = "--suspend=off: no deep in mem_sleep; an alarm taken first aborts s2idle, the retry works",
		.vmm_args = LINUX_VMM " --suspend off",
		.guest_args = "mode=off wake=early " ALARM,
		.blocks = { off_head, early_alarm, resumed, by_rtc, pass_tail },
		.forbidden = not_called,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
	}, {
		.name = "early-alarm",
		.summary = "an alarm taken before the suspend aborts it; the retry sleeps and wakes",
		.vmm_args = LINUX_VMM " --suspend honour",
		.guest_args = "mode=honour wake=early " ALARM,
		.blocks = { honour_head, early_alarm,
			    asleep, rtc_alarm, woken, by_rtc, pass_tail },
		.forbidden = not_refused,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
		.suspend_needed = true,
	}, {
		.name = "bad-entry",
		.summary = "bare-metal guest: entry points outside RAM get INVALID_ADDRESS",
		.image = "bm-bad-entry.Image",
		.vmm_args = "--mem 64M --cpus 1 --suspend honour",
		.blocks = { bad_entry_steps }, .forbidden = not_suspended,
		.status = VMM_EXIT_POWEROFF, .timeout = 60,
		.suspend_needed = true,
	}, {
		.name = "secondary-on",
		.summary = "bare-metal guest: SYSTEM_SUSPEND with vCPU 1 on gets DENIED",
		.image = "bm-secondary-on.Image",
		.vmm_args = "--mem 64M --cpus 2 --suspend honour",
		.blocks = { secondary_on_steps }, .forbidden = not_suspended,
		.status = VMM_EXIT_POWEROFF, .timeout = 60,
		.suspend_needed = true,
	}, {
		.name = "errors",
		.summary = "the vmm's command line and setup errors",
		.custom = scenario_errors,
	}, {
		.name = "wake-console",
		.summary = "a byte on stdin wakes a guest that armed its console, not one that did not",
		.vmm_args = LINUX_VMM " --suspend honour",
		.guest_args = "mode=honour wake=console,unarmed " ALARM " late=8",
		.blocks = { honour_head,
			    asleep, key, woken, by_key,
			    asleep, key_ignored, woken, by_rtc, late_input,
			    pass_tail },
		.forbidden = not_refused, .actions = console_actions,
		.status = VMM_EXIT_POWEROFF, .timeout = 300,
		.suspend_needed = true,
	}, {
		.name = "wake-host",
		.summary = "\"wakeup\" on the control socket wakes a guest whose alarm is far away",
		.vmm_args = LINUX_VMM " --suspend honour" CONTROL,
		.guest_args = "mode=honour wake=host " ALARM,
		.blocks = { control_head, asleep, by_host, pass_tail },
		.forbidden = not_by_interrupt, .actions = host_actions,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
		.suspend_needed = true,
	}, {
		.name = "control-errors",
		.summary = "bad commands, hang-ups, two clients, policy change, quit",
		.vmm_args = LINUX_VMM " --suspend honour" CONTROL,
		.guest_args = "mode=honour wake=host,denied linger=60 " ALARM,
		.blocks = { control_head, asleep, control_error_steps },
		.actions = control_error_actions,
		.status = VMM_EXIT_QUIT, .timeout = 250,
		.suspend_needed = true,
	}, {
		.name = "demo",
		.summary = "the three ways to wake a guest, one cycle each, narrated",
		.about = "demo: the reference VMM boots Linux with 2 vCPUs; the guest suspends to\n"
			 "e2e: RAM three times (echo mem > /sys/power/state). Each time Linux takes\n"
			 "e2e: vCPU 1 offline and calls PSCI SYSTEM_SUSPEND; KVM hands the call to\n"
			 "e2e: the VMM, which checks vCPU 1 is STOPPED and parks vCPU 0 in\n"
			 "e2e: KVM_MP_STATE_SUSPENDED. What wakes it: 1. the guest's RTC alarm (the\n"
			 "e2e: PL031 raises its interrupt, KVM exits with WAKEUP); 2. a key on the\n"
			 "e2e: console (the guest armed ttyAMA0 as a wakeup source; the byte raises\n"
			 "e2e: the PL011's RX interrupt, KVM exits with WAKEUP); 3. \"wakeup\" on the\n"
			 "e2e: VMM's control socket (the VMM resumes the vCPU itself, no interrupt).\n"
			 "e2e: The VMM then restarts vCPU 0 at the guest's resume entry point, and\n"
			 "e2e: the guest says what woke it. Lines: [vmm t] = VMM steps with\n"
			 "e2e: timestamps, guest: = the guest's init, [ t] = the guest kernel.",
		.vmm_args = LINUX_VMM " --suspend honour" CONTROL,
		.guest_args = "mode=honour wake=rtc,console,host " ALARM,
		.blocks = { control_head,
			    asleep, rtc_alarm, woken, by_rtc,
			    asleep, key, woken, by_key,
			    asleep, by_host, pass_tail },
		.forbidden = not_refused, .actions = demo_actions,
		.status = VMM_EXIT_POWEROFF, .timeout = 300,
		.suspend_needed = true,
	},
	{ NULL }
};
