/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one layer of KVM/arm64 helpers that the VMM, its e2e driver, the
 * fuzzer and the bench share: raw ioctls as small inline wrappers, the
 * clocks they time with, the exit statuses they report with, and (in
 * kvm_arm.c) the names of KVM's and PSCI's values for their logs.
 *
 * The wrappers return what the ioctl returns (-1 and errno on failure) and
 * never exit: deciding whether a failure is one the ABI allows, and how to
 * say so, is the caller's business.
 */
#ifndef PSCI_KVM_ARM_H
#define PSCI_KVM_ARM_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/psci.h>

/* Headers older than the series still let the tools build (and skip). */
#ifndef KVM_CAP_ARM_SYSTEM_SUSPEND
#define KVM_CAP_ARM_SYSTEM_SUSPEND	216
#endif
#ifndef KVM_SYSTEM_EVENT_WAKEUP
#define KVM_SYSTEM_EVENT_WAKEUP		4
#endif
#ifndef KVM_SYSTEM_EVENT_SUSPEND
#define KVM_SYSTEM_EVENT_SUSPEND	5
#endif
#ifndef KVM_CAP_SYSTEM_EVENT_DATA
#define KVM_CAP_SYSTEM_EVENT_DATA	215
#endif
#ifndef KVM_MP_STATE_SUSPENDED
#define KVM_MP_STATE_SUSPENDED		10
#endif

/* Exit statuses of the test programs, as kselftest has them. */
#define KA_EXIT_PASS	0
#define KA_EXIT_FAIL	1
#define KA_EXIT_SKIP	4

/* GIC INTIDs 0-31 are SGIs and PPIs; SPI n is INTID 32 + n. */
#define KA_SPI_BASE	32

