// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz --states: the states a VMM's restore and a killed VMM reach
 * one scenario at a time, each on a VM of its own beside the
 * slots' VMs, by the states thread:
 *
 * restore   a vGICv3 created but not initialized, the vCPUs initialized
 *           and their registers set but never run, SUSPENDED set on one;
 *           then the vGIC initialized and its state restored (distributor
 *           on, the vCPU's wake-up SPI or PPI enabled, PMR open). Its first
 *           KVM_RUN waits, the interrupt gives the WAKEUP exit (the vCPU
 *           still SUSPENDED), and the guest resumes where userspace points
 *           it. Now and then the interrupt is raised before the first run,
 *           which then exits WAKEUP at once.
 * pre-init  SUSPENDED set before KVM_ARM_VCPU_INIT: accepted and read back;
 *           KVM_RUN fails with ENOEXEC until the INIT, which makes the vCPU
 *           RUNNABLE (STOPPED with POWER_OFF); it then runs at once.
 * init      KVM_ARM_VCPU_INIT on a SUSPENDED vCPU that ran (and, now and
 *           then, waited in KVM_RUN until a signal): RUNNABLE or STOPPED as
 *           POWER_OFF says, and it runs at once. The same features but
 *           POWER_OFF: EINVAL on 5.10, accepted on 6.12 (a base rule).
 * kill      a child psci_fuzz (--kill-child) whose vCPU 0 waits SUSPENDED
 *           in KVM_RUN while another thread is in KVM_SET_MP_STATE (on
 *           vCPU 0, blocked behind the KVM_RUN, or on vCPU 1 in a loop) is
 *           killed with SIGKILL; then a new VM must run here. Splats: the
 *           watchdog's /dev/kmsg; leaks: the harness's kmemleak scan.
 * off-on    vCPU 1's SYSTEM_SUSPEND exits; before userspace reads its
 *           registers, vCPU 0's SYSTEM_OFF stops every vCPU and vCPU 0,
 *           run again, turns vCPU 1 on with CPU_ON. KVM owes vCPU 1 that
 *           reset and does it at the first register access: x0 and PC
 *           read back CPU_ON's context ID and entry point, not the call's
 *           (how psci_fuzz once took a SUSPEND exit for a bad one).
 *
 * "Runs": the guest executes "str x0, [x1]" at the PC userspace set, an
 * MMIO exit at x1 carrying x0; each scenario checks both.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "fuzz.h"

#define ST_RAM		0x10000
#define ST_PROBE	0x20000000ULL		/* MMIO, no RAM there */
#define A64_STR_X0_X1	0xf9000020U		/* str x0, [x1] */
#define A64_B_SELF	0x14000000U		/* b . */
#define A64_HVC_0	0xd4000002U		/* hvc #0 */
#define A64_STR_X0_X4	0xf9000080U		/* str x0, [x4] */
#define ST_CALL_OFF	(ST_RAM - 32)		/* hvc #0; str x0, [x4]; b . */
#define WAIT_RUN_NS	(3000ULL * 1000 * 1000)
#define ICC_PMR_EL1	0xc230			/* op0 3, op1 0, CRn 4, CRm 6, op2 0 */
#define ICC_IGRPEN1_EL1	0xc667			/* op0 3, op1 0, CRn 12, CRm 12, op2 7 */

struct svm {
	int vm, gic, n;
	int fd[2];
	struct kvm_run *run[2];
	uint32_t feat[2];
	void *ram;
	bool vgic;
};

/* A KVM_RUN on another thread, so that a wait can be seen and bounded. */
struct runner {
	int fd;
	pthread_t thr;
	_Atomic int state;		/* 0 not yet in, 1 in KVM_RUN, 2 returned */
	int rc, err;
};

static const char *scen = "";

#define SCHECK(cond, ...) CHECK(cond, "states: " __VA_ARGS__)

static void *runner_thread(void *arg)
{
	struct runner *rn = arg;

	atomic_store(&rn->state, 1);
	rn->rc = ioctl(rn->fd, KVM_RUN, 0);
	rn->err = errno;
	atomic_store(&rn->state, 2);
	return NULL;
}

static void run_start(struct runner *rn, int fd)
{
	rn->fd = fd;
	atomic_store(&rn->state, 0);
	SCHECK(!pthread_create(&rn->thr, NULL, runner_thread, rn), "pthread_create");
	while (!atomic_load(&rn->state))
		sleep_ns(100000);
}

/* Wait for the KVM_RUN to return, for at most ns; whether it did. */
static bool run_wait(struct runner *rn, uint64_t ns)
{
	uint64_t end = ka_now_ns() + ns;

	while (atomic_load(&rn->state) != 2 && ka_now_ns() < end)
		sleep_ns(1000000);
	if (atomic_load(&rn->state) != 2)
		return false;
	pthread_join(rn->thr, NULL);
	return true;
}

/* A KVM_RUN that must not wait: it returns within 3 s, with success. */
static void run_bounded(struct svm *m, int i, const char *what)
{
	struct runner rn;

	run_start(&rn, m->fd[i]);
	if (!run_wait(&rn, WAIT_RUN_NS)) {
		pthread_kill(rn.thr, SIGUSR1);
		fail("states: %s: %s: KVM_RUN of vCPU %d still waiting after 3 s, want the guest to run",
		     scen, what, i);
	}
	SCHECK(!rn.rc, "%s: %s: KVM_RUN of vCPU %d: %s", scen, what, i, strerror(rn.err));
}

/* A KVM_RUN that must not wait, ending in the guest's probe store. */
static void run_to_probe(struct svm *m, int i, uint64_t ctx, const char *what)
{
	struct kvm_run *run = m->run[i];

	run_bounded(m, i, what);
	SCHECK(run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
	       run->mmio.len == 8 && run->mmio.phys_addr == ST_PROBE + 8 * i &&
	       !memcmp(run->mmio.data, &ctx, 8),
	       "%s: %s: vCPU %d exits %u (%s) at %#llx, want its store of %#" PRIx64
	       " at %#llx: the guest did not resume where userspace pointed it",
	       scen, what, i, run->exit_reason,
	       run->exit_reason == KVM_EXIT_SYSTEM_EVENT ?
	       ka_sysev_name(run->system_event.type) : "", (unsigned long long)
	       run->mmio.phys_addr, ctx, ST_PROBE + 8 * i);
	/*
	 * Complete the store now: the next KVM_RUN would, whatever came in
	 * between, and skip the first instruction at a new PC (README).
	 */
	run->immediate_exit = 1;
	SCHECK(ioctl(m->fd[i], KVM_RUN, 0) && errno == EINTR,
	       "%s: KVM_RUN with immediate_exit: %s, want EINTR", scen, strerror(errno));
	run->immediate_exit = 0;
}

static uint32_t mp_of(struct svm *m, int i)
{
	uint32_t mp;

	SCHECK(!ka_get_mp(m->fd[i], &mp), "%s: KVM_GET_MP_STATE: %s", scen, strerror(errno));
	return mp;
}

static void want_mp(struct svm *m, int i, uint32_t want, const char *when)
{
	uint32_t mp = mp_of(m, i);

	SCHECK(mp == want, "%s: vCPU %d reads %s %s, want %s", scen, i,
	       ka_mp_state_name(mp), when, ka_mp_state_name(want));
}

static void set_mp(struct svm *m, int i, uint32_t mp, const char *when)
{
	SCHECK(!ka_set_mp(m->fd[i], mp), "%s: KVM_SET_MP_STATE(%s) %s: %s", scen,
	       ka_mp_state_name(mp), when, strerror(errno));
}

/* Point vCPU i at the probe code at RAM offset off: str ctx at its probe. */
static void point(struct svm *m, int i, uint64_t off, uint64_t ctx)
{
	SCHECK(!ka_set_reg(m->fd[i], KA_REG_PC, FZ_RAM_BASE + off) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(0), ctx) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(1), ST_PROBE + 8 * i),
	       "%s: KVM_SET_ONE_REG: %s", scen, strerror(errno));
}

