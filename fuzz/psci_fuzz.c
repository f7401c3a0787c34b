// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz - randomized PSCI/SMCCC calls and vCPU state races against
 * KVM/arm64, with PSCI SYSTEM_SUSPEND (KVM_CAP_ARM_SYSTEM_SUSPEND) in the mix.
 *
 * Up to --slots VMs live at once, each with 1-4 vCPUs, a random PSCI
 * version (1.0, or 0.2/0.1 forced through KVM_REG_ARM_PSCI_VERSION and the
 * vCPU features), with or without an in-kernel vGICv3, AArch64 or AArch32,
 * with the suspend capability enabled at creation, later, or never. Every
 * vCPU runs the guest of fuzz_guest.S, which performs whatever operation
 * the host left in its mailbox (mostly an HVC with random or well-aimed
 * arguments) and reports back through an MMIO exit.
 *
 * One thread per vCPU runs KVM_RUN and handles every exit: SUSPEND is
 * denied, honoured (SUSPENDED, an interrupt raised later by another thread,
 * WAKEUP, reset to the entry point) or ignored; SHUTDOWN/RESET retire the
 * VM. Racer threads meanwhile signal vCPU threads and hit the vCPUs with
 * KVM_SET_MP_STATE (valid and invalid), KVM_GET_MP_STATE, KVM_IRQ_LINE,
 * KVM_ARM_VCPU_INIT and KVM_ENABLE_CAP; now and then they stop all vCPUs
 * of a VM and check the mp_state ABI on a quiet vCPU. A watchdog signals
 * any vCPU thread that stays in KVM_RUN and fails the run when one stays
 * there for --wedge seconds despite the signals.
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
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kvm_arm.h"
#include "fuzz_guest.h"

#define KSFT_SKIP	4

#define MAX_SLOTS	4
#define MAX_VCPUS	4
#define MAX_RACERS	8
#define TRACE_LEN	48
#define TRACE_MSG	96

#define KICK_AFTER_NS	(1000ULL * 1000 * 1000)
#define KICK_EVERY_NS	(500ULL * 1000 * 1000)
#define RERAISE_NS	(200ULL * 1000 * 1000)
#define WAKE_TMO_NS	(3000ULL * 1000 * 1000)
#define STALL_NS	(5000ULL * 1000 * 1000)

#define MPIDR_HWID	0xff00ffffffULL
#define PSCI_V01	1
#define PSCI_V02	2
#define PSCI_V10	0x10000
#define PSCI01_FN(n)	(0x95c1ba5eU + (n))	/* KVM's PSCI 0.1 function IDs */
#define NS		((uint64_t)(int64_t)PSCI_RET_NOT_SUPPORTED)

extern const char fz_guest_start[], fz_guest_end[];
extern const char fz_guest32_start[], fz_guest32_end[];

/* The A32 guest is hand-encoded against this layout. */
_Static_assert(FZ_MBOX_OFF == 0x4000 && FZ_MBOX_SHIFT == 8 &&
	       FZ_DOORBELL == 0x10000000 && MB_SEQ == 8 && MB_A0 == 0x10 &&
	       MB_A2 == 0x20 && MB_R0 == 0x30 && MB_R2 == 0x40 &&
	       MB_ENTRY_X0 == 0x50 && MB_ENTRIES == 0x58 && MB_COUNT == 0x78 &&
	       FZ_OP_HVC == 1, "fuzz_guest.S: re-encode the A32 guest");
#define FZ_DB_ENTRY32	0x80000000U

/* ------------------------------------------------------------------ */
/* Statistics */

#define STATS(x)							\
	x(VMS, "VMs created") x(VCPUS, "vCPUs created")			\
	x(VM_VGIC, "  with a vGICv3") x(VM_V10, "  PSCI 1.0")		\
	x(VM_V02, "  PSCI 0.2") x(VM_V01, "  PSCI 0.1")			\
	x(VM_CAP0, "  cap at creation") x(VM_CAPL, "  cap later")	\
	x(VM_A32, "  AArch32 vCPUs")					\
	x(CAP_LATE, "  cap enabled mid-run")				\
	x(RUNS, "KVM_RUN calls") x(EINTR, "  -EINTR")			\
	x(ENOSYS, "  -ENOSYS (garbage guest)")				\
	x(X_DOOR, "exit MMIO doorbell") x(X_STRAY, "exit MMIO other")	\
	x(X_SHUT, "exit SHUTDOWN") x(X_RESET, "exit RESET")		\
	x(X_SUSP, "exit SUSPEND") x(X_WAKE, "exit WAKEUP")		\
	x(X_NISV, "exit ARM_NISV")					\
	x(C_VERSION, "call PSCI_VERSION") x(C_FEATURES, "call PSCI_FEATURES") \
	x(C_SUSP32, "call SYSTEM_SUSPEND (SMC32)")			\
	x(C_SUSP64, "call SYSTEM_SUSPEND (SMC64)")			\
	x(C_CPU_ON, "call CPU_ON") x(C_CPU_OFF, "call CPU_OFF")		\
	x(C_CPU_SUSP, "call CPU_SUSPEND") x(C_AFF, "call AFFINITY_INFO")	\
	x(C_MIGR, "call MIGRATE_INFO_TYPE") x(C_SYSOFF, "call SYSTEM_OFF")	\
	x(C_SYSRST, "call SYSTEM_RESET") x(C_OTHER, "call other PSCI id")	\
	x(C_PSCI01, "call PSCI 0.1 id") x(C_SMCCC, "call SMCCC arch/hyp id")	\
	x(C_RANDOM, "call random id")					\
	x(O_SMC, "guest SMC") x(O_GIC, "guest GIC setup")		\
	x(O_TIMER, "guest timer on/off") x(O_WFI, "guest WFI")		\
	x(EXC, "guest exceptions") x(CHECKED, "results checked")	\
	x(S_HONOUR, "suspend honoured") x(S_DENY, "suspend denied")	\
	x(S_RERUN, "suspend ignored (re-run)")				\
	x(W_OURS, "wakeups after an honoured suspend")			\
	x(W_STICKY, "  WAKEUP again while still SUSPENDED")		\
	x(W_OTHER, "wakeups of a racer-suspended vCPU")			\
	x(W_ABANDON, "honoured suspends undone by a racer")		\
	x(W_RERAISE, "wake-up lines raised again after a racer")	\
	x(W_SLOW, "wakeups later than 100 ms after the raise")		\
	x(W_SPIN, "NOTE suspended waits that burnt >50% CPU")		\
	x(RESUMED, "resumed at the entry point")			\
	x(TGT_SUSP, "CPU_ON/AFFINITY_INFO of a SUSPENDED sibling")	\
	x(R_KICK, "race: signal") x(R_SETMP, "race: SET_MP_STATE")	\
	x(R_BADMP, "race: SET_MP_STATE invalid")			\
	x(R_GETMP, "race: GET_MP_STATE") x(R_IRQ, "race: IRQ_LINE")	\
	x(R_INIT, "race: VCPU_INIT") x(R_CAP, "race: ENABLE_CAP")	\
	x(R_REG, "race: GET_ONE_REG") x(R_QUIET, "race: quiesced checks")	\
	x(R_FOREIGN, "race: KVM_RUN from another thread")		\
	x(RESCUE, "vCPUs revived by their thread")			\
	x(RECYCLE, "VMs retired")

#define ST_ENUM(id, name) ST_##id,
#define ST_NAME(id, name) name,
enum { STATS(ST_ENUM) NR_ST };
static const char *const st_name[] = { STATS(ST_NAME) };
static _Atomic uint64_t st[NR_ST];
#define ST(id)	atomic_fetch_add_explicit(&st[ST_##id], 1, memory_order_relaxed)

/* ------------------------------------------------------------------ */
/* State */

struct trace {
	uint64_t t;
	char msg[TRACE_MSG];
};

struct op {
	uint64_t seq;
	int kind;			/* FZ_OP_* */
	int cls;			/* ST_C_* for HVC */
	uint64_t a[4];
	uint64_t count;
	int cap_at_issue;
	uint32_t disturb;
	int susp_exits;			/* SUSPEND exits seen for this op */
	uint64_t susp_x0;		/* what x0 was left as after the last */
	bool sysev;			/* SHUTDOWN/RESET exit seen */
	int tgt;			/* CPU_ON/AFFINITY_INFO target vCPU, or -1 */
	uint32_t tgt_epoch, tgt_disturb;
};

struct slot;

struct vcpu {
	struct slot *s;
	int idx, fd;
	struct kvm_run *run;
	uint32_t features;
	volatile uint64_t *mb;
	pthread_t thr;
	uint64_t rng;

	/* read by the watchdog */
	_Atomic int in_run;
	_Atomic uint64_t run_start, last_kick;
	_Atomic int done;

	/*
	 * st_lock orders the mp_state changes of racers and of this vCPU's
	 * thread. maybe_susp: someone may have set SUSPENDED since this
	 * thread last took the vCPU out of it; only this thread clears it.
	 * disturb counts racers' state changes (SET_MP_STATE, INIT),
	 * irq_disturb their KVM_IRQ_LINE on this vCPU's lines.
	 */
	pthread_mutex_t st_lock;
	_Atomic int maybe_susp;
	_Atomic uint32_t susp_epoch;	/* odd while in an honoured suspend */
	_Atomic uint32_t disturb, irq_disturb;

	/* the vCPU thread's own */
	struct op cur;
	uint64_t seq;
	bool on_blob, gic_ready;
	uint32_t gic_disturb;
	uint64_t eintr_streak, last_door;
	uint32_t run_disturb;		/* disturb when KVM_RUN was entered */

	/* an honoured suspend */
	bool our_susp;
	_Atomic uint32_t susp_disturb;	/* disturb when it was suspended */
	uint64_t susp_entry, susp_ctx, susp_at;
	bool expect_ctx;
	uint64_t resume_ctx;
	uint32_t resume_disturb;

	/* for the waker thread */
	_Atomic int wake_pending;
	_Atomic int wake_src;		/* 0 IRQ, 1 FIQ, 2 SPI, 3 PPI */
	_Atomic uint64_t wake_at, wake_raised, wake_first;
	uint32_t wake_irqd;		/* irq_disturb at the last raise */

	struct trace tr[TRACE_LEN];
	_Atomic unsigned int tr_n;
};

struct slot {
	int id;
	pthread_rwlock_t lock;		/* racers: read; teardown: write */
	_Atomic int live, dying;
	uint64_t vm_no;
	int vm, gic;
	void *ram;
	int nvcpus;
	uint32_t psci;
	bool vgic, nisv, junk_random, cap_later;
	bool a32;			/* AArch32 vCPUs (KVM_ARM_VCPU_EL1_32BIT) */
	_Atomic int cap;		/* 0 off, 1 being enabled, 2 on */
	_Atomic int sysevent, tainted, garbage;
	_Atomic uint64_t born, die_at, progress, sysevent_at;

	pthread_mutex_t q_owner, q_lock;
	pthread_cond_t q_cond;
	_Atomic int hold;
	int parked;

	struct vcpu v[MAX_VCPUS];
};

static struct {
	uint64_t seed;
	int seconds, nslots, nracers, wedge, a32_pct, vgic_pct;
	bool verbose, cap_less, force_cap_less, has_a32;
	bool has_cap;			/* the kernel has the series: SUSPENDED exists */
	int kvm;
	uint64_t t0, deadline;
	_Atomic int stop, failing;
	struct slot slot[MAX_SLOTS];
	_Atomic uint64_t vm_count;
	_Atomic uint64_t racer_busy[MAX_RACERS];
	const char *_Atomic racer_what[MAX_RACERS];
	struct vcpu *_Atomic racer_vcpu[MAX_RACERS];
	uint64_t max_wake_ns;
} g;

static __thread struct vcpu *tls_vcpu;

/* ------------------------------------------------------------------ */
/* Helpers */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* xorshift64*, one state per thread */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static bool chance(uint64_t *s, unsigned int percent)
{
	return rnd_below(s, 100) < percent;
}

static uint64_t seed_for(uint64_t salt)
{
	uint64_t x = g.seed ^ (salt * 0x9e3779b97f4a7c15ULL);

	return x ? x : 1;
}

static void trace(struct vcpu *v, const char *fmt, ...)
{
	unsigned int n = atomic_fetch_add(&v->tr_n, 1) % TRACE_LEN;
	va_list ap;

	v->tr[n].t = now_ns();
	va_start(ap, fmt);
	vsnprintf(v->tr[n].msg, TRACE_MSG, fmt, ap);
	va_end(ap);
}

static const char *psci_name(uint32_t v)
{
	return v == PSCI_V10 ? "1.0" : v == PSCI_V02 ? "0.2" : "0.1";
}

static void print_stats(void)
{
	for (int i = 0; i < NR_ST; i++)
		printf("  %-44s %" PRIu64 "\n", st_name[i], st[i]);
	printf("  %-44s %" PRIu64 " ms\n", "longest wake (raise to WAKEUP)",
	       g.max_wake_ns / 1000000);
}

