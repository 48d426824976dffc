/*
 * The kernel's integrity tripwire: what ring 3 must never be able to change,
 * fingerprinted once before the programs run and compared after each one.
 *
 *   descriptor tables  GDTR and IDTR (base, limit) and a checksum of each
 *                      table's bytes; TR and the TSS's bytes (RSP0 and the
 *                      IST pointers included: nothing changes them once the
 *                      programs run); LDTR, which must be the null selector
 *   control registers  CR0, CR4, EFER exactly; the SYSCALL MSRs STAR, LSTAR
 *                      and SFMASK; the kernel's GS base (MSR_GS_BASE after the
 *                      program's return swapgs: this CPU's struct pcpu)
 *   the image          a checksum of every section of the kernel image that
 *                      is not writable (text, read-only data, relocations),
 *                      read through its final mapping
 *
 * A hostile program that reached ring 0 and changed any of these is caught at
 * its end, as a failing `kernel.<program>.integrity` record. A tripwire, not
 * a proof: a program that can run ring-0 code could restore what it changed.
 */
#ifndef FAULTLINE_INTEGRITY_H
#define FAULTLINE_INTEGRITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel_integrity {
	uint64_t gdt_base, gdt_sum;
	uint64_t idt_base, idt_sum;
	uint16_t gdt_limit, idt_limit;
	uint16_t tr, ldtr;
	uint64_t tss_sum;
	uint64_t cr0, cr4, efer;
	uint64_t star, lstar, sfmask;
	uint64_t gs_base;              /* the kernel's: this CPU's struct pcpu (cpu/percpu.h) */
	uint64_t image_ro_sum, image_ro_bytes;
};

/* Reads the running CPU's state and the image into *s. Cannot fail (an image
 * whose headers do not parse has image_ro_bytes 0, which compares as such). */
void integrity_snapshot(struct kernel_integrity *s);

/*
 * Compares now against want: returns how many items differ, and writes what
 * changed ("GDT changed; CR4 0x...-> 0x...") into why (always terminated).
 * A non-null LDTR in now counts as a difference even if want has it too.
 */
uint32_t integrity_compare(const struct kernel_integrity *want, const struct kernel_integrity *now,
			   char *why, size_t why_size);

/* Takes the baseline the checks after each program compare against: call
 * once the final GDT, IDT, TSS, control registers and SYSCALL MSRs are set. */
void integrity_baseline(void);

/* Compares the machine against the baseline and records the result as the
 * test `kernel.<prog>.integrity`. Returns true if nothing changed. */
bool integrity_check_after(const char *prog);

#endif
