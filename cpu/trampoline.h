/*
 * The application processors' start-up trampoline (cpu/trampoline.S): the
 * code a CPU runs after a STARTUP IPI, in real mode at vector * 4096, up to
 * the kernel's C entry in long mode. Its frames lie below 1 MiB, taken by
 * the firmware phase (efi/main.c, boot_info.ap_trampoline_phys) and kept
 * out of the frame allocator:
 *
 *   page 0   the code (copied from ap_trampoline_start .. _end) at offset 0,
 *            the header below at AP_TR_HDR, filled by the boot CPU before
 *            each start (kernel/smpboot.c)
 *   page 1   the root table the AP turns paging on with (below 4 GiB: a
 *            32-bit CR3 load): the kernel's top-level entries, plus slot 0 ->
 *   page 2.. an identity map of the first 2 MiB (one 2 MiB leaf) through
 *            the levels below the root: 3 tables in 4-level mode, 4 in 5-level
 *
 * The code is position-independent: real mode addresses the page through
 * CS (= vector << 8), the 32- and 64-bit parts through ebx = its physical
 * address, and its far jumps go through pointers in the header.
 */
#ifndef FAULTLINE_TRAMPOLINE_H
#define FAULTLINE_TRAMPOLINE_H

#define AP_TRAMPOLINE_PAGES 8            /* what the firmware phase reserves */

#define AP_TR_HDR        0x800           /* the header's offset in page 0 */
#define AP_TR_GDT        (AP_TR_HDR + 0x00)  /* 4 descriptors: null, code32, data, code64 */
#define AP_TR_GDT_DESC   (AP_TR_HDR + 0x22)  /* lgdt operand: limit (2), base (4) */
#define AP_TR_FAR32      (AP_TR_HDR + 0x28)  /* ljmp pointer to the 32-bit part: offset (4), selector (2) */
#define AP_TR_FAR64      (AP_TR_HDR + 0x30)  /* to the 64-bit part */
#define AP_TR_CR3        (AP_TR_HDR + 0x38)  /* the root table (page 1) */
#define AP_TR_CR4        (AP_TR_HDR + 0x3c)  /* PAE, PGE, and LA57 when the kernel runs 5 levels */
#define AP_TR_EFER       (AP_TR_HDR + 0x40)  /* LME, NXE, SCE as the boot CPU's */
#define AP_TR_REFUSE     (AP_TR_HDR + 0x44)  /* non-zero: halt in real mode (the test hook) */
#define AP_TR_STACK      (AP_TR_HDR + 0x48)  /* the C entry's stack top (kernel address) */
#define AP_TR_ENTRY      (AP_TR_HDR + 0x50)  /* the C entry: void entry(void *arg), never returns */
#define AP_TR_ARG        (AP_TR_HDR + 0x58)
#define AP_TR_STAGE      (AP_TR_HDR + 0x60)  /* how far the AP got: 1 real, 2 protected, 3 long mode */

#define AP_TR_SEL_CODE32 0x08
#define AP_TR_SEL_DATA   0x10
#define AP_TR_SEL_CODE64 0x18

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct ap_trampoline_header {
	uint64_t gdt[4];
	uint16_t pad0;
	uint16_t gdt_limit;            /* with gdt_base: the 6-byte lgdt operand, every field naturally aligned */
	uint32_t gdt_base;
	uint32_t far32_offset;
	uint16_t far32_selector;
	uint16_t pad1;
	uint32_t far64_offset;
	uint16_t far64_selector;
	uint16_t pad2;
	uint32_t cr3, cr4, efer, refuse;
	uint64_t stack, entry, arg;
	volatile uint32_t stage;
};

_Static_assert(offsetof(struct ap_trampoline_header, gdt_limit) == AP_TR_GDT_DESC - AP_TR_HDR &&
	       offsetof(struct ap_trampoline_header, gdt_base) == AP_TR_GDT_DESC - AP_TR_HDR + 2, "gdt desc");
_Static_assert(offsetof(struct ap_trampoline_header, far32_offset) == AP_TR_FAR32 - AP_TR_HDR, "far32");
_Static_assert(offsetof(struct ap_trampoline_header, far64_offset) == AP_TR_FAR64 - AP_TR_HDR, "far64");
_Static_assert(offsetof(struct ap_trampoline_header, cr3) == AP_TR_CR3 - AP_TR_HDR, "cr3");
_Static_assert(offsetof(struct ap_trampoline_header, refuse) == AP_TR_REFUSE - AP_TR_HDR, "refuse");
_Static_assert(offsetof(struct ap_trampoline_header, stack) == AP_TR_STACK - AP_TR_HDR, "stack");
_Static_assert(offsetof(struct ap_trampoline_header, stage) == AP_TR_STAGE - AP_TR_HDR, "stage");

/* The trampoline's code, to be copied to offset 0 of its page. */
extern char ap_trampoline_start[], ap_trampoline_end[];
/* Offsets in that code of the 32-bit and the 64-bit parts (for the far pointers). */
extern const uint32_t ap_trampoline_offsets[2];
#endif

#endif