static void dump_vcpu(struct vcpu *v)
{
	struct slot *s = v->s;
	unsigned int n = atomic_load(&v->tr_n);
	unsigned int i = n > TRACE_LEN ? n - TRACE_LEN : 0;

	printf("psci_fuzz: VM #%" PRIu64 " (%d %svCPUs, PSCI %s, %s, cap %s%s%s), vCPU %d, last events:\n",
	       s->vm_no, s->nvcpus, s->a32 ? "AArch32 " : "", psci_name(s->psci),
	       s->vgic ? "vGICv3" : "userspace irqchip",
	       s->cap == 2 ? "on" : s->cap ? "being enabled" : "off",
	       s->cap_later ? " (later)" : "",
	       s->tainted ? ", tainted" : "", v->idx);
	for (; i < n; i++) {
		struct trace *t = &v->tr[i % TRACE_LEN];

		printf("  %9.3f  %s\n", (double)(t->t - g.t0) / 1e9, t->msg);
	}
}

/*
 * The vCPU's recent events, its mailbox and, from its own thread (any other
 * would wait for its KVM_RUN), its registers.
 */
static void dump_guest(struct vcpu *v)
{
	volatile uint64_t *mb = v->mb;

	dump_vcpu(v);
	printf("psci_fuzz: mailbox: op %" PRIu64 " seq %" PRIu64 " a0-a3 %#" PRIx64 " %#" PRIx64
	       " %#" PRIx64 " %#" PRIx64 " r0-r3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	       " entries %" PRIu64 " exceptions %" PRIu64 "\n",
	       mb[MB_OP / 8], mb[MB_SEQ / 8], mb[MB_A0 / 8], mb[MB_A0 / 8 + 1],
	       mb[MB_A2 / 8], mb[MB_A2 / 8 + 1], mb[MB_R0 / 8], mb[MB_R0 / 8 + 1],
	       mb[MB_R2 / 8], mb[MB_R2 / 8 + 1], mb[MB_ENTRIES / 8], mb[MB_EXC_N / 8]);
	if (v->fd > 0 && pthread_equal(pthread_self(), v->thr)) {
		uint64_t x[5] = { 0 };

		for (int i = 0; i < 4; i++)
			ka_get_reg(v->fd, KA_REG_X(i), &x[i]);
		ka_get_reg(v->fd, KA_REG_PC, &x[4]);
		printf("psci_fuzz: registers: x0-x3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
		       " pc %#" PRIx64 " (entry %#x)\n", x[0], x[1], x[2], x[3], x[4], FZ_ENTRY);
	}
}

/* What every thread of ours is doing, as far as /proc tells without kallsyms. */
static void dump_threads(void)
{
	char path[96], comm[32], stat[512], sc[256], *p;
	FILE *f;

	printf("psci_fuzz: threads (name, state, /proc syscall):\n");
	for (int tid = getpid(); tid < getpid() + 4096; tid++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		stat[fread(stat, 1, sizeof(stat) - 1, f)] = 0;
		fclose(f);
		p = strrchr(stat, ')');
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		comm[0] = sc[0] = 0;
		if ((f = fopen(path, "r"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
		if ((f = fopen(path, "r"))) {
			if (!fgets(sc, sizeof(sc), f))
				sc[0] = 0;
			fclose(f);
		}
		comm[strcspn(comm, "\n")] = 0;
		sc[strcspn(sc, "\n")] = 0;
		printf("  %6d %-12s %c  %s\n", tid, comm, p && p[1] ? p[2] : '?', sc);
	}
}

static void dump_vms(void)
{
	uint64_t now = now_ns();

	for (int i = 0; i < g.nslots; i++) {
		struct slot *s = &g.slot[i];

		if (!atomic_load(&s->live))
			continue;
		printf("psci_fuzz: slot %d: VM #%" PRIu64 "%s%s, %d vCPUs, parked %d\n", i,
		       s->vm_no, atomic_load(&s->dying) ? " dying" : "",
		       atomic_load(&s->hold) ? " held" : "", s->nvcpus, s->parked);
		for (int j = 0; j < s->nvcpus; j++) {
			struct vcpu *v = &s->v[j];
			uint64_t st0 = atomic_load(&v->run_start);

			printf("  vCPU %d: %s%s for %.1f s, %s, maybe_susp %d, disturb %u\n", j,
			       atomic_load(&v->done) ? "done " : "",
			       atomic_load(&v->in_run) ? "in KVM_RUN" : "out of KVM_RUN",
			       now > st0 ? (now - st0) / 1e9 : 0.0,
			       v->our_susp ? "honoured suspend" : "no suspend",
			       atomic_load(&v->maybe_susp), atomic_load(&v->disturb));
		}
	}
	for (int i = 0; i < g.nracers; i++) {
		uint64_t b = atomic_load(&g.racer_busy[i]);
		struct vcpu *v = atomic_load(&g.racer_vcpu[i]);

		if (b)
			printf("psci_fuzz: racer %d: %s for %.1f s, on VM #%" PRIu64 " vCPU %d\n", i,
			       atomic_load(&g.racer_what[i]), now > b ? (now - b) / 1e9 : 0.0,
			       v ? v->s->vm_no : 0, v ? v->idx : -1);
	}
}

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&g.failing, 1)) {
		for (;;)
			pause();
	}
	atomic_store(&g.stop, 1);
	fflush(stdout);
	printf("psci_fuzz: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\npsci_fuzz: seed %" PRIu64 " at %.3f s (replay: --seed %" PRIu64 " --seconds %d)\n",
	       g.seed, (double)(now_ns() - g.t0) / 1e9, g.seed, g.seconds);
	if (tls_vcpu)
		dump_guest(tls_vcpu);
	dump_vms();
	dump_threads();
	printf("psci_fuzz: counters so far:\n");
	print_stats();
	printf("psci_fuzz: FAIL\n");
	fflush(stdout);
	_exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static bool valid_mp(uint32_t mp)
{
	return mp == KVM_MP_STATE_RUNNABLE || mp == KVM_MP_STATE_STOPPED ||
	       (g.has_cap && mp == KVM_MP_STATE_SUSPENDED);
}

static const char *mp_name(uint32_t mp)
{
	switch (mp) {
	case KVM_MP_STATE_RUNNABLE:	return "RUNNABLE";
	case KVM_MP_STATE_STOPPED:	return "STOPPED";
	case KVM_MP_STATE_SUSPENDED:	return "SUSPENDED";
	}
	return "INVALID";
}

static uint32_t get_mp(struct vcpu *v)
{
	uint32_t mp = ~0U;

	CHECK(!ka_get_mp(v->fd, &mp), "KVM_GET_MP_STATE(vCPU %d): %s",
	      v->idx, strerror(errno));
	CHECK(valid_mp(mp), "KVM_GET_MP_STATE(vCPU %d) returned %u", v->idx, mp);
	return mp;
}

/* SET_MP_STATE by whoever holds st_lock; SUSPENDED is refused on the base. */
static void set_mp_locked(struct vcpu *v, uint32_t mp)
{
	int r;

	if (mp == KVM_MP_STATE_SUSPENDED)
		atomic_store(&v->maybe_susp, 1);
	r = ka_set_mp(v->fd, mp);
	if (mp == KVM_MP_STATE_SUSPENDED && !g.has_cap) {
		CHECK(r && errno == EINVAL,
		      "KVM_SET_MP_STATE(SUSPENDED) on a kernel without the capability: %d (%s), want EINVAL",
		      r, r ? strerror(errno) : "success");
		return;
	}
	CHECK(!r, "KVM_SET_MP_STATE(vCPU %d, %s): %s", v->idx, mp_name(mp),
	      strerror(errno));
}

static uint64_t get_reg(struct vcpu *v, uint64_t id)
{
	uint64_t val = 0;

	CHECK(!ka_get_reg(v->fd, id, &val), "KVM_GET_ONE_REG(vCPU %d, %#" PRIx64 "): %s",
	      v->idx, id, strerror(errno));
	return val;
}

static void set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	CHECK(!ka_set_reg(v->fd, id, val), "KVM_SET_ONE_REG(vCPU %d, %#" PRIx64 "): %s",
	      v->idx, id, strerror(errno));
}

/*
 * Reset a vCPU and point it at pc with x0 = ctx; st_lock held. An MMIO
 * access the vCPU exited for is only completed (the PC moved past it) by
 * the next KVM_RUN, and KVM_ARM_VCPU_INIT does not forget it: complete it
 * first with immediate_exit, or it would skip the first instruction at pc.
 */
static void reinit_locked(struct vcpu *v, uint64_t pc, uint64_t ctx)
{
	int r;

	v->run->immediate_exit = 1;
	r = ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	CHECK(r < 0 && errno == EINTR, "KVM_RUN with immediate_exit: %d (%s), want EINTR",
	      r, r ? strerror(errno) : "success");
	CHECK(!ka_vcpu_init(v->s->vm, v->fd, v->features),
	      "KVM_ARM_VCPU_INIT(vCPU %d) again with the same features: %s",
	      v->idx, strerror(errno));
	set_reg(v, KA_REG_PC, pc);
	set_reg(v, KA_REG_X(0), ctx);
}

/* Raise or lower the line a suspended vCPU is woken by. */
static void wake_line(struct vcpu *v, int src, int level)
{
	struct slot *s = v->s;
	int r;

	switch (src) {
	case 0:
	case 1:
		r = ka_irq_line(s->vm, KVM_ARM_IRQ_TYPE_CPU, v->idx,
				src ? KVM_ARM_IRQ_CPU_FIQ : KVM_ARM_IRQ_CPU_IRQ, level);
		break;
	case 2:
		r = ka_irq_line(s->vm, KVM_ARM_IRQ_TYPE_SPI, 0,
				FZ_SPI_BASE + v->idx, level);
		break;
	default:
		r = ka_irq_line(s->vm, KVM_ARM_IRQ_TYPE_PPI, v->idx, FZ_PPI, level);
		break;
	}
	CHECK(!r, "KVM_IRQ_LINE(vCPU %d, source %d, level %d): %s", v->idx, src,
	      level, strerror(errno));
}

static bool in_ram(uint64_t a)
{
	return a >= FZ_RAM_BASE && a < FZ_RAM_BASE + FZ_RAM_SIZE;
}

/*
 * Note where a vCPU may be sent: anywhere but the blob's entry makes the
 * VM run garbage, and garbage that can write guest memory (code in RAM
 * that is not the zeroed junk page) may scribble over the mailboxes, after
 * which the results of that VM are no longer checked.
 */
static void note_entry(struct slot *s, uint64_t pc)
{
	if (pc == FZ_ENTRY)
		return;
	atomic_store(&s->garbage, 1);
	if (in_ram(pc) && (pc < FZ_RAM_BASE + FZ_JUNK_OFF || s->junk_random))
		atomic_store(&s->tainted, 1);
}

/* ------------------------------------------------------------------ */
/* The calls */

static const uint32_t psci_known[] = {
	PSCI_0_2_FN_PSCI_VERSION, PSCI_0_2_FN_CPU_SUSPEND,
	PSCI_0_2_FN64_CPU_SUSPEND, PSCI_0_2_FN_CPU_OFF, PSCI_0_2_FN_CPU_ON,
	PSCI_0_2_FN64_CPU_ON, PSCI_0_2_FN_AFFINITY_INFO,
	PSCI_0_2_FN64_AFFINITY_INFO, PSCI_0_2_FN_MIGRATE_INFO_TYPE,
	PSCI_0_2_FN_SYSTEM_OFF, PSCI_0_2_FN_SYSTEM_RESET,
	PSCI_1_0_FN_PSCI_FEATURES, 0x80000000 /* SMCCC_VERSION */,
};

static const uint32_t smccc_ids[] = {
	0x80000000, 0x80000001, 0x80008000, 0x80007fff, 0x80003fff,
	0xc5000020, 0xc5000021,
};

static bool is_susp(uint32_t fn)
{
	return fn == PSCI_1_0_FN_SYSTEM_SUSPEND ||
	       fn == PSCI_1_0_FN64_SYSTEM_SUSPEND;
}

static bool is_smc32_psci(uint32_t fn)
{
	return (fn & 0xffffffe0) == PSCI_0_2_FN_BASE;
}

/* The SMC64 IDs KVM refuses to AArch32 vCPUs. */
static bool is_fn64_only_a64(uint32_t fn)
{
	return fn == PSCI_0_2_FN64_CPU_SUSPEND || fn == PSCI_0_2_FN64_CPU_ON ||
	       fn == PSCI_0_2_FN64_AFFINITY_INFO || fn == PSCI_1_0_FN64_SYSTEM_SUSPEND;
}

static uint64_t pick_entry(uint64_t *r)
{
	switch (rnd_below(r, 20)) {
	case 0:
		return FZ_RAM_BASE + FZ_JUNK_OFF + (rnd_below(r, 0x2000) & ~3ULL);
	case 1:
		return rnd(r) & 0xfffffffcULL;		/* most likely no RAM */
	case 2:
		return rnd(r);
	default:
		return FZ_ENTRY;
	}
}

