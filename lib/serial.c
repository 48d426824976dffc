/*
 * The console UART (lib/serial.h): a 16550, polled, no FIFO interrupts.
 *
 * A port is where register 0 is (I/O port or physical address), how far
 * apart the registers are (reg_shift) and how wide an access is (1, 2 or 4
 * bytes, memory-mapped only). Programming it: interrupts off, the divisor
 * for the baud rate (or the firmware's divisor kept when the SPCR says "as
 * is"), 8N1, FIFOs on; then the chip's loopback mode must echo a byte,
 * else the port is not used. Memory-mapped registers are reached through
 * phys_to_virt() at each access, so they work on the firmware's identity map
 * and, once paging maps their page (serial_mmio_range), on the kernel's.
 */
#include "lib/serial.h"
#include "base/page_types.h"
#include "cpu/spcr.h"
#include "cpu/x86.h"

#define COM1 0x3f8
#define UART_DATA 0      /* DLL when LCR.DLAB */
#define UART_IER  1      /* DLM when LCR.DLAB */
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_REGS 8
#define LCR_DLAB  0x80
#define LCR_8N1   0x03
#define MCR_LOOP  0x10
#define LSR_THRE  0x20

struct uart_port {
	bool mmio;
	uint64_t base;              /* I/O port or physical address of register 0 */
	uint8_t reg_width;          /* bytes per access (memory-mapped): 1, 2 or 4 */
	uint8_t reg_shift;
	uint32_t baud;              /* 0: keep the firmware's divisor */
	uint32_t clock_hz;
};

static struct uart_port port = { .base = COM1, .reg_width = 1, .baud = 115200,
				 .clock_hz = UART_DEFAULT_CLOCK_HZ };
static bool present;
static bool initialised;        /* serial_init ran: a failed loopback now drops writes */
static enum serial_source source = SERIAL_NONE;
static uint32_t divisor;        /* as programmed or found */

static uint8_t uart_in(const struct uart_port *p, uint32_t reg)
{
	if (!p->mmio)
		return inb((uint16_t)(p->base + reg));
	volatile void *r = phys_to_virt(p->base + ((uint64_t)reg << p->reg_shift));
	if (p->reg_width == 4)
		return (uint8_t)*(volatile uint32_t *)r;
	if (p->reg_width == 2)
		return (uint8_t)*(volatile uint16_t *)r;
	return *(volatile uint8_t *)r;
}

static void uart_out(const struct uart_port *p, uint32_t reg, uint8_t v)
{
	if (!p->mmio) {
		outb((uint16_t)(p->base + reg), v);
		return;
	}
	volatile void *r = phys_to_virt(p->base + ((uint64_t)reg << p->reg_shift));
	if (p->reg_width == 4)
		*(volatile uint32_t *)r = v;
	else if (p->reg_width == 2)
		*(volatile uint16_t *)r = v;
	else
		*(volatile uint8_t *)r = v;
}

/*
 * Programs p (see the file comment) and runs the loopback test. Returns true
 * if the chip echoed; *div_out is the divisor in force.
 */
static bool uart_setup(const struct uart_port *p, uint32_t *div_out)
{
	uint32_t div = 0;

	uart_out(p, UART_IER, 0x00);                    /* no interrupts */
	uart_out(p, UART_LCR, LCR_DLAB);
	if (p->baud) {
		div = p->clock_hz / (16 * p->baud);
		if (div == 0)
			div = 1;
		if (div > 0xffff)
			div = 0xffff;
		uart_out(p, UART_DATA, (uint8_t)div);
		uart_out(p, UART_IER, (uint8_t)(div >> 8));
	} else {                                        /* as the firmware left it */
		div = uart_in(p, UART_DATA) | (uint32_t)uart_in(p, UART_IER) << 8;
	}
	uart_out(p, UART_LCR, LCR_8N1);                 /* DLAB off */
	uart_out(p, UART_FCR, 0xc7);                    /* FIFO on, cleared, 14-byte threshold */
	uart_out(p, UART_MCR, 0x1e);                    /* loopback, to test the chip */
	uart_out(p, UART_DATA, 0xae);
	bool echoed = uart_in(p, UART_DATA) == 0xae;
	uart_out(p, UART_MCR, 0x0f);                    /* normal operation: DTR RTS OUT1 OUT2 */
	*div_out = div;
	return echoed;
}

/* See lib/serial.h. */
bool serial_init(void)
{
	present = uart_setup(&port, &divisor);
	initialised = true;
	source = present ? SERIAL_COM1 : SERIAL_NONE;
	return present;
}

/* See lib/serial.h. */
int serial_use_acpi_console(void)
{
	struct acpi_spcr spcr;
	int err = acpi_get_spcr(&spcr);
	if (err != SPCR_OK)
		return err;
	struct uart_port p = {
		.mmio = spcr.mmio, .base = spcr.address, .reg_width = spcr.reg_width,
		.reg_shift = spcr.reg_shift, .baud = spcr.baud, .clock_hz = spcr.clock_hz,
	};
	uint32_t div;
	if (!uart_setup(&p, &div))
		return 1;
	port = p;
	divisor = div;
	present = true;
	source = SERIAL_SPCR;
	return SPCR_OK;
}

/* See lib/serial.h. */
bool serial_present(void)
{
	return present;
}

/* See lib/serial.h. */
enum serial_source serial_source(void)
{
	return source;
}

/* See lib/serial.h. */
bool serial_mmio_range(uint64_t *phys, uint64_t *len)
{
	if (!present || !port.mmio)
		return false;
	*phys = port.base;
	*len = (uint64_t)UART_REGS << port.reg_shift;
	return true;
}

/* See lib/serial.h. */
void serial_json(struct json *j)
{
	if (!present) {
		json_null(j, "serial");
		return;
	}
	json_object_begin(j, "serial");
	json_str(j, "source", source == SERIAL_SPCR ? "spcr" : "com1");
	json_str(j, "space", port.mmio ? "memory" : "io");
	json_hex(j, "address", port.base);
	json_u64(j, "access_bits", port.mmio ? 8u * port.reg_width : 8u);
	json_u64(j, "baud", divisor ? port.clock_hz / (16 * divisor) : 0);
	json_close(j);
}

static void serial_putc(char c)
{
	/* Bounded wait: a stuck UART must not hang the kernel. */
	for (uint32_t spin = 0; spin < 1000000 && !(uart_in(&port, UART_LSR) & LSR_THRE); spin++)
		cpu_relax();
	uart_out(&port, UART_DATA, (uint8_t)c);
}

/* See lib/serial.h. Before serial_init() runs (firmware phase) writes go to
 * COM1 as the firmware programmed it; after it, only to a UART that answered. */
void serial_write(const char *s, size_t n)
{
	if (initialised && !present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