/* Probe code at every 8th word of the RAM: any PC the scenarios pick. */
static void svm_create(struct svm *m, int n, bool vgic)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->vgic = vgic;
	m->gic = -1;
	m->vm = ioctl(g.kvm, KVM_CREATE_VM, 0);
	SCHECK(m->vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	m->ram = mmap(NULL, ST_RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SCHECK(m->ram != MAP_FAILED, "mmap: %s", strerror(errno));
	for (uint32_t *p = m->ram; p < (uint32_t *)((char *)m->ram + ST_RAM); p += 8) {
		p[0] = A64_STR_X0_X1;
		p[1] = A64_B_SELF;
	}
	SCHECK(!ka_set_mem(m->vm, 0, FZ_RAM_BASE, m->ram, ST_RAM),
	       "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	if (vgic) {
		m->gic = ka_vgic_create(m->vm, FZ_GICD, FZ_GICR, FZ_NR_IRQS);
		SCHECK(m->gic >= 0, "creating the vGICv3: %s", strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		m->run[i] = ka_vcpu_create(g.kvm, m->vm, i, &m->fd[i]);
		SCHECK(m->run[i], "creating vCPU %d: %s", i, strerror(errno));
	}
}

static void svm_init_vcpu(struct svm *m, int i, uint32_t feat)
{
	m->feat[i] = feat;
	SCHECK(!ka_vcpu_init(m->vm, m->fd[i], feat), "%s: KVM_ARM_VCPU_INIT(vCPU %d, %#x): %s",
	       scen, i, feat, strerror(errno));
}

static void svm_destroy(struct svm *m)
{
	int sz = ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	for (int i = 0; i < m->n; i++) {
		munmap(m->run[i], sz);
		close(m->fd[i]);
	}
	if (m->gic >= 0)
		close(m->gic);
	close(m->vm);
	munmap(m->ram, ST_RAM);
}

static void gic_set32(struct svm *m, uint32_t group, uint64_t attr, uint32_t val)
{
	SCHECK(!ka_dev_attr(m->gic, group, attr, &val), "%s: vGIC register %#" PRIx64 " := %#x: %s",
	       scen, attr, val, strerror(errno));
}

/*
 * What a restoring VMM writes back for vCPU i to take its wake-up
 * interrupt: the distributor on (ARE, group 1), the SPI (routed to the
 * vCPU) or the PPI in group 1, enabled, at priority 0xa0; PMR 0xf0 and
 * group 1 on in the vCPU's CPU interface.
 */
static uint32_t restore_gic(struct svm *m, int i, bool spi)
{
	uint64_t rd = (uint64_t)i << 32, pmr = 0xf0, grpen = 1;
	uint32_t intid = spi ? FZ_SPI_BASE + i : FZ_PPI, bit = 1U << (intid % 32);
	uint32_t prio = 0xa0U << (intid % 4 * 8);

	gic_set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, 0x12);
	if (spi) {
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x80 + intid / 32 * 4, bit);
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x400 + intid / 4 * 4, prio);
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x6000 + intid * 8, i);
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x100 + intid / 32 * 4, bit);
	} else {
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10080, bit);
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | (0x10400 + intid / 4 * 4), prio);
		gic_set32(m, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, rd | 0x10100, bit);
	}
	SCHECK(!ka_dev_attr(m->gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, rd | ICC_PMR_EL1, &pmr) &&
	       !ka_dev_attr(m->gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, rd | ICC_IGRPEN1_EL1, &grpen),
	       "%s: vCPU %d's ICC registers: %s", scen, i, strerror(errno));
	return intid;
}