static uint64_t pick_target(struct slot *s, uint64_t *r)
{
	switch (rnd_below(r, 10)) {
	case 0:
		return rnd(r);
	case 1:
		return rnd_below(r, 8);
	case 2:	/* bits outside the affinity fields are ignored */
		return rnd_below(r, s->nvcpus) | 1ULL << 31 | (rnd(r) & 0xff000000ULL) << 32;
	default:
		return rnd_below(r, s->nvcpus);
	}
}

/* Fill op with a random HVC for vCPU v. */
static void pick_call(struct vcpu *v, struct op *op)
{
	struct slot *s = v->s;
	uint64_t *r = &v->rng;
	bool old = now_ns() - s->born > 1000000000ULL;
	static const struct { int cls; unsigned int w; } mix[] = {
		{ ST_C_VERSION, 6 }, { ST_C_FEATURES, 14 }, { ST_C_SUSP32, 10 },
		{ ST_C_SUSP64, 14 }, { ST_C_CPU_ON, 10 }, { ST_C_CPU_OFF, 2 },
		{ ST_C_CPU_SUSP, 3 }, { ST_C_AFF, 8 }, { ST_C_MIGR, 2 },
		{ ST_C_OTHER, 8 }, { ST_C_PSCI01, 5 }, { ST_C_SMCCC, 4 },
		{ ST_C_RANDOM, 10 }, { ST_C_SYSOFF, 0 }, { ST_C_SYSRST, 0 },
	};
	unsigned int total = 0, x;
	uint32_t fn = 0;
	int cls = ST_C_VERSION;

	for (unsigned int i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
		total += mix[i].w;
	x = rnd_below(r, total);
	for (unsigned int i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		if (x < mix[i].w) {
			cls = mix[i].cls;
			break;
		}
		x -= mix[i].w;
	}
	/* System off/reset end the VM: rarely, and not in its first second. */
	if (old && rnd_below(r, 1000) < 3)
		cls = chance(r, 50) ? ST_C_SYSOFF : ST_C_SYSRST;

	op->a[1] = rnd(r);
	op->a[2] = rnd(r);
	op->a[3] = rnd(r);
	op->count = 1;

	switch (cls) {
	case ST_C_VERSION:
		fn = PSCI_0_2_FN_PSCI_VERSION;
		break;
	case ST_C_FEATURES:
		fn = PSCI_1_0_FN_PSCI_FEATURES;
		switch (rnd_below(r, 10)) {
		case 0: case 1: case 2: case 3:
			op->a[1] = chance(r, 50) ? PSCI_1_0_FN_SYSTEM_SUSPEND :
						   PSCI_1_0_FN64_SYSTEM_SUSPEND;
			break;
		case 4: case 5: case 6:
			op->a[1] = psci_known[rnd_below(r, sizeof(psci_known) / 4)];
			break;
		case 7:
			op->a[1] = PSCI_0_2_FN_BASE | (rnd(r) & 0x4000001f);
			break;
		case 8:
			op->a[1] = (uint32_t)op->a[1];
			break;
		default:	/* only the low 32 bits are the function ID */
			op->a[1] = (rnd(r) << 32) | PSCI_1_0_FN64_SYSTEM_SUSPEND;
			break;
		}
		break;
	case ST_C_SUSP32:
	case ST_C_SUSP64:
		fn = cls == ST_C_SUSP32 ? PSCI_1_0_FN_SYSTEM_SUSPEND :
					  PSCI_1_0_FN64_SYSTEM_SUSPEND;
		op->a[1] = chance(r, 85) ? FZ_ENTRY : pick_entry(r);
		if (cls == ST_C_SUSP32 && chance(r, 20))
			op->a[1] |= rnd(r) << 32;	/* KVM must clear these */
		break;
	case ST_C_CPU_ON:
		fn = chance(r, 50) ? PSCI_0_2_FN_CPU_ON : PSCI_0_2_FN64_CPU_ON;
		op->a[1] = pick_target(s, r);
		op->a[2] = pick_entry(r);
		break;
	case ST_C_CPU_OFF:
		fn = PSCI_0_2_FN_CPU_OFF;
		break;
	case ST_C_CPU_SUSP:
		fn = chance(r, 50) ? PSCI_0_2_FN_CPU_SUSPEND : PSCI_0_2_FN64_CPU_SUSPEND;
		break;
	case ST_C_AFF:
		fn = chance(r, 50) ? PSCI_0_2_FN_AFFINITY_INFO :
				     PSCI_0_2_FN64_AFFINITY_INFO;
		op->a[1] = pick_target(s, r);
		if (chance(r, 80))
			op->a[2] = rnd_below(r, 4);
		break;
	case ST_C_MIGR:
		fn = PSCI_0_2_FN_MIGRATE_INFO_TYPE;
		break;
	case ST_C_SYSOFF:
		fn = PSCI_0_2_FN_SYSTEM_OFF;
		break;
	case ST_C_SYSRST:
		fn = PSCI_0_2_FN_SYSTEM_RESET;
		break;
	case ST_C_OTHER:
		do {
			fn = PSCI_0_2_FN_BASE | (rnd(r) & 0x4000001f);
		} while (fn == PSCI_0_2_FN_SYSTEM_OFF ||
			 fn == PSCI_0_2_FN_SYSTEM_RESET);
		break;
	case ST_C_PSCI01:
		fn = PSCI01_FN(rnd_below(r, 4));
		if (chance(r, 70)) {
			op->a[1] = pick_target(s, r);
			op->a[2] = pick_entry(r);
		}
		break;
	case ST_C_SMCCC:
		fn = smccc_ids[rnd_below(r, sizeof(smccc_ids) / 4)];
		if (chance(r, 70))
			op->a[1] = smccc_ids[rnd_below(r, sizeof(smccc_ids) / 4)];
		break;
	default:
		do {
			fn = rnd(r);
		} while (fn == PSCI_0_2_FN_SYSTEM_OFF ||
			 fn == PSCI_0_2_FN_SYSTEM_RESET || fn == PSCI_0_2_FN_CPU_OFF);
		break;
	}

	op->cls = cls;
	op->a[0] = fn;
	if (chance(r, 10))		/* x0's upper half is not the ID */
		op->a[0] |= rnd(r) << 32;
	if (!is_susp(fn) && cls != ST_C_SYSOFF && cls != ST_C_SYSRST &&
	    cls != ST_C_CPU_OFF && chance(r, 4))
		op->count = 2 + rnd_below(r, 31);

	/* An AArch32 guest has 32-bit registers. */
	if (s->a32)
		for (int i = 0; i < 4; i++)
			op->a[i] = (uint32_t)op->a[i];

	/* A CPU_ON may send a sibling anywhere. */
	if (fn == PSCI_0_2_FN_CPU_ON || fn == PSCI01_FN(2))
		note_entry(s, (uint32_t)op->a[2]);
	if (fn == PSCI_0_2_FN64_CPU_ON || fn == PSCI01_FN(2))
		note_entry(s, op->a[2]);
}

/*
 * What KVM answers in x0 for op, where the answer is defined. Returns true
 * when r0 is acceptable; *want describes the expectation otherwise.
 */
static bool psci_oracle(struct vcpu *v, const struct op *op, uint64_t r0,
			char *want, size_t len)
{
	struct slot *s = v->s;
	uint32_t fn = op->a[0], ver = s->psci;
	bool smc32 = is_smc32_psci(fn) || (fn >= PSCI01_FN(0) && fn <= PSCI01_FN(3));
	uint64_t a1 = smc32 ? (uint32_t)op->a[1] : op->a[1];
	uint64_t a2 = smc32 ? (uint32_t)op->a[2] : op->a[2];
	int64_t x;

#define WANT(cond, ...) do { snprintf(want, len, __VA_ARGS__); return (cond); } while (0)

	if (s->a32)		/* an AArch32 r0 is 32 bits */
		r0 = (uint64_t)(int64_t)(int32_t)r0;
	x = r0;
	if (s->a32 && ver != PSCI_V01 && is_fn64_only_a64(fn))
		WANT(r0 == NS, "NOT_SUPPORTED (an SMC64 ID from AArch32)");

	if (fn >= PSCI01_FN(0) && fn <= PSCI01_FN(3)) {
		if (ver != PSCI_V01)
			WANT(r0 == NS, "NOT_SUPPORTED (a PSCI 0.1 ID under PSCI %s)", psci_name(ver));
		if (fn == PSCI01_FN(1))
			WANT(r0 == 0, "SUCCESS (CPU_OFF)");
		if (fn == PSCI01_FN(2))
			WANT(x == 0 || x == PSCI_RET_INVALID_PARAMS,
			     "SUCCESS or INVALID_PARAMS (0.1 CPU_ON)");
		WANT(r0 == NS, "NOT_SUPPORTED");
	}
	if ((fn & 0xbfffffe0) != PSCI_0_2_FN_BASE)
		return true;		/* SMCCC and the rest: not ours to judge */
	if (ver == PSCI_V01)
		WANT(r0 == NS, "NOT_SUPPORTED (PSCI 0.1 has no 0.2 IDs)");

	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		WANT(r0 == ver, "PSCI_VERSION = %#x", ver);
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
	case PSCI_0_2_FN_CPU_OFF:
		WANT(r0 == 0, "SUCCESS");
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON: {
		uint64_t t = a1 & MPIDR_HWID;

		if (t >= (uint64_t)s->nvcpus)
			WANT(x == PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (no vCPU %#" PRIx64 ")", t);
		if (t == (uint64_t)v->idx)
			WANT(x == PSCI_RET_ALREADY_ON, "ALREADY_ON (itself)");
		WANT(x == 0 || x == PSCI_RET_ALREADY_ON, "SUCCESS or ALREADY_ON");
	}
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO: {
		uint64_t mask, t;
		bool self, any = false;

		if (a2 > 3)
			WANT(x == PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (level %" PRIu64 ")", a2);
		mask = MPIDR_HWID & ~((1ULL << (a2 == 3 ? 32 : a2 * 8)) - 1);
		t = a1 & mask;
		for (int i = 0; i < s->nvcpus; i++)
			any |= ((uint64_t)i & mask) == t;
		self = ((uint64_t)v->idx & mask) == t;
		if (!any)
			WANT(x == PSCI_RET_INVALID_PARAMS, "INVALID_PARAMS (no match)");
		if (self)
			WANT(x == 0, "ON (the caller matches)");
		WANT(x == 0 || x == 1, "ON or OFF");
	}
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		WANT(r0 == 2, "2 (TOS_MP)");
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
		WANT(op->sysev && x == PSCI_RET_INTERNAL_FAILURE,
		     "a SHUTDOWN/RESET exit, then INTERNAL_FAILURE if run again");
	case PSCI_1_0_FN_PSCI_FEATURES: {
		uint32_t f = a1;
		bool known = false;

		if (ver != PSCI_V10)
			WANT(r0 == NS, "NOT_SUPPORTED (PSCI_FEATURES under 0.2)");
		if (s->a32 && is_fn64_only_a64(f))
			WANT(r0 == NS, "NOT_SUPPORTED (%#x from AArch32)", f);
		for (unsigned int i = 0; i < sizeof(psci_known) / 4; i++)
			known |= psci_known[i] == f;
		if (known)
			WANT(r0 == 0, "0 (%#x is implemented)", f);
		if (!is_susp(f))
			WANT(r0 == NS, "NOT_SUPPORTED (%#x)", f);
		if (r0 == 0)
			WANT(atomic_load(&s->cap) > 0,
			     "NOT_SUPPORTED for SYSTEM_SUSPEND: the capability is off");
		WANT(r0 == NS && op->cap_at_issue < 2,
		     "%s for SYSTEM_SUSPEND", op->cap_at_issue == 2 ? "0" : "0 or NOT_SUPPORTED");
	}
	case PSCI_1_0_FN_SYSTEM_SUSPEND:
	case PSCI_1_0_FN64_SYSTEM_SUSPEND:
		if (ver != PSCI_V10)
			WANT(r0 == NS, "NOT_SUPPORTED (SYSTEM_SUSPEND under PSCI 0.2)");
		WANT(r0 == NS && op->cap_at_issue < 2,
		     "%s", op->cap_at_issue == 2 ?
		     "a SUSPEND exit (the capability is on)" : "NOT_SUPPORTED or a SUSPEND exit");
	}
	WANT(r0 == NS, "NOT_SUPPORTED (not implemented)");
#undef WANT
}

/* ------------------------------------------------------------------ */
/* The vCPU thread */

static void mb_write_op(struct vcpu *v, struct op *op)
{
	volatile uint64_t *mb = v->mb;

	mb[MB_A0 / 8] = op->a[0];
	mb[MB_A0 / 8 + 1] = op->a[1];
	mb[MB_A0 / 8 + 2] = op->a[2];
	mb[MB_A0 / 8 + 3] = op->a[3];
	mb[MB_COUNT / 8] = op->count;
	mb[MB_OP / 8] = op->kind;
	mb[MB_SEQ / 8] = op->seq;
}

/*
 * For CPU_ON and AFFINITY_INFO aimed at exactly one sibling, remember
 * whether that sibling sat in an honoured suspend when the call was made:
 * if it still does, untouched, when the answer comes, the answer must be
 * ALREADY_ON / ON (SUSPENDED is not OFF).
 */
static void note_target(struct vcpu *v, struct op *op)
{
	struct slot *s = v->s;
	uint32_t fn = op->a[0];
	uint64_t t;

	op->tgt = -1;
	if (s->a32 && is_fn64_only_a64(fn))
		return;
	if (fn == PSCI_0_2_FN_CPU_ON || fn == PSCI_0_2_FN_AFFINITY_INFO)
		t = (uint32_t)op->a[1];
	else if (fn == PSCI_0_2_FN64_CPU_ON || fn == PSCI_0_2_FN64_AFFINITY_INFO)
		t = op->a[1];
	else
		return;
	if ((fn & 0x1f) == 4 && (fn == PSCI_0_2_FN_AFFINITY_INFO ?
				  (uint32_t)op->a[2] : op->a[2]) != 0)
		return;		/* AFFINITY_INFO above level 0: a group */
	t &= MPIDR_HWID;
	if (t >= (uint64_t)s->nvcpus || t == (uint64_t)v->idx)
		return;
	/*
	 * Only a sibling in an honoured suspend nobody has touched since: a
	 * racer may already have moved it, its thread not having noticed yet.
	 */
	pthread_mutex_lock(&s->v[t].st_lock);
	op->tgt_epoch = atomic_load(&s->v[t].susp_epoch);
	op->tgt_disturb = atomic_load(&s->v[t].disturb);
	if ((op->tgt_epoch & 1) && op->tgt_disturb == atomic_load(&s->v[t].susp_disturb))
		op->tgt = t;
	pthread_mutex_unlock(&s->v[t].st_lock);
}

static void next_op(struct vcpu *v)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	uint64_t *r = &v->rng;
	unsigned int x = rnd_below(r, 100);

	memset(op, 0, sizeof(*op));
	op->seq = ++v->seq;
	op->cap_at_issue = atomic_load(&s->cap);
	op->disturb = atomic_load(&v->disturb);

	if (s->a32)
		op->kind = x < 95 ? FZ_OP_HVC : FZ_OP_NOP;
	else if (s->vgic && !v->gic_ready && chance(r, 70))
		op->kind = FZ_OP_GIC;
	else if (x < 88)
		op->kind = FZ_OP_HVC;
	else if (x < 90)
		op->kind = s->vgic ? FZ_OP_GIC : FZ_OP_NOP;
	else if (x < 91)
		op->kind = FZ_OP_TIMER_ON;
	else if (x < 93)
		op->kind = FZ_OP_TIMER_OFF;
	else if (x < 95)
		op->kind = FZ_OP_WFI;
	else if (x < 97)
		op->kind = FZ_OP_SMC;
	else
		op->kind = FZ_OP_NOP;

	switch (op->kind) {
	case FZ_OP_HVC:
		pick_call(v, op);
		note_target(v, op);
		/*
		 * SYSTEM_OFF/RESET stops every vCPU as soon as KVM handles it,
		 * before this thread sees the exit: a sibling's call that
		 * observes it (CPU_ON or AFFINITY_INFO of a stopped vCPU, its
		 * own CPU_ON answered SUCCESS) must already know. So the VM
		 * counts as going down from the moment the call is issued.
		 */
		if ((uint32_t)op->a[0] == PSCI_0_2_FN_SYSTEM_OFF ||
		    (uint32_t)op->a[0] == PSCI_0_2_FN_SYSTEM_RESET) {
			if (!atomic_exchange(&s->sysevent, 1))
				atomic_store(&s->sysevent_at, now_ns());
		}
		atomic_fetch_add(&st[op->cls], 1);
		trace(v, "op %" PRIu64 ": hvc x0=%#" PRIx64 " x1=%#" PRIx64 " x2=%#" PRIx64 " n=%" PRIu64,
		      op->seq, op->a[0], op->a[1], op->a[2], op->count);
		break;
	case FZ_OP_SMC:
		op->a[0] = chance(r, 50) ? PSCI_1_0_FN64_SYSTEM_SUSPEND : rnd(r);
		op->a[1] = FZ_ENTRY;
		ST(O_SMC);
		trace(v, "op %" PRIu64 ": smc x0=%#" PRIx64, op->seq, op->a[0]);
		break;
	case FZ_OP_GIC:
		ST(O_GIC);
		trace(v, "op %" PRIu64 ": gic setup", op->seq);
		break;
	case FZ_OP_TIMER_ON:
	case FZ_OP_TIMER_OFF:
		ST(O_TIMER);
		trace(v, "op %" PRIu64 ": timer %s", op->seq,
		      op->kind == FZ_OP_TIMER_ON ? "on" : "off");
		break;
	case FZ_OP_WFI:
		ST(O_WFI);
		trace(v, "op %" PRIu64 ": wfi", op->seq);
		break;
	default:
		trace(v, "op %" PRIu64 ": nop", op->seq);
		break;
	}
	mb_write_op(v, op);
}

static uint32_t disturb_now(struct vcpu *v);

static void check_results(struct vcpu *v)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	volatile uint64_t *mb = v->mb;
	uint64_t r[4] = { mb[MB_R0 / 8], mb[MB_R0 / 8 + 1],
			  mb[MB_R2 / 8], mb[MB_R2 / 8 + 1] };
	uint32_t fn = op->a[0];
	char want[160];

	trace(v, "done %" PRIu64 ": x0=%#" PRIx64 " x1=%#" PRIx64 " x2=%#" PRIx64 " x3=%#" PRIx64,
	      op->seq, r[0], r[1], r[2], r[3]);
	/* A racer's VCPU_INIT or SET_MP_STATE during the op: not judged. */
	if (disturb_now(v) != op->disturb) {
		trace(v, "op %" PRIu64 " disturbed by a racer", op->seq);
		return;
	}
	if (op->kind == FZ_OP_GIC) {
		v->gic_ready = true;
		v->gic_disturb = op->disturb;
	}
	/* A sibling's SYSTEM_OFF/RESET stops everyone, mid-call too. */
	if ((op->kind != FZ_OP_HVC && op->kind != FZ_OP_SMC) ||
	    atomic_load(&s->tainted) || atomic_load(&s->sysevent))
		return;
	ST(CHECKED);

	/* KVM has no SMC conduit: NOT_SUPPORTED, x1-x3 untouched, no exit. */
	if (op->kind == FZ_OP_SMC) {
		CHECK(r[0] == ~0ULL && r[1] == op->a[1] && r[2] == op->a[2] &&
		      r[3] == op->a[3],
		      "SMC %#" PRIx64 " returned x0-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
		      ", want ~0 and the arguments", op->a[0], r[0], r[1], r[2], r[3]);
		return;
	}

	if (op->susp_exits) {
		uint64_t x1 = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? (uint32_t)op->a[1] : op->a[1];
		uint64_t x2 = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? (uint32_t)op->a[2] : op->a[2];
		uint64_t x3 = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? (uint32_t)op->a[3] : op->a[3];

		/*
		 * KVM changed nothing: the guest sees what userspace left,
		 * the function ID if it left x0 alone, and its own
		 * arguments (narrowed for SMC32).
		 */
		uint64_t m = s->a32 ? 0xffffffffULL : ~0ULL;

		CHECK((r[0] & m) == (op->susp_x0 & m) || (r[0] & m) == (op->a[0] & m),
		      "SYSTEM_SUSPEND returned x0=%#" PRIx64 " to the guest, userspace left %#" PRIx64,
		      r[0], op->susp_x0);
		CHECK(r[1] == x1 && r[2] == x2 && r[3] == x3,
		      "SYSTEM_SUSPEND (%#x) changed x1-x3: %#" PRIx64 " %#" PRIx64 " %#" PRIx64
		      ", want %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
		      fn, r[1], r[2], r[3], x1, x2, x3);
		return;
	}
	/* The ARCH_WORKAROUND calls are answered by EL2 alone: x0 only. */
	CHECK(fn == 0x80008000 || fn == 0x80007fff || fn == 0x80003fff ||
	      (!r[1] && !r[2] && !r[3]),
	      "call %#" PRIx64 " returned x1-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", want 0",
	      op->a[0], r[1], r[2], r[3]);
	if (op->tgt >= 0 && (op->tgt_epoch & 1) && s->psci != PSCI_V01) {
		struct vcpu *t = &s->v[op->tgt];

		if (atomic_load(&t->susp_epoch) == op->tgt_epoch &&
		    disturb_now(t) == op->tgt_disturb) {
			bool on = (fn & 0x1f) == 3;

			int64_t x0 = s->a32 ? (int32_t)r[0] : (int64_t)r[0];

			CHECK(x0 == (on ? PSCI_RET_ALREADY_ON : 0),
			      "%s of vCPU %d, SUSPENDED all along: x0=%#" PRIx64 ", want %s",
			      on ? "CPU_ON" : "AFFINITY_INFO", op->tgt, r[0],
			      on ? "ALREADY_ON" : "ON (0)");
			ST(TGT_SUSP);
		}
	}
	CHECK(psci_oracle(v, op, r[0], want, sizeof(want)),
	      "call %#" PRIx64 " (x1=%#" PRIx64 " x2=%#" PRIx64 ") on PSCI %s, cap %s at issue/%s now: x0=%#" PRIx64 ", want %s",
	      op->a[0], op->a[1], op->a[2], psci_name(s->psci),
	      op->cap_at_issue == 2 ? "on" : op->cap_at_issue ? "enabling" : "off",
	      atomic_load(&s->cap) == 2 ? "on" : "not on", r[0], want);
}

static void handle_doorbell(struct vcpu *v, uint64_t data)
{
	struct slot *s = v->s;

	atomic_store(&s->progress, now_ns());
	v->last_door = now_ns();
	if (data == FZ_DB_ENTRY) {
		uint64_t x0 = v->mb[MB_ENTRY_X0 / 8];

		trace(v, "entry x0=%#" PRIx64, x0);
		if (v->expect_ctx && atomic_load(&v->disturb) == v->resume_disturb &&
		    !atomic_load(&s->tainted) && !atomic_load(&s->sysevent)) {
			CHECK(x0 == v->resume_ctx,
			      "vCPU %d resumed from SYSTEM_SUSPEND with x0=%#" PRIx64 ", want the context ID %#" PRIx64,
			      v->idx, x0, v->resume_ctx);
			ST(RESUMED);
		}
		v->expect_ctx = false;
		v->on_blob = true;
		v->gic_ready = false;
	} else if (data & FZ_DB_EXC) {
		ST(EXC);
		trace(v, "exception vector %" PRIu64 " esr=%#" PRIx64 " elr=%#" PRIx64,
		      data & 0xf, v->mb[MB_EXC_ESR / 8], v->mb[MB_EXC_ELR / 8]);
	} else if (v->on_blob && data == v->cur.seq) {
		check_results(v);
	} else {
		trace(v, "doorbell %#" PRIx64 " (expected %" PRIu64 ")", data, v->cur.seq);
	}
	next_op(v);
}

static void abandon_suspend(struct vcpu *v, const char *why)
{
	if (!v->our_susp)
		return;
	trace(v, "honoured suspend abandoned: %s", why);
	atomic_fetch_add(&v->susp_epoch, 1);
	ST(W_ABANDON);
	atomic_store(&v->wake_pending, 0);
	v->our_susp = false;
}

/*
 * Racers bump disturb before and after their changes to a vCPU, both under
 * its st_lock. Reading it under the lock as well means a change that has
 * taken effect is always seen, even if it started before the snapshot the
 * value is compared with.
 */
static uint32_t disturb_now(struct vcpu *v)
{
	uint32_t d;

	pthread_mutex_lock(&v->st_lock);
	d = atomic_load(&v->disturb);
	pthread_mutex_unlock(&v->st_lock);
	return d;
}

/* Still ours to judge: nobody else touched this suspended vCPU. */
static bool susp_undisturbed(struct vcpu *v)
{
	struct slot *s = v->s;

	return v->our_susp && atomic_load(&v->disturb) == v->susp_disturb &&
	       !atomic_load(&s->sysevent) && !atomic_load(&s->tainted);
}

static void honour(struct vcpu *v, uint64_t entry, uint64_t ctx)
{
	struct slot *s = v->s;
	uint64_t *r = &v->rng;
	int src;

	pthread_mutex_lock(&v->st_lock);
	set_mp_locked(v, KVM_MP_STATE_SUSPENDED);
	v->susp_disturb = atomic_load(&v->disturb);
	atomic_fetch_add(&v->susp_epoch, 1);
	pthread_mutex_unlock(&v->st_lock);

	v->our_susp = true;
	v->susp_entry = entry;
	v->susp_ctx = ctx;
	v->susp_at = now_ns();
	ST(S_HONOUR);

	if (s->vgic)
		src = 2 + rnd_below(r, 2);
	else
		src = rnd_below(r, 4) ? 0 : 1;
	atomic_store(&v->wake_src, src);
	atomic_store(&v->wake_raised, 0);
	atomic_store(&v->wake_first, 0);
	atomic_store(&v->wake_at, now_ns() + rnd_below(r, 30) * 1000000ULL);
	atomic_store(&v->wake_pending, 1);
	trace(v, "honour: SUSPENDED, entry %#" PRIx64 " ctx %#" PRIx64 ", wake by source %d",
	      entry, ctx, src);

	if (chance(r, 30) && susp_undisturbed(v)) {
		uint32_t mp = get_mp(v);

		CHECK(mp == KVM_MP_STATE_SUSPENDED || !susp_undisturbed(v),
		      "vCPU %d reads %s right after KVM_SET_MP_STATE(SUSPENDED)",
		      v->idx, mp_name(mp));
	}
}

static void handle_suspend(struct vcpu *v)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	uint64_t *r = &v->rng;
	uint64_t x[4];
	uint32_t fn;
	int cap = atomic_load(&s->cap);
	bool blob_call, disturbed;
	uint64_t pc;

	ST(X_SUSP);
	CHECK(!g.cap_less, "SUSPEND exit while KVM_CAP_ARM_SYSTEM_SUSPEND was never enabled");
	CHECK(ka_sysev_ndata(v->run) == 0, "SUSPEND exit with ndata %u",
	      ka_sysev_ndata(v->run));
	CHECK(cap > 0, "SUSPEND exit while the capability was never enabled on this VM");
	CHECK(s->psci == PSCI_V10, "SUSPEND exit on a VM with PSCI %s", psci_name(s->psci));
	pthread_mutex_lock(&v->st_lock);
	for (int i = 0; i < 4; i++)
		x[i] = get_reg(v, KA_REG_X(i));
	pc = get_reg(v, KA_REG_PC);
	disturbed = atomic_load(&v->disturb) != v->run_disturb;
	pthread_mutex_unlock(&v->st_lock);
	fn = x[0];
	if (disturbed) {
		/* a racer's KVM_ARM_VCPU_INIT may have got there first */
		trace(v, "SUSPEND exit, registers changed by a racer: x0=%#" PRIx64, x[0]);
		op->susp_exits++;
		op->susp_x0 = x[0];
		return;
	}
	CHECK(is_susp(fn), "SUSPEND exit for function ID %#" PRIx64, x[0]);
	CHECK(!s->a32 || fn != PSCI_1_0_FN64_SYSTEM_SUSPEND,
	      "SUSPEND exit for the SMC64 ID from an AArch32 vCPU");
	if (fn == PSCI_1_0_FN_SYSTEM_SUSPEND)
		CHECK(!(x[1] >> 32) && !(x[2] >> 32) && !(x[3] >> 32),
		      "SUSPEND exit for the SMC32 ID with x1-x3 not narrowed: %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
		      x[1], x[2], x[3]);

	CHECK(!v->on_blob || op->kind != FZ_OP_SMC || atomic_load(&s->tainted),
	      "SUSPEND exit for an SMC (KVM only takes PSCI calls by HVC)");
	/* the upper half of an AArch32 vCPU's x0 is not the guest's */
	blob_call = v->on_blob && op->kind == FZ_OP_HVC && !atomic_load(&s->tainted) &&
		    (s->a32 ? (uint32_t)op->a[0] == fn : op->a[0] == x[0]);
	if (blob_call && atomic_load(&v->disturb) == op->disturb) {
		uint64_t m = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? 0xffffffffULL : ~0ULL;

		CHECK(x[1] == (op->a[1] & m) && x[2] == (op->a[2] & m) && x[3] == (op->a[3] & m),
		      "SUSPEND exit: x1-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", the guest passed %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
		      x[1], x[2], x[3], op->a[1], op->a[2], op->a[3]);
	}
	trace(v, "SUSPEND exit x0=%#" PRIx64 " entry=%#" PRIx64 " ctx=%#" PRIx64 " pc=%#" PRIx64,
	      x[0], x[1], x[2], pc);
	op->susp_exits++;

	/* Honour: wake-up needs a line the vCPU can see. */
	if (x[1] == FZ_ENTRY && (!s->vgic || (v->gic_ready && v->gic_disturb ==
					       atomic_load(&v->disturb))) &&
	    chance(r, 40)) {
		honour(v, x[1], x[2]);
		return;
	}
	if (x[1] != FZ_ENTRY && !in_ram(x[1]) && chance(r, 3)) {
		/* a VMM that does not check: the guest goes astray */
		note_entry(s, x[1]);
		honour(v, x[1], x[2]);
		return;
	}
	if (chance(r, 65)) {
		static const int64_t errs[] = {
			PSCI_RET_DENIED, PSCI_RET_INVALID_ADDRESS,
			PSCI_RET_INVALID_PARAMS, PSCI_RET_INTERNAL_FAILURE,
			PSCI_RET_NOT_SUPPORTED,
		};
		uint64_t e = chance(r, 90) ? (uint64_t)errs[rnd_below(r, 5)] : rnd(r);

		if (!in_ram(x[1]) && chance(r, 80))
			e = (uint64_t)(int64_t)PSCI_RET_INVALID_ADDRESS;
		set_reg(v, KA_REG_X(0), e);
		op->susp_x0 = e;
		ST(S_DENY);
		trace(v, "deny with %#" PRIx64, e);
	} else {
		op->susp_x0 = x[0];
		ST(S_RERUN);
		trace(v, "ignore, run again");
	}
}

