/* SPDX-License-Identifier: GPL-2.0 */
/*
 * psci_fuzz's types and the functions its files share. The files, by who
 * runs the code:
 *
 *   psci_model.c  the PSCI model: what KVM answers (pure, host-tested)
 *   calls.c       the calls the guests make
 *   batch.c       batches of calls: making them, judging their results
 *   util.c        time, randomness, traces, counters
 *   report.c      failing with everything a replay needs
 *   ioctls.c      vCPU ioctls whose failure ends the run
 *   vcpu.c        the vCPU threads: KVM_RUN, the doorbell, the results
 *   suspend.c     the vCPU threads: SUSPEND, WAKEUP, SHUTDOWN/RESET exits
 *   vm.c          creating and retiring VMs
 *   racer.c       the racer threads
 *   watch.c       the waker and the watchdog threads
 *   kmsg.c        kernel splats, from /dev/kmsg
 *   states.c      --states: a restore's and a killed VMM's states
 *   main.c        options and the main loop
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm_arm.h"
#include "fuzz_guest.h"
#include "kmsg.h"
#include "psci_model.h"

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
#define ON_CTX_RING	256

/*
 * ns from t to now, 0 if t is later: the vCPU threads store their times
 * after the reader took "now", and an unsigned difference would wrap.
 */
static inline uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* ------------------------------------------------------------------ */
/* Counters, printed at the end and on failure */

#define STATS(x)							\
	x(VMS, "VMs created") x(VCPUS, "vCPUs created")			\
	x(VM_VGIC, "  with a vGICv3") x(VM_V11, "  PSCI 1.1")		\
	x(VM_V10, "  PSCI 1.0")						\
	x(VM_V02, "  PSCI 0.2") x(VM_V01, "  PSCI 0.1")			\
	x(VM_CAP0, "  cap at creation") x(VM_CAPL, "  cap later")	\
	x(VM_A32, "  AArch32 vCPUs")					\
	x(CAP_LATE, "  cap enabled mid-run")				\
	x(RUNS, "KVM_RUN calls") x(EINTR, "  -EINTR")			\
	x(ENOSYS, "  -ENOSYS (garbage guest)")				\
	x(X_DOOR, "exit MMIO doorbell") x(X_STRAY, "exit MMIO other")	\
	x(X_SHUT, "exit SHUTDOWN") x(X_RESET, "exit RESET")		\
	x(X_SUSP, "exit SUSPEND") x(X_WAKE, "exit WAKEUP")		\
	x(X_SUSP_ON, "  SUSPEND exit, CPU_ON's registers")		\
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
	x(EXC, "guest exceptions") x(BATCHES, "batches of calls")		\
	x(CHECKED, "results checked")					\
	x(UNJUDGED, "calls not judged (racer, taint, VM going down)")	\
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
	x(SS_RESTORE, "states: restore, SUSPENDED before the vGIC's init") \
	x(SS_PREINIT, "states: SUSPENDED before KVM_ARM_VCPU_INIT")	\
	x(SS_INIT, "states: KVM_ARM_VCPU_INIT of a SUSPENDED vCPU")	\
	x(SS_KILL, "states: VMM killed, a vCPU waiting SUSPENDED")	\
	x(SS_OFFON, "states: SUSPEND exit, SYSTEM_OFF, CPU_ON")	\
	x(RECYCLE, "VMs retired")

#define ST_ENUM(id, name) ST_##id,
enum { STATS(ST_ENUM) NR_ST };
extern _Atomic uint64_t st[NR_ST];
#define ST(id)	atomic_fetch_add_explicit(&st[ST_##id], 1, memory_order_relaxed)

/* ------------------------------------------------------------------ */
/* State */

struct trace {
	uint64_t t;
	char msg[TRACE_MSG];
};

/* One call of a batch, as the host made it. */
struct call {
	uint64_t a[4];
	int cls;			/* ST_C_* */
	int susp_exits;			/* SUSPEND exits seen for this call */
	uint64_t susp_x0;		/* what x0 was left as after the last */
	bool sysev;			/* SHUTDOWN/RESET exit seen */
	int tgt;			/* CPU_ON/AFFINITY_INFO target vCPU, or -1 */
	uint32_t tgt_epoch, tgt_disturb;
};

/* One operation of a vCPU's guest, from the mailbox to its report. */
struct op {
	uint64_t seq;
	int kind;			/* FZ_OP_* */
	uint64_t a[4];			/* FZ_OP_SMC */
	int cap_at_issue;
	uint32_t disturb;
	unsigned int n;			/* FZ_OP_BATCH: calls */
	unsigned int judged;		/* calls judged (or skipped) so far */
	struct call c[FZ_BATCH_MAX];
};

struct slot;

struct vcpu {
	struct slot *s;
	int idx, fd;
	struct kvm_run *run;
	uint32_t features;
	volatile uint64_t *mb;
	volatile uint64_t *batch;	/* FZ_BATCH_MAX calls of 8 words */
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

	/*
	 * The context IDs of the last CPU_ONs siblings were given for this
	 * vCPU. One may land while a WAKEUP's KVM_ARM_VCPU_INIT (POWER_OFF
	 * among the vCPU's features, which 5.10 will not let change) has it
	 * STOPPED, and rightly reset it to its own x0.
	 */
	_Atomic uint64_t on_ctx[ON_CTX_RING];
	_Atomic uint32_t on_ctx_n;

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

