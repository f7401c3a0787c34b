// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the calls the guests make. PSCI IDs from both ranges,
 * SYSTEM_SUSPEND often, CPU_ON/AFFINITY_INFO with valid and random targets
 * and entry points, the PSCI 0.1 and SMCCC IDs, random IDs, random upper
 * halves in x0 and in SMC32 arguments, SYSTEM_OFF/RESET rarely.
 */
#include "fuzz.h"

static const uint32_t smccc_ids[] = {
	0x80000000, 0x80000001, 0x80008000, 0x80007fff, 0x80003fff,
	0xc5000020, 0xc5000021,
};
#define NR_SMCCC_IDS	(sizeof(smccc_ids) / sizeof(smccc_ids[0]))

bool in_ram(uint64_t a)
{
	return a >= FZ_RAM_BASE && a < FZ_RAM_BASE + FZ_RAM_SIZE;
}

/*
 * Note where a vCPU may be sent: anywhere but the blob's entry makes the
 * VM run garbage, and garbage that can write guest memory (code in RAM
 * that is not the zeroed junk page) may scribble over the mailboxes, after
 * which the results of that VM are no longer checked.
 */
void note_entry(struct slot *s, uint64_t pc)
{
	if (pc == FZ_ENTRY)
		return;
	atomic_store(&s->garbage, 1);
	if (in_ram(pc) && (pc < FZ_RAM_BASE + FZ_JUNK_OFF || s->junk_random))
		atomic_store(&s->tainted, 1);
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
	case 2:	/* bits outside the affinity fields: 5.10 ignores them, 6.12 refuses */
		return rnd_below(r, s->nvcpus) | 1ULL << 31 | (rnd(r) & 0xff000000ULL) << 32;
	default:
		return rnd_below(r, s->nvcpus);
	}
}

/* The kind of call (ST_C_*), by weight. */
static int pick_class(uint64_t *r, bool old)
{
	static const struct { int cls; unsigned int w; } mix[] = {
		{ ST_C_VERSION, 6 }, { ST_C_FEATURES, 14 }, { ST_C_SUSP32, 10 },
		{ ST_C_SUSP64, 14 }, { ST_C_CPU_ON, 10 }, { ST_C_CPU_OFF, 2 },
		{ ST_C_CPU_SUSP, 3 }, { ST_C_AFF, 8 }, { ST_C_MIGR, 2 },
		{ ST_C_OTHER, 8 }, { ST_C_PSCI01, 5 }, { ST_C_SMCCC, 4 },
		{ ST_C_RANDOM, 10 }, { ST_C_SYSOFF, 0 }, { ST_C_SYSRST, 0 },
	};
	unsigned int total = 0, x;
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
	return cls;
}

/* The function PSCI_FEATURES asks about, in x1. */
static uint64_t pick_feature(uint64_t *r, uint64_t a1)
{
	switch (rnd_below(r, 10)) {
	case 0: case 1: case 2: case 3:
		return chance(r, 50) ? PSCI_1_0_FN_SYSTEM_SUSPEND :
				       PSCI_1_0_FN64_SYSTEM_SUSPEND;
	case 4: case 5: case 6:
		return psci_known[rnd_below(r, psci_nknown)];
	case 7:
		return PSCI_0_2_FN_BASE | (rnd(r) & 0x4000001f);
	case 8:
		return (uint32_t)a1;
	default:	/* only the low 32 bits are the function ID */
		return (rnd(r) << 32) | PSCI_1_0_FN64_SYSTEM_SUSPEND;
	}
}

/* SYSTEM_OFF, SYSTEM_RESET, and SYSTEM_RESET2 where PSCI 1.1 has it. */
static bool ends_vm_id(const struct slot *s, uint32_t fn)
{
	return fn == PSCI_0_2_FN_SYSTEM_OFF || fn == PSCI_0_2_FN_SYSTEM_RESET ||
	       (s->psci == PSCI_V11 && psci_is_reset2(fn));
}

/* IDs that are not PSCI ones, or PSCI ones that do not end the VM. */
static uint32_t pick_other_id(const struct slot *s, uint64_t *r, int cls)
{
	uint32_t fn;

	if (cls == ST_C_OTHER) {
		do {
			fn = PSCI_0_2_FN_BASE | (rnd(r) & 0x4000001f);
		} while (ends_vm_id(s, fn));
		return fn;
	}
	do {
		fn = rnd(r);
	} while (ends_vm_id(s, fn) || fn == PSCI_0_2_FN_CPU_OFF);
	return fn;
}

/* SYSTEM_RESET2's reset type: the warm reset, a vendor one, or invalid. */
static uint64_t pick_reset_type(uint64_t *r)
{
	switch (rnd_below(r, 4)) {
	case 0:
		return rnd(r) << 32;	/* 0 as KVM reads it */
	case 1:
		return 0x80000000U | rnd(r);
	default:
		return 1 + rnd_below(r, 0x7fffffff);
	}
}