/* WAKEUP after our own honoured suspend: reset the vCPU to its entry. */
static void resume(struct vcpu *v)
{
	uint64_t *r = &v->rng;
	int src = atomic_load(&v->wake_src);
	uint64_t first = atomic_load(&v->wake_first);

	ST(W_OURS);
	atomic_store(&v->wake_pending, 0);
	if (first && now_ns() - first > g.max_wake_ns)
		g.max_wake_ns = now_ns() - first;
	if (first && now_ns() - first > 100000000ULL) {
		ST(W_SLOW);
		trace(v, "WAKEUP %.0f ms after the raise", (now_ns() - first) / 1e6);
	}

	if (susp_undisturbed(v)) {
		uint32_t mp = get_mp(v);

		CHECK(mp == KVM_MP_STATE_SUSPENDED || !susp_undisturbed(v),
		      "vCPU %d reads %s after its WAKEUP exit, want SUSPENDED",
		      v->idx, mp_name(mp));
	}

	/* Still SUSPENDED, the line still up: KVM_RUN must say WAKEUP again. */
	if (chance(r, 25) && susp_undisturbed(v)) {
		uint32_t irqd = atomic_load(&v->irq_disturb);
		int rr = -1, tries = 0;

		wake_line(v, src, 1);
		do {
			atomic_store(&v->run_start, now_ns());
			atomic_store(&v->in_run, 1);
			rr = ioctl(v->fd, KVM_RUN, 0);
			atomic_store(&v->in_run, 0);
			ST(RUNS);
		} while (rr < 0 && errno == EINTR && ++tries < 20);
		CHECK(rr == 0 || errno == EINTR, "KVM_RUN on a SUSPENDED vCPU: %s", strerror(errno));
		if (rr == 0 && susp_undisturbed(v) && atomic_load(&v->irq_disturb) == irqd) {
			CHECK(v->run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
			      v->run->system_event.type == KVM_SYSTEM_EVENT_WAKEUP,
			      "KVM_RUN again on a still SUSPENDED vCPU with its interrupt pending: exit %u (type %u), want WAKEUP",
			      v->run->exit_reason, v->run->system_event.type);
			ST(W_STICKY);
		}
	}

	if (chance(r, 90))
		wake_line(v, src, 0);

	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->susp_epoch, 1);
	reinit_locked(v, v->susp_entry, v->susp_ctx);
	set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
	atomic_store(&v->maybe_susp, 0);
	v->resume_disturb = atomic_load(&v->disturb);
	pthread_mutex_unlock(&v->st_lock);

	v->expect_ctx = v->susp_entry == FZ_ENTRY;
	v->resume_ctx = v->susp_ctx;
	v->our_susp = false;
	v->on_blob = false;
	v->gic_ready = false;
	trace(v, "WAKEUP: reset to %#" PRIx64 " x0=%#" PRIx64, v->susp_entry, v->susp_ctx);
}

