/*
 * Self-checks of the takeover and the test hooks (kernel/selftest.h). Each
 * check reads the machine state back rather than trusting what we wrote.
 */
#include "kernel/selftest.h"
#include "kernel/integrity.h"
#include "kernel/mm_atomic_test.h"
#include "kernel/fault_smp_test.h"
#include "cpu/gdt.h"
#include "cpu/percpu.h"
#include "cpu/pic.h"
#include "cpu/x86.h"
#include "base/panic.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/efi_map.h"
#include "efi/runtime.h"
#include "paging/init.h"
#include "paging/layout.h"
#include "paging/mode_switch.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "paging/verify.h"
#include "cpu/cpufeature.h"

struct __attribute__((packed)) descriptor_table { uint16_t limit; uint64_t base; };

/* GDT/TSS/IDT really loaded: read back with sgdt/str/sidt and the segment registers. */
static void check_descriptor_tables(void)
{
	struct descriptor_table gdtr, idtr;
	const struct tss64 *tss = &this_cpu_ptr()->tss;
	uint16_t tr, cs, ss, ds;
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(tr));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2" : "=r"(cs), "=r"(ss), "=r"(ds));
	record_check("takeover.gdt", gdtr.limit == GDT_ENTRIES * 8 - 1 && cs == GDT_KERNEL_CS && ss == GDT_KERNEL_DS &&
		     ds == GDT_KERNEL_DS, "gdtr limit %u, cs 0x%x ss 0x%x ds 0x%x", gdtr.limit, cs, ss, ds);
	record_check("takeover.tss", tr == GDT_TSS && tss->ist[0] && tss->ist[1] && tss->ist[2] &&
		     tss->rsp[0], "tr 0x%x, rsp0 0x%llx, ist1-3 set", tr, tss->rsp[0]);
	record_check("takeover.idt", idtr.limit == 256 * 16 - 1, "idtr limit %u base 0x%llx", idtr.limit, idtr.base);

	/* No LDT, and no I/O bitmap: the TSS limit (from its descriptor) ends before iomap_base. */
	uint16_t ldtr;
	__asm__ volatile("sldt %0" : "=r"(ldtr));
	uint64_t tss_desc = *(const volatile uint64_t *)(uintptr_t)(gdtr.base + tr);
	uint32_t tss_limit = (uint32_t)(tss_desc & 0xffff) | (uint32_t)((tss_desc >> 48) & 0xf) << 16;
	record_check("takeover.no_ldt_no_io_bitmap", ldtr == 0 && tss->iomap_base > tss_limit &&
		     !(read_rflags() & X86_EFLAGS_IOPL),
		     "ldtr 0x%x; TSS limit %u, I/O map base %u; IOPL %llu", ldtr, tss_limit,
		     tss->iomap_base, (read_rflags() & X86_EFLAGS_IOPL) >> 12);
}

/*
 * The integrity tripwire can fail: one byte of the real IDT (a reserved byte
 * of vector 0x80's gate, never used) and a copy's CR4 are changed, and the
 * comparison must name each; with the byte put back it must find nothing.
 */
static void check_integrity_tripwire(void)
{
	struct kernel_integrity before, after, restored, copy;
	struct descriptor_table idtr;
	char why_idt[320], why_cr4[320], why_same[320];
	__asm__ volatile("sidt %0" : "=m"(idtr));
	volatile uint8_t *reserved = (volatile uint8_t *)(uintptr_t)(idtr.base + 0x80 * 16 + 12);

	integrity_snapshot(&before);
	uint8_t old = *reserved;
	*reserved = old ^ 0x40;
	integrity_snapshot(&after);
	*reserved = old;
	integrity_snapshot(&restored);
	copy = before;
	copy.cr4 ^= X86_CR4_UMIP;
	uint32_t n_idt = integrity_compare(&before, &after, why_idt, sizeof(why_idt));
	uint32_t n_cr4 = integrity_compare(&before, &copy, why_cr4, sizeof(why_cr4));
	uint32_t n_same = integrity_compare(&before, &restored, why_same, sizeof(why_same));
	record_check("takeover.integrity_tripwire",
		     n_idt == 1 && strcmp(why_idt, "IDT changed") == 0 && n_cr4 == 1 &&
		     strncmp(why_cr4, "CR4 0x", 6) == 0 && n_same == 0 && before.ldtr == 0 &&
		     before.image_ro_bytes > 0,
		     "IDT byte flipped: %u (%s); CR4 changed: %u (%s); put back: %u%s%s; LDTR 0x%x; %llu image bytes",
		     n_idt, why_idt, n_cr4, why_cr4, n_same, n_same ? ": " : "", why_same, before.ldtr,
		     before.image_ro_bytes);
}