/* The function ID of a call of class cls, and its arguments in a[1..]. */
static uint32_t pick_fn(struct slot *s, uint64_t *r, int cls, uint64_t *a)
{
	switch (cls) {
	case ST_C_VERSION:
		return PSCI_0_2_FN_PSCI_VERSION;
	case ST_C_FEATURES:
		a[1] = pick_feature(r, a[1]);
		return PSCI_1_0_FN_PSCI_FEATURES;
	case ST_C_SUSP32:
	case ST_C_SUSP64:
		a[1] = chance(r, 85) ? FZ_ENTRY : pick_entry(r);
		if (cls == ST_C_SUSP32 && chance(r, 20))
			a[1] |= rnd(r) << 32;	/* KVM must clear these */
		return cls == ST_C_SUSP32 ? PSCI_1_0_FN_SYSTEM_SUSPEND :
					    PSCI_1_0_FN64_SYSTEM_SUSPEND;
	case ST_C_CPU_ON: {
		uint32_t fn = chance(r, 50) ? PSCI_0_2_FN_CPU_ON : PSCI_0_2_FN64_CPU_ON;

		a[1] = pick_target(s, r);
		a[2] = pick_entry(r);
		return fn;
	}
	case ST_C_CPU_OFF:
		return PSCI_0_2_FN_CPU_OFF;
	case ST_C_CPU_SUSP:
		return chance(r, 50) ? PSCI_0_2_FN_CPU_SUSPEND : PSCI_0_2_FN64_CPU_SUSPEND;
	case ST_C_AFF: {
		uint32_t fn = chance(r, 50) ? PSCI_0_2_FN_AFFINITY_INFO :
					      PSCI_0_2_FN64_AFFINITY_INFO;

		a[1] = pick_target(s, r);
		if (chance(r, 80))
			a[2] = rnd_below(r, 4);
		return fn;
	}
	case ST_C_MIGR:
		return PSCI_0_2_FN_MIGRATE_INFO_TYPE;
	case ST_C_SYSOFF:
		return PSCI_0_2_FN_SYSTEM_OFF;
	case ST_C_SYSRST:
		if (s->psci == PSCI_V11 && chance(r, 50)) {
			a[1] = pick_reset_type(r);
			return chance(r, 50) ? PSCI11_RESET2 : PSCI11_RESET2_64;
		}
		return PSCI_0_2_FN_SYSTEM_RESET;
	case ST_C_PSCI01: {
		uint32_t fn = PSCI01_FN(rnd_below(r, 4));

		if (chance(r, 70)) {
			a[1] = pick_target(s, r);
			a[2] = pick_entry(r);
		}
		return fn;
	}
	case ST_C_SMCCC: {
		uint32_t fn = smccc_ids[rnd_below(r, NR_SMCCC_IDS)];

		if (chance(r, 70))
			a[1] = smccc_ids[rnd_below(r, NR_SMCCC_IDS)];
		return fn;
	}
	default:
		return pick_other_id(s, r, cls);
	}
}

/*
 * Whether a call may take the vCPU out of its batch: an exit to userspace
 * (SYSTEM_SUSPEND once the capability may be on, SYSTEM_OFF/RESET), or the
 * vCPU stopped (CPU_OFF) or blocked until an interrupt (CPU_SUSPEND). Only
 * the last call of a batch may be one.
 */
bool call_stops(const struct slot *s, uint32_t fn)
{
	bool refused = s->a32 && psci_is_fn64_only_a64(fn);

	if (ends_vm_id(s, fn))
		return true;	/* the VM counts as going down, whatever KVM says */
	if (s->psci == PSCI_V01)
		return fn == PSCI01_FN(1);
	switch (fn) {
	case PSCI_0_2_FN_CPU_OFF:
		return true;
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
		return !refused;
	case PSCI_1_0_FN_SYSTEM_SUSPEND:
	case PSCI_1_0_FN64_SYSTEM_SUSPEND:
		return s->psci >= PSCI_V10 && !refused &&
		       (atomic_load(&s->cap) != CAP_OFF || s->cap_later);
	}
	return false;
}

/*
 * Whether a call stops every vCPU of the VM with a SHUTDOWN/RESET exit as
 * KVM handles it: SYSTEM_OFF and SYSTEM_RESET (whatever KVM answers: the
 * VM counts as going down), SYSTEM_RESET2 under PSCI 1.1 when its type is
 * one KVM exits for and the vCPU may use the ID.
 */
bool call_ends_vm(const struct slot *s, const struct call *c)
{
	uint32_t fn = c->a[0];
	struct psci_call pc = { .a = { c->a[0], c->a[1], c->a[2], c->a[3] } };

	if (fn == PSCI_0_2_FN_SYSTEM_OFF || fn == PSCI_0_2_FN_SYSTEM_RESET)
		return true;
	return s->psci == PSCI_V11 && psci_is_reset2(fn) && psci_reset2_exits(&pc) &&
	       !(s->a32 && psci_is_fn64_only_a64(fn));
}

/* A random HVC for vCPU v. */
static void draw_call(struct vcpu *v, struct call *c)
{
	struct slot *s = v->s;
	uint64_t *r = &v->rng;
	bool old = ka_now_ns() - s->born > 1000000000ULL;
	int cls = pick_class(r, old);
	uint32_t fn;

	c->a[1] = rnd(r);
	c->a[2] = rnd(r);
	c->a[3] = rnd(r);
	fn = pick_fn(s, r, cls, c->a);
	c->cls = cls;
	c->a[0] = fn;
	if (chance(r, 10))		/* x0's upper half is not the ID */
		c->a[0] |= rnd(r) << 32;

	/* An AArch32 guest has 32-bit registers. */
	if (s->a32)
		for (int i = 0; i < 4; i++)
			c->a[i] = (uint32_t)c->a[i];
}

/*
 * Fill c with a random HVC for vCPU v; one that stops the batch only if it
 * is the last of its batch.
 */
void pick_call(struct vcpu *v, struct call *c, bool last)
{
	struct slot *s = v->s;
	uint32_t fn;

	do {
		draw_call(v, c);
		fn = c->a[0];
	} while (!last && call_stops(s, fn));

	/* A CPU_ON may send a sibling anywhere. */
	if (fn == PSCI_0_2_FN_CPU_ON || fn == PSCI01_FN(2))
		note_entry(s, (uint32_t)c->a[2]);
	if (fn == PSCI_0_2_FN64_CPU_ON || fn == PSCI01_FN(2))
		note_entry(s, c->a[2]);
}
