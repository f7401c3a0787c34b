// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the vCPU threads' system events. SUSPEND is denied (a PSCI
 * error in x0), honoured (SUSPENDED, an interrupt raised later by the
 * waker thread, WAKEUP, then KVM_ARM_VCPU_INIT, PC, x0, RUNNABLE) or
 * ignored (run again); SHUTDOWN/RESET retire the VM.
 */
#include <signal.h>
#include <stdio.h>

#include "fuzz.h"

void abandon_suspend(struct vcpu *v, const char *why)
{
	if (!v->our_susp)
		return;
	trace(v, "honoured suspend abandoned: %s", why);
	atomic_fetch_add(&v->susp_epoch, 1);
	ST(W_ABANDON);
	pthread_mutex_lock(&v->wake_lock);
	atomic_store(&v->wake_pending, 0);
	pthread_mutex_unlock(&v->wake_lock);
	v->our_susp = false;
}

/* Still ours to judge: nobody else touched this suspended vCPU. */
bool susp_undisturbed(struct vcpu *v)
{
	struct slot *s = v->s;

	return v->our_susp && atomic_load(&v->disturb) == v->susp_disturb &&
	       !atomic_load(&s->sysevent) && !atomic_load(&s->tainted);
}

/* Fails if a suspended vCPU nobody touched does not read SUSPENDED. */
static void check_still_suspended(struct vcpu *v, const char *when)
{
	uint32_t mp = get_mp(v);

	CHECK(mp == KVM_MP_STATE_SUSPENDED || !susp_undisturbed(v),
	      "vCPU %d reads %s %s", v->idx, ka_mp_state_name(mp), when);
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
	v->susp_at = ka_now_ns();
	ST(S_HONOUR);

	if (s->vgic)
		src = WAKE_SPI + rnd_below(r, 2);
	else
		src = rnd_below(r, 4) ? WAKE_IRQ : WAKE_FIQ;
	pthread_mutex_lock(&v->wake_lock);
	atomic_store(&v->wake_src, src);
	atomic_store(&v->wake_raised, 0);
	atomic_store(&v->wake_first, 0);
	atomic_store(&v->wake_at, ka_now_ns() + rnd_below(r, 30) * 1000000ULL);
	atomic_store(&v->wake_pending, 1);
	pthread_mutex_unlock(&v->wake_lock);
	trace(v, "honour: SUSPENDED, entry %#" PRIx64 " ctx %#" PRIx64 ", wake by source %d",
	      entry, ctx, src);

	if (chance(r, 30) && susp_undisturbed(v))
		check_still_suspended(v, "right after KVM_SET_MP_STATE(SUSPENDED)");
}

/* Deny (a PSCI error, or garbage, in x0) or run again unanswered. */
static void deny_or_ignore(struct vcpu *v, struct call *c, const uint64_t *x)
{
	static const int64_t errs[] = {
		PSCI_RET_DENIED, PSCI_RET_INVALID_ADDRESS,
		PSCI_RET_INVALID_PARAMS, PSCI_RET_INTERNAL_FAILURE,
		PSCI_RET_NOT_SUPPORTED,
	};
	uint64_t *r = &v->rng;
	uint64_t e;

	if (!chance(r, 65)) {
		c->susp_x0 = x[0];
		ST(S_RERUN);
		trace(v, "ignore, run again");
		return;
	}
	e = chance(r, 90) ? (uint64_t)errs[rnd_below(r, 5)] : rnd(r);
	if (!in_ram(x[1]) && chance(r, 80))
		e = (uint64_t)(int64_t)PSCI_RET_INVALID_ADDRESS;
	set_reg(v, KA_REG_X(0), e);
	c->susp_x0 = e;
	ST(S_DENY);
	trace(v, "deny with %#" PRIx64, e);
}

/* What a VMM does with a SUSPEND exit: honour, deny or ignore it. */
static void answer_suspend(struct vcpu *v, struct call *c, const uint64_t *x)
{
	struct slot *s = v->s;
	uint64_t *r = &v->rng;

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
	deny_or_ignore(v, c, x);
}

/*
 * The registers of a SUSPEND exit: the ID, narrowed arguments and, for a
 * call of ours (c, NULL for one of stray code), the arguments passed.
 */