/* Interrupts stay off and every 8259 line is masked. */
static void check_interrupts_off(void)
{
	uint64_t flags = read_rflags();
	uint8_t m1 = inb(PIC_MASTER_IMR), m2 = inb(PIC_SLAVE_IMR);
	record_check("takeover.interrupts_off", !(flags & X86_EFLAGS_IF) && m1 == PIC_MASK_ALL && m2 == PIC_MASK_ALL,
		     "rflags 0x%llx, pic masks 0x%x 0x%x", flags, m1, m2);
}

/* The TSC moves forward and its frequency is plausible (100 MHz .. 10 GHz). */
static void check_tsc(void)
{
	uint64_t prev = rdtsc_ordered(), backwards = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t now = rdtsc_ordered();
		if (now < prev)
			backwards++;
		prev = now;
	}
	record_check("tsc.monotonic", backwards == 0, "%llu backward steps in 10000 reads", backwards);
	record_check("tsc.frequency", tsc_hz >= 100000000ull && tsc_hz <= 10000000000ull,
		     "%llu Hz from %s", tsc_hz, tsc_source);
}

/* The frame allocator holds what the memory map says is usable (within 1 %),
 * less its own struct page array, and its free lists are consistent. */
static void check_frames(const struct memmap *mm)
{
	struct buddy_stats st;
	buddy_get_stats(&st);
	uint64_t free_bytes = st.free_pages * PAGE_SIZE;
	uint64_t expect = mm->usable_bytes - st.mem_map_bytes;
	uint64_t diff = free_bytes > expect ? free_bytes - expect : expect - free_bytes;
	record_check("frames.match_memory_map", expect && diff * 100 <= expect,
		     "free %llu bytes; usable %llu less struct page array %llu", free_bytes,
		     mm->usable_bytes, st.mem_map_bytes);
	struct check_result cr;
	uint64_t problems = buddy_check(&cr);
	record_check("frames.buddy_consistent", problems == 0, "%llu problems in the free lists%s%s", problems,
		     problems ? ": " : "", cr.first);
}

/* The paging mode and control bits are what paging_init chose. */
static void check_paging_mode(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	uint32_t levels = (cr4 & X86_CR4_LA57) ? 5 : 4;
	static const char *const asked[] = { "auto", "", "", "", "4", "5" };
	record_check("paging.levels", levels == paging_report.levels && levels == (uint32_t)pgtable_levels(),
		     "CR4.LA57 says %u levels; firmware had %u; paging = %s%s", levels,
		     paging_report.firmware_levels, asked[paging_report.requested % 6],
		     paging_report.la57_fallback ? " (no LA57: fell back to 4)" : "");
	bool want_smep = boot_cpu_has(X86_FEATURE_SMEP), want_smap = boot_cpu_has(X86_FEATURE_SMAP);
	bool ok = (cr0 & X86_CR0_WP) && (cr4 & X86_CR4_PGE) &&
		  (!boot_cpu_has(X86_FEATURE_NX) || (efer & EFER_NXE)) &&
		  !!(cr4 & X86_CR4_SMEP) == want_smep && !!(cr4 & X86_CR4_SMAP) == want_smap &&
		  !!(cr4 & X86_CR4_PCIDE) == tlb_use_pcid;
	record_check("paging.control_bits", ok, "CR0 0x%llx CR4 0x%llx EFER 0x%llx (smep %d smap %d pcide %d expected)",
		     cr0, cr4, efer, want_smep, want_smap, tlb_use_pcid);
}