	/*
	 * For the waker thread. wake_lock makes its check, raise and note
	 * one step with respect to the suspension they are for: the raise
	 * wakes the vCPU at once, whose thread may resume and be suspended
	 * again before the waker notes the raise.
	 */
	pthread_mutex_t wake_lock;
	_Atomic int wake_pending;
	_Atomic int wake_src;		/* WAKE_* */
	_Atomic uint64_t wake_at, wake_raised, wake_first;
	uint32_t wake_irqd;		/* irq_disturb at the last raise */

	struct trace tr[TRACE_LEN];
	_Atomic unsigned int tr_n;
};

/* The interrupt a suspended vCPU is woken by */
enum { WAKE_IRQ, WAKE_FIQ, WAKE_SPI, WAKE_PPI };

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
	_Atomic int cap;		/* CAP_OFF, CAP_ENABLING, CAP_ON */
	_Atomic int sysevent, tainted, garbage;
	_Atomic uint64_t born, die_at, progress, sysevent_at;

	pthread_mutex_t q_owner, q_lock;
	pthread_cond_t q_cond;
	_Atomic int hold;
	int parked;

	struct vcpu v[MAX_VCPUS];
};

struct racer {
	int id;
	uint64_t rng;
};

struct fuzz {
	uint64_t seed;
	char replay[512];		/* the command line that replays the run */
	int seconds, nslots, nracers, wedge, a32_pct, vgic_pct, waker_lag_ms, init_lag_ms;
	bool verbose, cap_less, force_cap_less, has_a32;
	bool wild_spis;			/* SPIs past nr_irqs too (patches-stable/) */
	bool states;			/* --states: the states thread (states.c) */
	bool has_cap;			/* the kernel has the series: SUSPENDED exists */
	/*
	 * The base-KVM rules this kernel follows, from what it reports
	 * (main.c, probe_rules()): 5.10's, or upstream 6.12's (PSCI 1.1 by
	 * default, strict CPU_ON/AFFINITY_INFO targets, KVM_ARM_VCPU_POWER_OFF
	 * free to change from one KVM_ARM_VCPU_INIT to the next).
	 */
	bool rules612;
	uint32_t psci_dflt;		/* the PSCI version a new VM gets */
	int kvm;
	uint64_t t0, deadline;
	_Atomic int stop, failing;
	struct slot slot[MAX_SLOTS];
	_Atomic uint64_t vm_count;
	_Atomic uint64_t racer_busy[MAX_RACERS];
	const char *_Atomic racer_what[MAX_RACERS];
	struct vcpu *_Atomic racer_vcpu[MAX_RACERS];
	uint64_t max_wake_ns;
};

extern struct fuzz g;
extern __thread struct vcpu *tls_vcpu;	/* the vCPU a failure is about */

/* ------------------------------------------------------------------ */
/* util.c */

void sleep_ns(uint64_t ns);
uint64_t rnd(uint64_t *s);
uint64_t rnd_below(uint64_t *s, uint64_t n);
bool chance(uint64_t *s, unsigned int percent);
uint64_t seed_for(uint64_t salt);
void trace(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_stats(void);

/* report.c */
void dump_vcpu(struct vcpu *v);
void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...);
#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* states.c */
void *states_thread(void *arg);
bool states_pick(const char *list);
int kill_child(uint64_t seed);

/* calls.c */
bool call_ends_vm(const struct slot *s, const struct call *c);

/* ioctls.c */
bool valid_mp(uint32_t mp);
uint32_t get_mp(struct vcpu *v);
void set_mp_locked(struct vcpu *v, uint32_t mp);
void set_runnable(struct vcpu *v, bool clears_susp);
uint64_t get_reg(struct vcpu *v, uint64_t id);
void set_reg(struct vcpu *v, uint64_t id, uint64_t val);
void reinit_locked(struct vcpu *v, uint64_t pc, uint64_t ctx);
void wake_line(struct vcpu *v, int src, int level);
uint32_t disturb_now(struct vcpu *v);

/* calls.c */
bool in_ram(uint64_t a);
void note_entry(struct slot *s, uint64_t pc);
bool call_stops(const struct slot *s, uint32_t fn);
void pick_call(struct vcpu *v, struct call *c, bool last);

/* batch.c */
void next_batch(struct vcpu *v, struct op *op);
void judge_batch(struct vcpu *v, unsigned int upto);
struct call *batch_call_now(struct vcpu *v, unsigned int *idx);

/* vcpu.c */
void *vcpu_thread(void *arg);
void rescue(struct vcpu *v, const char *why);
bool from_cpu_on(struct vcpu *v, uint64_t x0);

/* suspend.c */
void handle_sysevent(struct vcpu *v);
void after_eintr_suspended(struct vcpu *v);
void abandon_suspend(struct vcpu *v, const char *why);
bool susp_undisturbed(struct vcpu *v);

/* vm.c */
void create_vm(struct slot *s, uint64_t *r);
void destroy_vm(struct slot *s);

/* racer.c */
void *racer_thread(void *arg);

/* watch.c */
void *waker_thread(void *arg);
void *watchdog_thread(void *arg);

#endif /* FUZZ_H */
