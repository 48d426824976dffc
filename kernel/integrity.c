/*
 * The integrity tripwire (kernel/integrity.h): fingerprints of the CPU state
 * and the kernel image that a program must never change, taken before the
 * programs and compared after each one.
 */
#include "kernel/integrity.h"
#include "base/kernel.h"
#include "lib/pe.h"
#include "cpu/gdt.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/record.h"
#include "base/string.h"

static struct kernel_integrity baseline;

struct __attribute__((packed)) table_register { uint16_t limit; uint64_t base; };

/* FNV-1a over 64-bit words (a tail shorter than 8 bytes byte by byte):
 * any changed byte changes the sum, unless a change was made to collide. */
static uint64_t checksum(const void *p, uint64_t len, uint64_t h)
{
	const uint8_t *b = p;
	uint64_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		__builtin_memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define CHECKSUM_SEED 0xcbf29ce484222325ull

/* The non-writable sections of the image at its final address. */
static void image_checksum(struct kernel_integrity *s)
{
	struct pe_image img;
	const uint8_t *base = (const uint8_t *)(uintptr_t)kernel_image_base;

	s->image_ro_sum = CHECKSUM_SEED;
	s->image_ro_bytes = 0;
	if (pe_parse(base, kernel_image_size, &img) < 0)
		return;
	for (uint32_t i = 0; i < img.section_count; i++) {
		const struct pe_section *sec = &img.sections[i];
		if (sec->flags & PE_SCN_WRITE)
			continue;
		uint64_t size = sec->size;
		if (sec->rva >= kernel_image_size)
			continue;
		if (size > kernel_image_size - sec->rva)
			size = kernel_image_size - sec->rva;
		s->image_ro_sum = checksum(base + sec->rva, size, s->image_ro_sum);
		s->image_ro_bytes += size;
	}
}

/* See kernel/integrity.h. */
void integrity_snapshot(struct kernel_integrity *s)
{
	struct table_register gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	__asm__ volatile("str %0; sldt %1" : "=r"(s->tr), "=r"(s->ldtr));
	s->gdt_base = gdtr.base;
	s->gdt_limit = gdtr.limit;
	s->gdt_sum = checksum((const void *)(uintptr_t)gdtr.base, (uint64_t)gdtr.limit + 1, CHECKSUM_SEED);
	s->idt_base = idtr.base;
	s->idt_limit = idtr.limit;
	s->idt_sum = checksum((const void *)(uintptr_t)idtr.base, (uint64_t)idtr.limit + 1, CHECKSUM_SEED);
	s->tss_sum = checksum(&this_cpu_ptr()->tss, sizeof(struct tss64), CHECKSUM_SEED);
	s->gs_base = rdmsr(MSR_GS_BASE);
	s->cr0 = read_cr0();
	s->cr4 = read_cr4();
	s->efer = rdmsr(MSR_EFER);
	s->star = rdmsr(MSR_STAR);
	s->lstar = rdmsr(MSR_LSTAR);
	s->sfmask = rdmsr(MSR_SYSCALL_MASK);
	image_checksum(s);
}

/* Appends "; " (after the first) and one formatted item to why, keeping it terminated. */
static void note(char *why, size_t size, uint32_t *n, const char *fmt, uint64_t a, uint64_t b)
{
	size_t used = strnlen(why, size);
	if (*n && used + 2 < size) {
		why[used++] = ';';
		why[used++] = ' ';
		why[used] = 0;
	}
	if (used + 1 < size)
		format(why + used, size - used, fmt, a, b);
	(*n)++;
}

/* See kernel/integrity.h. */
uint32_t integrity_compare(const struct kernel_integrity *want, const struct kernel_integrity *now,
			   char *why, size_t why_size)
{
	uint32_t n = 0;
	if (why_size)
		why[0] = 0;
#define CMP_REG(field, label) \
	if (want->field != now->field) \
		note(why, why_size, &n, label " 0x%llx now 0x%llx", want->field, now->field)
	CMP_REG(gdt_base, "GDTR base");
	CMP_REG(gdt_limit, "GDTR limit");
	if (want->gdt_sum != now->gdt_sum)
		note(why, why_size, &n, "GDT changed", 0, 0);
	CMP_REG(idt_base, "IDTR base");
	CMP_REG(idt_limit, "IDTR limit");
	if (want->idt_sum != now->idt_sum)
		note(why, why_size, &n, "IDT changed", 0, 0);
	CMP_REG(tr, "TR");
	if (want->tss_sum != now->tss_sum)
		note(why, why_size, &n, "TSS changed", 0, 0);
	if (now->ldtr != 0)
		note(why, why_size, &n, "LDTR 0x%llx (must be the null selector)", now->ldtr, 0);
	CMP_REG(cr0, "CR0");
	CMP_REG(cr4, "CR4");
	CMP_REG(efer, "EFER");
	CMP_REG(star, "STAR");
	CMP_REG(lstar, "LSTAR");
	CMP_REG(sfmask, "SFMASK");
	CMP_REG(gs_base, "GS base (this CPU's pcpu)");
	if (want->image_ro_bytes != now->image_ro_bytes || want->image_ro_sum != now->image_ro_sum)
		note(why, why_size, &n, "kernel text/read-only data changed (%llu bytes checked, %llu before)",
		     now->image_ro_bytes, want->image_ro_bytes);
#undef CMP_REG
	return n;
}

/* See kernel/integrity.h. */
void integrity_baseline(void)
{
	integrity_snapshot(&baseline);
}

/* See kernel/integrity.h. */
bool integrity_check_after(const char *prog)
{
	struct kernel_integrity now;
	char name[160], why[320];
	integrity_snapshot(&now);
	uint32_t n = integrity_compare(&baseline, &now, why, sizeof(why));
	format(name, sizeof(name), "kernel.%s.integrity", prog);
	if (n)
		return record_check(name, false, "%u changed: %s", n, why);
	return record_check(name, true, "GDT, IDT, TSS, LDTR 0, CR0 0x%llx, CR4 0x%llx, EFER 0x%llx, "
			    "SYSCALL MSRs and %llu bytes of text/read-only data as before the programs",
			    now.cr0, now.cr4, now.efer, now.image_ro_bytes);
}
