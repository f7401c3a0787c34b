// SPDX-License-Identifier: GPL-2.0
/*
 * psci_bench - what PSCI SYSTEM_SUSPEND costs, measured with the raw KVM API.
 *
 *   a. a null in-kernel hypercall: PSCI_VERSION in a guest loop, N per
 *      exit to userspace: the run loop and PSCI dispatcher the series
 *      touches, without leaving the kernel;
 *   b. an exit to userspace and back: an MMIO write and re-entry;
 *   c. SYSTEM_SUSPEND refused: SUSPEND exit, x0 = DENIED, re-entry, the
 *      guest sees DENIED and calls again;
 *   d. SYSTEM_SUSPEND honoured, the whole cycle: SUSPEND exit,
 *      SET_MP_STATE(SUSPENDED), KVM_RUN with the IRQ line already up,
 *      WAKEUP, KVM_ARM_VCPU_INIT, PC, x0, RUNNABLE, KVM_RUN, the guest
 *      back at its entry point calls again;
 *   e. wake-up latency: the vCPU waits SUSPENDED in KVM_RUN, another
 *      thread raises its interrupt (t0), KVM_RUN returns WAKEUP (t1):
 *      with the userspace irqchip's IRQ line, and with a vGICv3 SPI the
 *      guest enabled before suspending;
 *   f. (a note, not a cost) the CPU a SUSPENDED vCPU burns while it waits
 *      with its virtual timer condition met but the timer interrupt not
 *      deliverable;
 *   g. (a note, on any kernel) the same for a vCPU that idles in WFI, as
 *      any guest does: what the series' WFI rules change for guests that
 *      never suspend.
 *
 * Every figure is per operation, in microseconds (median, 90th percentile,
 * minimum) with the rate over the whole run. Nothing is asserted about
 * time: the exit status is 0 unless something does not work (1), or 4
 * without /dev/kvm. On a kernel without KVM_CAP_ARM_SYSTEM_SUSPEND only a,
 * b and g run, so the two kernels can be compared on the hot path and in
 * WFI.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

#include "kvm_arm.h"
#include "bench_guest.h"

extern const char bg_start[], bg_end[];

static struct {
	double seconds;		/* per measurement */
	unsigned int nnull;	/* hypercalls per round in a */
	int kvm;
	bool has_cap;
	const char *only;
} opt = { .seconds = 3.0, .nnull = 1000 };

/* Bumped whenever KVM_RUN returns; a watchdog fails a run that hangs. */
static _Atomic uint64_t progress;
static const char *_Atomic current = "setup";

struct vm {
	int fd, gic;
	int vcpu;
	struct kvm_run *run;
	void *ram;
	volatile uint64_t *mb;
};

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("psci_bench: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KA_EXIT_FAIL);
}

#define CHECK(cond, ...) do { if (!(cond)) die(__VA_ARGS__); } while (0)