static void handle_wakeup(struct vcpu *v)
{
	ST(X_WAKE);
	CHECK(ka_sysev_ndata(v->run) == 0, "WAKEUP exit with ndata %u",
	      ka_sysev_ndata(v->run));
	CHECK(atomic_load(&v->maybe_susp),
	      "WAKEUP exit for vCPU %d, which userspace never put in SUSPENDED", v->idx);
	if (v->our_susp && atomic_load(&v->disturb) == v->susp_disturb) {
		resume(v);
		return;
	}
	abandon_suspend(v, "woken after a racer's change");
	/* A racer's SUSPENDED: carry on where the guest was. */
	ST(W_OTHER);
	trace(v, "WAKEUP (racer's SUSPENDED): RUNNABLE in place");
	if (!v->s->vgic)
		wake_line(v, 0, 0);
	pthread_mutex_lock(&v->st_lock);
	set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
	atomic_store(&v->maybe_susp, 0);
	pthread_mutex_unlock(&v->st_lock);
}

static void handle_sysevent(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct slot *s = v->s;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			ST(X_SHUT);
		else
			ST(X_RESET);
		CHECK(ka_sysev_ndata(run) <= 16, "system event with ndata %u",
		      ka_sysev_ndata(run));
		trace(v, "%s exit", run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ?
		      "SHUTDOWN" : "RESET");
		v->cur.sysev = true;
		if (!atomic_exchange(&s->sysevent, 1))
			atomic_store(&s->sysevent_at, now_ns());
		/* Sometimes a VMM runs it again: INTERNAL_FAILURE for the guest. */
		if (chance(&v->rng, 30)) {
			pthread_mutex_lock(&v->st_lock);
			set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
			atomic_store(&v->maybe_susp, 0);
			pthread_mutex_unlock(&v->st_lock);
		}
		break;
	case KVM_SYSTEM_EVENT_SUSPEND:
		handle_suspend(v);
		break;
	case KVM_SYSTEM_EVENT_WAKEUP:
		handle_wakeup(v);
		break;
	default:
		fail("system event exit of type %u (ndata %u) on vCPU %d",
		     run->system_event.type, ka_sysev_ndata(run), v->idx);
	}
}

/* Put a vCPU that lost its way back at the blob's entry. */
static void rescue(struct vcpu *v, const char *why)
{
	trace(v, "rescue: %s", why);
	ST(RESCUE);
	abandon_suspend(v, why);
	pthread_mutex_lock(&v->st_lock);
	reinit_locked(v, FZ_ENTRY, rnd(&v->rng));
	set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
	atomic_store(&v->maybe_susp, 0);
	pthread_mutex_unlock(&v->st_lock);
	v->on_blob = false;
}

static int vgic_reg(struct slot *s, uint32_t group, uint64_t attr, uint32_t *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(s->gic, KVM_GET_DEVICE_ATTR, &a);
}

/*
 * No WAKEUP long after the interrupt was raised, nobody having touched the
 * vCPU or its lines. Before failing, find out more: stop the sibling
 * threads, print what the vGIC holds for the line, raise it again and see
 * whether that wakes the vCPU.
 */
