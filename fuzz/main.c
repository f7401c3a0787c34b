// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz - randomized PSCI/SMCCC calls and vCPU state races against
 * KVM/arm64, with PSCI SYSTEM_SUSPEND (KVM_CAP_ARM_SYSTEM_SUSPEND) in the mix.
 *
 * Up to --slots VMs live at once (vm.c). Every vCPU runs the guest of
 * fuzz_guest.S, which performs whatever operation the host left in its
 * mailbox (mostly an HVC with random or well-aimed arguments, calls.c) and
 * reports back through an MMIO exit; one thread per vCPU runs it and checks
 * every exit and result (vcpu.c, suspend.c) against the ABI and the PSCI
 * model (psci_model.c). Racer threads meanwhile change the vCPUs' state
 * under them (racer.c); a waker wakes suspended vCPUs and a watchdog
 * catches wedged ones (watch.c).
 *
 * Checked: the mp_state values and the errno of every ioctl; the type,
 * ndata and registers of every system event exit (SUSPEND only with the
 * capability, PSCI 1.0 and a SYSTEM_SUSPEND function ID, x0-x3 as the
 * guest passed them; WAKEUP only for a vCPU that userspace suspended, which
 * then still reads SUSPENDED and stays so across -EINTR); a suspended vCPU
 * never runs guest code and always wakes up once an interrupt is raised;
 * the guest resumes at the entry point with the context ID in x0; and the
 * value of every PSCI call whose answer is defined, SYSTEM_SUSPEND and
 * PSCI_FEATURES in particular.
 *
 * Exit status: 0 pass, 1 fail (with the seed to replay), 4 skip (no
 * /dev/kvm). Without KVM_CAP_ARM_SYSTEM_SUSPEND (the base kernel) the
 * cap-less subset runs: SYSTEM_SUSPEND must then always answer
 * NOT_SUPPORTED and KVM_MP_STATE_SUSPENDED be refused with EINVAL.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fuzz.h"

/* The A32 guest is hand-encoded against this layout. */
_Static_assert(FZ_MBOX_OFF == 0x4000 && FZ_MBOX_SHIFT == 8 &&
	       FZ_BATCH_OFF == 0x8000 && FZ_BATCH_SHIFT == 12 && FZ_CALL_SHIFT == 6 &&
	       FZ_DOORBELL == 0x10000000 && MB_SEQ == 8 && MB_ENTRY_X0 == 0x50 &&
	       MB_ENTRIES == 0x58 && MB_COUNT == 0x78 && MB_IDX == 0x80 &&
	       CALL_A0 == 0 && CALL_A2 == 0x10 && CALL_R0 == 0x20 && CALL_R2 == 0x30 &&
	       FZ_OP_BATCH == 1, "fuzz_guest.S: re-encode the A32 guest");
_Static_assert(FZ_BATCH_MAX << FZ_CALL_SHIFT <= 1 << FZ_BATCH_SHIFT &&
	       FZ_BATCH_OFF + (MAX_VCPUS << FZ_BATCH_SHIFT) <= FZ_JUNK_OFF &&
	       FZ_MBOX_OFF + (MAX_VCPUS << FZ_MBOX_SHIFT) <= FZ_BATCH_OFF &&
	       MB_IDX + 8 <= 1 << FZ_MBOX_SHIFT, "fuzz_guest.h: overlapping areas");

static void on_signal(int sig)
{
	(void)sig;
}

