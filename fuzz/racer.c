// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the racer threads. They signal vCPU threads and hit vCPUs
 * with KVM_SET_MP_STATE (valid and invalid), KVM_GET_MP_STATE,
 * KVM_IRQ_LINE (right and wrong types), KVM_ARM_VCPU_INIT, KVM_GET_ONE_REG
 * and KVM_ENABLE_CAP, half the time right after kicking the vCPU thread out
 * of KVM_RUN. Now and then one stops every vCPU thread of a VM and checks
 * the mp_state ABI on a quiet vCPU.
 *
 * A racer bumps the vCPU's disturb (irq_disturb for its lines) before and
 * after a change, under the vCPU's st_lock, so that the vCPU thread can
 * tell which of its results a racer may have changed.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "fuzz.h"

static void busy(struct racer *rc, const char *what)
{
	if (what)
		atomic_store(&g.racer_vcpu[rc->id], tls_vcpu);
	atomic_store(&g.racer_what[rc->id], what);
	atomic_store(&g.racer_busy[rc->id], what ? ka_now_ns() : 0);
}

/* Wait on the quiesce condition for 20 ms at most; q_lock held. */
static void q_wait(struct slot *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&s->q_cond, &s->q_lock, &ts);
}

/*
 * Stop every vCPU thread of s outside KVM_RUN. Returns false if the VM is
 * going away meanwhile; fails the run if a thread cannot be stopped.
 */
