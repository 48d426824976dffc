/*
 * The interrupt descriptor table. Every gate is an interrupt gate (IF cleared
 * on entry: the kernel runs with interrupts off throughout), DPL 0 except #BP
 * (int3 from ring 3 is allowed, as on Linux). #DF, NMI and #MC use their own
 * IST stacks. The legacy PICs are remapped to 0x20..0x2f and fully masked.
 */
#include "fault/idt.h"
#include "cpu/apic.h"
#include "fault/entry.h"
#include "fault/fault_lock.h"
#include "cpu/gdt.h"
#include "cpu/pic.h"
#include "cpu/x86.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));

/* The stubs in fault/entry.S are 16-byte aligned, one per vector, in order. */
extern char exception_stub_236[];
extern char exception_stub_251[];
extern char exception_stub_253[];
extern char exception_stub_255[];
extern char exception_stub_14_smp[];

static void set_gate(unsigned vector, void *handler, unsigned ist, unsigned dpl)
{
	uint64_t addr = (uint64_t)(uintptr_t)handler;
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)addr,
		.selector = GDT_KERNEL_CS,
		.ist = (uint8_t)ist,
		.type_attr = (uint8_t)(0x8e | (dpl << 5)), /* present, 64-bit interrupt gate */
		.offset_mid = (uint16_t)(addr >> 16),
		.offset_high = (uint32_t)(addr >> 32),
	};
}

/* Remaps the two 8259s to vectors 0x20..0x2f and masks every line. */
static void pic_remap_and_mask(void)
{
	outb(PIC_MASTER_CMD, PIC_ICW1_INIT); io_delay();
	outb(PIC_SLAVE_CMD, PIC_ICW1_INIT); io_delay();
	outb(PIC_MASTER_IMR, PIC_VECTOR_BASE); io_delay();      /* ICW2: vector base */
	outb(PIC_SLAVE_IMR, PIC_VECTOR_BASE + 8); io_delay();
	outb(PIC_MASTER_IMR, 1u << PIC_CASCADE_IR); io_delay(); /* ICW3: which line has the slave */
	outb(PIC_SLAVE_IMR, PIC_CASCADE_IR); io_delay();        /* ICW3: the slave's line number */
	outb(PIC_MASTER_IMR, PIC_ICW4_8086); io_delay();
	outb(PIC_SLAVE_IMR, PIC_ICW4_8086); io_delay();
	outb(PIC_MASTER_IMR, PIC_MASK_ALL);
	outb(PIC_SLAVE_IMR, PIC_MASK_ALL);
}

/* See fault/idt.h. */
void idt_init(void)
{
	for (unsigned v = 0; v < 48; v++) {
		unsigned ist = 0;
		if (v == X86_TRAP_DF)
			ist = IST_DOUBLE_FAULT;
		else if (v == X86_TRAP_NMI)
			ist = IST_NMI;
		else if (v == X86_TRAP_MC)
			ist = IST_MACHINE_CHECK;
		set_gate(v, exception_stubs_start + 16 * v, ist, v == X86_TRAP_BP ? 3 : 0);
	}
	set_gate(LOCAL_TIMER_VECTOR, exception_stub_236, 0, 0);
	set_gate(CALL_FUNCTION_VECTOR, exception_stub_251, 0, 0);
	set_gate(RESCHEDULE_VECTOR, exception_stub_253, 0, 0);
	set_gate(SPURIOUS_APIC_VECTOR, exception_stub_255, 0, 0);
	idt_load();
	pic_remap_and_mask();
}

/* See fault/idt.h. */
void idt_set_page_fault_entry(bool smp)
{
	page_fault_set_smp(smp);
	set_gate(X86_TRAP_PF, smp ? exception_stub_14_smp : exception_stubs_start + 16 * X86_TRAP_PF, 0, 0);
}

/* See fault/idt.h. */
void idt_load(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt
	};
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

/* See fault/idt.h. */
const char *exception_name(uint64_t vector)
{
	static const char *const names[32] = {
		"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
		"#BR bound range", "#UD invalid opcode", "#NM device not available",
		"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
		"#NP segment not present", "#SS stack fault", "#GP general protection",
		"#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check",
		"#MC machine check", "#XM SIMD floating point", "#VE virtualization",
		"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
		"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
		"#VC VMM communication", "#SX security", "reserved 31",
	};
	if (vector < 32)
		return names[vector];
	if (vector == SPURIOUS_APIC_VECTOR)
		return "spurious APIC interrupt";
	return "interrupt";
}