/* The kernel runs in the top 2 GiB and the user half of its tables is empty. */
static void check_kernel_layout(void)
{
	uint64_t rip = (uint64_t)(uintptr_t)&check_kernel_layout;
	uint32_t user_entries = 0;
	for (uint32_t i = 0; i < PTRS_PER_PGD / 2; i++)
		user_entries += pgd_val(init_top_pgt[i]) != 0;
	record_check("paging.kernel_layout", rip >= __START_KERNEL_map && user_entries == 0 &&
		     direct_map_base == page_offset_base((uint32_t)pgtable_levels(), paging_report.mode_switchable),
		     "code at 0x%llx, direct map at 0x%llx, %u user-half root entries, %lld relocations, "
		     "direct map %llu MiB with %s leaves", rip, direct_map_base, user_entries,
		     paging_report.relocations, paging_report.direct_map_bytes >> 20,
		     paging_report.direct_map_leaf == PG_LEVEL_1G ? "1 GiB" : "2 MiB");
}

/* The verifier finds every invariant holding on the kernel's tables. */
static void check_verifier(const char *name)
{
	struct pgtable_verify v;
	pgd_t *roots[2];
	uint64_t problems = verify_page_tables(roots, kernel_page_table_roots(roots), &v);
	record_check(name, problems == 0, "%llu tables, %llu leaves, %llu PG_pgtable pages; %llu problems%s%s",
		     v.tables, v.leaves, v.pgtable_pages, problems, problems ? ": " : "", v.first_problem);
}

/*
 * In 5-level mode: a frame mapped at a virtual address above 2^47 (out of
 * reach of 4-level paging) is written there and read back through the direct
 * map; unmapping gives every table back.
 */
static void check_high_mapping(void)
{
	if (!pgtable_l5_enabled()) {
		record_test("paging.la57_high_address", TEST_SKIP, "4-level paging: no addresses above 2^47");
		return;
	}
	const uint64_t va = 0x00f0123456789000ull; /* bit 55 set: only 5-level reaches it */
	uint64_t free_before = nr_free_pages();
	struct page *frame = alloc_zeroed_page();
	if (!frame) {
		record_test("paging.la57_high_address", TEST_FAIL, "no free frame");
		return;
	}
	int err = map_range(init_top_pgt, va, page_to_phys(frame), PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_4K);
	bool ok = err == 0;
	uint64_t seen = 0;
	if (ok) {
		volatile uint64_t *p = (volatile uint64_t *)va;
		p[0] = 0x5a5a1234c0ffee57ull;
		p[511] = va;
		const uint64_t *direct = (const uint64_t *)page_address(frame);
		seen = direct[0];
		ok = seen == 0x5a5a1234c0ffee57ull && direct[511] == va;
		unmap_range(init_top_pgt, va, PAGE_SIZE);
		flush_tlb_page(va);
	}
	__free_page(frame);
	record_check("paging.la57_high_address", ok && nr_free_pages() == free_before,
		     "map 0x%llx: %d; read back 0x%llx through the direct map; free frames %llu -> %llu",
		     va, err, seen, free_before, nr_free_pages());
}

/*
 * paging_switch_mode refuses, with a reason and nothing changed, what it
 * cannot do: the mode it is already in, a switch with interrupts on, and,
 * where this boot cannot go to the other mode, 5 levels without LA57 or 4
 * levels from a 5-level kernel whose direct map is at the 5-level base.
 */