static void wake_irq(struct svm *m, int i, uint32_t intid, int level)
{
	int r = intid >= KA_SPI_BASE ? ka_set_spi(m->vm, intid - KA_SPI_BASE, level) :
		ka_irq_line(m->vm, KVM_ARM_IRQ_TYPE_PPI, i, intid, level);

	SCHECK(!r, "%s: KVM_IRQ_LINE(INTID %u, %d): %s", scen, intid, level, strerror(errno));
}

static void want_wakeup(struct svm *m, int i, const char *when)
{
	struct kvm_run *run = m->run[i];

	SCHECK(run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	       run->system_event.type == KVM_SYSTEM_EVENT_WAKEUP && !ka_sysev_ndata(run),
	       "%s: vCPU %d exits %u (system event %u, ndata %u) %s, want WAKEUP with ndata 0",
	       scen, i, run->exit_reason, run->system_event.type, ka_sysev_ndata(run), when);
	want_mp(m, i, KVM_MP_STATE_SUSPENDED, "at its WAKEUP");
}

static void scen_restore(uint64_t *r)
{
	int n = 1 + rnd_below(r, 2), t = rnd_below(r, n), early = chance(r, 20);
	uint64_t ctx = rnd(r), off = (1 + rnd_below(r, ST_RAM / 32 - 1)) * 32;
	bool spi = chance(r, 50);
	struct runner rn;
	uint32_t intid;
	struct svm m;

	scen = "restore";
	svm_create(&m, n, true);
	for (int i = 0; i < n; i++) {
		svm_init_vcpu(&m, i, 1U << KVM_ARM_VCPU_PSCI_0_2 |
			      (i && chance(r, 50) ? 1U << KVM_ARM_VCPU_POWER_OFF : 0));
		point(&m, i, 0, rnd(r));	/* the saved registers */
	}
	set_mp(&m, t, KVM_MP_STATE_SUSPENDED, "before the vGIC's initialization");
	want_mp(&m, t, KVM_MP_STATE_SUSPENDED, "before the vGIC's initialization");
	SCHECK(!ka_vgic_init(m.gic), "%s: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", scen, strerror(errno));
	intid = restore_gic(&m, t, spi);
	want_mp(&m, t, KVM_MP_STATE_SUSPENDED, "after the vGIC's restore");
	if (early)
		wake_irq(&m, t, intid, 1);
	run_start(&rn, m.fd[t]);
	if (!early) {
		sleep_ns((20 + rnd_below(r, 200)) * 1000000ULL);
		SCHECK(atomic_load(&rn.state) == 1,
		       "%s: the first KVM_RUN of SUSPENDED vCPU %d returned (%d, %s, exit %u) before any interrupt",
		       scen, t, rn.rc, strerror(rn.err), m.run[t]->exit_reason);
		wake_irq(&m, t, intid, 1);
	}
	if (!run_wait(&rn, WAKE_TMO_NS)) {
		pthread_kill(rn.thr, SIGUSR1);
		fail("states: restore: lost wakeup: vCPU %d SUSPENDED, its %s %u raised, no WAKEUP in 3 s",
		     t, spi ? "SPI" : "PPI", intid);
	}
	SCHECK(!rn.rc, "%s: KVM_RUN of SUSPENDED vCPU %d: %s", scen, t, strerror(rn.err));
	want_wakeup(&m, t, early ? "(raised before the first run)" : "after the interrupt");

	/* The VMM's resume: INIT or not, PC, x0, RUNNABLE. */
	wake_irq(&m, t, intid, 0);
	if (chance(r, 50))
		svm_init_vcpu(&m, t, m.feat[t]);
	point(&m, t, off, ctx);
	set_mp(&m, t, KVM_MP_STATE_RUNNABLE, "after WAKEUP");
	run_to_probe(&m, t, ctx, "the resume");
	svm_destroy(&m);
	ST(SS_RESTORE);
}