static void __attribute__((noreturn)) lost_wakeup(struct vcpu *v, uint64_t ns)
{
	static const char *const src_name[] = { "IRQ line", "FIQ line", "SPI", "PPI" };
	struct slot *s = v->s;
	int src = atomic_load(&v->wake_src), r, tries = 0;
	uint32_t intid = src == 2 ? FZ_SPI_BASE + v->idx : FZ_PPI;
	uint64_t deadline = now_ns() + 5000000000ULL;
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	uint32_t mp;

	pthread_mutex_lock(&one);	/* one report; fail() ends the others */
	mp = get_mp(v);
	atomic_store(&g.stop, 1);
	for (bool all = false; !all && now_ns() < deadline; sleep_ns(2000000)) {
		all = true;
		for (int i = 0; i < s->nvcpus; i++) {
			if (&s->v[i] == v || atomic_load(&s->v[i].done))
				continue;
			all = false;
			pthread_kill(s->v[i].thr, SIGUSR1);
		}
	}
	printf("psci_fuzz: lost wakeup: vCPU %d reads %s\n", v->idx, mp_name(mp));
	if (s->vgic) {
		uint64_t rd = (uint64_t)v->idx << 32;	/* MPIDR Aff0 */
		uint32_t en = 0, pend = 0, act = 0, cfg = 0, rt = 0, ctl = 0, lvl = 0;
		uint32_t pmr[2] = { 0, 0 };
		int e = 0;

		if (src == 2) {
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x100 + intid / 32 * 4, &en);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x200 + intid / 32 * 4, &pend);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x300 + intid / 32 * 4, &act);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0xc00 + intid / 16 * 4, &cfg);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x6000 + intid * 8, &rt);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				      rd | (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL <<
				      KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT | (intid & ~31U), &lvl);
		} else {
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10100, &en);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10200, &pend);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10300, &act);
			e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10c04, &cfg);
		}
		e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, &ctl);
		e |= vgic_reg(s, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
			      rd | 0xc230 /* ICC_PMR_EL1: op0 3, op1 0, CRn 4, CRm 6, op2 0 */,
			      pmr);
		printf("psci_fuzz: vGIC INTID %u: enabled %u pending %u active %u cfg %#x "
		       "irouter %#x level %u; GICD_CTLR %#x, PMR %#x%s\n", intid,
		       en >> (intid % 32) & 1, pend >> (intid % 32) & 1, act >> (intid % 32) & 1,
		       cfg, rt, lvl >> (intid % 32) & 1, ctl, pmr[0],
		       e ? " (some registers could not be read)" : "");
	}
	wake_line(v, src, 1);
	do {
		r = ioctl(v->fd, KVM_RUN, 0);
	} while (r < 0 && errno == EINTR && ++tries < 3);
	printf("psci_fuzz: lost wakeup: after raising the %s again, KVM_RUN %s\n",
	       src_name[src], r ? strerror(errno) :
	       v->run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	       v->run->system_event.type == KVM_SYSTEM_EVENT_WAKEUP ? "returns WAKEUP" :
	       "returns another exit");
	atomic_store(&g.stop, 0);	/* for fail() */
	fail("lost wakeup: vCPU %d SUSPENDED, its %s raised %.1f s ago, no WAKEUP",
	     v->idx, src_name[src], ns / 1e9);
}

static void after_eintr(struct vcpu *v)
{
	struct slot *s = v->s;
	uint64_t now = now_ns();

	ST(EINTR);
	if (v->our_susp) {
		uint64_t first = atomic_load(&v->wake_first);

		if (susp_undisturbed(v) && chance(&v->rng, 20)) {
			uint32_t mp = get_mp(v);

			CHECK(mp == KVM_MP_STATE_SUSPENDED || !susp_undisturbed(v),
			      "vCPU %d reads %s after -EINTR, want SUSPENDED", v->idx,
			      mp_name(mp));
		}
		if (first && now - first > WAKE_TMO_NS) {
			if (susp_undisturbed(v))
				lost_wakeup(v, now - first);
			rescue(v, "no WAKEUP after a racer's change");
		}
		return;
	}

	/* A vCPU that sits STOPPED/SUSPENDED for long gets going again. */
	if (++v->eintr_streak < 8 || now - v->last_door < 1000000000ULL)
		return;
	v->eintr_streak = 0;
	switch (get_mp(v)) {
	case KVM_MP_STATE_SUSPENDED:
		if (chance(&v->rng, 50) && !s->vgic) {
			wake_line(v, 0, 1);	/* expect a WAKEUP */
		} else {
			pthread_mutex_lock(&v->st_lock);
			set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
			atomic_store(&v->maybe_susp, 0);
			pthread_mutex_unlock(&v->st_lock);
		}
		ST(RESCUE);
		break;
	case KVM_MP_STATE_STOPPED:
		if (!atomic_load(&s->sysevent) && chance(&v->rng, 30)) {
			pthread_mutex_lock(&v->st_lock);
			set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
			pthread_mutex_unlock(&v->st_lock);
			ST(RESCUE);
		}
		break;
	default:
		if (now - v->last_door > 3000000000ULL)
			rescue(v, "runnable but no doorbell for 3 s");
		break;
	}
}

static void park(struct slot *s)
{
	pthread_mutex_lock(&s->q_lock);
	s->parked++;
	pthread_cond_broadcast(&s->q_cond);
	while (atomic_load(&s->hold) && !atomic_load(&s->dying) && !atomic_load(&g.stop))
		pthread_cond_wait(&s->q_cond, &s->q_lock);
	s->parked--;
	pthread_mutex_unlock(&s->q_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct slot *s = v->s;
	struct kvm_run *run = v->run;

	tls_vcpu = v;
	v->last_door = now_ns();
	{
		char name[16];

		snprintf(name, sizeof(name), "vcpu%d.%d", s->id, v->idx);
		pthread_setname_np(pthread_self(), name);
	}
	while (!atomic_load(&s->dying) && !atomic_load(&g.stop)) {
		uint64_t t0, c0;
		int r, e;

		if (atomic_load(&s->hold))
			park(s);
		if (atomic_load(&s->dying) || atomic_load(&g.stop))
			break;

		v->run_disturb = atomic_load(&v->disturb);
		t0 = now_ns();
		c0 = thread_cpu_ns();
		atomic_store(&v->run_start, t0);
		atomic_store(&v->in_run, 1);
		r = ioctl(v->fd, KVM_RUN, 0);
		e = errno;
		atomic_store(&v->in_run, 0);
		ST(RUNS);

		/* A suspended vCPU should sleep, not spin, while it waits. */
		if (v->our_susp) {
			uint64_t wall = now_ns() - t0, cpu = thread_cpu_ns() - c0;

			if (wall > 100000000ULL && cpu * 2 > wall) {
				ST(W_SPIN);
				trace(v, "suspended wait: %.0f ms of CPU in %.0f ms",
				      cpu / 1e6, wall / 1e6);
			}
		}

		if (r < 0) {
			switch (e) {
			case EINTR:
				after_eintr(v);
				break;
			case ENOSYS:
				/* 5.10: a data abort without syndrome, from garbage */
				CHECK(atomic_load(&s->garbage) && !s->nisv,
				      "KVM_RUN -ENOSYS on a VM that only runs the test guest");
				ST(ENOSYS);
				rescue(v, "-ENOSYS");
				break;
			default:
				fail("KVM_RUN(vCPU %d): %s", v->idx, strerror(e));
			}
			continue;
		}
		CHECK(r == 0, "KVM_RUN returned %d", r);
		v->eintr_streak = 0;

		if (v->our_susp && !(run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
				     run->system_event.type == KVM_SYSTEM_EVENT_WAKEUP)) {
			CHECK(!susp_undisturbed(v),
			      "vCPU %d ran guest code while SUSPENDED (exit %u)",
			      v->idx, run->exit_reason);
			abandon_suspend(v, "running again after a racer's change");
		}

		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (run->mmio.phys_addr == FZ_DOORBELL + 8ULL * v->idx &&
			    run->mmio.is_write && run->mmio.len == (s->a32 ? 4 : 8)) {
				uint64_t data = 0;

				memcpy(&data, run->mmio.data, run->mmio.len);
				if (s->a32)
					data = data == FZ_DB_ENTRY32 ? FZ_DB_ENTRY :
					       data | (v->cur.seq & ~0xffffffffULL);
				ST(X_DOOR);
				handle_doorbell(v, data);
			} else {
				ST(X_STRAY);
				if (!run->mmio.is_write)
					memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
				trace(v, "stray MMIO %s %#llx len %u", run->mmio.is_write ?
				      "write" : "read", run->mmio.phys_addr, run->mmio.len);
				v->on_blob = false;
			}
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			handle_sysevent(v);
			break;
		case KVM_EXIT_ARM_NISV:
			CHECK(s->nisv, "ARM_NISV exit without KVM_CAP_ARM_NISV_TO_USER");
			ST(X_NISV);
			rescue(v, "NISV");
			break;
		default:
			fail("vCPU %d: unexpected exit reason %u", v->idx, run->exit_reason);
		}
	}
	atomic_store(&v->done, 1);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* VMs */

static void create_vm(struct slot *s, uint64_t *r)
{
	int kvm = g.kvm;
	struct vcpu *v;
	uint64_t now = now_ns();
	uint32_t want;
	int cap_plan;

	memset(&s->v, 0, sizeof(s->v));
	s->vm_no = atomic_fetch_add(&g.vm_count, 1) + 1;
	s->nvcpus = 1 + rnd_below(r, MAX_VCPUS);
	switch (rnd_below(r, 10)) {
	case 0: case 1:
		s->psci = PSCI_V02;
		break;
	case 2:
		s->psci = PSCI_V01;
		break;
	default:
		s->psci = PSCI_V10;
		break;
	}
	s->a32 = g.has_a32 && chance(r, g.a32_pct);
	s->vgic = !s->a32 && chance(r, g.vgic_pct);
	s->nisv = chance(r, 30);
	s->junk_random = chance(r, 10);
	cap_plan = g.cap_less ? 2 : rnd_below(r, 10);	/* 0-3 now, 4-6 later */
	s->cap_later = cap_plan >= 4 && cap_plan <= 6;
	atomic_store(&s->cap, 0);
	atomic_store(&s->sysevent, 0);
	atomic_store(&s->tainted, 0);
	atomic_store(&s->garbage, 0);
	atomic_store(&s->hold, 0);
	s->parked = 0;

	s->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	CHECK(s->vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	if (g.has_cap)
		CHECK(ka_check_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND) == 1,
		      "KVM_CHECK_EXTENSION(SYSTEM_SUSPEND) on a VM fd is not 1");

	s->ram = mmap(NULL, FZ_RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(s->ram != MAP_FAILED, "mmap: %s", strerror(errno));
	if (s->a32)
		memcpy(s->ram, fz_guest32_start, fz_guest32_end - fz_guest32_start);
	else
		memcpy(s->ram, fz_guest_start, fz_guest_end - fz_guest_start);
	if (s->junk_random)
		for (uint64_t *p = (uint64_t *)((char *)s->ram + FZ_JUNK_OFF);
		     p < (uint64_t *)((char *)s->ram + FZ_RAM_SIZE); p++)
			*p = rnd(r);
	CHECK(!ka_set_mem(s->vm, 0, FZ_RAM_BASE, s->ram, FZ_RAM_SIZE),
	      "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	s->gic = -1;
	if (s->vgic) {
		s->gic = ka_vgic_create(s->vm, FZ_GICD, FZ_GICR, FZ_NR_IRQS);
		CHECK(s->gic >= 0, "creating the vGICv3: %s", strerror(errno));
	}

	for (int i = 0; i < s->nvcpus; i++) {
		v = &s->v[i];
		v->s = s;
		v->idx = i;
		v->rng = seed_for(s->vm_no * 16 + i + 1000);
		v->mb = (volatile uint64_t *)((char *)s->ram + FZ_MBOX_OFF +
					      (i << FZ_MBOX_SHIFT));
		pthread_mutex_init(&v->st_lock, NULL);
		v->run = ka_vcpu_create(kvm, s->vm, i, &v->fd);
		CHECK(v->run, "creating vCPU %d: %s", i, strerror(errno));
		v->features = s->a32 ? 1U << KVM_ARM_VCPU_EL1_32BIT : 0;
		if (s->psci != PSCI_V01)
			v->features |= 1U << KVM_ARM_VCPU_PSCI_0_2;
		if (i && chance(r, 60))
			v->features |= 1U << KVM_ARM_VCPU_POWER_OFF;
		CHECK(!ka_vcpu_init(s->vm, v->fd, v->features),
		      "KVM_ARM_VCPU_INIT(vCPU %d): %s", i, strerror(errno));
		set_reg(v, KA_REG_PC, FZ_ENTRY);
		set_reg(v, KA_REG_X(0), rnd(r));
		ST(VCPUS);
	}

	/* The PSCI version is VM-wide; 1.0 is the default, set it or not. */
	v = &s->v[0];
	if (s->psci != PSCI_V10 || chance(r, 30))
		CHECK(!ka_set_reg(v->fd, KVM_REG_ARM_PSCI_VERSION, s->psci),
		      "setting KVM_REG_ARM_PSCI_VERSION to %s: %s", psci_name(s->psci),
		      strerror(errno));
	want = s->psci;
	for (int i = 0; i < s->nvcpus; i++)
		CHECK(get_reg(&s->v[i], KVM_REG_ARM_PSCI_VERSION) == want,
		      "KVM_REG_ARM_PSCI_VERSION of vCPU %d is not %s", i, psci_name(want));

	if (s->vgic)
		CHECK(!ka_vgic_init(s->gic), "KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(errno));
	if (s->nisv)
		CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_NISV_TO_USER, 0),
		      "enabling KVM_CAP_ARM_NISV_TO_USER: %s", strerror(errno));

	if (!g.has_cap) {
		if (chance(r, 30))
			CHECK(ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0) && errno == EINVAL,
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) on a kernel without it: want EINVAL");
	} else if (!g.cap_less) {
		if (chance(r, 20))
			CHECK(ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND,
					    1 + rnd_below(r, 0xffff)) && errno == EINVAL,
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) with flags != 0: want EINVAL");
		if (cap_plan < 4) {
			CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND): %s", strerror(errno));
			if (chance(r, 20))	/* again: harmless */
				CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
				      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) twice: %s", strerror(errno));
			atomic_store(&s->cap, 2);
			ST(VM_CAP0);
		} else if (s->cap_later) {
			ST(VM_CAPL);
		}
	}

	ST(VMS);
	if (s->a32)
		ST(VM_A32);
	if (s->vgic)
		ST(VM_VGIC);
	if (s->psci == PSCI_V10)
		ST(VM_V10);
	else if (s->psci == PSCI_V02)
		ST(VM_V02);
	else
		ST(VM_V01);
	if (g.verbose)
		printf("psci_fuzz: %7.3f VM #%" PRIu64 " slot %d: %d %svCPUs, PSCI %s, %s, cap %s\n",
		       (now - g.t0) / 1e9, s->vm_no, s->id, s->nvcpus, s->a32 ? "AArch32 " : "",
		       psci_name(s->psci),
		       s->vgic ? "vGICv3" : "user irqchip",
		       s->cap == 2 ? "on" : s->cap_later ? "later" : "off");

	atomic_store(&s->born, now);
	atomic_store(&s->progress, now);
	atomic_store(&s->die_at, now + (2 + rnd_below(r, 9)) * 1000000000ULL);
	atomic_store(&s->dying, 0);
	for (int i = 0; i < s->nvcpus; i++) {
		v = &s->v[i];
		CHECK(!pthread_create(&v->thr, NULL, vcpu_thread, v), "pthread_create");
	}
	atomic_store(&s->live, 1);
}