static bool quiesce(struct slot *s)
{
	uint64_t deadline = ka_now_ns() + g.wedge * 1000000000ULL;
	bool ok = true;

	pthread_mutex_lock(&s->q_owner);
	pthread_mutex_lock(&s->q_lock);
	atomic_store(&s->hold, 1);
	while (s->parked < s->nvcpus) {
		if (atomic_load(&s->dying) || atomic_load(&g.stop)) {
			ok = false;
			break;
		}
		CHECK(ka_now_ns() < deadline,
		      "wedged: the vCPU threads of VM #%" PRIu64 " did not come out of KVM_RUN in %d s",
		      s->vm_no, g.wedge);
		pthread_mutex_unlock(&s->q_lock);
		for (int i = 0; i < s->nvcpus; i++)
			if (atomic_load(&s->v[i].in_run))
				pthread_kill(s->v[i].thr, SIGUSR1);
		pthread_mutex_lock(&s->q_lock);
		q_wait(s);
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

/* An invalid KVM_SET_MP_STATE fails with EINVAL and changes nothing. */
static void check_invalid_mp(struct racer *rc, struct vcpu *v, uint32_t s0)
{
	uint64_t *r = &rc->rng;
	uint32_t mp, bad;

	do {
		bad = chance(r, 50) ? rnd_below(r, 16) : (uint32_t)rnd(r);
	} while (valid_mp(bad) || bad == KVM_MP_STATE_SUSPENDED);
	CHECK(ka_set_mp(v->fd, bad) && errno == EINVAL,
	      "KVM_SET_MP_STATE(%u): want EINVAL", bad);
	mp = get_mp(v);
	CHECK(mp == s0, "KVM_SET_MP_STATE(%u) failed but changed the state %s -> %s",
	      bad, ka_mp_state_name(s0), ka_mp_state_name(mp));
}

/* KVM_RUN from this thread on the SUSPENDED vCPU, IRQ line up: WAKEUP. */
static void foreign_run(struct racer *rc, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret, tries = 0;
	uint32_t mp;

	wake_line(v, WAKE_IRQ, 1);
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
	CHECK(mp == KVM_MP_STATE_SUSPENDED, "after WAKEUP the vCPU reads %s", ka_mp_state_name(mp));
	/* its parked thread looks at nothing in run before KVM_RUN */
	wake_line(v, WAKE_IRQ, 0);
	ST(R_FOREIGN);
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
	uint32_t s0, mp, feat;

	tls_vcpu = v;
	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->disturb, 1);
	atomic_fetch_add(&v->irq_disturb, 1);
	busy(rc, "quiesced checks");
	s0 = get_mp(v);
	check_invalid_mp(rc, v, s0);
	if (g.has_cap) {
		set_mp_locked(v, KVM_MP_STATE_SUSPENDED);
		mp = get_mp(v);
		CHECK(mp == KVM_MP_STATE_SUSPENDED, "SET_MP_STATE(SUSPENDED) reads back %s",
		      ka_mp_state_name(mp));
		if (!s->vgic && chance(r, 50))
			foreign_run(rc, v);
		set_mp_locked(v, s0);
		mp = get_mp(v);
		CHECK(mp == s0, "SET_MP_STATE(%s) reads back %s", ka_mp_state_name(s0), ka_mp_state_name(mp));
	}
	/*
	 * 5.10 holds every feature of the first INIT, POWER_OFF included;
	 * 6.12 lets POWER_OFF change (it resets the vCPU: not here).
	 */
	feat = v->features ^ (1U << (g.rules612 || chance(r, 50) ? KVM_ARM_VCPU_PSCI_0_2 :
				     KVM_ARM_VCPU_POWER_OFF));
	CHECK(ka_vcpu_init(s->vm, v->fd, feat) && errno == EINVAL,
	      "KVM_ARM_VCPU_INIT with features %#x after %#x: want EINVAL", feat, v->features);
	mp = get_mp(v);
	CHECK(mp == s0, "a refused KVM_ARM_VCPU_INIT changed the state %s -> %s",
	      ka_mp_state_name(s0), ka_mp_state_name(mp));
	busy(rc, NULL);
	atomic_fetch_add(&v->disturb, 1);
	atomic_fetch_add(&v->irq_disturb, 1);
	pthread_mutex_unlock(&v->st_lock);
	tls_vcpu = NULL;
	ST(R_QUIET);
}

/* A KVM_IRQ_LINE: its type, vCPU, number and the errno the ABI gives it. */
struct irq_pick {
	int type;
	uint32_t cpu, num;
	int want;
};

static void pick_irq(uint64_t *r, struct slot *s, struct vcpu *v, struct irq_pick *p)
{
	if (chance(r, 90))
		p->type = s->vgic ? (chance(r, 50) ? KVM_ARM_IRQ_TYPE_SPI : KVM_ARM_IRQ_TYPE_PPI) :
				    KVM_ARM_IRQ_TYPE_CPU;
	else
		p->type = rnd_below(r, 4);
	p->cpu = v->idx;
	p->want = 0;

	switch (p->type) {
	case KVM_ARM_IRQ_TYPE_CPU:
		p->num = rnd_below(r, 10) ? rnd_below(r, 2) : 2 + rnd_below(r, 5);
		if (chance(r, 5))
			p->cpu = s->nvcpus + rnd_below(r, 4);
		if (s->vgic)
			p->want = ENXIO;
		else if (p->num > KVM_ARM_IRQ_CPU_FIQ || p->cpu >= (uint32_t)s->nvcpus)
			p->want = EINVAL;
		break;
	case KVM_ARM_IRQ_TYPE_PPI:
		p->num = chance(r, 60) ? FZ_PPI : rnd_below(r, 40);
		if (!s->vgic)
			p->want = ENXIO;
		else if (p->num < 16 || p->num >= 32)
			p->want = EINVAL;
		break;
	case KVM_ARM_IRQ_TYPE_SPI:
		/*
		 * SPIs at or past nr_irqs only with --wild-spis: 5.10's
		 * vgic_get_irq() WARNs on those up to 8191 ("Looking up
		 * struct vgic_irq for reserved INTID") before KVM_IRQ_LINE
		 * fails with EINVAL, with or without the series, until
		 * patches-stable/ is applied (mainline dropped the WARN in
		 * v5.15).
		 */
		if (g.wild_spis && chance(r, 10))
			p->num = FZ_NR_IRQS + (chance(r, 50) ? rnd_below(r, 1024 - FZ_NR_IRQS) :
					       rnd_below(r, 0x10000 - FZ_NR_IRQS));
		else
			p->num = chance(r, 60) ? (uint32_t)(FZ_SPI_BASE + v->idx) :
						 (uint32_t)rnd_below(r, FZ_NR_IRQS);
		p->cpu = 0;
		if (!s->vgic)
			p->want = ENXIO;
		else if (p->num < 32 || p->num >= FZ_NR_IRQS)
			p->want = EINVAL;
		break;
	default:
		p->num = rnd_below(r, 64);
		p->want = EINVAL;
		break;
	}
}

static void race_irq(struct racer *rc, struct slot *s, struct vcpu *v)
{
	uint64_t *r = &rc->rng;
	int level = chance(r, 50), ret;
	struct irq_pick p;

	pick_irq(r, s, v, &p);
	/*
	 * The vCPU whose wake-up line this may be: an SPI is FZ_SPI_BASE + n
	 * for vCPU n, whichever vCPU the racer picked. Its st_lock, as a
	 * quiesced check may rely on its lines.
	 */
	if (p.type == KVM_ARM_IRQ_TYPE_SPI && p.num >= FZ_SPI_BASE &&
	    p.num < FZ_SPI_BASE + (uint32_t)s->nvcpus)
		v = &s->v[p.num - FZ_SPI_BASE];
	else if (p.type != KVM_ARM_IRQ_TYPE_SPI && p.cpu < (uint32_t)s->nvcpus)
		v = &s->v[p.cpu];
	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->irq_disturb, 1);
	busy(rc, "KVM_IRQ_LINE");
	ret = ka_irq_line(s->vm, p.type, p.cpu, p.num, level);
	busy(rc, NULL);
	atomic_fetch_add(&v->irq_disturb, 1);
	pthread_mutex_unlock(&v->st_lock);
	if (!ret)
		trace(v, "racer: IRQ_LINE type %d vcpu %u irq %u level %d", p.type, p.cpu, p.num,
		      level);
	if (p.want)
		CHECK(ret && errno == p.want,
		      "KVM_IRQ_LINE(type %d, vcpu %u, irq %u, level %d) on a VM %s a vGIC: %s, want %s",
		      p.type, p.cpu, p.num, level, s->vgic ? "with" : "without",
		      ret ? strerror(errno) : "success", strerror(p.want));
	else
		CHECK(!ret, "KVM_IRQ_LINE(type %d, vcpu %u, irq %u, level %d): %s",
		      p.type, p.cpu, p.num, level, strerror(errno));
	ST(R_IRQ);
}

