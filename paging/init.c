/*
 * paging_init: from the firmware's page tables to the kernel's own.
 *
 *   1. choose the mode: 5 levels if asked (or auto) and the CPU has LA57
 *   2. build init_top_pgt: the direct map of every RAM range at PAGE_OFFSET
 *      (page_offset_base(): in 5-level mode the 4-level base when the kernel
 *      is to switch modes at run time; 1 GiB leaves when the CPU has them,
 *      else 2 MiB), the framebuffer, the HPET page, a memory-mapped console UART
 *      or ACPI reset register, and any ACPI table outside
 *      RAM (acpi_init ran before us), the kernel image at __START_KERNEL_map section by section
 *      (text RX, read-only data R+NX, data RW+NX, all global), and, only for
 *      the switch, an identity map of the image and of the trampoline page
 *   3. EFER.NXE, CR0.WP, CR4.PGE, then load it: a plain CR3 write in the same
 *      mode, or the LA57 trampoline (paging/la57_switch.S) to change mode
 *   4. point the direct map base at PAGE_OFFSET and return, still running at
 *      the identity address
 *   5. (paging_finish_boot, once the kernel runs at its final address and has
 *      reloaded GDT and IDT there) unmap the identity mappings, flush, and
 *      turn on SMEP/SMAP/UMIP and CR0.AM
 *
 * Moving the image (its base relocations, the jump to the new address) and
 * reloading GDT and IDT are the kernel's (kernel/main.c), around these two.
 */
#include "paging/init.h"
#include "cpu/apic.h"
#include "paging/buddy.h"
#include "paging/layout.h"
#include "paging/mode_switch.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "cpu/acpi.h"
#include "cpu/percpu.h"
#include "lib/serial.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/panic.h"
#include "lib/pe.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "base/string.h"

pgd_t *init_top_pgt;
uint64_t init_top_pgt_phys;
struct paging_report paging_report;
uint64_t pgtable_pages_allocated;
uint64_t pgtable_pages_freed;

/* Kept for paging_finish_boot: what to unmap once we run at the final address. */
static uint64_t identity_image_start, identity_image_size, trampoline_phys;
static uint64_t page_offset;      /* PAGE_OFFSET of the mode being built */

/* See paging/init.h. Page-table pages are zeroed by the walker. */
uint64_t pgtable_alloc_page(void *ctx)
{
	(void)ctx;
	struct page *page = alloc_page();
	if (!page)
		return 0;
	__atomic_fetch_add(&pgtable_pages_allocated, 1, __ATOMIC_RELAXED);
	this_cpu_read(pgtables_allocated)++;   /* the fault path's vmf->pgtables (paging/memory.c) */
	__SetPageTable(page);
	spin_lock_init(&page->ptl);            /* the split pte lock (paging/ptlock.h) */
	return page_to_phys(page);
}

/* See paging/init.h. */
void pgtable_free_page(void *ctx, uint64_t phys)
{
	(void)ctx;
	struct page *page = phys_to_page(phys);
	/* Before the frame can be reused: a CPU that sees the old count may
	 * still trust its last_pmd cache (paging/memory.c). */
	__atomic_fetch_add(&pgtable_pages_freed, 1, __ATOMIC_RELEASE);
	__ClearPageTable(page);
	__free_page(page);
}

/* Every table comes from the buddy allocator, marked PG_pgtable. Set twice: at
 * boot, and again at the final address (the pointers are taken at run time). */
static void set_pgtable_ops(void)
{
	pt_default_ops = (struct pt_ops){ pgtable_alloc_page, pgtable_free_page, NULL };
}

/* Is this firmware memory kind RAM (to be in the direct map)? */
static bool kind_is_ram(uint32_t kind)
{
	return kind == MEM_USABLE || kind == MEM_RECLAIMABLE || kind == MEM_ACPI_RECLAIM ||
	       kind == MEM_ACPI_NVS || kind == MEM_RUNTIME_CODE || kind == MEM_RUNTIME_DATA;
}

