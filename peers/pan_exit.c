// SPDX-License-Identifier: GPL-2.0
/*
 * pan_exit: a guest that sets PSTATE.PAN must not leave it set in the host.
 *
 * A guest exit is an exception taken to EL2 with HCR_EL2.TGE clear, which
 * leaves PSTATE.PAN as the guest had it. A VHE host built with
 * CONFIG_ARM64_PAN=y sets PAN again on every exit (and toggles it around
 * its user accesses); 5.10 built without it does neither, and its user
 * accesses (plain loads and stores at EL2 without UAO) then take a PAN
 * permission fault that the fault handler finds nothing to fix in: the
 * task retries the access for ever. Every distribution kernel uses PAN,
 * so any stock guest triggers this; here a four-instruction guest does.
 *
 * The guest sets PAN and spins, counting in its RAM. Once the count moves
 * (the guest runs with PAN set), the main thread, on the same CPU as the
 * vCPU thread, waits in read() on a timerfd. The timer's interrupt makes
 * the guest exit, and the CPU switches, with PAN as the guest left it, to
 * the main thread, whose read() writes the count to user memory. On a
 * sound host that returns after the timer's period; on an affected host
 * this process never gets past the read() (and its CPU is lost).
 *
 * Exit status: 0 pass, 1 failure, 4 skip (no /dev/kvm).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kvm_arm.h"

#define GUEST_BASE	0x40000000UL
#define GUEST_SIZE	0x10000UL
#define COUNT_OFFSET	0x1000UL	/* the guest's counter, x0 points at it */
#define WAIT_MS		200
#define START_SECS	30		/* for the guest to start counting */

static const uint32_t guest_code[] = {
	0xd500419f,	/* msr pan, #1 */
	0xd2800001,	/* mov x1, #0 */
	0x91000421,	/* 1: add x1, x1, #1 */
	0xf9000001,	/* str x1, [x0] */
	0x17fffffe,	/* b 1b */
};

struct vcpu {
	int		fd;
	struct kvm_run	*run;
	int		cpu;
};

static void __attribute__((noreturn)) die(const char *what)
{
	printf("pan_exit: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	pin(v->cpu);
	/* Returns only on an unexpected exit: the guest never stops. */
	if (ioctl(v->fd, KVM_RUN, 0))
		die("KVM_RUN");
	printf("pan_exit: unexpected exit reason %u\n", v->run->exit_reason);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	struct itimerspec its = { .it_value.tv_nsec = WAIT_MS * 1000000L };
	volatile uint64_t *count;
	struct vcpu v;
	pthread_t t;
	uint64_t ticks, mmfr1;
	double t0;
	void *mem;
	int kvm, vm, tfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kvm = ka_open();
	if (kvm < 0) {
		printf("pan_exit: SKIP: /dev/kvm: %s\n", strerror(errno));
		return 4;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memcpy(mem, guest_code, sizeof(guest_code));
	if (ka_set_mem(vm, 0, GUEST_BASE, mem, GUEST_SIZE))
		die("KVM_SET_USER_MEMORY_REGION");
	v.run = ka_vcpu_create(kvm, vm, 0, &v.fd);
	if (!v.run)
		die("KVM_CREATE_VCPU");
	if (ka_vcpu_init(vm, v.fd, 0) ||
	    ka_set_reg(v.fd, KA_REG_PC, GUEST_BASE) ||
	    ka_set_reg(v.fd, KA_REG_X(0), GUEST_BASE + COUNT_OFFSET))
		die("vCPU setup");
	/*
	 * PAN is ARMv8.1: an ARMv8.0 CPU (a Cortex-A72, where KVM runs in
	 * nVHE mode) has no PAN to leak, and "msr pan" is undefined there.
	 */
	if (ka_get_reg(v.fd, ARM64_SYS_REG(3, 0, 0, 7, 1), &mmfr1))
		die("KVM_GET_ONE_REG(ID_AA64MMFR1_EL1)");
	if (!((mmfr1 >> 20) & 0xf)) {
		printf("pan_exit: SKIP: the CPU has no PAN (ID_AA64MMFR1_EL1 %#llx)\n",
		       (unsigned long long)mmfr1);
		return 4;
	}

	v.cpu = sched_getcpu();
	pin(v.cpu);
	if (pthread_create(&t, NULL, vcpu_thread, &v))
		die("pthread_create");
	count = (volatile uint64_t *)((char *)mem + COUNT_OFFSET);
	for (t0 = now_ms(); !*count; usleep(10000))
		if (now_ms() - t0 > START_SECS * 1e3) {
			printf("pan_exit: the guest did not start in %d s\n",
			       START_SECS);
			return 1;
		}
	printf("pan_exit: guest runs with PAN set on CPU %d; read() of a timerfd due in %d ms\n",
	       v.cpu, WAIT_MS);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL))
		die("timerfd");
	t0 = now_ms();
	if (read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
		die("read");
	printf("pan_exit: read() returned %llu tick after %.0f ms: the host's user access worked after the guest exit\n",
	       (unsigned long long)ticks, now_ms() - t0);
	printf("pan_exit: PASS\n");
	return 0;
}
