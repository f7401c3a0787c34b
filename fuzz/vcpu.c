// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the vCPU threads. One thread per vCPU runs KVM_RUN and
 * handles every exit: the doorbell (the guest's report, checked, then the
 * next operation), stray MMIO, NISV, and the system events (suspend.c).
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "fuzz.h"

static void mb_write_op(struct vcpu *v, struct op *op)
{
	volatile uint64_t *mb = v->mb;

	mb[MB_A0 / 8] = op->a[0];
	mb[MB_A0 / 8 + 1] = op->a[1];
	mb[MB_A0 / 8 + 2] = op->a[2];
	mb[MB_A0 / 8 + 3] = op->a[3];
	mb[MB_COUNT / 8] = op->n;
	mb[MB_OP / 8] = op->kind;
	mb[MB_SEQ / 8] = op->seq;
}

/* The guest operation (FZ_OP_*) for a draw x of 0-99. */
static int pick_kind(struct vcpu *v, unsigned int x)
{
	struct slot *s = v->s;

	if (s->a32)
		return x < 95 ? FZ_OP_BATCH : FZ_OP_NOP;
	if (s->vgic && !v->gic_ready && chance(&v->rng, 70))
		return FZ_OP_GIC;
	if (x < 88)
		return FZ_OP_BATCH;
	if (x < 90)
		return s->vgic ? FZ_OP_GIC : FZ_OP_NOP;
	if (x < 91)
		return FZ_OP_TIMER_ON;
	if (x < 93)
		return FZ_OP_TIMER_OFF;
	if (x < 95)
		return FZ_OP_WFI;
	if (x < 97)
		return FZ_OP_SMC;
	return FZ_OP_NOP;
}