struct range { uint64_t start, end; };
static struct range ram[BOOT_MAX_REGIONS];

/* Sorted, merged RAM ranges of the firmware map. Returns how many. */
static uint32_t collect_ram_ranges(const struct boot_info *bi)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < bi->region_count && i < BOOT_MAX_REGIONS; i++) {
		const struct boot_memory_region *r = &bi->regions[i];
		if (!kind_is_ram(r->kind) || !(r->flags & MEMF_WB) || !r->pages)
			continue;
		struct range x = { r->phys_start & PAGE_MASK, r->phys_start + r->pages * PAGE_SIZE };
		uint32_t k = n++;
		while (k && ram[k - 1].start > x.start) { /* insertion sort: maps are short and nearly sorted */
			ram[k] = ram[k - 1];
			k--;
		}
		ram[k] = x;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (out && ram[i].start <= ram[out - 1].end) {
			if (ram[i].end > ram[out - 1].end)
				ram[out - 1].end = ram[i].end;
		} else {
			ram[out++] = ram[i];
		}
	}
	return out;
}

/* Maps [pa, pa+size) at __va(pa) page by page where nothing maps it yet: MMIO,
 * and firmware tables that lie outside RAM. */
static void map_mmio_direct(pgd_t *pgd, uint64_t pa, uint64_t size, pgprot_t prot)
{
	uint64_t start = pa & PAGE_MASK, end = (pa + size + PAGE_SIZE - 1) & PAGE_MASK;
	for (uint64_t p = start; p < end; p += PAGE_SIZE) {
		struct walk_result w;
		if (follow_addr(pgd, page_offset + p, &w) == 0)
			continue;
		if (map_range(pgd, page_offset + p, p, PAGE_SIZE, prot, PG_LEVEL_4K))
			panic("map_mmio_direct: cannot map 0x%llx", p);
	}
}

/* acpi_for_each_table_range callback: ACPI tables may sit outside RAM. */
static void map_acpi_table(void *ctx, uint64_t phys, uint64_t len)
{
	map_mmio_direct((pgd_t *)ctx, phys, len, PAGE_KERNEL_RO);
}

/* The protection for the image page at rva: from the section that holds it. */
static pgprot_t image_page_prot(const struct pe_image *img, uint64_t rva)
{
	for (uint32_t i = 0; i < img->section_count; i++) {
		const struct pe_section *s = &img->sections[i];
		uint64_t start = s->rva & PAGE_MASK, end = ((uint64_t)s->rva + s->size + PAGE_SIZE - 1) & PAGE_MASK;
		if (rva < start || rva >= end)
			continue;
		if (s->flags & PE_SCN_EXECUTE)
			return __pgprot(__PAGE_KERNEL_EXEC & ~_PAGE_RW);     /* text: RX */
		if (s->flags & PE_SCN_WRITE)
			return PAGE_KERNEL;                                 /* data: RW NX */
		return PAGE_KERNEL_RO;                                      /* rdata: R NX */
	}
	return PAGE_KERNEL_RO; /* headers and padding */
}

/* Maps the image at va_base page by page with per-section permissions.
 * global: whether the entries survive CR3 loads (not for the boot identity). */
static void map_image(pgd_t *pgd, const struct pe_image *img, uint64_t phys, uint64_t va_base, bool global)
{
	for (uint64_t rva = 0; rva < img->image_size; rva += PAGE_SIZE) {
		pgprot_t prot = image_page_prot(img, rva);
		if (!global)
			prot = __pgprot(pgprot_val(prot) & ~_PAGE_GLOBAL);
		if (map_range(pgd, va_base + rva, phys + rva, PAGE_SIZE, prot, PG_LEVEL_4K))
			panic("map_image: cannot map rva 0x%llx at 0x%llx", rva, va_base + rva);
	}
}

