/*
 * exception_dispatch: where every vector lands (from fault/entry.S). The
 * architecture facts are decoded here and handed to the part that owns the
 * case: page faults to the fault path, spurious interrupts are counted and
 * dropped, and anything else the kernel did not expect ends in die().
 */
#include "fault/idt.h"
#include "fault/panic.h"
#include "fault/ptrace.h"
#include "fault/traps.h"
#include "cpu/x86.h"
#include "lib/record.h"

uint64_t spurious_interrupts;

/* Called from exception_common with interrupts off. Returns to resume regs. */
void exception_dispatch(struct pt_regs *regs)
{
	uint64_t v = regs->vector;

	if (v == SPURIOUS_APIC_VECTOR || v == PIC_VECTOR_BASE + 7 || v == PIC_VECTOR_BASE + 15) {
		spurious_interrupts++;
		return;
	}
	if (v >= PIC_VECTOR_BASE && v < PIC_VECTOR_BASE + 16) {
		/* Masked lines should never fire; acknowledge and go on. */
		record_warning("unexpected_irq", "PIC vector %llu arrived while masked", v);
		if (v >= PIC_VECTOR_BASE + 8)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
		return;
	}
	die(exception_name(v), regs);
}
