// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: batches of calls. The guest makes every call of a batch and
 * reports once (fuzz_guest.h), so one exit to userspace pays for up to
 * FZ_BATCH_MAX checked calls. A call that takes the vCPU out of its batch
 * (call_stops()) is only ever the last one; a SUSPEND exit in the middle
 * of a batch names its call through MB_IDX.
 */
#include <stdio.h>

#include "fuzz.h"

/*
 * For CPU_ON and AFFINITY_INFO aimed at exactly one sibling, remember
 * whether that sibling sat in an honoured suspend when the call was made:
 * if it still does, untouched, when the answer is judged, the answer must
 * be ALREADY_ON / ON (SUSPENDED is not OFF).
 */
static void note_target(struct vcpu *v, struct call *c)
{
	struct slot *s = v->s;
	uint32_t fn = c->a[0];
	uint64_t t;

	c->tgt = -1;
	if (s->a32 && psci_is_fn64_only_a64(fn))
		return;
	if (fn == PSCI_0_2_FN_CPU_ON || fn == PSCI_0_2_FN_AFFINITY_INFO)
		t = (uint32_t)c->a[1];
	else if (fn == PSCI_0_2_FN64_CPU_ON || fn == PSCI_0_2_FN64_AFFINITY_INFO)
		t = c->a[1];
	else
		return;
	if ((fn & 0x1f) == 4 && (fn == PSCI_0_2_FN_AFFINITY_INFO ?
				  (uint32_t)c->a[2] : c->a[2]) != 0)
		return;		/* AFFINITY_INFO above level 0: a group */
	if (g.rules612 && (t & ~MPIDR_HWID))
		return;		/* 6.12: INVALID_PARAMS, no target (the model's) */
	t &= MPIDR_HWID;
	if (t >= (uint64_t)s->nvcpus || t == (uint64_t)v->idx)
		return;
	if ((fn & 0x1f) == 3) {
		struct vcpu *tv = &s->v[t];
		uint32_t n = atomic_fetch_add(&tv->on_ctx_n, 1);

		atomic_store(&tv->on_ctx[n % ON_CTX_RING],
			     fn == PSCI_0_2_FN_CPU_ON ? (uint32_t)c->a[3] : c->a[3]);
	}
	/*
	 * Only a sibling in an honoured suspend nobody has touched since: a
	 * racer may already have moved it, its thread not having noticed yet.
	 */
	pthread_mutex_lock(&s->v[t].st_lock);
	c->tgt_epoch = atomic_load(&s->v[t].susp_epoch);
	c->tgt_disturb = atomic_load(&s->v[t].disturb);
	if ((c->tgt_epoch & 1) && c->tgt_disturb == atomic_load(&s->v[t].susp_disturb))
		c->tgt = t;
	pthread_mutex_unlock(&s->v[t].st_lock);
}

/* Counted when made; SYSTEM_OFF/RESET: the VM counts as going down now. */
static void account_call(struct vcpu *v, const struct call *c)
{
	struct slot *s = v->s;

	atomic_fetch_add(&st[c->cls], 1);
	/*
	 * SYSTEM_OFF/RESET stops every vCPU as soon as KVM handles it,
	 * before this thread sees the exit: a sibling's call that observes
	 * it (CPU_ON or AFFINITY_INFO of a stopped vCPU, its own CPU_ON
	 * answered SUCCESS) must already know.
	 */
	if (call_ends_vm(s, c)) {
		if (!atomic_exchange(&s->sysevent, 1))
			atomic_store(&s->sysevent_at, ka_now_ns());
	}
}

static void write_call(struct vcpu *v, unsigned int i, const struct call *c)
{
	volatile uint64_t *p = v->batch + (i << FZ_CALL_SHIFT) / 8;

	for (int k = 0; k < 4; k++) {
		p[CALL_A0 / 8 + k] = c->a[k];
		p[CALL_R0 / 8 + k] = 0x5a5a5a5a5a5a5a5aULL;	/* not made yet */
	}
}

/*
 * Fill op with a batch: FZ_BATCH_MAX calls mostly, fewer now and then,
 * now and then the same call several times in a row; write it to the
 * vCPU's batch in guest memory.
 */
void next_batch(struct vcpu *v, struct op *op)
{
	uint64_t *r = &v->rng;
	unsigned int n = chance(r, 80) ? FZ_BATCH_MAX : 1 + rnd_below(r, FZ_BATCH_MAX);
	unsigned int i = 0;

	while (i < n) {
		if (i && chance(r, 2)) {
			for (unsigned int k = 1 + rnd_below(r, 31); k && i < n; k--, i++)
				op->c[i] = op->c[i - 1];
			continue;
		}
		memset(&op->c[i], 0, sizeof(op->c[i]));
		pick_call(v, &op->c[i], i == n - 1);
		note_target(v, &op->c[i]);
		i++;
	}
	op->n = n;
	for (i = 0; i < n; i++) {
		account_call(v, &op->c[i]);
		write_call(v, i, &op->c[i]);
	}
	ST(BATCHES);
	trace(v, "op %" PRIu64 ": batch of %u, the last x0=%#" PRIx64 " x1=%#" PRIx64
	      " x2=%#" PRIx64, op->seq, n, op->c[n - 1].a[0], op->c[n - 1].a[1],
	      op->c[n - 1].a[2]);
}

/*
 * A SYSTEM_SUSPEND that exited: KVM changed nothing, the guest sees what
 * userspace left, the function ID if it left x0 alone, and its own
 * arguments (narrowed for SMC32).
 */
