/* efi_pgd: see paging/efi_map.h. */
#include "paging/efi_map.h"
#include "paging/init.h"
#include "base/string.h"

pgd_t *efi_pgd;
uint64_t efi_pgd_phys;

/* See paging/efi_map.h. */
int efi_setup_page_tables(const struct boot_info *bi)
{
	int mapped = 0;
	for (uint32_t i = 0; i < bi->region_count; i++) {
		const struct boot_memory_region *r = &bi->regions[i];
		if (!(r->flags & MEMF_RUNTIME) || !r->pages)
			continue;
		if (!efi_pgd) {
			efi_pgd_phys = pgtable_alloc_page(NULL);
			if (!efi_pgd_phys)
				return -ENOMEM;
			efi_pgd = (pgd_t *)__va(efi_pgd_phys);
			memset(efi_pgd, 0, PAGE_SIZE);
			pgd_copy_kernel_half(efi_pgd);
		}
		/* Firmware code may write its own data pages and run its code pages;
		 * MMIO it needs (flash, RTC) is uncached. Special: no struct page use. */
		pteval_t flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SPECIAL;
		if (r->kind == MEM_RUNTIME_DATA)
			flags |= _PAGE_NX & __supported_pte_mask;
		if (r->kind == MEM_MMIO || !(r->flags & MEMF_WB))
			flags |= _PAGE_PCD | _PAGE_PWT | (_PAGE_NX & __supported_pte_mask);
		int err = map_range(efi_pgd, r->phys_start, r->phys_start, r->pages * PAGE_SIZE,
				    __pgprot(flags), PG_LEVEL_4K);
		if (err && err != -EEXIST)
			return err;
		mapped++;
	}
	return mapped;
}

/* See paging/efi_map.h. */
uint32_t kernel_page_table_roots(pgd_t **roots)
{
	uint32_t n = 0;
	roots[n++] = init_top_pgt;
	if (efi_pgd)
		roots[n++] = efi_pgd;
	return n;
}