static void check_mode_switch_refusals(void)
{
	struct mode_switch_report same, irq, other;
	uint32_t cur = (uint32_t)pgtable_levels(), to = cur == 5 ? 4 : 5;
	uint64_t cr3 = read_cr3(), cr4 = read_cr4(), free_before = nr_free_pages();
	int want = 0;                   /* the other mode is reachable: run_checks_in_paging_modes goes there */
	if (to == 5 && !boot_cpu_has(X86_FEATURE_LA57))
		want = -ENODEV;
	else if (to == 4 && !paging_report.mode_switchable)
		want = -EINVAL;

	int err_same = paging_switch_mode(cur, &same);
	__asm__ volatile("sti" ::: "memory");   /* the PIC is masked: nothing can arrive */
	int err_irq = paging_switch_mode(to, &irq);
	__asm__ volatile("cli" ::: "memory");
	int err_other = want ? paging_switch_mode(to, &other) : 0;
	bool unchanged = read_cr3() == cr3 && read_cr4() == cr4 && nr_free_pages() == free_before &&
			 !paging_mode_switched() && pgtable_levels() == (int)cur;
	record_check("paging.mode_switch_refusals",
		     err_same == -EINVAL && err_irq == -EBUSY && err_other == want && unchanged,
		     "to %u-level: %d (%s); with interrupts on: %d (%s); to %u-level: %d (%s); nothing changed %d",
		     cur, err_same, same.why, err_irq, irq.why, to, err_other,
		     want ? other.why : "reachable, not tried here", unchanged);
}

/* Runtime services still answer after the takeover, on efi_pgd. */
static void check_efi_runtime(void)
{
	struct efi_rtc_time t;
	int64_t s = efi_runtime_get_time(&t);
	if (s == -1) {
		record_test("efi.runtime_get_time", TEST_SKIP, "no runtime services or no runtime regions");
		return;
	}
	record_check("efi.runtime_get_time", s == 0 && t.year >= 2000 && t.month >= 1 && t.month <= 12,
		     "GetTime status %lld: %04u-%02u-%02u %02u:%02u:%02u", s, t.year, t.month, t.day,
		     t.hour, t.minute, t.second);
}

/* See kernel/selftest.h. */
void run_selftests(const struct boot_info *bi, const struct memmap *mm)
{
	record_check("boot.handoff", bi->magic == BOOT_INFO_MAGIC && bi->region_count > 0,
		     "%u memory regions, ExitBootServices took %u tries", bi->region_count,
		     bi->exit_boot_services_tries);
	check_descriptor_tables();
	check_integrity_tripwire();
	check_interrupts_off();
	check_tsc();
	check_frames(mm);
	check_paging_mode();
	check_kernel_layout();
	check_verifier("paging.verify_boot");
	check_high_mapping();
	check_verifier("paging.verify_after_high_mapping");
	check_mode_switch_refusals();
	check_efi_runtime();
	check_verifier("paging.verify_after_efi_call");
}

/* Hooks that another part acts on: the reset at the end of the run (reboot_*, kernel/reboot.c),
 * the CPU that refuses to start (smp_refuse_cpu, kernel/smpboot.c). */
static bool hook_acted_on_elsewhere(const char *t)
{
	static const char *const elsewhere[] = {
		"reboot_efi", "reboot_acpi", "reboot_cf9", "reboot_kbd", "smp_refuse_cpu",
		"matrix_sample_skew",   /* checks/matrix_sample.c */
	};
	for (uint32_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++)
		if (strcmp(t, elsewhere[i]) == 0)
			return true;
	return false;
}

/* See kernel/selftest.h. */
void run_test_hooks(const struct faultline_config *cfg)
{
	for (uint32_t i = 0; i < cfg->test_count; i++) {
		const char *t = cfg->tests[i];
		if (strcmp(t, "ud2") == 0) {
			__asm__ volatile("ud2");
		} else if (strcmp(t, "gp") == 0) {
			volatile uint64_t *bad = (volatile uint64_t *)0x8000000000000000ull;
			(void)*bad;
		} else if (strcmp(t, "de") == 0) {
			__asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx");
		} else if (strcmp(t, "pf") == 0) {
			/* Above anything the firmware or the kernel maps, but canonical. */
			volatile uint64_t *unmapped = (volatile uint64_t *)0x00007ffffff00000ull;
			(void)*unmapped;
		} else if (strcmp(t, "fail_alloc") == 0) {
			run_mm_atomic_test();   /* ~0.1 s under TCG: not at every boot */
		} else if (strcmp(t, "fault_smp") == 0) {
			run_fault_smp_test();   /* the fault path on every CPU at once */
		} else if (strcmp(t, "panic") == 0) {
			panic("test hook: deliberate panic");
		} else if (!hook_acted_on_elsewhere(t)) {
			record_warning("config", "unknown test hook \"%s\" ignored", t);
		}
	}
}
