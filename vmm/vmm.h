/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small arm64 KVM VMM: the reference user of PSCI SYSTEM_SUSPEND.
 *
 * The core (main.c, kvm.c, vcpu.c, run.c, suspend.c, mmio.c, gic.c, fdt.c,
 * image.c) knows the board layout below but never a device's registers:
 * each device file owns its register map, its MMIO handler and its device
 * tree node, and registers itself with the core (vmm_device_init()). Calls
 * go one way: run.c -> suspend.c -> vcpu.c, kvm.c; nothing calls back up.
 */
#ifndef VMM_H
#define VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <linux/kvm.h>

#include "kvm_arm.h"
#include "events.h"
#include "log.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

/*
 * Board layout, close to QEMU's "virt" so that the numbers look familiar.
 * Everything below RAM_BASE is MMIO; an access there that no device claims
 * is reported and ends the run.
 */
#define GICD_BASE		0x08000000ULL
#define GICD_SIZE		0x10000ULL
#define GICR_BASE		0x080a0000ULL
#define GICR_STRIDE		KA_GICR_STRIDE	/* RD_base + SGI_base frames */
#define GICR_MAX_SIZE		0x00f60000ULL	/* up to 0x09000000 */
#define PL011_BASE		0x09000000ULL
#define PL031_BASE		0x09010000ULL
#define AMBA_SIZE		0x1000ULL
#define RAM_BASE		0x40000000ULL

/* SPI numbers (GIC INTID = 32 + SPI), as on QEMU virt */
#define PL011_SPI		1
#define PL031_SPI		2
#define NR_SPIS			32

enum suspend_policy {
	SUSPEND_OFF,		/* don't enable KVM_CAP_ARM_SYSTEM_SUSPEND */
	SUSPEND_DENY,		/* answer every SYSTEM_SUSPEND with DENIED */
	SUSPEND_HONOUR,		/* suspend the VM until a wakeup interrupt */
};

struct vm;
struct suspend;		/* suspend.c's own */

struct vcpu {
	struct vm		*vm;
	int			id;
	int			fd;
	struct kvm_run		*run;
	pthread_t		thread;
	struct kvm_vcpu_init	init;	/* as first passed to KVM_ARM_VCPU_INIT */
};

struct mmio_dev;

/* What a device does; the core calls nothing else of it. */
struct mmio_ops {
	/* Called with dev->lock held; len is 1, 2, 4 or 8. */
	u64			(*read)(struct mmio_dev *dev, u64 off, u32 len);
	void			(*write)(struct mmio_dev *dev, u64 off,
					 u64 val, u32 len);
	/* Adds the device's node to the tree under construction. */
	int			(*fdt_node)(struct mmio_dev *dev, void *fdt);
	/* Starts the device's own threads, after the VM is set up. */
	int			(*start)(struct mmio_dev *dev);
};

struct mmio_dev {
	const char		*name;
	u64			base;
	u64			size;
	const struct mmio_ops	*ops;
	void			*priv;
	struct vm		*vm;
	pthread_mutex_t		lock;
	struct mmio_dev		*next;
};

struct vm_config {
	const char		*kernel;
	const char		*initrd;
	const char		*cmdline;
	const char		*dtb_out;
	u64			ram_size;
	int			nr_vcpus;
	enum suspend_policy	suspend;
	int			kick_ms;	/* test aid, see suspend.c */
	const char		*control;	/* control socket path */
};

struct vm {
	struct vm_config	cfg;
	int			sys_fd;		/* /dev/kvm */
	int			fd;		/* the VM */

	void			*ram;
	u64			ram_base;
	u64			ram_size;

	/* Filled in by the loader */
	u64			kernel_entry;
	u64			initrd_start;
	u64			initrd_size;
	u64			dtb_addr;

	const char		*stdout_path;	/* set by the console device */
	int			gic_fd;
	u32			gic_phandle;
	u32			clk_phandle;

	int			nr_vcpus;
	struct vcpu		*vcpus;
	struct mmio_dev		*devices;
	struct suspend		*suspend;

