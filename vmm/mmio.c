// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO bus: devices register a window and their handlers; KVM_EXIT_MMIO
 * exits are routed here. The core never looks inside a device; it only
 * calls the init function each device file registered (devices_init()).
 */
#include <errno.h>
#include <string.h>

#include "vmm.h"

int mmio_register(struct vm *vm, struct mmio_dev *dev, const char *name,
		  u64 base, u64 size, const struct mmio_ops *ops, void *priv)
{
	struct mmio_dev *d;

	*dev = (struct mmio_dev) {
		.name = name, .base = base, .size = size,
		.ops = ops, .priv = priv, .vm = vm,
	};

	for (d = vm->devices; d; d = d->next) {
		if (dev->base < d->base + d->size &&
		    d->base < dev->base + dev->size) {
			vmm_err("%s overlaps %s", dev->name, d->name);
			return -1;
		}
	}
	pthread_mutex_init(&dev->lock, NULL);
	dev->next = vm->devices;
	vm->devices = dev;
	return 0;
}

static struct mmio_dev *find_dev(struct vm *vm, u64 addr, u32 len)
{
	struct mmio_dev *d;

	for (d = vm->devices; d; d = d->next)
		if (addr >= d->base && addr + len <= d->base + d->size)
			return d;
	return NULL;
}

static u64 load_le(const u8 *p, u32 len)
{
	u64 v = 0;

	while (len--)
		v = (v << 8) | p[len];
	return v;
}

static void store_le(u8 *p, u64 v, u32 len)
{
	while (len--) {
		*p++ = v;
		v >>= 8;
	}
}

/*
 * An access nobody claims reads as zero and is otherwise ignored, as on a
 * bus without an external abort; it is reported, a few times, because it
 * usually means the device tree and the guest disagree.
 */
static void unclaimed(struct vcpu *vcpu, u64 addr, u32 len, bool write)
{
	static int reported;

	if (reported++ < 10)
		vmm_log("vcpu%d: unclaimed MMIO %s at %#llx (%u bytes)",
			vcpu->id, write ? "write" : "read",
			(unsigned long long)addr, len);
}

int mmio_dispatch(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 addr = run->mmio.phys_addr;
	u32 len = run->mmio.len;
	struct mmio_dev *dev;

	if (len != 1 && len != 2 && len != 4 && len != 8) {
		vmm_err("vcpu%d: MMIO access of %u bytes at %#llx", vcpu->id,
			len, (unsigned long long)addr);
		return -1;
	}

	dev = find_dev(vcpu->vm, addr, len);
	if (!dev) {
		unclaimed(vcpu, addr, len, run->mmio.is_write);
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, len);
		return 0;
	}

	pthread_mutex_lock(&dev->lock);
	if (run->mmio.is_write)
		dev->ops->write(dev, addr - dev->base, load_le(run->mmio.data, len),
			   len);
	else
		store_le(run->mmio.data, dev->ops->read(dev, addr - dev->base, len),
			 len);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int mmio_fdt_nodes(struct vm *vm, void *fdt)
{
	struct mmio_dev *d;

	for (d = vm->devices; d; d = d->next)
		if (d->ops->fdt_node && d->ops->fdt_node(d, fdt))
			return -1;
	return 0;
}

int mmio_start_all(struct vm *vm)
{
	struct mmio_dev *d;

	for (d = vm->devices; d; d = d->next)
		if (d->ops->start && d->ops->start(d))
			return -1;
	return 0;
}

/*
 * The PrimeCell identification registers every AMBA device has: four
 * peripheral ID and four cell ID registers, a byte each. Returns true when
 * @off is one of them, with its value in *@val.
 */
#define AMBA_PERIPH_ID		0xfe0
#define AMBA_CELL_ID		0xff0
#define AMBA_CELL_ID_VALUE	0xb105f00d

bool amba_id_read(u64 off, u32 periph_id, u64 *val)
{
	u32 id;

	if (off >= AMBA_PERIPH_ID && off < AMBA_PERIPH_ID + 0x10)
		id = periph_id;
	else if (off >= AMBA_CELL_ID && off < AMBA_CELL_ID + 0x10)
		id = AMBA_CELL_ID_VALUE;
	else
		return false;
	*val = (id >> (8 * ((off & 0xf) / 4))) & 0xff;
	return true;
}

/* The devices that registered with vmm_device_init(), in link order. */
static struct vmm_device_init *device_inits;

void vmm_device_add(struct vmm_device_init *d)
{
	struct vmm_device_init **p = &device_inits;

	while (*p)
		p = &(*p)->next;
	*p = d;
}

int devices_init(struct vm *vm)
{
	struct vmm_device_init *d;

	for (d = device_inits; d; d = d->next) {
		if (d->init(vm)) {
			vmm_err("cannot set up the device (%s)", d->name);
			return -1;
		}
	}
	return 0;
}