/* Builds init_top_pgt for the chosen mode. */
static void build_kernel_tables(const struct boot_info *bi, const struct pe_image *img, bool need_low_root)
{
	init_top_pgt_phys = need_low_root ? alloc_page_below_4g(true) : pgtable_alloc_page(NULL);
	if (!init_top_pgt_phys)
		panic("paging_init: no page for the root table");
	memset(__va(init_top_pgt_phys), 0, PAGE_SIZE);
	pgd_t *pgd = (pgd_t *)__va(init_top_pgt_phys);

	int leaf = boot_cpu_has(X86_FEATURE_PDPE1GB) ? PG_LEVEL_1G : PG_LEVEL_2M;
	paging_report.direct_map_leaf = leaf;
	uint32_t n = collect_ram_ranges(bi);
	for (uint32_t i = 0; i < n; i++) {
		int err = map_range(pgd, page_offset + ram[i].start, ram[i].start,
				    ram[i].end - ram[i].start, PAGE_KERNEL, leaf);
		if (err)
			panic("paging_init: direct map of [0x%llx, 0x%llx) failed (%d)", ram[i].start, ram[i].end, err);
		paging_report.direct_map_bytes += ram[i].end - ram[i].start;
	}
	if (bi->fb.format != FB_NONE && bi->fb.size)
		map_mmio_direct(pgd, bi->fb.base, bi->fb.size, PAGE_KERNEL);
	acpi_for_each_table_range(map_acpi_table, pgd);
	uint64_t hpet;
	if (acpi_get_hpet_base(&hpet))
		map_mmio_direct(pgd, hpet, PAGE_SIZE, __pgprot(__PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT));
	uint64_t lapic = lapic_phys_base();
	if (lapic)
		map_mmio_direct(pgd, lapic, PAGE_SIZE, __pgprot(__PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT));
	uint64_t uart, uart_len;
	if (serial_mmio_range(&uart, &uart_len))   /* the console UART from the SPCR */
		map_mmio_direct(pgd, uart, uart_len, __pgprot(__PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT));
	struct acpi_reset_reg rr;
	if (acpi_get_reset_register(&rr) && rr.space_id == ACPI_ADR_SPACE_SYSTEM_MEMORY)
		map_mmio_direct(pgd, rr.address, 1, __pgprot(__PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT));

	map_image(pgd, img, bi->image_base, __START_KERNEL_map, true);
	map_image(pgd, img, bi->image_base, bi->image_base, false); /* transient: for the switch */
	identity_image_start = bi->image_base;
	identity_image_size = img->image_size;
}

/* Loads the new tables. Same mode: a CR3 write. Other mode: via the trampoline. */
static void load_kernel_tables(uint32_t from_levels, uint32_t to_levels)
{
	uint64_t efer = rdmsr(MSR_EFER);
	if (boot_cpu_has(X86_FEATURE_NX))
		wrmsr(MSR_EFER, efer | EFER_NXE);
	write_cr0(read_cr0() | X86_CR0_WP);

	if (from_levels == to_levels) {
		write_cr3(init_top_pgt_phys);
		return;
	}
	/* The trampoline page: identity-mapped, executable, writable (it keeps rsp). */
	trampoline_phys = la57_trampoline_install();
	if (!trampoline_phys)
		panic("paging_init: no page below 4 GiB for the LA57 trampoline");

	pgd_t *pgd = init_top_pgt;
	if (map_range(pgd, trampoline_phys, trampoline_phys, PAGE_SIZE, __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY), PG_LEVEL_4K))
		panic("paging_init: cannot map the trampoline");

	/*
	 * First hop, in the firmware's mode, onto tables of ours that hold the
	 * identity mappings: going 4 -> 5, the p4d table under pgd[0] of the new
	 * 5-level root is itself a valid 4-level root for addresses below 2^48;
	 * going 5 -> 4, a scratch 5-level root whose entry 0 is the new pml4.
	 */
	uint64_t hop;
	if (to_levels == 5) {
		hop = pgd_val(pgd[0]) & PTE_PFN_MASK;
	} else {
		hop = pgtable_alloc_page(NULL);
		if (!hop)
			panic("paging_init: no page for the 5->4 hop table");
		uint64_t *scratch = (uint64_t *)__va(hop);
		memset(scratch, 0, PAGE_SIZE);
		scratch[0] = init_top_pgt_phys | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
	}
	write_cr3(hop);

	uint64_t cr4 = read_cr4() & ~X86_CR4_PCIDE;
	cr4 = to_levels == 5 ? (cr4 | X86_CR4_LA57) : (cr4 & ~X86_CR4_LA57);
	la57_trampoline_call(trampoline_phys, init_top_pgt_phys, cr4);
	if (to_levels == 4)
		pgtable_free_page(NULL, hop);
	paging_report.switched_mode = true;
}