static void check_suspend_exit(struct vcpu *v, const struct call *c, const uint64_t *x)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	uint32_t fn = x[0];
	uint64_t m = fn == PSCI_1_0_FN_SYSTEM_SUSPEND ? 0xffffffffULL : ~0ULL;

	CHECK(psci_is_susp(fn), "SUSPEND exit for function ID %#" PRIx64, x[0]);
	CHECK(!s->a32 || fn != PSCI_1_0_FN64_SYSTEM_SUSPEND,
	      "SUSPEND exit for the SMC64 ID from an AArch32 vCPU");
	if (fn == PSCI_1_0_FN_SYSTEM_SUSPEND)
		CHECK(!(x[1] >> 32) && !(x[2] >> 32) && !(x[3] >> 32),
		      "SUSPEND exit for the SMC32 ID with x1-x3 not narrowed: %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
		      x[1], x[2], x[3]);

	CHECK(!v->on_blob || op->kind != FZ_OP_SMC || atomic_load(&s->tainted),
	      "SUSPEND exit for an SMC (KVM only takes PSCI calls by HVC; 6.12 by SMC too, "
	      "but the fuzzer makes none that may exit there)");
	/* the upper half of an AArch32 vCPU's x0 is not the guest's */
	if (!c || atomic_load(&s->tainted) || atomic_load(&v->disturb) != op->disturb ||
	    (s->a32 ? (uint32_t)c->a[0] != fn : c->a[0] != x[0]))
		return;
	CHECK(x[1] == (c->a[1] & m) && x[2] == (c->a[2] & m) && x[3] == (c->a[3] & m),
	      "SUSPEND exit: x1-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", the guest passed %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
	      x[1], x[2], x[3], c->a[1], c->a[2], c->a[3]);
}

/* Read x0-x3 and PC; true if a racer changed the vCPU since KVM_RUN. */
static bool read_suspend_regs(struct vcpu *v, uint64_t *x, uint64_t *pc)
{
	bool disturbed;

	pthread_mutex_lock(&v->st_lock);
	for (int i = 0; i < 4; i++)
		x[i] = get_reg(v, KA_REG_X(i));
	*pc = get_reg(v, KA_REG_PC);
	disturbed = atomic_load(&v->disturb) != v->run_disturb;
	pthread_mutex_unlock(&v->st_lock);
	return disturbed;
}

static void handle_suspend(struct vcpu *v)
{
	struct slot *s = v->s;
	int cap = atomic_load(&s->cap);
	struct call stray = { .tgt = -1 }, *c;
	unsigned int idx = 0;
	uint64_t x[4], pc;

	ST(X_SUSP);
	CHECK(!g.cap_less, "SUSPEND exit while KVM_CAP_ARM_SYSTEM_SUSPEND was never enabled");
	CHECK(ka_sysev_ndata(v->run) == 0, "SUSPEND exit with ndata %u",
	      ka_sysev_ndata(v->run));
	CHECK(cap > CAP_OFF, "SUSPEND exit while the capability was never enabled on this VM");
	CHECK(s->psci >= PSCI_V10, "SUSPEND exit on a VM with PSCI %s", psci_name(s->psci));
	c = batch_call_now(v, &idx);
	if (c)
		judge_batch(v, idx);	/* the calls before it are done */
	if (read_suspend_regs(v, x, &pc)) {
		/* a racer's KVM_ARM_VCPU_INIT may have got there first */
		trace(v, "SUSPEND exit, registers changed by a racer: x0=%#" PRIx64, x[0]);
		c = c ? c : &stray;
		c->susp_exits++;
		c->susp_x0 = x[0];
		return;
	}
	if (!psci_is_susp(x[0]) && atomic_load(&s->sysevent) && from_cpu_on(v, x[0])) {
		/*
		 * A sibling's SYSTEM_OFF or SYSTEM_RESET stopped every vCPU,
		 * this one with its call on the way out, and a sibling run
		 * again turned it on with CPU_ON. KVM owes this vCPU that
		 * reset and does it at the first register access: x0 and PC
		 * read here are already CPU_ON's. The exit is stale; the vCPU
		 * runs on from CPU_ON's entry point (fuzz/README.md).
		 */
		ST(X_SUSP_ON);
		trace(v, "SUSPEND exit, registers reset by a sibling's CPU_ON after a system event: x0=%#" PRIx64 " pc=%#" PRIx64,
		      x[0], pc);
		c = c ? c : &stray;
		c->susp_exits++;
		return;
	}
	check_suspend_exit(v, c, x);
	trace(v, "SUSPEND exit (call %d) x0=%#" PRIx64 " entry=%#" PRIx64 " ctx=%#" PRIx64
	      " pc=%#" PRIx64, c ? (int)idx : -1, x[0], x[1], x[2], pc);
	c = c ? c : &stray;
	c->susp_exits++;
	answer_suspend(v, c, x);
}

