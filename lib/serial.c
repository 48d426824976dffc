/*
 * COM1 (16550 UART at 0x3f8), 115200 baud 8N1, polled, no FIFO interrupts.
 * serial_init() checks that a UART is there with the chip's loopback mode;
 * without one every write is dropped (a PC without a serial port is normal).
 */
#include "lib/serial.h"
#include "cpu/x86.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_THRE  0x20

static bool present;

/* See lib/serial.h. */
bool serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);        /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);        /* DLAB on */
	outb(COM1 + UART_DATA, 0x01);       /* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);        /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);        /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x1e);        /* loopback, to test the chip */
	outb(COM1 + UART_DATA, 0xae);
	present = inb(COM1 + UART_DATA) == 0xae;
	outb(COM1 + UART_MCR, 0x0f);        /* normal operation: DTR RTS OUT1 OUT2 */
	return present;
}

/* See lib/serial.h. */
bool serial_present(void)
{
	return present;
}

static void serial_putc(char c)
{
	/* Bounded wait: a stuck UART must not hang the kernel. */
	for (uint32_t spin = 0; spin < 1000000 && !(inb(COM1 + UART_LSR) & LSR_THRE); spin++)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/* See lib/serial.h. Before serial_init() runs (firmware phase) writes go straight
 * to the port: the firmware has already programmed COM1. */
void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