static void race_set_mp(struct racer *rc, struct vcpu *v)
{
	static const uint32_t ok[] = { KVM_MP_STATE_RUNNABLE,
		KVM_MP_STATE_STOPPED, KVM_MP_STATE_SUSPENDED };
	uint32_t mp = ok[rnd_below(&rc->rng, 3)];

	pthread_mutex_lock(&v->st_lock);
	atomic_fetch_add(&v->disturb, 1);
	busy(rc, "KVM_SET_MP_STATE");
	set_mp_locked(v, mp);
	busy(rc, NULL);
	atomic_fetch_add(&v->disturb, 1);
	pthread_mutex_unlock(&v->st_lock);
	trace(v, "racer: SET_MP_STATE %s", ka_mp_state_name(mp));
	ST(R_SETMP);
}

/* Invalid: refused; no state change is visible to us here. */
static void race_bad_mp(struct racer *rc, struct vcpu *v)
{
	uint64_t *r = &rc->rng;
	uint32_t mp;

	do {
		mp = chance(r, 70) ? rnd_below(r, 16) : (uint32_t)rnd(r);
	} while (valid_mp(mp));
	busy(rc, "KVM_SET_MP_STATE(invalid)");
	CHECK(ka_set_mp(v->fd, mp) && errno == EINVAL,
	      "KVM_SET_MP_STATE(%u) on vCPU %d: %s, want EINVAL", mp, v->idx,
	      errno ? strerror(errno) : "success");
	busy(rc, NULL);
	ST(R_BADMP);
}

static void race_init(struct racer *rc, struct vcpu *v)
{
	uint64_t *r = &rc->rng;

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
}

static void race_get_reg(struct racer *rc, struct slot *s, struct vcpu *v)
{
	busy(rc, "KVM_GET_ONE_REG");
	CHECK(get_reg(v, KVM_REG_ARM_PSCI_VERSION) == s->psci,
	      "KVM_REG_ARM_PSCI_VERSION changed under the VM");
	get_reg(v, KA_REG_PC);
	busy(rc, NULL);
	ST(R_REG);
}

/* The suspend capability, enabled while the vCPUs run. */
static void race_enable_cap(struct racer *rc, struct slot *s)
{
	if (!s->cap_later || atomic_load(&s->cap) ||
	    ka_now_ns() - atomic_load(&s->born) <= 300000000ULL)
		return;
	atomic_store(&s->cap, CAP_ENABLING);
	busy(rc, "KVM_ENABLE_CAP");
	CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
	      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) on a running VM: %s", strerror(errno));
	busy(rc, NULL);
	atomic_store(&s->cap, CAP_ON);
	ST(CAP_LATE);
	ST(R_CAP);
}

static void race_one(struct racer *rc, struct slot *s)
{
	uint64_t *r = &rc->rng;
	struct vcpu *v = &s->v[rnd_below(r, s->nvcpus)];
	unsigned int x = rnd_below(r, 100);

	tls_vcpu = v;		/* for the report, if a check fails */

	/* Out of KVM_RUN now: the ioctl below races the thread going back in. */
	if (chance(r, 50) && !atomic_load(&v->done))
		pthread_kill(v->thr, SIGUSR1);

	if (x < 30) {
		if (!atomic_load(&v->done))
			pthread_kill(v->thr, SIGUSR1);
		ST(R_KICK);
	} else if (x < 42) {
		race_set_mp(rc, v);
	} else if (x < 47) {
		race_bad_mp(rc, v);
	} else if (x < 62) {
		busy(rc, "KVM_GET_MP_STATE");
		get_mp(v);
		busy(rc, NULL);
		ST(R_GETMP);
	} else if (x < 80) {
		race_irq(rc, s, v);
	} else if (x < 85) {
		race_init(rc, v);
	} else if (x < 90) {
		race_get_reg(rc, s, v);
	} else if (x < 93) {
		race_enable_cap(rc, s);
	} else if (x < 95) {
		if (quiesce(s)) {
			quiet_checks(rc, s, v);
			release(s);
		}
	} else {
		sleep_ns(rnd_below(r, 3000000));
	}
}

void *racer_thread(void *arg)
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
