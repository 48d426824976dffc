/*
 * The two legacy 8259 interrupt controllers (master: IRQ 0-7, slave: IRQ
 * 8-15 on the master's line 2): their I/O ports and the commands faultline
 * sends. Linux's names (arch/x86/include/asm/i8259.h). They are remapped to
 * PIC_VECTOR_BASE (fault/idt.h) and masked at boot; only the watchdog
 * unmasks IRQ 0 (the PIT) while a program runs.
 */
#ifndef FAULTLINE_PIC_H
#define FAULTLINE_PIC_H

#define PIC_MASTER_CMD  0x20    /* ICW1, OCW2 (EOI) */
#define PIC_MASTER_IMR  0x21    /* ICW2..4, then the interrupt mask */
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_IMR   0xa1

#define PIC_ICW1_INIT   0x11    /* initialise, edge triggered, cascade, ICW4 follows */
#define PIC_ICW4_8086   0x01    /* 8086 mode, normal EOI */
#define PIC_CASCADE_IR  2       /* the master's line the slave hangs on */
#define PIC_EOI         0x20    /* OCW2: non-specific end of interrupt */
#define PIC_MASK_ALL    0xff

#endif
