// SPDX-License-Identifier: GPL-2.0
/*
 * psci_fuzz: creating and retiring VMs. Each has 1-4 vCPUs, PSCI 1.0 or
 * 0.2/0.1 forced through KVM_REG_ARM_PSCI_VERSION and the vCPU features,
 * an in-kernel vGICv3 or the userspace irqchip, AArch64 or AArch32 vCPUs,
 * secondaries powered off or not, KVM_CAP_ARM_NISV_TO_USER or not, and the
 * suspend capability enabled at creation, later (by a racer) or never.
 */
#include <signal.h>
#include <stdio.h>

#include "fuzz.h"

extern const char fz_guest_start[], fz_guest_end[];
extern const char fz_guest32_start[], fz_guest32_end[];

/* The VM's random shape; returns the capability plan (0-3 now, 4-6 later). */
static int pick_shape(struct slot *s, uint64_t *r)
{
	int cap_plan;

	s->nvcpus = 1 + rnd_below(r, MAX_VCPUS);
	switch (rnd_below(r, 10)) {
	case 0: case 1:
		s->psci = PSCI_V02;
		break;
	case 2:
		s->psci = PSCI_V01;
		break;
	case 3: case 4:		/* 1.0 forced where 1.1 is the default */
		s->psci = PSCI_V10;
		break;
	default:
		s->psci = g.psci_dflt;
		break;
	}
	s->a32 = g.has_a32 && chance(r, g.a32_pct);
	s->vgic = !s->a32 && chance(r, g.vgic_pct);
	s->nisv = chance(r, 30);
	s->junk_random = chance(r, 10);
	cap_plan = g.cap_less ? 2 : rnd_below(r, 10);
	s->cap_later = cap_plan >= 4 && cap_plan <= 6;
	return cap_plan;
}