/* One vCPU at BG_ENTRY in the given mode, optionally with a vGICv3. */
static void vm_create(struct vm *vm, int mode, bool vgic)
{
	memset(vm, 0, sizeof(*vm));
	vm->gic = -1;
	vm->fd = ioctl(opt.kvm, KVM_CREATE_VM, 0);
	CHECK(vm->fd >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	vm->ram = mmap(NULL, BG_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(vm->ram != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(vm->ram, bg_start, bg_end - bg_start);
	vm->mb = (volatile uint64_t *)((char *)vm->ram + (BG_MBOX - BG_RAM_BASE));
	vm->mb[BG_MODE / 8] = mode;
	vm->mb[BG_N / 8] = opt.nnull;
	CHECK(!ka_set_mem(vm->fd, 0, BG_RAM_BASE, vm->ram, BG_RAM_SIZE),
	      "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	if (vgic) {
		vm->gic = ka_vgic_create(vm->fd, BG_GICD, BG_GICR, 64);
		CHECK(vm->gic >= 0, "creating a vGICv3: %s", strerror(errno));
	}
	vm->run = ka_vcpu_create(opt.kvm, vm->fd, 0, &vm->vcpu);
	CHECK(vm->run, "KVM_CREATE_VCPU: %s", strerror(errno));
	CHECK(!ka_vcpu_init(vm->fd, vm->vcpu, 1U << KVM_ARM_VCPU_PSCI_0_2),
	      "KVM_ARM_VCPU_INIT: %s", strerror(errno));
	CHECK(!ka_set_reg(vm->vcpu, KA_REG_PC, BG_ENTRY), "setting PC: %s", strerror(errno));
	if (vgic)
		CHECK(!ka_vgic_init(vm->gic), "KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(errno));
	if (mode >= BG_M_DENY && mode <= BG_M_TIMER_SUSP)
		CHECK(!ka_enable_cap(vm->fd, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
		      "KVM_ENABLE_CAP(SYSTEM_SUSPEND): %s", strerror(errno));
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->run, ioctl(opt.kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
	close(vm->vcpu);
	if (vm->gic >= 0)
		close(vm->gic);
	close(vm->fd);
	munmap(vm->ram, BG_RAM_SIZE);
}

static void begin(const char *what)
{
	atomic_store(&current, what);
	atomic_store(&progress, ka_now_ns());
}

/* KVM_RUN until a real exit; fails on anything but -EINTR. */
static void run(struct vm *vm)
{
	while (ioctl(vm->vcpu, KVM_RUN, 0)) {
		CHECK(errno == EINTR, "KVM_RUN: %s", strerror(errno));
	}
	atomic_store(&progress, ka_now_ns());
	if (vm->run->exit_reason == KVM_EXIT_MMIO &&
	    vm->run->mmio.phys_addr == BG_FAILBELL) {
		uint64_t x0;

		memcpy(&x0, vm->run->mmio.data, 8);
		die("the guest saw x0 = %#" PRIx64 " (mode %" PRIu64 ")", x0, vm->mb[BG_MODE / 8]);
	}
}

static void expect_exit(struct vm *vm, uint32_t reason, uint32_t type, const char *what)
{
	struct kvm_run *r = vm->run;

	CHECK(r->exit_reason == reason &&
	      (reason != KVM_EXIT_SYSTEM_EVENT || r->system_event.type == type),
	      "%s: exit reason %u (system event type %u), want %u/%u", what,
	      r->exit_reason, r->system_event.type, reason, type);
}

/* ------------------------------------------------------------------ */
/* Samples */

struct samples {
	uint64_t *ns;
	size_t n, cap;
	uint64_t t0, t1;	/* the whole run, for the rate */
	double per;		/* operations per sample */
};

static void samples_init(struct samples *s, double per)
{
	s->cap = 1 << 16;
	s->ns = malloc(s->cap * sizeof(*s->ns));
	CHECK(s->ns, "malloc");
	s->n = 0;
	s->per = per;
	s->t0 = ka_now_ns();
}

static bool samples_add(struct samples *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->ns[s->n++] = ns;
	s->t1 = ka_now_ns();
	return s->n < s->cap && s->t1 - s->t0 < opt.seconds * 1e9;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, struct samples *s)
{
	double per = s->per, us = 1e3 * per;
	double ops = s->n * per, secs = (s->t1 - s->t0) / 1e9;

	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	printf("%-48s %8.0f %10.2f %10.2f %10.2f %10.0f\n", name, ops,
	       s->ns[s->n / 2] / us, s->ns[s->n * 9 / 10] / us, s->ns[0] / us,
	       secs > 0 ? ops / secs : 0);
	fflush(stdout);
	free(s->ns);
}

static void skipped(const char *name, const char *why)
{
	printf("%-48s skipped: %s\n", name, why);
}

static bool wanted(char id)
{
	return !opt.only || strchr(opt.only, id);
}

/* ------------------------------------------------------------------ */
/* The measurements */

static void bench_null(void)
{
	struct samples s;
	struct vm vm;
	uint64_t t;

	begin("a");
	vm_create(&vm, BG_M_NULL, false);
	run(&vm);			/* warm up: the first round */
	expect_exit(&vm, KVM_EXIT_MMIO, 0, "a");
	/* 1.0 on 5.10, 1.1 by default on later kernels: both have SYSTEM_SUSPEND */
	CHECK(vm.mb[BG_LAST_X0 / 8] >> 16 == 1, "PSCI_VERSION = %#" PRIx64 ", want 1.x",
	      vm.mb[BG_LAST_X0 / 8]);
	samples_init(&s, opt.nnull);
	do {
		t = ka_now_ns();
		run(&vm);
		t = ka_now_ns() - t;
		expect_exit(&vm, KVM_EXIT_MMIO, 0, "a");
	} while (samples_add(&s, t));
	report("a. null hypercall (PSCI_VERSION, in kernel)", &s);
	vm_destroy(&vm);
}

static void bench_mmio(void)
{
	struct samples s;
	struct vm vm;
	uint64_t t;

	begin("b");
	vm_create(&vm, BG_M_MMIO, false);
	run(&vm);
	samples_init(&s, 1);
	do {
		t = ka_now_ns();
		run(&vm);
		t = ka_now_ns() - t;
		expect_exit(&vm, KVM_EXIT_MMIO, 0, "b");
	} while (samples_add(&s, t));
	report("b. MMIO exit to userspace and back", &s);
	vm_destroy(&vm);
}

static void bench_deny(void)
{
	struct samples s;
	struct vm vm;
	uint64_t t;

	begin("c");
	vm_create(&vm, BG_M_DENY, false);
	run(&vm);
	expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND, "c");
	samples_init(&s, 1);
	do {
		t = ka_now_ns();
		CHECK(!ka_set_reg(vm.vcpu, KA_REG_X(0), (uint64_t)(int64_t)PSCI_RET_DENIED),
		      "setting x0: %s", strerror(errno));
		run(&vm);
		t = ka_now_ns() - t;
		expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND, "c");
	} while (samples_add(&s, t));
	report("c. SYSTEM_SUSPEND refused (DENIED), round trip", &s);
	vm_destroy(&vm);
}

static void set_mp(struct vm *vm, uint32_t mp)
{
	CHECK(!ka_set_mp(vm->vcpu, mp), "KVM_SET_MP_STATE(%u): %s", mp, strerror(errno));
}

static void bench_honour(void)
{
	struct samples s;
	struct vm vm;
	uint64_t t, ctx = 1, entries;

	begin("d");
	vm_create(&vm, BG_M_SUSPEND, false);
	CHECK(!ka_irq_line(vm.fd, KVM_ARM_IRQ_TYPE_CPU, 0, KVM_ARM_IRQ_CPU_IRQ, 1),
	      "KVM_IRQ_LINE: %s", strerror(errno));
	vm.mb[BG_CTX / 8] = ctx;
	run(&vm);
	expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND, "d");
	entries = vm.mb[BG_ENTRIES / 8];
	samples_init(&s, 1);
	do {
		uint64_t x1, x2;

		t = ka_now_ns();
		CHECK(!ka_get_reg(vm.vcpu, KA_REG_X(1), &x1) &&
		      !ka_get_reg(vm.vcpu, KA_REG_X(2), &x2), "reading x1/x2: %s",
		      strerror(errno));
		set_mp(&vm, KVM_MP_STATE_SUSPENDED);
		run(&vm);
		expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_WAKEUP, "d");
		CHECK(!ka_vcpu_init(vm.fd, vm.vcpu, 1U << KVM_ARM_VCPU_PSCI_0_2) &&
		      !ka_set_reg(vm.vcpu, KA_REG_PC, x1) &&
		      !ka_set_reg(vm.vcpu, KA_REG_X(0), x2), "resetting the vCPU: %s",
		      strerror(errno));
		/*
		 * KVM_ARM_VCPU_INIT resets HCR_EL2, where KVM keeps the level
		 * of the userspace irqchip's lines: assert the line again,
		 * or the next SUSPENDED wait would never end.
		 */
		CHECK(!ka_irq_line(vm.fd, KVM_ARM_IRQ_TYPE_CPU, 0, KVM_ARM_IRQ_CPU_IRQ, 1),
		      "KVM_IRQ_LINE: %s", strerror(errno));
		set_mp(&vm, KVM_MP_STATE_RUNNABLE);
		vm.mb[BG_CTX / 8] = ++ctx;
		run(&vm);
		t = ka_now_ns() - t;
		expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND, "d");
		CHECK(x1 == BG_ENTRY && vm.mb[BG_ENTRY_X0 / 8] == ctx - 1 &&
		      vm.mb[BG_ENTRIES / 8] == ++entries,
		      "d: the guest did not resume at %#" PRIx64 " with x0 = %#" PRIx64,
		      x1, x2);
	} while (samples_add(&s, t));
	report("d. SYSTEM_SUSPEND honoured, full cycle", &s);
	vm_destroy(&vm);
}

/* e: the vCPU thread waits SUSPENDED in KVM_RUN; main raises the line. */
struct waiter {
	struct vm *vm;
	pthread_t thr;
	_Atomic pid_t tid;
	_Atomic int state;	/* 0 idle, 1 go (enter KVM_RUN), 2 woken, 3 quit */
	_Atomic uint64_t t1;
	_Atomic uint32_t exit_reason, type;
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, syscall(SYS_gettid));
	for (;;) {
		int st;

		while ((st = atomic_load(&w->state)) == 0 || st == 2)
			usleep(100);
		if (st == 3)
			return NULL;
		while (ioctl(w->vm->vcpu, KVM_RUN, 0))
			CHECK(errno == EINTR, "KVM_RUN: %s", strerror(errno));
		atomic_store(&w->t1, ka_now_ns());
		atomic_store(&w->exit_reason, w->vm->run->exit_reason);
		atomic_store(&w->type, w->vm->run->system_event.type);
		atomic_store(&w->state, 2);
	}
}

