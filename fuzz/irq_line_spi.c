// SPDX-License-Identifier: GPL-2.0
/*
 * irq_line_spi - KVM_IRQ_LINE for SPIs the vGIC does not have.
 *
 * A vGICv3 with 96 interrupts has SPIs 32-95. KVM_IRQ_LINE must raise and
 * lower those, and refuse every other SPI number with EINVAL without a
 * kernel splat. On 5.10 up to at least 5.10.262, vgic_get_irq() WARNs for
 * SPIs 96-8191 before the ioctl fails ("Looking up struct vgic_irq for
 * reserved INTID"); patches-stable/ drops that WARN, as mainline did in
 * v5.15. The splat is read from /dev/kmsg (the harness also sees it on the
 * console).
 *
 * Exit status: 0 pass, 1 fail, 4 skip (no /dev/kvm, no vGICv3).
 */
#include <inttypes.h>
#include <stdio.h>

#include "kvm_arm.h"
#include "kmsg.h"

#define NR_IRQS		96
#define GICD_BASE	0x08000000
#define GICR_BASE	0x080a0000

static const uint32_t good[] = { 32, 40, 95 };
static const uint32_t bad[] = { 96, 97, 127, 128, 500, 1019, 1020, 1023, 1024, 4096, 8191 };

static int fails;

static void expect(int vm, uint32_t spi, int level, int want_errno)
{
	int r = ka_irq_line(vm, KVM_ARM_IRQ_TYPE_SPI, 0, spi, level);
	int e = r ? errno : 0;

	if (e == want_errno)
		return;
	fails++;
	printf("irq_line_spi: FAIL: KVM_IRQ_LINE(SPI %u, level %d): %s, want %s\n", spi,
	       level, e ? strerror(e) : "success", want_errno ? strerror(want_errno) : "success");
}

/* A VM with a vGICv3 of NR_IRQS interrupts and one vCPU; -1 to skip. */
static int make_vm(int kvm)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, 0), gic, fd;

	if (vm < 0)
		return -1;
	gic = ka_vgic_create(vm, GICD_BASE, GICR_BASE, NR_IRQS);
	if (gic < 0) {
		printf("irq_line_spi: SKIP: no vGICv3: %s\n", strerror(errno));
		return -1;
	}
	if (!ka_vcpu_create(kvm, vm, 0, &fd) || ka_vcpu_init(vm, fd, 0) || ka_vgic_init(gic)) {
		printf("irq_line_spi: FAIL: setting up the vCPU and the vGIC: %s\n", strerror(errno));
		fails++;
		return -1;
	}
	return vm;
}

int main(void)
{
	int kvm = ka_open(), vm;
	const char *splat;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (kvm < 0) {
		printf("irq_line_spi: SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return KA_EXIT_SKIP;
	}
	if (!kmsg_start())
		printf("irq_line_spi: cannot read /dev/kmsg: splats are left to the harness\n");
	vm = make_vm(kvm);
	if (vm < 0)
		return fails ? KA_EXIT_FAIL : KA_EXIT_SKIP;
	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		expect(vm, good[i], 1, 0);
		expect(vm, good[i], 0, 0);
	}
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect(vm, bad[i], 1, EINVAL);
		expect(vm, bad[i], 0, EINVAL);
	}
	splat = kmsg_poll();
	if (splat) {
		fails++;
		printf("irq_line_spi: FAIL: %" PRId64 " kernel splat(s), the first: %s\n",
		       kmsg_splats(), splat);
	}
	printf("irq_line_spi: %zu SPIs past nr_irqs refused, %zu in range raised and lowered: %s\n",
	       sizeof(bad) / sizeof(bad[0]), sizeof(good) / sizeof(good[0]),
	       fails ? "FAIL" : "PASS");
	return fails ? KA_EXIT_FAIL : KA_EXIT_PASS;
}