static void destroy_vm(struct slot *s)
{
	uint64_t deadline = now_ns() + g.wedge * 1000000000ULL;
	bool all;

	atomic_store(&s->dying, 1);
	pthread_mutex_lock(&s->q_lock);
	pthread_cond_broadcast(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	do {
		all = true;
		for (int i = 0; i < s->nvcpus; i++) {
			if (atomic_load(&s->v[i].done))
				continue;
			all = false;
			pthread_kill(s->v[i].thr, SIGUSR1);
		}
		if (!all) {
			if (now_ns() > deadline) {
				for (int i = 0; i < s->nvcpus; i++)
					if (!atomic_load(&s->v[i].done))
						tls_vcpu = &s->v[i];
				fail("wedged: a vCPU thread of VM #%" PRIu64 " did not leave KVM_RUN in %d s of signals",
				     s->vm_no, g.wedge);
			}
			sleep_ns(2000000);
		}
	} while (!all);

	pthread_rwlock_wrlock(&s->lock);
	atomic_store(&s->live, 0);
	for (int i = 0; i < s->nvcpus; i++) {
		struct vcpu *v = &s->v[i];

		pthread_join(v->thr, NULL);
		munmap(v->run, ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
		close(v->fd);
		pthread_mutex_destroy(&v->st_lock);
	}
	if (s->gic >= 0)
		close(s->gic);
	close(s->vm);
	munmap(s->ram, FZ_RAM_SIZE);
	ST(RECYCLE);
	pthread_rwlock_unlock(&s->lock);
}

/* ------------------------------------------------------------------ */
/* Racers */

struct racer {
	int id;
	uint64_t rng;
};

static void busy(struct racer *rc, const char *what)
{
	if (what)
		atomic_store(&g.racer_vcpu[rc->id], tls_vcpu);
	atomic_store(&g.racer_what[rc->id], what);
	atomic_store(&g.racer_busy[rc->id], what ? now_ns() : 0);
}

/*
 * Stop every vCPU thread of s outside KVM_RUN. Returns false if the VM is
 * going away meanwhile; fails the run if a thread cannot be stopped.
 */
static bool quiesce(struct slot *s)
{
	uint64_t deadline = now_ns() + g.wedge * 1000000000ULL;
	bool ok = true;

	pthread_mutex_lock(&s->q_owner);
	pthread_mutex_lock(&s->q_lock);
	atomic_store(&s->hold, 1);
	while (s->parked < s->nvcpus) {
		struct timespec ts;

		if (atomic_load(&s->dying) || atomic_load(&g.stop)) {
			ok = false;
			break;
		}
		CHECK(now_ns() < deadline,
		      "wedged: the vCPU threads of VM #%" PRIu64 " did not come out of KVM_RUN in %d s",
		      s->vm_no, g.wedge);
		pthread_mutex_unlock(&s->q_lock);
		for (int i = 0; i < s->nvcpus; i++)
			if (atomic_load(&s->v[i].in_run))
				pthread_kill(s->v[i].thr, SIGUSR1);
		pthread_mutex_lock(&s->q_lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->q_cond, &s->q_lock, &ts);
	}
	pthread_mutex_unlock(&s->q_lock);
	if (!ok) {
		atomic_store(&s->hold, 0);
		pthread_mutex_unlock(&s->q_owner);
	}
	return ok;
}

static void release(struct slot *s)
{
	pthread_mutex_lock(&s->q_lock);
	atomic_store(&s->hold, 0);
	pthread_cond_broadcast(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	pthread_mutex_unlock(&s->q_owner);
}

/*
 * With the whole VM held still, the mp_state ABI on one vCPU, exactly:
 * invalid values fail with EINVAL and change nothing, SUSPENDED reads back
 * and a mismatched re-init is refused. Without an in-kernel GIC, also
 * KVM_RUN from this (foreign) thread on the SUSPENDED vCPU with its IRQ
 * line raised: an immediate WAKEUP.
 */
static void quiet_checks(struct racer *rc, struct slot *s, struct vcpu *v)
{
	uint64_t *r = &rc->rng;
	uint32_t s0, mp, bad;
	int ret;

	tls_vcpu = v;
	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->disturb, 1);
	atomic_fetch_add(&v->irq_disturb, 1);
	busy(rc, "quiesced checks");
	s0 = get_mp(v);
	do {
		bad = chance(r, 50) ? rnd_below(r, 16) : (uint32_t)rnd(r);
	} while (valid_mp(bad) || bad == KVM_MP_STATE_SUSPENDED);
	CHECK(ka_set_mp(v->fd, bad) && errno == EINVAL,
	      "KVM_SET_MP_STATE(%u): want EINVAL", bad);
	mp = get_mp(v);
	CHECK(mp == s0, "KVM_SET_MP_STATE(%u) failed but changed the state %s -> %s",
	      bad, mp_name(s0), mp_name(mp));

	if (g.has_cap) {
		set_mp_locked(v, KVM_MP_STATE_SUSPENDED);
		mp = get_mp(v);
		CHECK(mp == KVM_MP_STATE_SUSPENDED, "SET_MP_STATE(SUSPENDED) reads back %s",
		      mp_name(mp));
		if (!s->vgic && chance(r, 50)) {
			struct kvm_run *run = v->run;
			int tries = 0;

			wake_line(v, 0, 1);
			busy(rc, "foreign KVM_RUN on a SUSPENDED vCPU");
			do {
				ret = ioctl(v->fd, KVM_RUN, 0);
			} while (ret < 0 && errno == EINTR && ++tries < 10);
			busy(rc, "quiesced checks");
			CHECK(!ret, "KVM_RUN from another thread on a SUSPENDED vCPU with its IRQ line up: %s",
			      strerror(errno));
			CHECK(run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
			      run->system_event.type == KVM_SYSTEM_EVENT_WAKEUP,
			      "KVM_RUN from another thread on a SUSPENDED vCPU with its IRQ line up: exit %u, want WAKEUP",
			      run->exit_reason);
			mp = get_mp(v);
			CHECK(mp == KVM_MP_STATE_SUSPENDED, "after WAKEUP the vCPU reads %s", mp_name(mp));
			/* its parked thread looks at nothing in run before KVM_RUN */
			wake_line(v, 0, 0);
			ST(R_FOREIGN);
		}
		set_mp_locked(v, s0);
		mp = get_mp(v);
		CHECK(mp == s0, "SET_MP_STATE(%s) reads back %s", mp_name(s0), mp_name(mp));
	}

	{
		uint32_t feat = v->features ^ (1U << KVM_ARM_VCPU_POWER_OFF);

		CHECK(ka_vcpu_init(s->vm, v->fd, feat) && errno == EINVAL,
		      "KVM_ARM_VCPU_INIT with other features than the first: want EINVAL");
		mp = get_mp(v);
		CHECK(mp == s0, "a refused KVM_ARM_VCPU_INIT changed the state %s -> %s",
		      mp_name(s0), mp_name(mp));
	}
	busy(rc, NULL);
	atomic_fetch_add(&v->disturb, 1);
	atomic_fetch_add(&v->irq_disturb, 1);
	pthread_mutex_unlock(&v->st_lock);
	tls_vcpu = NULL;
	ST(R_QUIET);
}

static void race_irq(struct racer *rc, struct slot *s, struct vcpu *v)
{
	uint64_t *r = &rc->rng;
	int level = chance(r, 50), ret, type;
	uint32_t cpu = v->idx, num;
	int want = 0;

	if (chance(r, 90))
		type = s->vgic ? (chance(r, 50) ? KVM_ARM_IRQ_TYPE_SPI : KVM_ARM_IRQ_TYPE_PPI) :
				 KVM_ARM_IRQ_TYPE_CPU;
	else
		type = rnd_below(r, 4);

	switch (type) {
	case KVM_ARM_IRQ_TYPE_CPU:
		num = rnd_below(r, 10) ? rnd_below(r, 2) : 2 + rnd_below(r, 5);
		if (chance(r, 5))
			cpu = s->nvcpus + rnd_below(r, 4);
		if (s->vgic)
			want = ENXIO;
		else if (num > KVM_ARM_IRQ_CPU_FIQ || cpu >= (uint32_t)s->nvcpus)
			want = EINVAL;
		break;
	case KVM_ARM_IRQ_TYPE_PPI:
		num = chance(r, 60) ? FZ_PPI : rnd_below(r, 40);
		if (!s->vgic)
			want = ENXIO;
		else if (num < 16 || num >= 32)
			want = EINVAL;
		break;
	case KVM_ARM_IRQ_TYPE_SPI:
		/*
		 * No SPI at or past nr_irqs: 5.10's vgic_get_irq() WARNs on
		 * those ("Looking up struct vgic_irq for reserved INTID")
		 * before KVM_IRQ_LINE fails with EINVAL, with or without the
		 * series; later kernels dropped that WARN. It is not what
		 * this fuzzer is after, and it would fail every run.
		 */
		num = chance(r, 60) ? (uint32_t)(FZ_SPI_BASE + v->idx) :
				      (uint32_t)rnd_below(r, FZ_NR_IRQS);
		cpu = 0;
		if (!s->vgic)
			want = ENXIO;
		else if (num < 32 || num >= FZ_NR_IRQS)
			want = EINVAL;
		break;
	default:
		num = rnd_below(r, 64);
		want = EINVAL;
		break;
	}
	/*
	 * The vCPU whose wake-up line this may be: an SPI is FZ_SPI_BASE + n
	 * for vCPU n, whichever vCPU the racer picked. Its st_lock, as a
	 * quiesced check may rely on its lines.
	 */
	if (type == KVM_ARM_IRQ_TYPE_SPI && num >= FZ_SPI_BASE &&
	    num < FZ_SPI_BASE + (uint32_t)s->nvcpus)
		v = &s->v[num - FZ_SPI_BASE];
	else if (type != KVM_ARM_IRQ_TYPE_SPI && cpu < (uint32_t)s->nvcpus)
		v = &s->v[cpu];
	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->irq_disturb, 1);
	busy(rc, "KVM_IRQ_LINE");
	ret = ka_irq_line(s->vm, type, cpu, num, level);
	busy(rc, NULL);
	atomic_fetch_add(&v->irq_disturb, 1);
	pthread_mutex_unlock(&v->st_lock);
	if (!ret)
		trace(v, "racer: IRQ_LINE type %d vcpu %u irq %u level %d", type, cpu, num, level);
	if (want)
		CHECK(ret && errno == want,
		      "KVM_IRQ_LINE(type %d, vcpu %u, irq %u, level %d) on a VM %s a vGIC: %s, want %s",
		      type, cpu, num, level, s->vgic ? "with" : "without",
		      ret ? strerror(errno) : "success", strerror(want));
	else
		CHECK(!ret, "KVM_IRQ_LINE(type %d, vcpu %u, irq %u, level %d): %s",
		      type, cpu, num, level, strerror(errno));
	ST(R_IRQ);
}

static void race_one(struct racer *rc, struct slot *s)
{
	uint64_t *r = &rc->rng;
	struct vcpu *v = &s->v[rnd_below(r, s->nvcpus)];
	unsigned int x = rnd_below(r, 100);
	uint32_t mp;

	tls_vcpu = v;		/* for the report, if a check fails */

	/* Out of KVM_RUN now: the ioctl below races the thread going back in. */
	if (chance(r, 50) && !atomic_load(&v->done))
		pthread_kill(v->thr, SIGUSR1);

	if (x < 30) {
		if (!atomic_load(&v->done))
			pthread_kill(v->thr, SIGUSR1);
		ST(R_KICK);
	} else if (x < 42) {
		static const uint32_t ok[] = { KVM_MP_STATE_RUNNABLE,
			KVM_MP_STATE_STOPPED, KVM_MP_STATE_SUSPENDED };

		mp = ok[rnd_below(r, 3)];
		pthread_mutex_lock(&v->st_lock);
		atomic_fetch_add(&v->disturb, 1);
		busy(rc, "KVM_SET_MP_STATE");
		set_mp_locked(v, mp);
		busy(rc, NULL);
		atomic_fetch_add(&v->disturb, 1);
		pthread_mutex_unlock(&v->st_lock);
		trace(v, "racer: SET_MP_STATE %s", mp_name(mp));
		ST(R_SETMP);
	} else if (x < 47) {
		/* invalid: refused; no state change is visible to us here */
		do {
			mp = chance(r, 70) ? rnd_below(r, 16) : (uint32_t)rnd(r);
		} while (valid_mp(mp));
		busy(rc, "KVM_SET_MP_STATE(invalid)");
		CHECK(ka_set_mp(v->fd, mp) && errno == EINVAL,
		      "KVM_SET_MP_STATE(%u) on vCPU %d: %s, want EINVAL", mp, v->idx,
		      errno ? strerror(errno) : "success");
		busy(rc, NULL);
		ST(R_BADMP);
	} else if (x < 62) {
		busy(rc, "KVM_GET_MP_STATE");
		get_mp(v);
		busy(rc, NULL);
		ST(R_GETMP);
	} else if (x < 80) {
		race_irq(rc, s, v);
	} else if (x < 85) {
		pthread_mutex_lock(&v->st_lock);
		atomic_fetch_add(&v->disturb, 1);
		busy(rc, "KVM_ARM_VCPU_INIT");
		reinit_locked(v, FZ_ENTRY, rnd(r));
		if (chance(r, 50))
			set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
		busy(rc, NULL);
		atomic_fetch_add(&v->disturb, 1);
		pthread_mutex_unlock(&v->st_lock);
		trace(v, "racer: VCPU_INIT");
		ST(R_INIT);
	} else if (x < 90) {
		busy(rc, "KVM_GET_ONE_REG");
		CHECK(get_reg(v, KVM_REG_ARM_PSCI_VERSION) == s->psci,
		      "KVM_REG_ARM_PSCI_VERSION changed under the VM");
		get_reg(v, KA_REG_PC);
		busy(rc, NULL);
		ST(R_REG);
	} else if (x < 93) {
		if (s->cap_later && !atomic_load(&s->cap) &&
		    now_ns() - atomic_load(&s->born) > 300000000ULL) {
			atomic_store(&s->cap, 1);
			busy(rc, "KVM_ENABLE_CAP");
			CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) on a running VM: %s", strerror(errno));
			busy(rc, NULL);
			atomic_store(&s->cap, 2);
			ST(CAP_LATE);
			ST(R_CAP);
		}
	} else if (x < 95) {
		if (quiesce(s)) {
			quiet_checks(rc, s, v);
			release(s);
		}
	} else {
		sleep_ns(rnd_below(r, 3000000));
	}
}