static void scen_preinit(uint64_t *r)
{
	bool off = chance(r, 30), vgic = chance(r, 50);
	uint64_t ctx = rnd(r);
	struct svm m;

	scen = "pre-init";
	svm_create(&m, 1, vgic);
	set_mp(&m, 0, KVM_MP_STATE_SUSPENDED, "before KVM_ARM_VCPU_INIT");
	want_mp(&m, 0, KVM_MP_STATE_SUSPENDED, "before KVM_ARM_VCPU_INIT");
	SCHECK(ioctl(m.fd[0], KVM_RUN, 0) && errno == ENOEXEC,
	       "%s: KVM_RUN before KVM_ARM_VCPU_INIT: %s, want ENOEXEC", scen, strerror(errno));
	svm_init_vcpu(&m, 0, 1U << KVM_ARM_VCPU_PSCI_0_2 | (off ? 1U << KVM_ARM_VCPU_POWER_OFF : 0));
	want_mp(&m, 0, off ? KVM_MP_STATE_STOPPED : KVM_MP_STATE_RUNNABLE,
		"after KVM_ARM_VCPU_INIT of a SUSPENDED vCPU");
	if (vgic)
		SCHECK(!ka_vgic_init(m.gic), "%s: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", scen, strerror(errno));
	point(&m, 0, (1 + rnd_below(r, ST_RAM / 32 - 1)) * 32, ctx);
	if (off)
		set_mp(&m, 0, KVM_MP_STATE_RUNNABLE, "after KVM_ARM_VCPU_INIT");
	run_to_probe(&m, 0, ctx, "the first run after the INIT");
	svm_destroy(&m);
	ST(SS_PREINIT);
}