/* Guest RAM: the guest blob, the mailboxes, the junk page (zero or random). */
static void setup_memory(struct slot *s, uint64_t *r)
{
	s->ram = mmap(NULL, FZ_RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(s->ram != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(fz_guest_end - fz_guest_start <= FZ_MBOX_OFF &&
	      fz_guest32_end - fz_guest32_start <= FZ_MBOX_OFF,
	      "the guest blob overlaps the mailboxes");
	if (s->a32)
		memcpy(s->ram, fz_guest32_start, fz_guest32_end - fz_guest32_start);
	else
		memcpy(s->ram, fz_guest_start, fz_guest_end - fz_guest_start);
	if (s->junk_random)
		for (uint64_t *p = (uint64_t *)((char *)s->ram + FZ_JUNK_OFF);
		     p < (uint64_t *)((char *)s->ram + FZ_RAM_SIZE); p++)
			*p = rnd(r);
	CHECK(!ka_set_mem(s->vm, 0, FZ_RAM_BASE, s->ram, FZ_RAM_SIZE),
	      "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
}

static void create_vcpu(struct slot *s, int i, uint64_t *r)
{
	struct vcpu *v = &s->v[i];

	v->s = s;
	v->idx = i;
	v->rng = seed_for(s->vm_no * 16 + i + 1000);
	v->mb = (volatile uint64_t *)((char *)s->ram + FZ_MBOX_OFF + (i << FZ_MBOX_SHIFT));
	v->batch = (volatile uint64_t *)((char *)s->ram + FZ_BATCH_OFF + (i << FZ_BATCH_SHIFT));
	pthread_mutex_init(&v->st_lock, NULL);
	pthread_mutex_init(&v->wake_lock, NULL);
	v->run = ka_vcpu_create(g.kvm, s->vm, i, &v->fd);
	CHECK(v->run, "creating vCPU %d: %s", i, strerror(errno));
	v->features = s->a32 ? 1U << KVM_ARM_VCPU_EL1_32BIT : 0;
	if (s->psci != PSCI_V01)
		v->features |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (i && chance(r, 60))
		v->features |= 1U << KVM_ARM_VCPU_POWER_OFF;
	CHECK(!ka_vcpu_init(s->vm, v->fd, v->features),
	      "KVM_ARM_VCPU_INIT(vCPU %d): %s", i, strerror(errno));
	set_reg(v, KA_REG_PC, FZ_ENTRY);
	set_reg(v, KA_REG_X(0), rnd(r));
	ST(VCPUS);
}

/*
 * The PSCI version is VM-wide: the default (1.0 on 5.10, 1.1 on 6.12),
 * set again or not, or another one forced.
 */
static void set_psci_version(struct slot *s, uint64_t *r)
{
	struct vcpu *v = &s->v[0];
	uint64_t dflt = get_reg(v, KVM_REG_ARM_PSCI_VERSION);

	if (s->psci == PSCI_V01)
		CHECK(dflt == PSCI_V01, "a vCPU without KVM_ARM_VCPU_PSCI_0_2 has PSCI %#" PRIx64,
		      dflt);
	else
		CHECK(dflt == g.psci_dflt, "a new VM has PSCI %#" PRIx64 ", %s before",
		      dflt, psci_name(g.psci_dflt));
	if (s->psci != dflt || chance(r, 30))
		CHECK(!ka_set_reg(v->fd, KVM_REG_ARM_PSCI_VERSION, s->psci),
		      "setting KVM_REG_ARM_PSCI_VERSION to %s: %s", psci_name(s->psci),
		      strerror(errno));
	for (int i = 0; i < s->nvcpus; i++)
		CHECK(get_reg(&s->v[i], KVM_REG_ARM_PSCI_VERSION) == s->psci,
		      "KVM_REG_ARM_PSCI_VERSION of vCPU %d is not %s", i, psci_name(s->psci));
}

/* KVM_CAP_ARM_SYSTEM_SUSPEND: refused without the series, else by the plan. */
static void setup_suspend_cap(struct slot *s, uint64_t *r, int cap_plan)
{
	if (!g.has_cap) {
		if (chance(r, 30))
			CHECK(ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0) && errno == EINVAL,
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) on a kernel without it: want EINVAL");
		return;
	}
	if (g.cap_less)
		return;
	if (chance(r, 20))
		CHECK(ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND,
				    1 + rnd_below(r, 0xffff)) && errno == EINVAL,
		      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) with flags != 0: want EINVAL");
	if (cap_plan < 4) {
		CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
		      "KVM_ENABLE_CAP(SYSTEM_SUSPEND): %s", strerror(errno));
		if (chance(r, 20))	/* again: harmless */
			CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0),
			      "KVM_ENABLE_CAP(SYSTEM_SUSPEND) twice: %s", strerror(errno));
		atomic_store(&s->cap, CAP_ON);
		ST(VM_CAP0);
	} else if (s->cap_later) {
		ST(VM_CAPL);
	}
}

static void count_vm(struct slot *s, uint64_t now)
{
	ST(VMS);
	if (s->a32)
		ST(VM_A32);
	if (s->vgic)
		ST(VM_VGIC);
	if (s->psci == PSCI_V11)
		ST(VM_V11);
	else if (s->psci == PSCI_V10)
		ST(VM_V10);
	else if (s->psci == PSCI_V02)
		ST(VM_V02);
	else
		ST(VM_V01);
	if (g.verbose)
		printf("psci_fuzz: %7.3f VM #%" PRIu64 " slot %d: %d %svCPUs, PSCI %s, %s, cap %s\n",
		       (now - g.t0) / 1e9, s->vm_no, s->id, s->nvcpus, s->a32 ? "AArch32 " : "",
		       psci_name(s->psci), s->vgic ? "vGICv3" : "user irqchip",
		       s->cap == CAP_ON ? "on" : s->cap_later ? "later" : "off");
}