static void *racer_thread(void *arg)
{
	struct racer *rc = arg;
	char name[16];

	snprintf(name, sizeof(name), "racer%d", rc->id);
	pthread_setname_np(pthread_self(), name);
	while (!atomic_load(&g.stop)) {
		struct slot *s = &g.slot[rnd_below(&rc->rng, g.nslots)];

		if (!atomic_load(&s->live) || atomic_load(&s->dying) ||
		    pthread_rwlock_tryrdlock(&s->lock)) {
			sleep_ns(500000);
			continue;
		}
		if (atomic_load(&s->live) && !atomic_load(&s->dying))
			race_one(rc, s);
		pthread_rwlock_unlock(&s->lock);
		sleep_ns(rnd_below(&rc->rng, 2000000));
	}
	return NULL;
}

/* Raises the wake-up interrupt of honoured suspends, and again until woken. */
static void *waker_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waker");
	while (!atomic_load(&g.stop)) {
		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];

			if (!atomic_load(&s->live) || pthread_rwlock_tryrdlock(&s->lock))
				continue;
			for (int j = 0; atomic_load(&s->live) && j < s->nvcpus; j++) {
				struct vcpu *v = &s->v[j];
				uint64_t now = now_ns(), last;

				if (!atomic_load(&v->wake_pending) || now < atomic_load(&v->wake_at))
					continue;
				/*
				 * Raise the line once. Raise it again only if a
				 * racer may have lowered it since: otherwise one
				 * raise must be enough (level-triggered lines).
				 */
				last = atomic_load(&v->wake_raised);
				if (last && (now - last < RERAISE_NS ||
					     atomic_load(&v->irq_disturb) == v->wake_irqd))
					continue;
				v->wake_irqd = atomic_load(&v->irq_disturb);
				wake_line(v, atomic_load(&v->wake_src), 1);
				trace(v, "waker: %s source %d", last ? "raise again" : "raise",
				      atomic_load(&v->wake_src));
				atomic_store(&v->wake_raised, now);
				if (!last)
					atomic_store(&v->wake_first, now);
				else
					ST(W_RERAISE);
			}
			pthread_rwlock_unlock(&s->lock);
		}
		sleep_ns(1000000);
	}
	return NULL;
}

/* Kicks vCPU threads that stay in KVM_RUN; fails on one that cannot leave. */
static void *watchdog_thread(void *arg)
{
	uint64_t limit = g.wedge * 1000000000ULL;

	(void)arg;
	pthread_setname_np(pthread_self(), "watchdog");
	while (!atomic_load(&g.stop)) {
		uint64_t now = now_ns();

		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];

			if (!atomic_load(&s->live) || pthread_rwlock_tryrdlock(&s->lock))
				continue;
			for (int j = 0; atomic_load(&s->live) && j < s->nvcpus; j++) {
				struct vcpu *v = &s->v[j];
				uint64_t start = atomic_load(&v->run_start);

				now = now_ns();
				if (!atomic_load(&v->in_run) || now < start ||
				    now - start < KICK_AFTER_NS)
					continue;
				if (now - start > limit) {
					tls_vcpu = v;
					fail("wedged: vCPU %d of VM #%" PRIu64 " has been in KVM_RUN for %.1f s despite signals",
					     j, s->vm_no, (now - start) / 1e9);
				}
				if (now - atomic_load(&v->last_kick) > KICK_EVERY_NS) {
					atomic_store(&v->last_kick, now);
					pthread_kill(v->thr, SIGUSR1);
				}
			}
			pthread_rwlock_unlock(&s->lock);
		}
		now = now_ns();
		{
			int worst = -1;
			uint64_t wb = 0;

			for (int i = 0; i < g.nracers; i++) {
				uint64_t b = atomic_load(&g.racer_busy[i]);

				if (b && now > b && now - b > limit && (worst < 0 || b < wb)) {
					worst = i;
					wb = b;
				}
			}
			if (worst >= 0) {
				tls_vcpu = atomic_load(&g.racer_vcpu[worst]);
				fail("wedged: racer %d stuck in %s for %.1f s", worst,
				     atomic_load(&g.racer_what[worst]), (now - wb) / 1e9);
			}
		}
		sleep_ns(100000000);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
}

static void usage(const char *p)
{
	printf("usage: %s [--seconds N] [--seed N] [--slots N] [--racers N] [--wedge S]\n"
	       "          [--cap-less] [--aarch32 PERCENT] [--vgic PERCENT] [--verbose]\n"
	       "  --seconds N  run for N seconds (60)\n"
	       "  --seed N     random seed (default: from the clock; always printed)\n"
	       "  --slots N    VMs alive at a time, 1-%d (2)\n"
	       "  --racers N   racer threads, 0-%d (2)\n"
	       "  --wedge S    a vCPU in KVM_RUN for S seconds despite signals is wedged (30)\n"
	       "  --cap-less   leave KVM_CAP_ARM_SYSTEM_SUSPEND alone even if offered\n"
	       "  --aarch32 P  make P%% of the VMs AArch32 ones, if KVM can (12)\n"
	       "  --vgic P     give P%% of the AArch64 VMs an in-kernel vGICv3 (50)\n",
	       p, MAX_SLOTS, MAX_RACERS);
}

int main(int argc, char **argv)
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct racer racers[MAX_RACERS];
	pthread_t rthr[MAX_RACERS], waker, watchdog;
	struct sigaction sa;
	pthread_rwlockattr_t rwa;
	bool seeded = false;
	uint64_t rng;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g.seconds = 60;
	g.nslots = 2;
	g.nracers = 2;
	g.wedge = 30;
	g.a32_pct = 12;
	g.vgic_pct = 50;
	while ((c = getopt_long(argc, argv, "t:s:S:r:w:ca:g:vh", opts, NULL)) != -1) {
		switch (c) {
		case 't': g.seconds = atoi(optarg); break;
		case 's': g.seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'S': g.nslots = atoi(optarg); break;
		case 'r': g.nracers = atoi(optarg); break;
		case 'w': g.wedge = atoi(optarg); break;
		case 'c': g.force_cap_less = true; break;
		case 'a': g.a32_pct = atoi(optarg); break;
		case 'g': g.vgic_pct = atoi(optarg); break;
		case 'v': g.verbose = true; break;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if (g.nslots < 1 || g.nslots > MAX_SLOTS || g.nracers < 0 ||
	    g.nracers > MAX_RACERS || g.seconds < 1 || g.wedge < 2) {
		usage(argv[0]);
		return 2;
	}
	if (!seeded)
		g.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

	printf("psci_fuzz: seed %" PRIu64 ", %d s, %d VM slots, %d racers, wedge limit %d s\n",
	       g.seed, g.seconds, g.nslots, g.nracers, g.wedge);

	g.kvm = ka_open();
	if (g.kvm < 0) {
		printf("psci_fuzz: SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	if (ioctl(g.kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("psci_fuzz: SKIP: unexpected KVM API version\n");
		return KSFT_SKIP;
	}
	g.has_cap = ka_check_cap(g.kvm, KVM_CAP_ARM_SYSTEM_SUSPEND) > 0;
	g.cap_less = g.force_cap_less || !g.has_cap;
	g.has_a32 = ka_check_cap(g.kvm, KVM_CAP_ARM_EL1_32BIT) > 0;
	if (g.cap_less)
		printf("psci_fuzz: KVM_CAP_ARM_SYSTEM_SUSPEND %s: running the cap-less subset "
		       "(SYSTEM_SUSPEND must answer NOT_SUPPORTED%s)\n",
		       g.has_cap ? "offered but left alone (--cap-less)" : "not offered by this kernel",
		       g.has_cap ? "; racers still use SUSPENDED" : ", SUSPENDED must be refused");
	else
		printf("psci_fuzz: KVM_CAP_ARM_SYSTEM_SUSPEND offered: full run\n");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN returns -EINTR */
	sigaction(SIGUSR1, &sa, NULL);

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

	g.t0 = now_ns();
	g.deadline = g.t0 + g.seconds * 1000000000ULL;
	rng = seed_for(1);

	CHECK(!pthread_create(&watchdog, NULL, watchdog_thread, NULL), "pthread_create");
	CHECK(!pthread_create(&waker, NULL, waker_thread, NULL), "pthread_create");
	for (int i = 0; i < g.nracers; i++) {
		racers[i].id = i;
		racers[i].rng = seed_for(100 + i);
		CHECK(!pthread_create(&rthr[i], NULL, racer_thread, &racers[i]), "pthread_create");
	}

	while (now_ns() < g.deadline) {
		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];
			uint64_t now = now_ns();

			if (!atomic_load(&s->live)) {
				create_vm(s, &rng);
				continue;
			}
			if ((atomic_load(&s->sysevent) &&
			     now - atomic_load(&s->sysevent_at) > 300000000ULL) ||
			    now > atomic_load(&s->die_at) ||
			    now - atomic_load(&s->progress) > STALL_NS)
				destroy_vm(s);
		}
		sleep_ns(20000000);
	}

	for (int i = 0; i < g.nslots; i++)
		if (atomic_load(&g.slot[i].live))
			destroy_vm(&g.slot[i]);
	atomic_store(&g.stop, 1);
	for (int i = 0; i < g.nracers; i++)
		pthread_join(rthr[i], NULL);
	pthread_join(waker, NULL);
	pthread_join(watchdog, NULL);

	printf("psci_fuzz: summary (seed %" PRIu64 ", %.1f s, %s):\n", g.seed,
	       (now_ns() - g.t0) / 1e9, g.cap_less ? "cap-less subset" : "full");
	print_stats();
	if (st[ST_W_SPIN])
		printf("psci_fuzz: NOTE: %" PRIu64 " suspended waits kept a CPU busy (see README)\n",
		       (uint64_t)st[ST_W_SPIN]);
	printf("psci_fuzz: PASS\n");
	return 0;
}