static void scen_init(uint64_t *r)
{
	int n = 1 + rnd_below(r, 2), t = rnd_below(r, n);
	uint32_t base = 1U << KVM_ARM_VCPU_PSCI_0_2, feat, mp;
	bool vgic = chance(r, 50), flip = chance(r, 30), refused;
	uint64_t ctx = rnd(r);
	struct svm m;

	scen = "init";
	svm_create(&m, n, vgic);
	for (int i = 0; i < n; i++)
		svm_init_vcpu(&m, i, base);
	if (vgic)
		SCHECK(!ka_vgic_init(m.gic), "%s: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", scen, strerror(errno));
	point(&m, t, 0, ctx);
	run_to_probe(&m, t, ctx, "a first run");
	set_mp(&m, t, KVM_MP_STATE_SUSPENDED, "after a run");
	if (chance(r, 50)) {	/* wait in KVM_RUN until a signal */
		struct runner rn;

		run_start(&rn, m.fd[t]);
		sleep_ns((10 + rnd_below(r, 100)) * 1000000ULL);
		SCHECK(atomic_load(&rn.state) == 1, "%s: KVM_RUN of SUSPENDED vCPU %d returned (%d, %s, exit %u) with nothing pending",
		       scen, t, rn.rc, strerror(rn.err), m.run[t]->exit_reason);
		do {
			pthread_kill(rn.thr, SIGUSR1);
		} while (!run_wait(&rn, 50000000ULL));
		SCHECK(rn.rc && rn.err == EINTR, "%s: KVM_RUN of SUSPENDED vCPU %d after a signal: %s, want EINTR",
		       scen, t, rn.rc ? strerror(rn.err) : "0");
		want_mp(&m, t, KVM_MP_STATE_SUSPENDED, "after -EINTR");
	}

	/* POWER_OFF changed: 5.10 refuses it (base rule), 6.12 takes it. */
	feat = flip ? base | 1U << KVM_ARM_VCPU_POWER_OFF : base;
	refused = flip && !g.rules612;
	if (refused) {
		SCHECK(ka_vcpu_init(m.vm, m.fd[t], feat) && errno == EINVAL,
		       "%s: KVM_ARM_VCPU_INIT with POWER_OFF added: %s, want EINVAL (5.10's rule)",
		       scen, strerror(errno));
		want_mp(&m, t, KVM_MP_STATE_SUSPENDED, "after a refused KVM_ARM_VCPU_INIT");
		feat = base;
	}
	svm_init_vcpu(&m, t, feat);
	mp = feat & 1U << KVM_ARM_VCPU_POWER_OFF ? KVM_MP_STATE_STOPPED : KVM_MP_STATE_RUNNABLE;
	want_mp(&m, t, mp, "after KVM_ARM_VCPU_INIT of a SUSPENDED vCPU");
	ctx = rnd(r);
	point(&m, t, (1 + rnd_below(r, ST_RAM / 32 - 1)) * 32, ctx);
	if (mp == KVM_MP_STATE_STOPPED)
		set_mp(&m, t, KVM_MP_STATE_RUNNABLE, "after KVM_ARM_VCPU_INIT");
	run_to_probe(&m, t, ctx, "the run after the INIT");
	svm_destroy(&m);
	ST(SS_INIT);
}