void create_vm(struct slot *s, uint64_t *r)
{
	uint64_t now = ka_now_ns();
	int cap_plan;

	memset(&s->v, 0, sizeof(s->v));
	s->vm_no = atomic_fetch_add(&g.vm_count, 1) + 1;
	cap_plan = pick_shape(s, r);
	atomic_store(&s->cap, CAP_OFF);
	atomic_store(&s->sysevent, 0);
	atomic_store(&s->tainted, 0);
	atomic_store(&s->garbage, 0);
	atomic_store(&s->hold, 0);
	s->parked = 0;

	s->vm = ioctl(g.kvm, KVM_CREATE_VM, 0);
	CHECK(s->vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	if (g.has_cap)
		CHECK(ka_check_cap(s->vm, KVM_CAP_ARM_SYSTEM_SUSPEND) == 1,
		      "KVM_CHECK_EXTENSION(SYSTEM_SUSPEND) on a VM fd is not 1");
	setup_memory(s, r);
	s->gic = -1;
	if (s->vgic) {
		s->gic = ka_vgic_create(s->vm, FZ_GICD, FZ_GICR, FZ_NR_IRQS);
		CHECK(s->gic >= 0, "creating the vGICv3: %s", strerror(errno));
	}
	for (int i = 0; i < s->nvcpus; i++)
		create_vcpu(s, i, r);
	set_psci_version(s, r);
	if (s->vgic)
		CHECK(!ka_vgic_init(s->gic), "KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(errno));
	if (s->nisv)
		CHECK(!ka_enable_cap(s->vm, KVM_CAP_ARM_NISV_TO_USER, 0),
		      "enabling KVM_CAP_ARM_NISV_TO_USER: %s", strerror(errno));
	setup_suspend_cap(s, r, cap_plan);
	count_vm(s, now);

	atomic_store(&s->born, now);
	atomic_store(&s->progress, now);
	atomic_store(&s->die_at, now + (2 + rnd_below(r, 9)) * 1000000000ULL);
	atomic_store(&s->dying, 0);
	for (int i = 0; i < s->nvcpus; i++)
		CHECK(!pthread_create(&s->v[i].thr, NULL, vcpu_thread, &s->v[i]),
		      "pthread_create");
	atomic_store(&s->live, 1);
}

/* Signal the VM's vCPU threads until they all left; fail after --wedge s. */
static void stop_vcpu_threads(struct slot *s)
{
	uint64_t deadline = ka_now_ns() + g.wedge * 1000000000ULL;
	bool all;

	do {
		all = true;
		for (int i = 0; i < s->nvcpus; i++) {
			if (atomic_load(&s->v[i].done))
				continue;
			all = false;
			pthread_kill(s->v[i].thr, SIGUSR1);
		}
		if (all)
			break;
		if (ka_now_ns() > deadline) {
			for (int i = 0; i < s->nvcpus; i++)
				if (!atomic_load(&s->v[i].done))
					tls_vcpu = &s->v[i];
			fail("wedged: a vCPU thread of VM #%" PRIu64 " did not leave KVM_RUN in %d s of signals",
			     s->vm_no, g.wedge);
		}
		sleep_ns(2000000);
	} while (!all);
}

void destroy_vm(struct slot *s)
{
	atomic_store(&s->dying, 1);
	pthread_mutex_lock(&s->q_lock);
	pthread_cond_broadcast(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	stop_vcpu_threads(s);

	pthread_rwlock_wrlock(&s->lock);
	atomic_store(&s->live, 0);
	for (int i = 0; i < s->nvcpus; i++) {
		struct vcpu *v = &s->v[i];

		pthread_join(v->thr, NULL);
		munmap(v->run, ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
		close(v->fd);
		pthread_mutex_destroy(&v->st_lock);
		pthread_mutex_destroy(&v->wake_lock);
	}
	if (s->gic >= 0)
		close(s->gic);
	close(s->vm);
	munmap(s->ram, FZ_RAM_SIZE);
	ST(RECYCLE);
	pthread_rwlock_unlock(&s->lock);
}