static void usage(const char *p)
{
	printf("usage: %s [--seconds N] [--seed N] [--slots N] [--racers N] [--wedge S]\n"
	       "          [--cap-less] [--aarch32 PERCENT] [--vgic PERCENT] [--waker-lag MS]\n"
	       "          [--init-lag MS] [--wild-spis] [--states[=WHICH]] [--verbose]\n"
	       "  --seconds N  run for N seconds (60)\n"
	       "  --seed N     random seed (default: from the clock; always printed)\n"
	       "  --slots N    VMs alive at a time, 1-%d (2)\n"
	       "  --racers N   racer threads, 0-%d (2)\n"
	       "  --wedge S    a vCPU in KVM_RUN for S seconds despite signals is wedged (30)\n"
	       "  --cap-less   leave KVM_CAP_ARM_SYSTEM_SUSPEND alone even if offered\n"
	       "  --aarch32 P  make P%% of the VMs AArch32 ones, if KVM can (12)\n"
	       "  --vgic P     give P%% of the AArch64 VMs an in-kernel vGICv3 (50)\n"
	       "  --waker-lag MS  the waker pauses MS ms after raising a line, before\n"
	       "               noting it raised (to reproduce a past race of its own)\n"
	       "  --init-lag MS  a racer pauses MS ms between completing the vCPU's MMIO\n"
	       "               and KVM_ARM_VCPU_INIT (the same, for another race)\n"
	       "  --wild-spis  racers raise SPIs past nr_irqs too (EINVAL); 5.10 WARNs on\n"
	       "               those without patches-stable/\n"
	       "  --states[=restore,pre-init,init,kill,off-on]  a thread also makes, on\n"
	       "               VMs of its own, the states a VMM's restore and a killed\n"
	       "               VMM reach, and a SUSPEND exit overtaken by CPU_ON\n"
	       "               (states.c; with the series): all of them, or those named\n",
	       p, MAX_SLOTS, MAX_RACERS);
}

/* The command line that replays this run, for the failure report. */
static void note_command(int argc, char **argv, bool seeded)
{
	size_t len = 0;

	for (int i = 0; i < argc && len < sizeof(g.replay); i++)
		len += snprintf(g.replay + len, sizeof(g.replay) - len, "%s%s",
				i ? " " : "", argv[i]);
	if (!seeded && len < sizeof(g.replay))
		snprintf(g.replay + len, sizeof(g.replay) - len, " --seed %" PRIu64, g.seed);
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "slots", required_argument, NULL, 'S' },
		{ "racers", required_argument, NULL, 'r' },
		{ "wedge", required_argument, NULL, 'w' },
		{ "cap-less", no_argument, NULL, 'c' },
		{ "aarch32", required_argument, NULL, 'a' },
		{ "vgic", required_argument, NULL, 'g' },
		{ "waker-lag", required_argument, NULL, 'L' },
		{ "init-lag", required_argument, NULL, 'I' },
		{ "wild-spis", no_argument, NULL, 'W' },
		{ "states", optional_argument, NULL, 'X' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool seeded = false;
	int c;

	g.seconds = 60;
	g.nslots = 2;
	g.nracers = 2;
	g.wedge = 30;
	g.a32_pct = 12;
	g.vgic_pct = 50;
	while ((c = getopt_long(argc, argv, "t:s:S:r:w:ca:g:L:I:WXvh", opts, NULL)) != -1) {
		switch (c) {
		case 't': g.seconds = atoi(optarg); break;
		case 's': g.seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'S': g.nslots = atoi(optarg); break;
		case 'r': g.nracers = atoi(optarg); break;
		case 'w': g.wedge = atoi(optarg); break;
		case 'c': g.force_cap_less = true; break;
		case 'a': g.a32_pct = atoi(optarg); break;
		case 'g': g.vgic_pct = atoi(optarg); break;
		case 'L': g.waker_lag_ms = atoi(optarg); break;
		case 'I': g.init_lag_ms = atoi(optarg); break;
		case 'W': g.wild_spis = true; break;
		case 'X':
			g.states = true;
			if (optarg && !states_pick(optarg)) {
				usage(argv[0]);
				return 2;
			}
			break;
		case 'v': g.verbose = true; break;
		case 'h': usage(argv[0]); return KA_EXIT_PASS;
		default: usage(argv[0]); return 2;
		}
	}
	if (g.nslots < 1 || g.nslots > MAX_SLOTS || g.nracers < 0 ||
	    g.nracers > MAX_RACERS || g.seconds < 1 || g.wedge < 2 ||
	    g.waker_lag_ms < 0 || g.waker_lag_ms > 1000 ||
	    g.init_lag_ms < 0 || g.init_lag_ms > 1000) {
		usage(argv[0]);
		return 2;
	}
	if (!seeded)
		g.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	note_command(argc, argv, seeded);
	return -1;
}

/*
 * Which base-KVM rules hold (fuzz/README.md, "Two kernels"): a new VM's
 * PSCI version tells 5.10 (1.0) from 6.12 (1.1 by default since v5.18).
 * The other differences the model knows came in v5.15 (strict targets)
 * and v6.5 (POWER_OFF), so a kernel from v5.15 to v6.4 mixes the two
 * sets: the model knows 5.10 and 6.12, not those.
 */