/*
 * The kill child's second thread: KVM_SET_MP_STATE in a loop, on vCPU 1
 * any valid state, on vCPU 0 (a 1-vCPU VM) SUSPENDED only. That one
 * waits behind vCPU 0's KVM_RUN for the vCPU's mutex, but the KVM_RUN
 * thread may not have taken it yet (it is merely about to call the
 * ioctl); RUNNABLE or STOPPED would then let vCPU 0 run the guest and
 * leave KVM_RUN, which the child checks it does not.
 */
static void *setmp_loop(void *arg)
{
	struct svm *m = arg;
	static const uint32_t ok[] = {
		KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_STOPPED, KVM_MP_STATE_SUSPENDED,
	};
	uint64_t r = (uint64_t)(uintptr_t)arg;
	int i = m->n - 1;	/* vCPU 0 (waits behind its KVM_RUN) or 1 */

	for (;;)
		ka_set_mp(m->fd[i], i ? ok[rnd_below(&r, 3)] : KVM_MP_STATE_SUSPENDED);
	return NULL;
}

/*
 * The child of the kill scenario: vCPU 0 waits SUSPENDED in KVM_RUN,
 * another thread in KVM_SET_MP_STATE; says 'R' on fd 3 and waits to die.
 */
int kill_child(uint64_t seed)
{
	uint64_t r = seed;
	struct runner rn;
	pthread_t thr;
	struct svm m;
	char c = 'R';

	scen = "kill child";
	g.kvm = ka_open();
	SCHECK(g.kvm >= 0, "open /dev/kvm: %s", strerror(errno));
	svm_create(&m, 1 + rnd_below(&r, 2), chance(&r, 50));
	for (int i = 0; i < m.n; i++) {
		svm_init_vcpu(&m, i, 1U << KVM_ARM_VCPU_PSCI_0_2);
		point(&m, i, 0, i);
	}
	if (m.vgic)
		SCHECK(!ka_vgic_init(m.gic), "KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(errno));
	set_mp(&m, 0, KVM_MP_STATE_SUSPENDED, "in the child");
	run_start(&rn, m.fd[0]);
	SCHECK(!pthread_create(&thr, NULL, setmp_loop, &m), "pthread_create");
	sleep_ns(20000000);
	SCHECK(atomic_load(&rn.state) == 1, "the child's SUSPENDED vCPU left KVM_RUN");
	SCHECK(write(3, &c, 1) == 1, "write to the parent: %s", strerror(errno));
	for (;;)
		pause();
}

/* How many threads of pid are in ioctl(2) (arm64's syscall 29). */
static int in_ioctl(pid_t pid)
{
	char path[320], buf[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "29 ", 3))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

static void scen_kill(uint64_t *r)
{
	char seed[32], c = 0, *argv[] = { "psci_fuzz", "--kill-child", seed, NULL };
	uint64_t ctx = rnd(r), end;
	int p[2], status, busy;
	struct svm m;
	pid_t pid;

	scen = "kill";
	snprintf(seed, sizeof(seed), "%" PRIu64, rnd(r));
	SCHECK(!pipe(p), "pipe: %s", strerror(errno));
	pid = fork();
	SCHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		dup2(p[1], 3);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	end = ka_now_ns() + 10000000000ULL;
	while (read(p[0], &c, 1) < 0 && errno == EINTR && ka_now_ns() < end)
		;
	close(p[0]);
	SCHECK(c == 'R', "%s: the child never had its vCPU waiting SUSPENDED", scen);
	/*
	 * The child's 'R' comes once its KVM_RUN thread is about to enter
	 * the ioctl; on a loaded machine it may not be in it yet: wait (5 s
	 * at most) until a thread of the child is, then a little more.
	 */
	end = ka_now_ns() + 5000000000ULL;
	while (!(busy = in_ioctl(pid)) && ka_now_ns() < end)
		sleep_ns(5000000);
	SCHECK(busy >= 1, "%s: no thread of the child in an ioctl after 5 s", scen);
	sleep_ns(rnd_below(r, 50) * 1000000ULL);
	kill(pid, SIGKILL);
	SCHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGKILL,
	       "%s: the child did not die of SIGKILL (status %#x)", scen, status);

	/* The next VM on this host works. */
	svm_create(&m, 1, chance(r, 50));
	svm_init_vcpu(&m, 0, 1U << KVM_ARM_VCPU_PSCI_0_2);
	if (m.vgic)
		SCHECK(!ka_vgic_init(m.gic), "%s: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", scen, strerror(errno));
	point(&m, 0, 32, ctx);
	run_to_probe(&m, 0, ctx, "the next VM");
	svm_destroy(&m);
	ST(SS_KILL);
}