	/* vCPU pause/resume and end-of-run handshake, see kvm.c */
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	const void		*pauser;	/* a vCPU, or another owner */
	int			nr_paused;
	bool			exiting;
	int			exit_status;
};

/* kvm.c */
int vmm_thread_start(pthread_t *t, const char *name, void *(*fn)(void *),
		     void *arg);
int kvm_open(struct vm *vm);
int kvm_create_vm(struct vm *vm);
int kvm_setup_ram(struct vm *vm);
bool kvm_in_ram(struct vm *vm, u64 addr, u64 len);
void *kvm_ram_ptr(struct vm *vm, u64 addr);
int kvm_enable_system_suspend(struct vm *vm);
void vm_pause_others(struct vm *vm, const void *self);
void vm_resume_others(struct vm *vm);
void vm_check_pause(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
void vm_exit(struct vm *vm, int status);
int vm_wait_exit(struct vm *vm);

/* vcpu.c: creating vCPUs and accessing their registers and state */
int vcpu_create_all(struct vm *vm);
int vcpu_reinit(struct vcpu *vcpu);
int vcpu_get_xreg(struct vcpu *vcpu, int n, u64 *val);
int vcpu_set_xreg(struct vcpu *vcpu, int n, u64 val);
int vcpu_get_pc(struct vcpu *vcpu, u64 *pc);
int vcpu_set_pc(struct vcpu *vcpu, u64 pc);
int vcpu_get_mp_state(struct vcpu *vcpu, u32 *state);
int vcpu_set_mp_state(struct vcpu *vcpu, u32 state);

/* run.c: the vCPU threads' KVM_RUN loop and exit dispatch */
int vcpu_start_all(struct vm *vm);

/* suspend.c: the SYSTEM_SUSPEND policy and the suspended vCPUs' state */
int suspend_init(struct vm *vm);
const char *suspend_policy_name(enum suspend_policy p);
void suspend_handle_call(struct vcpu *vcpu);
void suspend_handle_wakeup(struct vcpu *vcpu);
void suspend_handle_eintr(struct vcpu *vcpu);
bool suspend_vcpu_suspended(struct vcpu *vcpu);
bool suspend_vm_suspended(struct vm *vm);
void suspend_host_wakeup(struct vm *vm, char *answer, size_t size);
void suspend_set_policy(struct vm *vm, const char *name, char *answer,
			size_t size);
void suspend_status(struct vm *vm, char *answer, size_t size);
int suspend_start_kicker(struct vm *vm);

/* control.c: the control socket (--control PATH) */
int control_start(struct vm *vm);
void control_cleanup(struct vm *vm);

/* mmio.c: the MMIO bus and the devices on it */
int mmio_register(struct vm *vm, struct mmio_dev *dev, const char *name,
		  u64 base, u64 size, const struct mmio_ops *ops, void *priv);
int mmio_dispatch(struct vcpu *vcpu);
int mmio_fdt_nodes(struct vm *vm, void *fdt);
int mmio_start_all(struct vm *vm);
bool amba_id_read(u64 off, u32 periph_id, u64 *val);

/*
 * Device registration, kvmtool style: a device file ends with
 * vmm_device_init(its_init); devices_init() calls them all, during setup,
 * before the device tree is built from what they registered.
 */
struct vmm_device_init {
	const char		*name;
	int			(*init)(struct vm *vm);
	struct vmm_device_init	*next;
};
void vmm_device_add(struct vmm_device_init *d);
int devices_init(struct vm *vm);

#define vmm_device_init(fn)						\
	static struct vmm_device_init fn##_entry = {			\
		.name = #fn, .init = fn,				\
	};								\
	static void __attribute__((constructor)) fn##_register(void)	\
	{								\
		vmm_device_add(&fn##_entry);				\
	}

/* gic.c */
int gic_create(struct vm *vm);
int gic_init(struct vm *vm);
int gic_fdt_node(struct vm *vm, void *fdt);
int gic_set_spi(struct vm *vm, int spi, int level);

/* image.c */
int image_load(struct vm *vm);

/* fdt.c */
int fdt_install(struct vm *vm);

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1U << (n))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL

#endif /* VMM_H */