static void probe_rules(void)
{
	uint64_t v = 0;
	int vm, fd;

	vm = ioctl(g.kvm, KVM_CREATE_VM, 0);
	CHECK(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	CHECK(fd >= 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	CHECK(!ka_vcpu_init(vm, fd, 1U << KVM_ARM_VCPU_PSCI_0_2),
	      "KVM_ARM_VCPU_INIT: %s", strerror(errno));
	CHECK(!ka_get_reg(fd, KVM_REG_ARM_PSCI_VERSION, &v),
	      "KVM_GET_ONE_REG(PSCI_VERSION): %s", strerror(errno));
	close(fd);
	close(vm);
	CHECK(v == PSCI_V10 || v == PSCI_V11, "a new VM has PSCI %#" PRIx64
	      ": neither 5.10's 1.0 nor 6.12's 1.1", v);
	g.psci_dflt = v;
	g.rules612 = v == PSCI_V11;
	printf("psci_fuzz: base KVM rules of %s (a new VM has PSCI %s)\n",
	       g.rules612 ? "6.12" : "5.10", psci_name(v));
}

/* What the kernel offers; returns false (after saying why) to skip. */
static bool probe_kvm(void)
{
	g.kvm = ka_open();
	if (g.kvm < 0) {
		printf("psci_fuzz: SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return false;
	}
	if (ioctl(g.kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("psci_fuzz: SKIP: unexpected KVM API version\n");
		return false;
	}
	g.has_cap = ka_check_cap(g.kvm, KVM_CAP_ARM_SYSTEM_SUSPEND) > 0;
	g.cap_less = g.force_cap_less || !g.has_cap;
	g.has_a32 = ka_check_cap(g.kvm, KVM_CAP_ARM_EL1_32BIT) > 0;
	probe_rules();
	if (!kmsg_start())
		printf("psci_fuzz: cannot read /dev/kmsg: kernel splats are left to the harness\n");
	if (g.cap_less)
		printf("psci_fuzz: KVM_CAP_ARM_SYSTEM_SUSPEND %s: running the cap-less subset "
		       "(SYSTEM_SUSPEND must answer NOT_SUPPORTED%s)\n",
		       g.has_cap ? "offered but left alone (--cap-less)" : "not offered by this kernel",
		       g.has_cap ? "; racers still use SUSPENDED" : ", SUSPENDED must be refused");
	else
		printf("psci_fuzz: KVM_CAP_ARM_SYSTEM_SUSPEND offered: full run\n");
	return true;
}

static void init_slots(void)
{
	pthread_rwlockattr_t rwa;

	pthread_rwlockattr_init(&rwa);
	pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (int i = 0; i < g.nslots; i++) {
		struct slot *s = &g.slot[i];

		s->id = i;
		pthread_rwlock_init(&s->lock, &rwa);
		pthread_mutex_init(&s->q_owner, NULL);
		pthread_mutex_init(&s->q_lock, NULL);
		pthread_cond_init(&s->q_cond, NULL);
	}
}

/* Until the deadline: keep every slot busy, retire VMs that are done. */
static void run_slots(uint64_t *rng)
{
	while (ka_now_ns() < g.deadline) {
		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];
			uint64_t now = ka_now_ns();

			if (!atomic_load(&s->live)) {
				create_vm(s, rng);
				continue;
			}
			if ((atomic_load(&s->sysevent) &&
			     since(now, atomic_load(&s->sysevent_at)) > 300000000ULL) ||
			    now > atomic_load(&s->die_at) ||
			    since(now, atomic_load(&s->progress)) > STALL_NS)
				destroy_vm(s);
		}
		sleep_ns(20000000);
	}
	for (int i = 0; i < g.nslots; i++)
		if (atomic_load(&g.slot[i].live))
			destroy_vm(&g.slot[i]);
}

static uint64_t sum_stats(int first, int last)
{
	uint64_t n = 0;

	for (int i = first; i <= last; i++)
		n += st[i];
	return n;
}

/* The figures make fuzz and make test quote: calls, exits, races, VMs, splats. */
static void figures(double secs)
{
	uint64_t made = sum_stats(ST_C_VERSION, ST_C_RANDOM);
	uint64_t exits = sum_stats(ST_X_DOOR, ST_X_NISV);
	uint64_t races = sum_stats(ST_R_KICK, ST_R_FOREIGN);
	int64_t splats = kmsg_splats();

	printf("psci_fuzz: %.0f calls checked per second (%" PRIu64 " in %.1f s); %" PRIu64
	       " made, %" PRIu64 " not judged\n", st[ST_CHECKED] / secs,
	       (uint64_t)st[ST_CHECKED], secs, made, (uint64_t)st[ST_UNJUDGED]);
	printf("psci_fuzz: %" PRIu64 " exits: doorbell %" PRIu64 ", SUSPEND %" PRIu64
	       ", WAKEUP %" PRIu64 ", SHUTDOWN %" PRIu64 ", RESET %" PRIu64 ", NISV %" PRIu64
	       ", other MMIO %" PRIu64 "\n", exits, (uint64_t)st[ST_X_DOOR],
	       (uint64_t)st[ST_X_SUSP], (uint64_t)st[ST_X_WAKE], (uint64_t)st[ST_X_SHUT],
	       (uint64_t)st[ST_X_RESET], (uint64_t)st[ST_X_NISV], (uint64_t)st[ST_X_STRAY]);
	printf("psci_fuzz: %" PRIu64 " racer operations, %" PRIu64 " VMs, kernel splats %s%" PRId64
	       ", mismatches 0\n", races, (uint64_t)st[ST_VMS],
	       splats < 0 ? "unknown (no /dev/kmsg) " : "", splats < 0 ? 0 : splats);
}

static void summary(void)
{
	double secs = (ka_now_ns() - g.t0) / 1e9;
	const char *splat = kmsg_poll();

	CHECK(!splat, "kernel splat: %s", splat);
	printf("psci_fuzz: summary (seed %" PRIu64 ", %.1f s, %s):\n", g.seed,
	       secs, g.cap_less ? "cap-less subset" : "full");
	print_stats();
	figures(secs);
	if (st[ST_W_SPIN])
		printf("psci_fuzz: NOTE: %" PRIu64 " suspended waits kept a CPU busy (see README)\n",
		       (uint64_t)st[ST_W_SPIN]);
	printf("psci_fuzz: PASS\n");
}

int main(int argc, char **argv)
{
	struct racer racers[MAX_RACERS];
	pthread_t rthr[MAX_RACERS], waker, watchdog, states;
	struct sigaction sa;
	uint64_t rng;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--kill-child"))	/* states.c */
		return kill_child(strtoull(argv[2], NULL, 0));
	rc = parse_args(argc, argv);
	if (rc >= 0)
		return rc;
	printf("psci_fuzz: seed %" PRIu64 ", %d s, %d VM slots, %d racers, wedge limit %d s\n",
	       g.seed, g.seconds, g.nslots, g.nracers, g.wedge);
	if (!probe_kvm())
		return KA_EXIT_SKIP;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN returns -EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	init_slots();

	g.t0 = ka_now_ns();
	g.deadline = g.t0 + g.seconds * 1000000000ULL;
	rng = seed_for(1);
	CHECK(!pthread_create(&watchdog, NULL, watchdog_thread, NULL), "pthread_create");
	CHECK(!pthread_create(&waker, NULL, waker_thread, NULL), "pthread_create");
	for (int i = 0; i < g.nracers; i++) {
		racers[i].id = i;
		racers[i].rng = seed_for(100 + i);
		CHECK(!pthread_create(&rthr[i], NULL, racer_thread, &racers[i]), "pthread_create");
	}

	if (g.states && !g.has_cap)
		printf("psci_fuzz: --states: no KVM_MP_STATE_SUSPENDED on this kernel, left out\n");
	g.states &= g.has_cap;
	if (g.states)
		CHECK(!pthread_create(&states, NULL, states_thread, NULL), "pthread_create");

	run_slots(&rng);
	atomic_store(&g.stop, 1);
	if (g.states)
		pthread_join(states, NULL);
	for (int i = 0; i < g.nracers; i++)
		pthread_join(rthr[i], NULL);
	pthread_join(waker, NULL);
	pthread_join(watchdog, NULL);
	summary();
	return KA_EXIT_PASS;
}