static inline uint64_t ka_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* CLOCK_MONOTONIC, in ns: what every measurement and timeout uses. */
static inline uint64_t ka_now_ns(void)
{
	return ka_clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of the calling thread, in ns. */
static inline uint64_t ka_thread_cpu_ns(void)
{
	return ka_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/*
 * KVM_GET_REG_LIST: the vCPU's registers, in a malloc()ed list the caller
 * frees; NULL (errno set) on failure.
 */
struct kvm_reg_list *ka_reg_list(int vcpu);

/* Names for logs; "UNKNOWN" (or "?") for values KVM/PSCI do not define. */
const char *ka_mp_state_name(uint32_t state);
const char *ka_sysev_name(uint32_t type);
const char *ka_psci_ret_name(long ret);

/*
 * system_event.ndata: the word after 'type', padding in headers older than
 * v5.18 (KVM zeroes the whole struct for its system events).
 */
static inline uint32_t ka_sysev_ndata(const struct kvm_run *run)
{
	uint32_t n;

	memcpy(&n, (const char *)&run->system_event + 4, sizeof(n));
	return n;
}

/* A system register's KVM_{GET,SET}_ONE_REG id, from its encoding. */
#define KA_SYS_REG(op0, op1, crn, crm, op2)				\
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |	\
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |		\
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |		\
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |		\
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |		\
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

#define KA_CORE_REG(r)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(r))
#define KA_REG_X(n)	KA_CORE_REG(regs.regs[n])
#define KA_REG_PC	KA_CORE_REG(regs.pc)

/* GICv3 redistributors: an RD and an SGI frame of 64 KiB each per vCPU. */
#define KA_GICR_STRIDE	0x20000UL

static inline int ka_open(void)
{
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

static inline int ka_check_cap(int fd, long cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

static inline int ka_enable_cap(int vm, uint32_t cap, uint32_t flags)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags };

	return ioctl(vm, KVM_ENABLE_CAP, &c);
}

static inline int ka_set_mem(int vm, uint32_t slot, uint64_t gpa, void *hva,
			     uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static inline int ka_get_reg(int vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(vcpu, KVM_GET_ONE_REG, &r);
}

static inline int ka_set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

static inline int ka_get_mp(int vcpu, uint32_t *state)
{
	struct kvm_mp_state mp;
	int r = ioctl(vcpu, KVM_GET_MP_STATE, &mp);

	if (!r)
		*state = mp.mp_state;
	return r;
}

static inline int ka_set_mp(int vcpu, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu, KVM_SET_MP_STATE, &mp);
}

/*
 * The host's preferred target with a feature mask, in *init: what
 * KVM_ARM_VCPU_INIT takes, and must take again unchanged on a later reset.
 */
static inline int ka_preferred_init(int vm, uint32_t features,
				    struct kvm_vcpu_init *init)
{
	memset(init, 0, sizeof(*init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, init))
		return -1;
	init->features[0] = features;
	return 0;
}

/* KVM_ARM_VCPU_INIT: the first one, or a reset to the same target. */
static inline int ka_vcpu_reset(int vcpu, const struct kvm_vcpu_init *init)
{
	return ioctl(vcpu, KVM_ARM_VCPU_INIT, init);
}

/* KVM_ARM_VCPU_INIT with the host's preferred target and a feature mask. */
static inline int ka_vcpu_init(int vm, int vcpu, uint32_t features)
{
	struct kvm_vcpu_init init;

	if (ka_preferred_init(vm, features, &init))
		return -1;
	return ka_vcpu_reset(vcpu, &init);
}

/* A vCPU fd and its kvm_run mapping; NULL on failure. */
static inline struct kvm_run *ka_vcpu_create(int kvm, int vm, int id, int *fd)
{
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	*fd = ioctl(vm, KVM_CREATE_VCPU, id);
	if (*fd < 0 || sz <= 0)
		return NULL;
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	return run == MAP_FAILED ? NULL : run;
}

static inline int ka_irq_line(int vm, uint32_t type, uint32_t vcpu,
			      uint32_t num, int level)
{
	struct kvm_irq_level l = {
		.irq = type << KVM_ARM_IRQ_TYPE_SHIFT |
		       (vcpu & KVM_ARM_IRQ_VCPU_MASK) << KVM_ARM_IRQ_VCPU_SHIFT |
		       num,
		.level = level,
	};

	return ioctl(vm, KVM_IRQ_LINE, &l);
}

/* An SPI's line: @spi counts from 0, as device trees number SPIs. */
static inline int ka_set_spi(int vm, uint32_t spi, int level)
{
	return ka_irq_line(vm, KVM_ARM_IRQ_TYPE_SPI, 0, KA_SPI_BASE + spi,
			   level);
}

static inline int ka_dev_attr(int dev, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a);
}

static inline int ka_get_dev_attr(int dev, uint32_t group, uint64_t attr,
				  void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(dev, KVM_GET_DEVICE_ATTR, &a);
}

/* The vCPU's IRQ input line, for a VMM with its own interrupt controller. */
static inline int ka_set_cpu_irq(int vm, uint32_t vcpu_idx, int level)
{
	return ka_irq_line(vm, KVM_ARM_IRQ_TYPE_CPU, vcpu_idx,
			   KVM_ARM_IRQ_CPU_IRQ, level);
}

/* A PPI's line (INTID 16-31) of one vCPU, for the in-kernel vGIC. */
static inline int ka_set_ppi(int vm, uint32_t vcpu_idx, uint32_t intid,
			     int level)
{
	return ka_irq_line(vm, KVM_ARM_IRQ_TYPE_PPI, vcpu_idx, intid, level);
}

/* Whether the VM can have a device of @type (KVM_CREATE_DEVICE_TEST). */
static inline int ka_device_supported(int vm, uint32_t type)
{
	struct kvm_create_device d = {
		.type = type,
		.flags = KVM_CREATE_DEVICE_TEST,
	};

	return !ioctl(vm, KVM_CREATE_DEVICE, &d);
}

/*
 * An in-kernel GICv3 with nr_irqs interrupts; returns the device fd. Call
 * before creating the vCPUs, and ka_vgic_init() after creating them all.
 */
static inline int ka_vgic_create(int vm, uint64_t dist, uint64_t redist,
				 uint32_t nr_irqs)
{
	struct kvm_create_device d = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };

	if (ioctl(vm, KVM_CREATE_DEVICE, &d))
		return -1;
	if (ka_dev_attr(d.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ||
	    ka_dev_attr(d.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) ||
	    ka_dev_attr(d.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) {
		int e = errno;

		close(d.fd);
		errno = e;
		return -1;
	}
	return d.fd;
}

static inline int ka_vgic_init(int dev)
{
	return ka_dev_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
			   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

#endif /* PSCI_KVM_ARM_H */
