// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on a suspended vCPU, with a poker thread that raises an interrupt
 * or a signal while it waits, and measures the waiting thread's CPU time.
 */
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "conformance.h"

#define POKE_STEP_MS		10

static void sigusr1_handler(int sig)
{
}

static void poke_once(struct poker *p)
{
	int r = 0;

	/* Before the poke: KVM_RUN may return before the ioctl does */
	atomic_store(&p->poked, 1);
	switch (p->poke) {
	case POKE_IRQ:
		r = ka_set_cpu_irq(p->vm->fd, p->vcpu->id, 1);
		break;
	case POKE_SPI:
		r = ka_set_spi(p->vm->fd, p->intid - KA_SPI_BASE, 1);
		break;
	case POKE_PPI:
		r = ka_set_ppi(p->vm->fd, p->vcpu->id, p->intid, 1);
		break;
	case POKE_SIGNAL:
		atomic_store(&p->signalled, 1);
		pthread_kill(p->vcpu_thread, SIGUSR1);
		break;
	case POKE_NONE:
		break;
	}
	TEST_ASSERT(!r, "KVM_IRQ_LINE(poke %d, INTID %u): errno %d", p->poke,
		    p->intid, errno);
}

static uint64_t thread_cpu_ns(clockid_t clock)
{
	return ka_clock_ns(clock);
}

/*
 * Every POKE_STEP_MS until KVM_RUN has returned: the poke once due, the
 * deadline's signal (again and again: one sent before the vCPU thread
 * entered KVM_RUN would be lost) once due.
 */
static void *poker_thread(void *data)
{
	struct poker *p = data;
	uint64_t t0 = ka_now_ns(), c0 = 0, w0 = 0;
	unsigned int ms = 0;
	clockid_t clock;

	TEST_ASSERT(!pthread_getcpuclockid(p->vcpu_thread, &clock),
		    "pthread_getcpuclockid failed");
	while (!atomic_load(&p->returned)) {
		ms = (ka_now_ns() - t0) / 1000000;
		if (p->cpu_to_ms && !w0 && ms >= p->cpu_from_ms) {
			c0 = thread_cpu_ns(clock);
			w0 = ka_now_ns();
		}
		if (p->cpu_to_ms && w0 && !p->wall_ns && ms >= p->cpu_to_ms) {
			p->cpu_ns = thread_cpu_ns(clock) - c0;
			p->wall_ns = ka_now_ns() - w0;
		}
		if (p->poke != POKE_NONE && !atomic_load(&p->poked) &&
		    ms >= p->delay_ms)
			poke_once(p);
		if (ms >= p->deadline_ms) {
			atomic_store(&p->signalled, 1);
			pthread_kill(p->vcpu_thread, SIGUSR1);
		}
		usleep(POKE_STEP_MS * 1000);
	}
	return NULL;
}

int run_poked_custom(struct poker *p)
{
	struct sigaction sa = { .sa_handler = sigusr1_handler };
	pthread_t thread;
	uint64_t t0;
	int ret, err;

	p->vcpu_thread = pthread_self();
	/* No SA_RESTART: the signal must interrupt KVM_RUN */
	sigaction(SIGUSR1, &sa, NULL);
	TEST_ASSERT(!pthread_create(&thread, NULL, poker_thread, p),
		    "pthread_create failed");

	t0 = ka_now_ns();
	ret = ioctl(p->vcpu->fd, KVM_RUN, NULL);
	err = errno;
	p->run_ns = ka_now_ns() - t0;

	p->had_poked = atomic_load(&p->poked);
	p->had_signalled = atomic_load(&p->signalled);
	atomic_store(&p->returned, 1);
	pthread_join(thread, NULL);

	errno = err;
	return ret;
}

int run_poked(struct vm *vm, struct vcpu *v, enum poke poke, uint32_t intid)
{
	struct poker p = {
		.vm = vm, .vcpu = v, .poke = poke, .intid = intid,
		.delay_ms = WAIT_DELAY_MS,
		.deadline_ms = WAIT_DELAY_MS + WAKEUP_DEADLINE_MS,
	};
	int ret, err;

	if (poke == POKE_SIGNAL)
		p.deadline_ms = WAIT_DELAY_MS;
	ret = run_poked_custom(&p);
	err = errno;
	TEST_ASSERT(p.had_poked || p.had_signalled,
		    "KVM_RUN returned (ret %d errno %d exit %u) before the vCPU was poked",
		    ret, err, v->run->exit_reason);
	TEST_ASSERT(poke == POKE_SIGNAL || !p.had_signalled,
		    "the interrupt did not end the wait: KVM_RUN returned (ret %d errno %d exit %u) only after the signal sent %d ms later",
		    ret, err, v->run->exit_reason, WAKEUP_DEADLINE_MS);
	errno = err;
	return ret;
}

void expect_wakeup(struct vcpu *v, int ret)
{
	struct kvm_run *run = v->run;

	TEST_ASSERT(!ret,
		    "KVM_RUN: expected a WAKEUP exit, observed ret %d errno %d",
		    ret, errno);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_SYSTEM_EVENT,
		    "expected exit SYSTEM_EVENT, observed %u (%s)",
		    run->exit_reason, exit_name(run->exit_reason));
	expect_eq("system_event.type", KVM_SYSTEM_EVENT_WAKEUP,
		  run->system_event.type);
	expect_eq("system_event.ndata", 0, ka_sysev_ndata(run));
	expect_mp_state("mp_state after WAKEUP", v, KVM_MP_STATE_SUSPENDED);
}

void run_poked_to_wakeup(struct vm *vm, struct vcpu *v, enum poke poke,
			 uint32_t intid)
{
	memset(&v->run->system_event, 0xa5, sizeof(v->run->system_event));
	expect_wakeup(v, run_poked(vm, v, poke, intid));
}

void expect_no_wakeup(struct vm *vm, struct vcpu *v, enum poke poke,
		      uint32_t intid, const char *why)
{
	struct poker p = {
		.vm = vm, .vcpu = v, .poke = poke, .intid = intid,
		.delay_ms = WAIT_DELAY_MS,
		.deadline_ms = WAIT_DELAY_MS + 1000,
	};
	struct kvm_run *run = v->run;
	int ret;

	memset(&run->system_event, 0xa5, sizeof(run->system_event));
	ret = run_poked_custom(&p);
	TEST_ASSERT(ret == -1 && errno == EINTR && p.had_signalled,
		    "KVM_RUN with %s: expected EINTR on the signal %d ms later, observed ret %d errno %d exit %u (%s) type %u after %lu ms",
		    why, 1000, ret, errno, run->exit_reason,
		    exit_name(run->exit_reason), run->system_event.type,
		    p.run_ns / 1000000);
	expect_eq("exit_reason after EINTR", KVM_EXIT_INTR, run->exit_reason);
	expect_mp_state("mp_state after EINTR", v, KVM_MP_STATE_SUSPENDED);
}