/* Is the thread asleep (in the kernel's wait, we trust: it does nothing else)? */
static bool thread_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* The vCPU's wake-up interrupt: a vGICv3 SPI, or the IRQ line without one. */
static void wake_line(struct vm *vm, bool vgic, int level)
{
	int r;

	if (vgic)
		r = ka_irq_line(vm->fd, KVM_ARM_IRQ_TYPE_SPI, 0, BG_SPI, level);
	else
		r = ka_irq_line(vm->fd, KVM_ARM_IRQ_TYPE_CPU, 0,
				KVM_ARM_IRQ_CPU_IRQ, level);
	CHECK(!r, "KVM_IRQ_LINE: %s", strerror(errno));
}

/* Until the waiter thread sleeps in KVM_RUN on its SUSPENDED vCPU. */
static void wait_for_waiter(struct waiter *w, const char *name)
{
	uint64_t deadline = ka_now_ns() + 2000000000ULL;

	atomic_store(&w->state, 1);
	while (!atomic_load(&w->tid) || !thread_sleeping(w->tid)) {
		CHECK(ka_now_ns() < deadline && atomic_load(&w->state) == 1,
		      "%s: the vCPU did not wait (state %d, exit %u)", name,
		      atomic_load(&w->state), atomic_load(&w->exit_reason));
		usleep(200);
	}
	usleep(1000);
	CHECK(atomic_load(&w->state) == 1,
	      "%s: KVM_RUN returned before the interrupt: exit %u, system event %u",
	      name, atomic_load(&w->exit_reason), atomic_load(&w->type));
}