/* See paging/init.h. */
void paging_init(struct boot_info *bi, const struct pe_image *img, enum config_paging requested,
		 bool mode_switchable)
{
	uint32_t from = (read_cr4() & X86_CR4_LA57) ? 5 : 4;
	bool has_la57 = boot_cpu_has(X86_FEATURE_LA57);
	uint32_t to = from;
	if (requested == PAGING_5 || (requested == PAGING_AUTO && has_la57))
		to = has_la57 ? 5 : 4;
	else if (requested == PAGING_4)
		to = 4;
	paging_report.firmware_levels = from;
	paging_report.levels = to;
	paging_report.requested = requested;
	paging_report.la57_fallback = requested == PAGING_5 && !has_la57;
	paging_report.image_phys = bi->image_base;

	set_pgtable_ops();
	pgtable_set_phys_bits(boot_cpu_data.x86_phys_bits);
	if (!boot_cpu_has(X86_FEATURE_NX))
		__supported_pte_mask &= ~_PAGE_NX;
	if (!boot_cpu_has(X86_FEATURE_PGE))
		__supported_pte_mask &= ~_PAGE_GLOBAL;
	tlb_has_invpcid = boot_cpu_has(X86_FEATURE_INVPCID);
	pgtable_l5_enabled_flag = to == 5;
	page_offset = page_offset_base(to, mode_switchable);
	paging_report.mode_switchable = mode_switchable;
	paging_report.page_offset = page_offset;

	build_kernel_tables(bi, img, from != to);
	init_top_pgt = (pgd_t *)__va(init_top_pgt_phys); /* still the identity view */
	load_kernel_tables(from, to);

	/* Now on our tables: only the direct map, the image (both places) and the
	 * trampoline. bi and everything else physical must go through __va now. */
	direct_map_base = page_offset;
	init_top_pgt = (pgd_t *)__va(init_top_pgt_phys);
	write_cr4(read_cr4() | X86_CR4_PGE);
}

/* See paging/init.h. */
void pgd_copy_kernel_half(pgd_t *pgd)
{
	memcpy(pgd + PTRS_PER_PGD / 2, init_top_pgt + PTRS_PER_PGD / 2, PTRS_PER_PGD / 2 * sizeof(pgd_t));
}

/* See paging/init.h. */
void paging_finish_boot(void)
{
	set_pgtable_ops();
	if (unmap_range(init_top_pgt, identity_image_start, identity_image_size) < 0)
		panic("paging_finish_boot: cannot unmap the boot identity mapping");
	if (trampoline_phys) {
		if (unmap_range(init_top_pgt, trampoline_phys, PAGE_SIZE) < 0)
			panic("paging_finish_boot: cannot unmap the trampoline");
		la57_trampoline_free(trampoline_phys);
	}
	flush_tlb_all();
	uint64_t cr4 = read_cr4();
	if (boot_cpu_has(X86_FEATURE_SMEP))
		cr4 |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		cr4 |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		cr4 |= X86_CR4_UMIP;    /* sgdt/sidt/sldt/smsw/str at CPL 3: #GP */
	write_cr4(cr4);
	/* Alignment checking for ring 3 when it sets RFLAGS.AC (#AC -> SIGBUS, as
	 * on Linux). It never applies at CPL 0, so STAC in the user copies is safe. */
	write_cr0(read_cr0() | X86_CR0_AM);
}
