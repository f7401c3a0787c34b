// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the vCPU ioctls whose failure ends the run, with the checks
 * of what they return.
 */
#include <stdio.h>

#include "fuzz.h"

bool valid_mp(uint32_t mp)
{
	return mp == KVM_MP_STATE_RUNNABLE || mp == KVM_MP_STATE_STOPPED ||
	       (g.has_cap && mp == KVM_MP_STATE_SUSPENDED);
}

const char *mp_name(uint32_t mp)
{
	switch (mp) {
	case KVM_MP_STATE_RUNNABLE:	return "RUNNABLE";
	case KVM_MP_STATE_STOPPED:	return "STOPPED";
	case KVM_MP_STATE_SUSPENDED:	return "SUSPENDED";
	}
	return "INVALID";
}

uint32_t get_mp(struct vcpu *v)
{
	uint32_t mp = ~0U;

	CHECK(!ka_get_mp(v->fd, &mp), "KVM_GET_MP_STATE(vCPU %d): %s",
	      v->idx, strerror(errno));
	CHECK(valid_mp(mp), "KVM_GET_MP_STATE(vCPU %d) returned %u", v->idx, mp);
	return mp;
}

/* SET_MP_STATE by whoever holds st_lock; SUSPENDED is refused on the base. */
void set_mp_locked(struct vcpu *v, uint32_t mp)
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

/*
 * RUNNABLE, from the vCPU's own thread. clears_susp: the vCPU is out of
 * any SUSPENDED anyone may have set (only its thread may say so).
 */
void set_runnable(struct vcpu *v, bool clears_susp)
{
	pthread_mutex_lock(&v->st_lock);
	set_mp_locked(v, KVM_MP_STATE_RUNNABLE);
	if (clears_susp)
		atomic_store(&v->maybe_susp, 0);
	pthread_mutex_unlock(&v->st_lock);
}

uint64_t get_reg(struct vcpu *v, uint64_t id)
{
	uint64_t val = 0;

	CHECK(!ka_get_reg(v->fd, id, &val), "KVM_GET_ONE_REG(vCPU %d, %#" PRIx64 "): %s",
	      v->idx, id, strerror(errno));
	return val;
}

void set_reg(struct vcpu *v, uint64_t id, uint64_t val)
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
void reinit_locked(struct vcpu *v, uint64_t pc, uint64_t ctx)
{
	int r;

	v->run->immediate_exit = 1;
	r = ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	CHECK(r < 0 && errno == EINTR, "KVM_RUN with immediate_exit: %d (%s), want EINTR",
	      r, r ? strerror(errno) : "success");
	/* from a racer, the vCPU's thread may run it meanwhile (fuzz_guest.S) */
	if (g.init_lag_ms && !pthread_equal(pthread_self(), v->thr))
		sleep_ns(g.init_lag_ms * 1000000ULL);
	CHECK(!ka_vcpu_init(v->s->vm, v->fd, v->features),
	      "KVM_ARM_VCPU_INIT(vCPU %d) again with the same features: %s",
	      v->idx, strerror(errno));
	set_reg(v, KA_REG_PC, pc);
	set_reg(v, KA_REG_X(0), ctx);
}

/* Raise or lower the line a suspended vCPU is woken by (WAKE_*). */
void wake_line(struct vcpu *v, int src, int level)
{
	struct slot *s = v->s;
	int r;

	switch (src) {
	case WAKE_IRQ:
	case WAKE_FIQ:
		r = ka_irq_line(s->vm, KVM_ARM_IRQ_TYPE_CPU, v->idx,
				src == WAKE_FIQ ? KVM_ARM_IRQ_CPU_FIQ : KVM_ARM_IRQ_CPU_IRQ,
				level);
		break;
	case WAKE_SPI:
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

/*
 * Racers bump disturb before and after their changes to a vCPU, both under
 * its st_lock. Reading it under the lock as well means a change that has
 * taken effect is always seen, even if it started before the snapshot the
 * value is compared with.
 */
uint32_t disturb_now(struct vcpu *v)
{
	uint32_t d;

	pthread_mutex_lock(&v->st_lock);
	d = atomic_load(&v->disturb);
	pthread_mutex_unlock(&v->st_lock);
	return d;
}