/* vCPU i makes the SMCCC call x0-x3 at ST_CALL_OFF and runs, for 3 s at most. */
static void call_run(struct svm *m, int i, const uint64_t *x, const char *what)
{
	SCHECK(!ka_set_reg(m->fd[i], KA_REG_PC, FZ_RAM_BASE + ST_CALL_OFF) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(0), x[0]) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(1), x[1]) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(2), x[2]) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(3), x[3]) &&
	       !ka_set_reg(m->fd[i], KA_REG_X(4), ST_PROBE + 8 * i),
	       "%s: %s: KVM_SET_ONE_REG: %s", scen, what, strerror(errno));
	run_bounded(m, i, what);
}

static void want_sysev(struct svm *m, int i, uint32_t type, const char *what)
{
	struct kvm_run *run = m->run[i];

	SCHECK(run->exit_reason == KVM_EXIT_SYSTEM_EVENT && run->system_event.type == type,
	       "%s: %s: vCPU %d exits %u (system event %s), want %s", scen, what, i,
	       run->exit_reason, ka_sysev_name(run->system_event.type), ka_sysev_name(type));
}

static void scen_off_on(uint64_t *r)
{
	uint64_t entry = FZ_RAM_BASE + (1 + rnd_below(r, ST_CALL_OFF / 32 - 1)) * 32;
	uint64_t ctx = rnd(r), x0 = 0, pc = 0;
	uint64_t susp[4] = { PSCI_1_0_FN64_SYSTEM_SUSPEND, FZ_RAM_BASE, rnd(r), 0 };
	uint64_t off[4] = { PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0 };
	uint64_t on[4] = { PSCI_0_2_FN64_CPU_ON, 1, entry, ctx };
	struct kvm_run *run;
	uint32_t *code;
	struct svm m;

	scen = "off-on";
	svm_create(&m, 2, false);
	code = (uint32_t *)((char *)m.ram + ST_CALL_OFF);
	code[0] = A64_HVC_0;
	code[1] = A64_STR_X0_X4;
	code[2] = A64_B_SELF;
	for (int i = 0; i < 2; i++)
		svm_init_vcpu(&m, i, 1U << KVM_ARM_VCPU_PSCI_0_2);
	SCHECK(!ka_enable_cap(m.vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
	       "%s: KVM_ENABLE_CAP(SYSTEM_SUSPEND): %s", scen, strerror(errno));

	call_run(&m, 1, susp, "SYSTEM_SUSPEND");
	want_sysev(&m, 1, KVM_SYSTEM_EVENT_SUSPEND, "SYSTEM_SUSPEND");
	call_run(&m, 0, off, "SYSTEM_OFF");
	want_sysev(&m, 0, KVM_SYSTEM_EVENT_SHUTDOWN, "SYSTEM_OFF");
	want_mp(&m, 1, KVM_MP_STATE_STOPPED, "after vCPU 0's SYSTEM_OFF");

	set_mp(&m, 0, KVM_MP_STATE_RUNNABLE, "after SYSTEM_OFF");
	call_run(&m, 0, on, "CPU_ON of vCPU 1");
	run = m.run[0];
	SCHECK(run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == ST_PROBE &&
	       !memcmp(run->mmio.data, &x0, 8),
	       "%s: CPU_ON of the stopped vCPU 1: exit %u at %#llx, want the store of SUCCESS (0) at %#llx",
	       scen, run->exit_reason, (unsigned long long)run->mmio.phys_addr, ST_PROBE);
	want_mp(&m, 1, KVM_MP_STATE_RUNNABLE, "after CPU_ON");

	/* vCPU 1's SUSPEND exit is still in its kvm_run: its registers are not the call's */
	SCHECK(!ka_get_reg(m.fd[1], KA_REG_X(0), &x0) && !ka_get_reg(m.fd[1], KA_REG_PC, &pc),
	       "%s: KVM_GET_ONE_REG: %s", scen, strerror(errno));
	want_sysev(&m, 1, KVM_SYSTEM_EVENT_SUSPEND, "still in its kvm_run");
	SCHECK(x0 == ctx && pc == entry,
	       "%s: vCPU 1, its SUSPEND exit taken over by a SYSTEM_OFF and a CPU_ON, reads x0 %#" PRIx64
	       " PC %#" PRIx64 ", want CPU_ON's context ID %#" PRIx64 " and entry point %#" PRIx64,
	       scen, x0, pc, ctx, entry);
	svm_destroy(&m);
	ST(SS_OFFON);
}

static const struct {
	const char *name;
	void (*run)(uint64_t *r);
	unsigned int weight;
} scenarios[] = {
	{ "restore", scen_restore, 4 }, { "pre-init", scen_preinit, 2 },
	{ "init", scen_init, 2 }, { "kill", scen_kill, 2 }, { "off-on", scen_off_on, 1 },
};
#define NR_SCEN	(sizeof(scenarios) / sizeof(scenarios[0]))
static bool picked[NR_SCEN] = { true, true, true, true, true };

/* --states=a,b: only those scenarios; false for an unknown name. */
bool states_pick(const char *list)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(picked, 0, sizeof(picked));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < NR_SCEN && strcmp(tok, scenarios[i].name); i++)
			;
		if (i == NR_SCEN)
			return false;
		picked[i] = true;
	}
	return true;
}

void *states_thread(void *arg)
{
	unsigned int total = 0;
	uint64_t r = seed_for(900);

	for (unsigned int i = 0; i < NR_SCEN; i++)
		total += picked[i] ? scenarios[i].weight : 0;
	while (total && !atomic_load(&g.stop)) {
		unsigned int x = rnd_below(&r, total), i;

		for (i = 0; !picked[i] || x >= scenarios[i].weight; i++)
			x -= picked[i] ? scenarios[i].weight : 0;
		scenarios[i].run(&r);
		sleep_ns(rnd_below(&r, 100) * 1000000ULL);
	}
	return NULL;
}