static void check_suspend_call(struct vcpu *v, const struct call *c, const uint64_t *r)
{
	uint32_t fn = c->a[0];
	bool narrow = fn == PSCI_1_0_FN_SYSTEM_SUSPEND;
	uint64_t x1 = narrow ? (uint32_t)c->a[1] : c->a[1];
	uint64_t x2 = narrow ? (uint32_t)c->a[2] : c->a[2];
	uint64_t x3 = narrow ? (uint32_t)c->a[3] : c->a[3];
	uint64_t m = v->s->a32 ? 0xffffffffULL : ~0ULL;

	CHECK((r[0] & m) == (c->susp_x0 & m) || (r[0] & m) == (c->a[0] & m),
	      "SYSTEM_SUSPEND returned x0=%#" PRIx64 " to the guest, userspace left %#" PRIx64,
	      r[0], c->susp_x0);
	CHECK(r[1] == x1 && r[2] == x2 && r[3] == x3,
	      "SYSTEM_SUSPEND (%#x) changed x1-x3: %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	      ", want %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
	      fn, r[1], r[2], r[3], x1, x2, x3);
}

/* CPU_ON/AFFINITY_INFO of a sibling that stayed SUSPENDED: it is ON. */
static void check_target(struct vcpu *v, const struct call *c, const uint64_t *r)
{
	struct slot *s = v->s;
	struct vcpu *t = &s->v[c->tgt];
	uint32_t fn = c->a[0];
	bool on = (fn & 0x1f) == 3;
	int64_t x0 = s->a32 ? (int32_t)r[0] : (int64_t)r[0];

	if (atomic_load(&t->susp_epoch) != c->tgt_epoch ||
	    disturb_now(t) != c->tgt_disturb)
		return;
	CHECK(x0 == (on ? PSCI_RET_ALREADY_ON : 0),
	      "%s of vCPU %d, SUSPENDED all along: x0=%#" PRIx64 ", want %s",
	      on ? "CPU_ON" : "AFFINITY_INFO", c->tgt, r[0],
	      on ? "ALREADY_ON" : "ON (0)");
	ST(TGT_SUSP);
}

/* An HVC KVM answered: x1-x3 zeroed, x0 as the model says. */
static void check_answer(struct vcpu *v, const struct op *op, unsigned int i,
			 const uint64_t *r)
{
	struct slot *s = v->s;
	const struct call *c = &op->c[i];
	uint32_t fn = c->a[0];
	struct psci_vm vm = { s->psci, s->a32, s->nvcpus, g.rules612 };
	struct psci_call pc = {
		.a = { c->a[0], c->a[1], c->a[2], c->a[3] },
		.caller = v->idx,
		.cap_at_issue = op->cap_at_issue,
		.sysev = c->sysev,
	};
	struct psci_answer a;

	/* The ARCH_WORKAROUND calls are answered by EL2 alone: x0 only. */
	CHECK(fn == 0x80008000 || fn == 0x80007fff || fn == 0x80003fff ||
	      (!r[1] && !r[2] && !r[3]),
	      "call %u of %u, %#" PRIx64 ", returned x1-x3 = %#" PRIx64 " %#" PRIx64 " %#" PRIx64
	      ", want 0", i, op->n, c->a[0], r[1], r[2], r[3]);
	if (c->tgt >= 0 && (c->tgt_epoch & 1) && s->psci != PSCI_V01)
		check_target(v, c, r);
	pc.cap_now = atomic_load(&s->cap);
	psci_model(&vm, &pc, &a);
	CHECK(psci_answer_ok(&vm, &a, r[0]),
	      "call %u of %u, %#" PRIx64 " (x1=%#" PRIx64 " x2=%#" PRIx64 ") on PSCI %s, cap %s at issue/%s now: x0=%#" PRIx64 ", want %s",
	      i, op->n, c->a[0], c->a[1], c->a[2], psci_name(s->psci),
	      op->cap_at_issue == CAP_ON ? "on" : op->cap_at_issue ? "enabling" : "off",
	      pc.cap_now == CAP_ON ? "on" : "not on", r[0], a.why);
}

/*
 * Judge the calls of the current batch up to (not including) upto, whose
 * results are final. Not judged: a batch a racer disturbed (VCPU_INIT or
 * SET_MP_STATE), or one of a VM going down or running stray code.
 */
void judge_batch(struct vcpu *v, unsigned int upto)
{
	struct slot *s = v->s;
	struct op *op = &v->cur;
	bool judge = disturb_now(v) == op->disturb && !atomic_load(&s->tainted) &&
		     !atomic_load(&s->sysevent);

	if (upto > op->n)
		upto = op->n;
	if (!judge && op->judged < upto) {
		trace(v, "op %" PRIu64 ": calls %u-%u not judged (racer, taint or system event)",
		      op->seq, op->judged, upto - 1);
		atomic_fetch_add(&st[ST_UNJUDGED], upto - op->judged);
	}
	for (unsigned int i = op->judged; judge && i < upto; i++) {
		volatile uint64_t *p = v->batch + (i << FZ_CALL_SHIFT) / 8;
		uint64_t r[4] = { p[CALL_R0 / 8], p[CALL_R0 / 8 + 1],
				  p[CALL_R0 / 8 + 2], p[CALL_R0 / 8 + 3] };

		ST(CHECKED);
		if (op->c[i].susp_exits)
			check_suspend_call(v, &op->c[i], r);
		else
			check_answer(v, op, i, r);
	}
	if (upto > op->judged)
		op->judged = upto;
}

/*
 * The batch call the vCPU is making (at an exit in the middle of a batch)
 * and its index, or NULL if it is not making one of ours.
 */
struct call *batch_call_now(struct vcpu *v, unsigned int *idx)
{
	struct op *op = &v->cur;
	uint64_t i = v->mb[MB_IDX / 8];

	if (!v->on_blob || op->kind != FZ_OP_BATCH || i >= op->n)
		return NULL;
	*idx = i;
	return &op->c[i];
}
