// SPDX-License-Identifier: GPL-2.0
/*
 * ARM PrimeCell UART (PL011), enough of it for Linux's amba-pl011 driver
 * and its console: output goes to the VMM's stdout (a line at a time, see
 * log.c), input comes from the VMM's stdin through a small RX FIFO and
 * raises the RX interrupt (RIS/MIS, masked by IMSC), which is how a key
 * press wakes a suspended guest that armed its console as a wakeup source.
 *
 * Transmission is instantaneous, so the TX FIFO is always empty: TXFE is
 * always set in FR and the TX interrupt is always raised in RIS. The driver
 * masks TXIM once it has nothing left to send, which drops the line.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "vmm.h"

#define UART_DR		0x000
#define UART_RSR	0x004
#define UART_FR		0x018
#define UART_ILPR	0x020
#define UART_IBRD	0x024
#define UART_FBRD	0x028
#define UART_LCRH	0x02c
#define UART_CR		0x030
#define UART_IFLS	0x034
#define UART_IMSC	0x038
#define UART_RIS	0x03c
#define UART_MIS	0x040
#define UART_ICR	0x044
#define UART_DMACR	0x048

#define FR_RXFE		BIT(4)
#define FR_TXFF		BIT(5)
#define FR_RXFF		BIT(6)
#define FR_TXFE		BIT(7)

#define INT_RX		BIT(4)
#define INT_TX		BIT(5)

#define PL011_PERIPH_ID	0x00041011

#define RX_FIFO_SIZE	32

struct pl011 {
	struct mmio_dev	dev;
	u8		rx[RX_FIFO_SIZE];
	int		rx_head, rx_count;
	pthread_cond_t	rx_space;
	u32		regs[UART_DMACR / 4 + 1];	/* plain storage */
	u32		imsc;
	int		irq_level;
};

static struct pl011 uart;

static u32 ris(struct pl011 *u)
{
	return INT_TX | (u->rx_count ? INT_RX : 0);
}

/* Called with the device lock held. */
static void update_irq(struct pl011 *u)
{
	int level = !!(ris(u) & u->imsc);

	if (level != u->irq_level) {
		u->irq_level = level;
		gic_set_spi(u->dev.vm, PL011_SPI, level);
	}
}

static u64 pl011_read(struct mmio_dev *dev, u64 off, u32 len)
{
	struct pl011 *u = dev->priv;
	u64 val;

	switch (off) {
	case UART_DR:
		if (!u->rx_count)
			return 0;
		val = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
		u->rx_count--;
		pthread_cond_signal(&u->rx_space);
		update_irq(u);
		return val;
	case UART_RSR:
		return 0;
	case UART_FR:
		return FR_TXFE | (u->rx_count ? 0 : FR_RXFE) |
		       (u->rx_count == RX_FIFO_SIZE ? FR_RXFF : 0);
	case UART_IMSC:
		return u->imsc;
	case UART_RIS:
		return ris(u);
	case UART_MIS:
		return ris(u) & u->imsc;
	case UART_ICR:
		return 0;
	case UART_ILPR ... UART_IFLS:
	case UART_DMACR:
		return u->regs[off / 4];
	default:
		return amba_id_read(off, PL011_PERIPH_ID, &val) ? val : 0;
	}
}

static void pl011_write(struct mmio_dev *dev, u64 off, u64 val, u32 len)
{
	struct pl011 *u = dev->priv;

	switch (off) {
	case UART_DR:
		console_putc(val & 0xff);
		break;
	case UART_IMSC:
		u->imsc = val & 0x7ff;
		update_irq(u);
		break;
	case UART_ILPR ... UART_IFLS:
	case UART_DMACR:
		if (off % 4 == 0)
			u->regs[off / 4] = val;
		break;
	default:
		/* RSR/ECR, ICR: nothing latched to clear */
		break;
	}
}

static int pl011_fdt_node(struct mmio_dev *dev, void *fdt)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clk_names[] = "uartclk\0apb_pclk";
	u32 clk = dev->vm->clk_phandle;
	u64 reg[] = { cpu_to_fdt64(dev->base), cpu_to_fdt64(dev->size) };
	u32 irq[] = { cpu_to_fdt32(0), cpu_to_fdt32(PL011_SPI),
		      cpu_to_fdt32(4) };
	u32 clocks[] = { cpu_to_fdt32(clk), cpu_to_fdt32(clk) };
	int err = 0;

	err |= fdt_begin_node(fdt, "pl011@9000000");
	err |= fdt_property(fdt, "compatible", compat, sizeof(compat));
	err |= fdt_property(fdt, "reg", reg, sizeof(reg));
	err |= fdt_property(fdt, "interrupts", irq, sizeof(irq));
	err |= fdt_property(fdt, "clocks", clocks, sizeof(clocks));
	err |= fdt_property(fdt, "clock-names", clk_names, sizeof(clk_names));
	err |= fdt_end_node(fdt);
	return err ? -1 : 0;
}

/*
 * A byte while the guest is suspended is a wake-up event: say so, and
 * whether the guest left the RX interrupt unmasked (IMSC) to wake it. Whether
 * the GIC then lets it wake the vCPU is the guest's choice too: Linux keeps
 * it enabled across suspend only for a port armed in
 * /sys/class/tty/ttyAMA0/power/wakeup.
 */
static void report_input(struct pl011 *u, u8 c)
{
	if (!suspend_vm_suspended(u->dev.vm))
		return;
	vmm_log(EV_CONSOLE_INPUT ": byte %#04x, RX interrupt %s", c,
		u->imsc & INT_RX ? "raised" : "masked in the UART");
}

/* Feeds stdin into the RX FIFO, waiting while it is full. */
static void *pl011_stdin_thread(void *arg)
{
	struct pl011 *u = arg;
	u8 c;

	while (read(STDIN_FILENO, &c, 1) == 1) {
		pthread_mutex_lock(&u->dev.lock);
		while (u->rx_count == RX_FIFO_SIZE)
			pthread_cond_wait(&u->rx_space, &u->dev.lock);
		u->rx[(u->rx_head + u->rx_count) % RX_FIFO_SIZE] = c;
		u->rx_count++;
		report_input(u, c);	/* before the vCPU can log its WAKEUP */
		update_irq(u);
		pthread_mutex_unlock(&u->dev.lock);
	}
	return NULL;
}

static int pl011_start(struct mmio_dev *dev)
{
	return vmm_thread_start(NULL, "pl011-rx", pl011_stdin_thread, dev->priv);
}

static const struct mmio_ops pl011_ops = {
	.read = pl011_read, .write = pl011_write,
	.fdt_node = pl011_fdt_node, .start = pl011_start,
};

static int pl011_init(struct vm *vm)
{
	pthread_cond_init(&uart.rx_space, NULL);
	vm->stdout_path = "/pl011@9000000";
	return mmio_register(vm, &uart.dev, "pl011", PL011_BASE, AMBA_SIZE,
			     &pl011_ops, &uart);
}
vmm_device_init(pl011_init);
