// SPDX-License-Identifier: GPL-2.0
/*
 * vmm: boot an arm64 Linux Image under KVM with a PL011 console and a PL031
 * RTC, and handle the guest's PSCI SYSTEM_SUSPEND calls by policy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

static const char usage_text[] =
"usage: vmm [options] --kernel IMAGE\n"
"  -k, --kernel FILE     arm64 Linux Image (or any Image-format binary)\n"
"  -i, --initrd FILE     initramfs to pass to the guest\n"
"  -a, --append STRING   kernel command line (default \"console=ttyAMA0\")\n"
"  -m, --mem SIZE        guest RAM, in MiB or with a K/M/G suffix (default 256M)\n"
"  -c, --cpus N          number of vCPUs (default 1)\n"
"  -s, --suspend POLICY  what to do with PSCI SYSTEM_SUSPEND:\n"
"                          honour  suspend the VM until a wakeup interrupt\n"
"                                  (default)\n"
"                          deny    answer DENIED\n"
"                          off     don't enable KVM_CAP_ARM_SYSTEM_SUSPEND:\n"
"                                  the guest sees the call as not supported\n"
"      --control PATH    a UNIX socket taking commands, one a line: status,\n"
"                        wakeup, suspend-policy honour|deny, quit\n"
"      --dtb-out FILE    also write the generated device tree to FILE\n"
"      --test-kick-ms N  test aid: signal suspended vCPUs every N ms\n"
"  -h, --help            this text\n"
"exit status: 0 guest powered off, 3 guest reset, 1 error, 2 bad usage,\n"
"             4 KVM lacks a needed capability, 5 guest crashed,\n"
"             6 quit on the control socket\n";

enum { OPT_DTB_OUT = 256, OPT_KICK, OPT_CONTROL };

static const struct option options[] = {
	{ "kernel",	required_argument,	NULL, 'k' },
	{ "initrd",	required_argument,	NULL, 'i' },
	{ "append",	required_argument,	NULL, 'a' },
	{ "mem",	required_argument,	NULL, 'm' },
	{ "cpus",	required_argument,	NULL, 'c' },
	{ "suspend",	required_argument,	NULL, 's' },
	{ "dtb-out",	required_argument,	NULL, OPT_DTB_OUT },
	{ "control",	required_argument,	NULL, OPT_CONTROL },
	{ "test-kick-ms", required_argument,	NULL, OPT_KICK },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void __attribute__((noreturn)) usage_error(const char *fmt,
						    const char *arg)
{
	fprintf(stderr, "vmm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	exit(VMM_EXIT_USAGE);
}

static u64 parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		usage_error(ERR_BAD_MEM " '%s'", s);
	switch (*end) {
	case 'G': case 'g':
		v <<= 30;
		end++;
		break;
	case 'M': case 'm': case '\0':
		v <<= 20;
		if (*end)
			end++;
		break;
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	}
	if (*end || !v || v % SZ_2M)
		usage_error(ERR_BAD_MEM " '%s' (a non-zero multiple of 2 MiB)",
			    s);
	return v;
}

static enum suspend_policy parse_policy(const char *s)
{
	if (!strcmp(s, "honour") || !strcmp(s, "honor"))
		return SUSPEND_HONOUR;
	if (!strcmp(s, "deny"))
		return SUSPEND_DENY;
	if (!strcmp(s, "off"))
		return SUSPEND_OFF;
	usage_error("unknown suspend policy '%s' (honour, deny or off)", s);
}

static int parse_int(const char *s, int min, int max, const char *error)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		usage_error(error, s);
	return v;
}

static void parse_args(int argc, char **argv, struct vm_config *cfg)
{
	int c;

	*cfg = (struct vm_config) {
		.cmdline = "console=ttyAMA0",
		.ram_size = 256 * SZ_1M,
		.nr_vcpus = 1,
		.suspend = SUSPEND_HONOUR,
	};

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:a:m:c:s:h", options,
				NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 'a':
			cfg->cmdline = optarg;
			break;
		case 'm':
			cfg->ram_size = parse_size(optarg);
			break;
		case 'c':
			cfg->nr_vcpus = parse_int(optarg, 1, 64,
						  "bad number of vCPUs '%s' (1-64)");
			break;
		case 's':
			cfg->suspend = parse_policy(optarg);
			break;
		case OPT_DTB_OUT:
			cfg->dtb_out = optarg;
			break;
		case OPT_CONTROL:
			cfg->control = optarg;
			break;
		case OPT_KICK:
			cfg->kick_ms = parse_int(optarg, 1, 60000,
						 "bad --test-kick-ms '%s'");
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs an argument",
				    argv[optind - 1]);
		default:
			usage_error(ERR_UNKNOWN_OPTION " '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg->kernel)
		usage_error("%s", ERR_NO_KERNEL);
}

/* Everything up to the first KVM_RUN. */
static int setup(struct vm *vm)
{
	struct vcpu *boot;

	if (kvm_open(vm) || kvm_create_vm(vm))
		return VMM_EXIT_ERROR;
	if (vm->cfg.suspend != SUSPEND_OFF && kvm_enable_system_suspend(vm))
		return VMM_EXIT_NOCAP;
	if (kvm_setup_ram(vm) || gic_create(vm) || vcpu_create_all(vm) ||
	    suspend_init(vm))
		return VMM_EXIT_ERROR;
	/* The device tree describes what the devices registered. */
	if (devices_init(vm) || image_load(vm) || fdt_install(vm) ||
	    gic_init(vm))
		return VMM_EXIT_ERROR;

	/* booting.rst: x0 = DTB address, x1-x3 = 0, MMU off, at EL1 */
	boot = &vm->vcpus[0];
	if (vcpu_set_pc(boot, vm->kernel_entry) ||
	    vcpu_set_xreg(boot, 0, vm->dtb_addr)) {
		vmm_err("cannot set the boot vCPU's registers: %s",
			strerror(errno));
		return VMM_EXIT_ERROR;
	}

	/* The control socket pauses vCPU threads: it comes after them. */
	if (mmio_start_all(vm) || vcpu_start_all(vm) ||
	    suspend_start_kicker(vm) || control_start(vm))
		return VMM_EXIT_ERROR;
	return 0;
}

static const char *status_name(int status)
{
	switch (status) {
	case VMM_EXIT_POWEROFF:	return "guest powered off";
	case VMM_EXIT_RESET:	return "guest reset";
	case VMM_EXIT_NOCAP:	return "KVM lacks a capability";
	case VMM_EXIT_CRASH:	return "guest crashed";
	case VMM_EXIT_QUIT:	return "quit on the control socket";
	default:		return "error";
	}
}

int main(int argc, char **argv)
{
	static struct vm vm;
	int status;

	parse_args(argc, argv, &vm.cfg);
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);

	vmm_log("%d vCPU(s), %llu MiB, " EV_POLICY " %s, cmdline \"%s\"",
		vm.cfg.nr_vcpus, (unsigned long long)(vm.cfg.ram_size / SZ_1M),
		suspend_policy_name(vm.cfg.suspend), vm.cfg.cmdline);

	status = setup(&vm);
	if (!status)
		status = vm_wait_exit(&vm);

	console_flush();
	control_cleanup(&vm);
	vmm_log("exit status %d (%s)", status, status_name(status));
	/* Don't wait for vCPU threads that may sit in KVM_RUN forever. */
	_exit(status);
}