/* Still SUSPENDED, the line still up: KVM_RUN must say WAKEUP again. */
static void check_sticky_wakeup(struct vcpu *v, int src)
{
	uint32_t irqd = atomic_load(&v->irq_disturb);
	int rr = -1, tries = 0;

	wake_line(v, src, 1);
	do {
		atomic_store(&v->run_start, ka_now_ns());
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

static void note_wake_latency(struct vcpu *v)
{
	uint64_t first = atomic_load(&v->wake_first);

	if (first && ka_now_ns() - first > g.max_wake_ns)
		g.max_wake_ns = ka_now_ns() - first;
	if (first && ka_now_ns() - first > 100000000ULL) {
		ST(W_SLOW);
		trace(v, "WAKEUP %.0f ms after the raise", (ka_now_ns() - first) / 1e6);
	}
}

/* WAKEUP after our own honoured suspend: reset the vCPU to its entry. */
static void resume(struct vcpu *v)
{
	uint64_t *r = &v->rng;
	int src = atomic_load(&v->wake_src);

	ST(W_OURS);
	pthread_mutex_lock(&v->wake_lock);
	atomic_store(&v->wake_pending, 0);
	pthread_mutex_unlock(&v->wake_lock);
	note_wake_latency(v);
	if (susp_undisturbed(v))
		check_still_suspended(v, "after its WAKEUP exit, want SUSPENDED");
	if (chance(r, 25) && susp_undisturbed(v))
		check_sticky_wakeup(v, src);
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
		wake_line(v, WAKE_IRQ, 0);
	set_runnable(v, true);
}

static void handle_shutdown_reset(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct slot *s = v->s;
	bool shut = run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN;
	unsigned int idx;
	struct call *c;

	if (shut)
		ST(X_SHUT);
	else
		ST(X_RESET);
	CHECK(ka_sysev_ndata(run) <= 16, "system event with ndata %u", ka_sysev_ndata(run));
	trace(v, "%s exit", shut ? "SHUTDOWN" : "RESET");
	c = batch_call_now(v, &idx);
	if (c)
		c->sysev = true;
	if (!atomic_exchange(&s->sysevent, 1))
		atomic_store(&s->sysevent_at, ka_now_ns());
	/* Sometimes a VMM runs it again: INTERNAL_FAILURE for the guest. */
	if (chance(&v->rng, 30))
		set_runnable(v, true);
}

void handle_sysevent(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		handle_shutdown_reset(v);
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

static int vgic_reg(struct slot *s, uint32_t group, uint64_t attr, uint32_t *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(s->gic, KVM_GET_DEVICE_ATTR, &a);
}

/* What the vGIC holds for a vCPU's wake-up SPI or PPI. */
static void dump_vgic_line(struct vcpu *v, int src, uint32_t intid)
{
	struct slot *s = v->s;
	uint64_t rd = (uint64_t)v->idx << 32;	/* MPIDR Aff0 */
	uint32_t en = 0, pend = 0, act = 0, cfg = 0, rt = 0, ctl = 0, lvl = 0;
	uint32_t pmr[2] = { 0, 0 };
	int e = 0;

	if (src == WAKE_SPI) {
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

/* Stop the other vCPU threads of v's VM (for at most 5 s). */
static void stop_siblings(struct vcpu *v)
{
	struct slot *s = v->s;
	uint64_t deadline = ka_now_ns() + 5000000000ULL;

	atomic_store(&g.stop, 1);
	for (bool all = false; !all && ka_now_ns() < deadline; sleep_ns(2000000)) {
		all = true;
		for (int i = 0; i < s->nvcpus; i++) {
			if (&s->v[i] == v || atomic_load(&s->v[i].done))
				continue;
			all = false;
			pthread_kill(s->v[i].thr, SIGUSR1);
		}
	}
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
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	int src = atomic_load(&v->wake_src), r, tries = 0;
	uint32_t intid = src == WAKE_SPI ? FZ_SPI_BASE + v->idx : FZ_PPI;
	uint32_t mp;

	pthread_mutex_lock(&one);	/* one report; fail() ends the others */
	mp = get_mp(v);
	stop_siblings(v);
	printf("psci_fuzz: lost wakeup: vCPU %d reads %s\n", v->idx, ka_mp_state_name(mp));
	if (v->s->vgic)
		dump_vgic_line(v, src, intid);
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

/*
 * -EINTR during an honoured suspend: still SUSPENDED, and woken in time.
 * The clock is read after wake_first: the waker may have raised the line
 * since the caller last looked at it.
 */
void after_eintr_suspended(struct vcpu *v)
{
	uint64_t first = atomic_load(&v->wake_first);
	uint64_t now = ka_now_ns();

	if (susp_undisturbed(v) && chance(&v->rng, 20))
		check_still_suspended(v, "after -EINTR, want SUSPENDED");
	if (first && now > first && now - first > WAKE_TMO_NS) {
		if (susp_undisturbed(v))
			lost_wakeup(v, now - first);
		rescue(v, "no WAKEUP after a racer's change");
	}
}