/* Choose the guest's next operation and leave it in its mailbox. */
static void next_op(struct vcpu *v)
{
	struct op *op = &v->cur;
	uint64_t *r = &v->rng;
	unsigned int x = rnd_below(r, 100);

	memset(op, 0, offsetof(struct op, c));
	op->seq = ++v->seq;
	op->cap_at_issue = atomic_load(&v->s->cap);
	op->disturb = atomic_load(&v->disturb);
	op->kind = pick_kind(v, x);

	switch (op->kind) {
	case FZ_OP_BATCH:
		next_batch(v, op);
		break;
	case FZ_OP_SMC:
		op->a[0] = chance(r, 50) ? PSCI_1_0_FN64_SYSTEM_SUSPEND : rnd(r);
		/*
		 * 6.12 takes SMCCC calls by SMC too (a base rule, README):
		 * no SYSTEM_SUSPEND that could exit, no random ID that it
		 * implements; an SiP call (denied) or PSCI_VERSION instead.
		 */
		if (g.rules612 && (op->a[0] != PSCI_1_0_FN64_SYSTEM_SUSPEND ||
				   op->cap_at_issue != CAP_OFF || v->s->cap_later))
			op->a[0] = chance(r, 30) ? PSCI_0_2_FN_PSCI_VERSION :
				   (rnd(r) & ~0x3fff0000ULL) | 0x02000000;
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

/*
 * 6.12 handles an SMC as the same SMCCC call as an HVC: the PSCI model's
 * answer for a PSCI ID, NOT_SUPPORTED for the SiP IDs, x1-x3 zeroed.
 */
static void check_smc612(struct vcpu *v, const struct op *op, const uint64_t *r)
{
	struct slot *s = v->s;
	struct psci_vm vm = { s->psci, s->a32, s->nvcpus, g.rules612 };
	struct psci_call pc = {
		.a = { op->a[0], op->a[1], op->a[2], op->a[3] },
		.caller = v->idx,
		.cap_at_issue = op->cap_at_issue,
		.cap_now = atomic_load(&s->cap),
	};
	struct psci_answer a = { .judged = true, .n = 1, .x0 = { -1 },
				 .why = "NOT_SUPPORTED (an SiP call)" };

	if (((uint32_t)op->a[0] & 0x3f000000) != 0x02000000)
		psci_model(&vm, &pc, &a);
	CHECK(psci_answer_ok(&vm, &a, r[0]) && !r[1] && !r[2] && !r[3],
	      "SMC %#" PRIx64 " returned x0-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	      ", want %s and 0 (6.12 takes SMCCC calls by SMC)", op->a[0], r[0], r[1], r[2],
	      r[3], a.why);
}

/*
 * 5.10 has no SMC conduit: NOT_SUPPORTED, x1-x3 untouched, no exit. 6.12
 * has one (a base rule, README: c2d2e9b3d8ce).
 */
static void check_smc(struct vcpu *v, const struct op *op)
{
	volatile uint64_t *mb = v->mb;
	uint64_t r[4] = { mb[MB_R0 / 8], mb[MB_R0 / 8 + 1],
			  mb[MB_R2 / 8], mb[MB_R2 / 8 + 1] };

	trace(v, "done %" PRIu64 ": x0=%#" PRIx64 " x1=%#" PRIx64 " x2=%#" PRIx64 " x3=%#" PRIx64,
	      op->seq, r[0], r[1], r[2], r[3]);
	ST(CHECKED);
	if (g.rules612) {
		check_smc612(v, op, r);
		return;
	}
	CHECK(r[0] == ~0ULL && r[1] == op->a[1] && r[2] == op->a[2] &&
	      r[3] == op->a[3],
	      "SMC %#" PRIx64 " returned x0-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	      ", want ~0 and the arguments", op->a[0], r[0], r[1], r[2], r[3]);
}

/* The guest reported the operation done: judge what it did. */
static void check_results(struct vcpu *v)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	uint64_t idx = v->mb[MB_IDX / 8];
	/* A racer's VCPU_INIT or SET_MP_STATE during the op: not judged. */
	bool disturbed = disturb_now(v) != op->disturb;
	/* A sibling's SYSTEM_OFF/RESET stops everyone, mid-call too. */
	bool ours = !disturbed && !atomic_load(&s->tainted) && !atomic_load(&s->sysevent);

	if (disturbed)
		trace(v, "op %" PRIu64 " disturbed by a racer", op->seq);
	else if (op->kind == FZ_OP_GIC) {
		v->gic_ready = true;
		v->gic_disturb = op->disturb;
	}
	if (op->kind == FZ_OP_BATCH) {
		CHECK(!ours || idx == op->n, "batch of %u reported done after %" PRIu64 " calls",
		      op->n, idx);
		judge_batch(v, op->n);
	} else if (op->kind == FZ_OP_SMC && ours) {
		check_smc(v, op);
	}
}

/* Was x0 the context ID of a CPU_ON a sibling was given for v? */
bool from_cpu_on(struct vcpu *v, uint64_t x0)
{
	uint32_t n = atomic_load(&v->on_ctx_n);

	if (!x0)	/* an empty slot, or a reset that lost the context */
		return false;
	for (uint32_t i = 0; i < n && i < ON_CTX_RING; i++)
		if (atomic_load(&v->on_ctx[i]) == x0)
			return true;
	return false;
}

static void handle_doorbell(struct vcpu *v, uint64_t data)
{
	struct slot *s = v->s;

	atomic_store(&s->progress, ka_now_ns());
	v->last_door = ka_now_ns();
	if (data == FZ_DB_ENTRY) {
		uint64_t x0 = v->mb[MB_ENTRY_X0 / 8];

		trace(v, "entry x0=%#" PRIx64, x0);
		if (v->expect_ctx && atomic_load(&v->disturb) == v->resume_disturb &&
		    !atomic_load(&s->tainted) && !atomic_load(&s->sysevent)) {
			if (x0 != v->resume_ctx && from_cpu_on(v, x0)) {
				trace(v, "a sibling's CPU_ON took it while STOPPED by its reset");
			} else {
				CHECK(x0 == v->resume_ctx,
				      "vCPU %d resumed from SYSTEM_SUSPEND with x0=%#" PRIx64 ", want the context ID %#" PRIx64 " (or a CPU_ON's)",
				      v->idx, x0, v->resume_ctx);
				ST(RESUMED);
			}
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

/* Put a vCPU that lost its way back at the blob's entry. */
void rescue(struct vcpu *v, const char *why)
{
	trace(v, "rescue: %s", why);
	ST(RESCUE);
	abandon_suspend(v, why);
	v->expect_ctx = false;	/* the resume is undone: a new x0 below */
	pthread_mutex_lock(&v->st_lock);
	reinit_locked(v, FZ_ENTRY, rnd(&v->rng));
	set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
	atomic_store(&v->maybe_susp, 0);
	pthread_mutex_unlock(&v->st_lock);
	v->on_blob = false;
}

/* A vCPU that sits STOPPED/SUSPENDED for long gets going again. */
static void revive(struct vcpu *v, uint64_t now)
{
	struct slot *s = v->s;

	switch (get_mp(v)) {
	case KVM_MP_STATE_SUSPENDED:
		if (chance(&v->rng, 50) && !s->vgic)
			wake_line(v, WAKE_IRQ, 1);	/* expect a WAKEUP */
		else
			set_runnable(v, true);
		ST(RESCUE);
		break;
	case KVM_MP_STATE_STOPPED:
		if (!atomic_load(&s->sysevent) && chance(&v->rng, 30)) {
			set_runnable(v, false);
			ST(RESCUE);
		}
		break;
	default:
		if (now - v->last_door > 3000000000ULL)
			rescue(v, "runnable but no doorbell for 3 s");
		break;
	}
}

static void after_eintr(struct vcpu *v)
{
	uint64_t now = ka_now_ns();

	ST(EINTR);
	if (v->our_susp) {
		after_eintr_suspended(v);
		return;
	}
	if (++v->eintr_streak < 8 || now - v->last_door < 1000000000ULL)
		return;
	v->eintr_streak = 0;
	revive(v, now);
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

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct slot *s = v->s;
	uint64_t data = 0;

	if (run->mmio.phys_addr != FZ_DOORBELL + 8ULL * v->idx || !run->mmio.is_write ||
	    run->mmio.len != (s->a32 ? 4 : 8)) {
		ST(X_STRAY);
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
		trace(v, "stray MMIO %s %#llx len %u", run->mmio.is_write ?
		      "write" : "read", run->mmio.phys_addr, run->mmio.len);
		v->on_blob = false;
		return;
	}
	memcpy(&data, run->mmio.data, run->mmio.len);
	if (s->a32)
		data = data == FZ_DB_ENTRY32 ? FZ_DB_ENTRY :
		       data | (v->cur.seq & ~0xffffffffULL);
	ST(X_DOOR);
	handle_doorbell(v, data);
}

static void handle_error(struct vcpu *v, int e)
{
	struct slot *s = v->s;

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
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

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
		handle_mmio(v);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_sysevent(v);
		break;
	case KVM_EXIT_ARM_NISV:
		CHECK(v->s->nisv, "ARM_NISV exit without KVM_CAP_ARM_NISV_TO_USER");
		ST(X_NISV);
		rescue(v, "NISV");
		break;
	default:
		fail("vCPU %d: unexpected exit reason %u", v->idx, run->exit_reason);
	}
}

/* KVM_RUN once; notes a suspended wait that burnt CPU instead of sleeping. */
static int run_once(struct vcpu *v, int *err)
{
	uint64_t t0, c0;
	int r;

	v->run_disturb = atomic_load(&v->disturb);
	t0 = ka_now_ns();
	c0 = ka_thread_cpu_ns();
	atomic_store(&v->run_start, t0);
	atomic_store(&v->in_run, 1);
	r = ioctl(v->fd, KVM_RUN, 0);
	*err = errno;
	atomic_store(&v->in_run, 0);
	ST(RUNS);

	if (v->our_susp) {
		uint64_t wall = ka_now_ns() - t0, cpu = ka_thread_cpu_ns() - c0;

		if (wall > 100000000ULL && cpu * 2 > wall) {
			ST(W_SPIN);
			trace(v, "suspended wait: %.0f ms of CPU in %.0f ms",
			      cpu / 1e6, wall / 1e6);
		}
	}
	return r;
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct slot *s = v->s;
	char name[16];

	tls_vcpu = v;
	v->last_door = ka_now_ns();
	snprintf(name, sizeof(name), "vcpu%d.%d", s->id, v->idx);
	pthread_setname_np(pthread_self(), name);

	while (!atomic_load(&s->dying) && !atomic_load(&g.stop)) {
		int r, e;

		if (atomic_load(&s->hold))
			park(s);
		if (atomic_load(&s->dying) || atomic_load(&g.stop))
			break;
		r = run_once(v, &e);
		if (r < 0) {
			handle_error(v, e);
			continue;
		}
		CHECK(r == 0, "KVM_RUN returned %d", r);
		handle_exit(v);
	}
	atomic_store(&v->done, 1);
	return NULL;
}
