// SPDX-License-Identifier: GPL-2.0
/*
 * ARM PrimeCell RTC (PL031): a 32-bit seconds counter, and a match register
 * that raises the interrupt when the counter reaches it. This is the
 * guest's wakeup source: Linux's rtc-pl031 driver arms its interrupt for
 * wakeup (/sys/class/rtc/rtc0/wakealarm), so the GIC keeps it enabled while
 * the guest is suspended and KVM wakes the SUSPENDED vCPU when it fires.
 *
 * The counter is the host's CLOCK_REALTIME in seconds plus an offset that a
 * write to the load register sets. A timer thread sleeps until the counter
 * reaches the match value, in host time, and then raises the interrupt: the
 * device keeps running whatever the vCPUs do, which is what a suspended
 * system needs from its wakeup source.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <libfdt.h>

#include "vmm.h"

#define RTC_DR		0x00	/* data (counter), read only */
#define RTC_MR		0x04	/* match */
#define RTC_LR		0x08	/* load */
#define RTC_CR		0x0c	/* control: bit 0 starts the counter */
#define RTC_IMSC	0x10	/* interrupt mask set/clear */
#define RTC_RIS		0x14	/* raw interrupt status */
#define RTC_MIS		0x18	/* masked interrupt status */
#define RTC_ICR		0x1c	/* interrupt clear */

#define RTC_BIT_AI	BIT(0)	/* alarm interrupt */

#define PL031_PERIPH_ID	0x00041031

struct pl031 {
	struct mmio_dev	dev;
	int		tfd;		/* timerfd on CLOCK_REALTIME */
	s64		offset;		/* counter - host seconds */
	u32		mr, lr, imsc, ris;
	bool		armed;
	int		irq_level;
};

static struct pl031 rtc;

/*
 * Not time(): glibc may implement it with CLOCK_REALTIME_COARSE, which lags
 * by up to a tick (more on a tickless idle CPU) and would make the counter
 * read one less than the match value right after the timer fired.
 */
static s64 host_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static u32 counter(struct pl031 *r)
{
	return (u32)(host_seconds() + r->offset);
}

/* Called with the device lock held. */
static void update_irq(struct pl031 *r)
{
	int level = !!(r->ris & r->imsc);

	if (level != r->irq_level) {
		r->irq_level = level;
		gic_set_spi(r->dev.vm, PL031_SPI, level);
	}
}

/*
 * (Re)program the host timer for the moment the counter reaches the match
 * value. The hardware compares for equality, so a match value at or behind
 * the counter would only fire after the counter wraps: leave it disarmed.
 */
static void arm_timer(struct pl031 *r)
{
	struct itimerspec its = { 0 };
	s32 ahead = (s32)(r->mr - counter(r));

	r->armed = ahead > 0;
	if (r->armed)
		its.it_value.tv_sec = (time_t)((s64)r->mr - r->offset);
	if (timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		vmm_err("pl031: timerfd_settime: %s", strerror(errno));
}

static u64 pl031_read(struct mmio_dev *dev, u64 off, u32 len)
{
	struct pl031 *r = dev->priv;
	u64 id;

	switch (off) {
	case RTC_DR:
		return counter(r);
	case RTC_MR:
		return r->mr;
	case RTC_LR:
		return r->lr;
	case RTC_CR:
		return 1;	/* always running: it cannot be stopped */
	case RTC_IMSC:
		return r->imsc;
	case RTC_RIS:
		return r->ris;
	case RTC_MIS:
		return r->ris & r->imsc;
	default:
		return amba_id_read(off, PL031_PERIPH_ID, &id) ? id : 0;
	}
}

static void pl031_write(struct mmio_dev *dev, u64 off, u64 val, u32 len)
{
	struct pl031 *r = dev->priv;
	u32 now;

	switch (off) {
	case RTC_MR:
		r->mr = val;
		arm_timer(r);
		now = counter(r);
		vmm_log("pl031: alarm set for RTC %u (now %u, in %d s)",
			r->mr, now, (s32)(r->mr - now));
		break;
	case RTC_LR:
		r->lr = val;
		r->offset = (s64)(u32)val - host_seconds();
		arm_timer(r);
		break;
	case RTC_IMSC:
		r->imsc = val & RTC_BIT_AI;
		update_irq(r);
		break;
	case RTC_ICR:
		r->ris &= ~(val & RTC_BIT_AI);
		update_irq(r);
		break;
	default:
		/* DR and the status registers are read only; CR can't stop it */
		break;
	}
}

static void *pl031_timer_thread(void *arg)
{
	struct pl031 *r = arg;
	u64 expirations;

	for (;;) {
		if (read(r->tfd, &expirations, sizeof(expirations)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_err("pl031: timerfd read: %s", strerror(errno));
			return NULL;
		}

		pthread_mutex_lock(&r->dev.lock);
		if (!r->armed) {
			/* The guest moved the alarm since the timer fired. */
		} else if ((s32)(counter(r) - r->mr) < 0) {
			/* Early (the host clock was stepped?): wait again. */
			arm_timer(r);
		} else {
			r->armed = false;
			r->ris |= RTC_BIT_AI;
			vmm_log("pl031: alarm due (RTC %u), interrupt %s",
				r->mr, r->imsc ? "raised" : "masked");
			update_irq(r);
		}
		pthread_mutex_unlock(&r->dev.lock);
	}
}

static int pl031_fdt_node(struct mmio_dev *dev, void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	u64 reg[] = { cpu_to_fdt64(dev->base), cpu_to_fdt64(dev->size) };
	u32 irq[] = { cpu_to_fdt32(0), cpu_to_fdt32(PL031_SPI),
		      cpu_to_fdt32(4) };
	int err = 0;

	err |= fdt_begin_node(fdt, "pl031@9010000");
	err |= fdt_property(fdt, "compatible", compat, sizeof(compat));
	err |= fdt_property(fdt, "reg", reg, sizeof(reg));
	err |= fdt_property(fdt, "interrupts", irq, sizeof(irq));
	err |= fdt_property_cell(fdt, "clocks", dev->vm->clk_phandle);
	err |= fdt_property_string(fdt, "clock-names", "apb_pclk");
	err |= fdt_end_node(fdt);
	return err ? -1 : 0;
}

static int pl031_start(struct mmio_dev *dev)
{
	return vmm_thread_start(NULL, "pl031-timer", pl031_timer_thread, dev->priv);
}

static const struct mmio_ops pl031_ops = {
	.read = pl031_read, .write = pl031_write,
	.fdt_node = pl031_fdt_node, .start = pl031_start,
};

static int pl031_init(struct vm *vm)
{
	rtc.tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	if (rtc.tfd < 0) {
		vmm_err("pl031: timerfd_create: %s", strerror(errno));
		return -1;
	}
	return mmio_register(vm, &rtc.dev, "pl031", PL031_BASE, AMBA_SIZE,
			     &pl031_ops, &rtc);
}
vmm_device_init(pl031_init);
