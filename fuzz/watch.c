// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: the waker thread, which raises the wake-up interrupt of
 * honoured suspends, and the watchdog, which signals vCPU threads that stay
 * in KVM_RUN and fails the run ("wedged") when one stays there --wedge
 * seconds despite the signals, or a racer that long in one ioctl, and
 * fails it on a kernel splat.
 */
#include <signal.h>
#include <stdio.h>

#include "fuzz.h"

/*
 * Raise the line once. Raise it again only if a racer may have lowered it
 * since: otherwise one raise must be enough (level-triggered lines).
 * wake_lock held.
 */
static void wake_locked(struct vcpu *v)
{
	uint64_t now = ka_now_ns(), last;
	int src = atomic_load(&v->wake_src);

	if (!atomic_load(&v->wake_pending) || now < atomic_load(&v->wake_at))
		return;
	last = atomic_load(&v->wake_raised);
	if (last && (now - last < RERAISE_NS ||
		     atomic_load(&v->irq_disturb) == v->wake_irqd))
		return;
	v->wake_irqd = atomic_load(&v->irq_disturb);
	wake_line(v, src, 1);
	if (g.waker_lag_ms)
		sleep_ns(g.waker_lag_ms * 1000000ULL);
	trace(v, "waker: %s source %d", last ? "raise again" : "raise", src);
	atomic_store(&v->wake_raised, now);
	if (!last)
		atomic_store(&v->wake_first, now);
	else
		ST(W_RERAISE);
}

static void wake_vcpu(struct vcpu *v)
{
	pthread_mutex_lock(&v->wake_lock);
	wake_locked(v);
	pthread_mutex_unlock(&v->wake_lock);
}

void *waker_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waker");
	while (!atomic_load(&g.stop)) {
		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];

			if (!atomic_load(&s->live) || pthread_rwlock_tryrdlock(&s->lock))
				continue;
			for (int j = 0; atomic_load(&s->live) && j < s->nvcpus; j++)
				wake_vcpu(&s->v[j]);
			pthread_rwlock_unlock(&s->lock);
		}
		sleep_ns(1000000);
	}
	return NULL;
}

/* Kick the vCPU threads of s that stay in KVM_RUN; fail on a wedged one. */
static void watch_slot(struct slot *s, uint64_t limit)
{
	for (int j = 0; atomic_load(&s->live) && j < s->nvcpus; j++) {
		struct vcpu *v = &s->v[j];
		uint64_t start = atomic_load(&v->run_start), now = ka_now_ns();

		if (!atomic_load(&v->in_run) || since(now, start) < KICK_AFTER_NS)
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
}

/* Fail on the racer that has been in one ioctl the longest, past the limit. */
static void watch_racers(uint64_t limit)
{
	uint64_t now = ka_now_ns(), wb = 0;
	int worst = -1;

	for (int i = 0; i < g.nracers; i++) {
		uint64_t b = atomic_load(&g.racer_busy[i]);

		if (b && since(now, b) > limit && (worst < 0 || b < wb)) {
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

/* A kernel splat fails the run now, with the state that led to it. */
static void watch_kmsg(void)
{
	const char *splat = kmsg_poll();

	if (splat)
		fail("kernel splat: %s", splat);
}

void *watchdog_thread(void *arg)
{
	uint64_t limit = g.wedge * 1000000000ULL;

	(void)arg;
	pthread_setname_np(pthread_self(), "watchdog");
	while (!atomic_load(&g.stop)) {
		for (int i = 0; i < g.nslots; i++) {
			struct slot *s = &g.slot[i];

			if (!atomic_load(&s->live) || pthread_rwlock_tryrdlock(&s->lock))
				continue;
			watch_slot(s, limit);
			pthread_rwlock_unlock(&s->lock);
		}
		watch_racers(limit);
		watch_kmsg();
		sleep_ns(100000000);
	}
	return NULL;
}
