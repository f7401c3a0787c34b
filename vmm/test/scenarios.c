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
 * seconds, so the alarm may fire as early as ALARM_SECS - 1 seconds later;
 * under nested TCG the guest needs about 0.5 s to get from the write of
 * "mem" to SYSTEM_SUSPEND, and an alarm that fires before that aborts the
 * suspend. 3 leaves room for a loaded host.
 */
#define ALARM		"alarm=3"
#define LINUX_VMM	"--mem 256M --cpus 2"

const char *const common_forbidden[] = { "] " EV_ERROR, NULL };

static const struct step honour_head[] = {
	{ EV_POLICY, "honour" },
	{ GUEST GUEST_MEM_SLEEP, "s2idle [deep]" },
	{ NULL }
};

/* One honoured cycle, with a signal to the suspended vCPU (--test-kick-ms) */
static const struct step honour_cycle[] = {
	{ EV_SUSPEND_CALL, FN_SUSPEND64 },
	{ EV_OTHER_VCPU, "vcpu1: STOPPED" },
	{ EV_SUSPENDED },
	{ EV_EINTR, "mp_state SUSPENDED" },
	{ EV_ALARM_DUE },
	{ EV_WAKEUP },
	{ EV_RESUME },
	{ GUEST_RESUMED, GUEST },
	{ NULL }
};

/* The same without the signal */
static const struct step rtc_cycle[] = {
	{ EV_SUSPEND_CALL, FN_SUSPEND64 },
	{ EV_OTHER_VCPU, "vcpu1: STOPPED" },
	{ EV_SUSPENDED },
	{ EV_ALARM_DUE },
	{ EV_WAKEUP },
	{ EV_RESUME },
	{ GUEST_RESUMED, GUEST },
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

static const struct step off_steps[] = {
	{ EV_POLICY, "off" },
	{ GUEST GUEST_MEM_SLEEP, "[s2idle]" },
	{ GUEST GUEST_NO_DEEP },
	{ GUEST_RESUMED, GUEST },
	{ NULL }
};

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

static const char *const not_refused[] = { EV_PSCI_RETURN, NULL };
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
		.blocks = { honour_head, honour_cycle, honour_cycle,
			    honour_cycle, pass_tail },
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
		.summary = "--suspend=off: no deep in mem_sleep, s2idle still works",
		.vmm_args = LINUX_VMM " --suspend off",
		.guest_args = "mode=off cycles=1 " ALARM,
		.blocks = { off_steps, pass_tail }, .forbidden = not_called,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
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
		.name = "demo",
		.summary = "one honoured cycle, narrated",
		.about = "demo: the reference VMM boots Linux with 2 vCPUs; the guest arms its\n"
			 "e2e: PL031 RTC wake alarm and writes \"mem\" to /sys/power/state. Linux\n"
			 "e2e: takes vCPU 1 offline (PSCI CPU_OFF) and calls PSCI SYSTEM_SUSPEND;\n"
			 "e2e: KVM hands the call to the VMM, which checks vCPU 1 is STOPPED, parks\n"
			 "e2e: vCPU 0 in KVM_MP_STATE_SUSPENDED and waits. When the alarm is due the\n"
			 "e2e: RTC raises its interrupt, KVM reports WAKEUP, and the VMM restarts vCPU 0\n"
			 "e2e: at the guest's resume entry point. Lines: [vmm t] = VMM steps with\n"
			 "e2e: timestamps, guest: = the guest's init, [ t] = the guest kernel.",
		.vmm_args = LINUX_VMM " --suspend honour",
		.guest_args = "mode=honour cycles=1 " ALARM,
		.blocks = { honour_head, rtc_cycle, pass_tail },
		.forbidden = not_refused,
		.status = VMM_EXIT_POWEROFF, .timeout = 250,
		.suspend_needed = true,
	},
	{ NULL }
};