/* One wake-up: raise the line, time the WAKEUP exit, lower the line. */
static uint64_t wake_once(struct vm *vm, struct waiter *w, bool vgic,
			  const char *name)
{
	uint64_t t0, deadline;

	wait_for_waiter(w, name);
	t0 = ka_now_ns();
	wake_line(vm, vgic, 1);
	deadline = ka_now_ns() + 5000000000ULL;
	while (atomic_load(&w->state) != 2) {
		CHECK(ka_now_ns() < deadline, "%s: no WAKEUP 5 s after the interrupt", name);
		usleep(50);
	}
	CHECK(atomic_load(&w->exit_reason) == KVM_EXIT_SYSTEM_EVENT &&
	      atomic_load(&w->type) == KVM_SYSTEM_EVENT_WAKEUP,
	      "%s: exit %u/%u, want WAKEUP", name, atomic_load(&w->exit_reason),
	      atomic_load(&w->type));
	wake_line(vm, vgic, 0);
	atomic_store(&w->state, 0);
	return atomic_load(&w->t1) - t0;
}

static void bench_wake(bool vgic)
{
	const char *name = vgic ? "e. wakeup latency, vGICv3 SPI" :
				  "e. wakeup latency, IRQ line (no vGIC)";
	struct waiter w = { 0 };
	struct samples s;
	struct vm vm;

	begin(name);
	vm_create(&vm, vgic ? BG_M_GIC_SUSP : BG_M_SUSPEND, vgic);
	run(&vm);
	expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND, "e");
	set_mp(&vm, KVM_MP_STATE_SUSPENDED);

	w.vm = &vm;
	CHECK(!pthread_create(&w.thr, NULL, waiter_thread, &w), "pthread_create");
	samples_init(&s, 1);
	while (samples_add(&s, wake_once(&vm, &w, vgic, name)) && s.n < 2000)
		;
	atomic_store(&w.state, 3);
	pthread_join(w.thr, NULL);
	report(name, &s);
	vm_destroy(&vm);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * f and g: the share of a CPU a vCPU's thread uses while it waits in
 * KVM_RUN for an interrupt, SUSPENDED (f) or in WFI (g), over a second,
 * with the guest's virtual timer condition met but its interrupt not one
 * the vCPU can take (the vGIC with the timer's PPI left disabled), and
 * without the timer for comparison. A wait that ends on the timer
 * condition alone finds nothing to take and waits again, in a loop: close
 * to 100%. g also runs with the irqchip in userspace, which is told of
 * the timer's level (an exit, -EINTR) and leaves the guest's line down.
 * A SUSPENDED vCPU with the irqchip in userspace is not measured: the
 * timer's level change is a wakeup event there.
 */
static double wait_cpu_share(int mode, bool vgic, uint64_t *eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval its = { .it_value = { 1, 0 } };
	bool suspend = mode == BG_M_SUSPEND || mode == BG_M_TIMER_SUSP;
	struct vm vm;
	uint64_t t, c;
	int r;

	vm_create(&vm, mode, vgic);
	if (suspend) {
		run(&vm);
		expect_exit(&vm, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_SUSPEND,
			    "f");
		set_mp(&vm, KVM_MP_STATE_SUSPENDED);
	}

	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART */
	*eintr = 0;
	t = ka_now_ns();
	c = ka_thread_cpu_ns();
	CHECK(!setitimer(ITIMER_REAL, &its, NULL), "setitimer: %s", strerror(errno));
	/* a timer-level exit to userspace (-EINTR) may come before the alarm */
	do {
		r = ioctl(vm.vcpu, KVM_RUN, 0);
		CHECK(r < 0 && errno == EINTR,
		      "%s: KVM_RUN on a vCPU %s: %s (exit %u)",
		      suspend ? "f" : "g", suspend ? "SUSPENDED" : "in WFI",
		      r ? strerror(errno) : "returned, but no interrupt was raised",
		      vm.run->exit_reason);
		(*eintr)++;
	} while (ka_now_ns() - t < 1000000000ULL);
	t = ka_now_ns() - t;
	c = ka_thread_cpu_ns() - c;
	atomic_store(&progress, ka_now_ns());
	vm_destroy(&vm);
	return 100.0 * c / t;
}

static void report_wait(const char *name, int timer_mode, int mode, bool vgic)
{
	uint64_t n1, n2;
	double busy, idle;

	busy = wait_cpu_share(timer_mode, vgic, &n1);
	idle = wait_cpu_share(mode, vgic, &n2);
	printf("%-48s %.0f%% of a CPU (timer off: %.0f%%), %" PRIu64 "/%" PRIu64 " x -EINTR in 1 s\n",
	       name, busy, idle, n1, n2);
}

static void bench_timer_wait(void)
{
	begin("f");
	report_wait("f. SUSPENDED wait, vtimer fired, its PPI off", BG_M_TIMER_SUSP,
		    BG_M_SUSPEND, true);
}

static void bench_wfi_wait(void)
{
	begin("g");
	report_wait("g. WFI wait, vtimer fired, its PPI off", BG_M_TIMER_WFI,
		    BG_M_WFI, true);
	report_wait("g. WFI wait, vtimer fired, userspace irqchip", BG_M_TIMER_WFI,
		    BG_M_WFI, false);
}

static void *watchdog(void *arg)
{
	uint64_t last;

	(void)arg;
	for (;;) {
		sleep(1);
		/*
		 * progress first: read after the clock, a store the vCPU
		 * thread made in between is later than "now", and the
		 * unsigned difference a false alarm.
		 */
		last = atomic_load(&progress);
		if (ka_now_ns() - last > 30000000000ULL)
			die("%s: no progress for 30 s (a vCPU that never wakes up?)",
			    atomic_load(&current));
	}
	return NULL;
}

static void usage(const char *p)
{
	printf("usage: %s [--seconds S] [--null-calls N] [--only LETTERS]\n"
	       "  --seconds S     time per measurement (3)\n"
	       "  --null-calls N  hypercalls per exit in a (1000)\n"
	       "  --only LETTERS  run only these measurements, e.g. ab\n", p);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "null-calls", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': opt.seconds = atof(optarg); break;
		case 'n': opt.nnull = atoi(optarg); break;
		case 'o': opt.only = optarg; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (opt.seconds <= 0 || !opt.nnull) {
		usage(argv[0]);
		exit(2);
	}
}

static void print_header(void)
{
	struct utsname u;

	uname(&u);
	printf("psci_bench: kernel %s %s, %ld CPUs online, KVM_CAP_ARM_SYSTEM_SUSPEND %s\n",
	       u.release, u.version, sysconf(_SC_NPROCESSORS_ONLN),
	       opt.has_cap ? "offered" : "absent");
	printf("psci_bench: under nested QEMU TCG on a 2-core machine: only relative comparisons mean anything\n");
	printf("psci_bench: %.1f s per measurement, microseconds per operation\n", opt.seconds);
	printf("%-48s %8s %10s %10s %10s %10s\n", "measurement", "ops", "median", "p90",
	       "min", "ops/s");
}

/* c, d and e need the capability; without it they say so. */
static void bench_with_cap(void)
{
	const char *nocap = "the kernel has no KVM_CAP_ARM_SYSTEM_SUSPEND";

	if (wanted('c') && !opt.has_cap)
		skipped("c. SYSTEM_SUSPEND refused (DENIED), round trip", nocap);
	else if (wanted('c'))
		bench_deny();
	if (wanted('d') && !opt.has_cap)
		skipped("d. SYSTEM_SUSPEND honoured, full cycle", nocap);
	else if (wanted('d'))
		bench_honour();
	if (wanted('e') && !opt.has_cap) {
		skipped("e. wakeup latency", nocap);
	} else if (wanted('e')) {
		bench_wake(false);
		bench_wake(true);
	}
	if (wanted('f') && opt.has_cap)
		bench_timer_wait();
}

int main(int argc, char **argv)
{
	pthread_t wd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	opt.kvm = ka_open();
	if (opt.kvm < 0) {
		printf("psci_bench: SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return KA_EXIT_SKIP;
	}
	opt.has_cap = ka_check_cap(opt.kvm, KVM_CAP_ARM_SYSTEM_SUSPEND) > 0;
	print_header();

	atomic_store(&progress, ka_now_ns());
	CHECK(!pthread_create(&wd, NULL, watchdog, NULL), "pthread_create");
	if (wanted('a'))
		bench_null();
	if (wanted('b'))
		bench_mmio();
	bench_with_cap();
	if (wanted('g'))
		bench_wfi_wait();
	printf("psci_bench: done\n");
	return KA_EXIT_PASS;
}
