/* The bring-up check of THPs made by the fault path (checks/check_thp.h). */
#include "checks/check_thp.h"
#include "cpu/x86.h"
#include "lib/record.h"
#include "paging/huge_memory.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/vma.h"

#define THP_CHECK_VA (1ull << 30)

/* Writes byte at the user address va from ring 0 (with AC set where SMAP is on). */
static void write_user_byte(uint64_t va, uint8_t byte)
{
	bool smap = (read_cr4() & X86_CR4_SMAP) != 0;
	if (smap)
		__asm__ volatile("stac" ::: "memory");
	*(volatile uint8_t *)(uintptr_t)va = byte;
	if (smap)
		__asm__ volatile("clac" ::: "memory");
}

/* See checks/check_thp.h. */
void check_thp_fault_path(void)
{
	const char *name = "paging.thp_fault_path_2m_leaf";
	if (transparent_hugepage_mode == THP_NEVER) {
		record_test(name, TEST_SKIP, "thp = never");
		return;
	}
	struct mm_struct *mm = mm_alloc();
	if (!mm || do_mmap(mm, THP_CHECK_VA, PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			   (uint64_t)-1, 0) != (int64_t)THP_CHECK_VA) {
		record_check(name, false, "no memory for the check's mm");
		if (mm)
			mmput(mm);
		return;
	}
	struct vm_fault vmf;
	vm_fault_t ret = handle_mm_fault(find_vma(mm, THP_CHECK_VA), THP_CHECK_VA + 0x1234, FAULT_FLAG_WRITE, &vmf);
	struct walk_result first, last;
	bool mapped = follow_addr(mm->pgd, THP_CHECK_VA, &first) == 0 &&
		      follow_addr(mm->pgd, THP_CHECK_VA + PMD_SIZE - PAGE_SIZE, &last) == 0;
	if (ret || vmf.done != VMF_DONE_THP_NEW || !mapped) {
		if (!ret && vmf.done == VMF_DONE_THP_FALLBACK)
			record_test(name, TEST_SKIP, "no free 2 MiB block: the fault fell back to 4 KiB");
		else
			record_check(name, false, "the write fault returned 0x%x, done %u; mapped %d", ret, vmf.done, mapped);
		mmput(mm);
		return;
	}
	bool one_leaf = first.level == PG_LEVEL_2M && first.entry == last.entry &&
			last.phys - first.phys == PMD_SIZE - PAGE_SIZE;
	/* The CPU, not the fault path, must set A and D: clear them, write through the leaf. */
	uint64_t *pmd = first.entry;
	__atomic_fetch_and(pmd, ~(_PAGE_ACCESSED | _PAGE_DIRTY), __ATOMIC_SEQ_CST);
	uint64_t cleared = *pmd;
	write_cr3(__pa(mm->pgd));
	write_user_byte(THP_CHECK_VA + PMD_SIZE / 2 + 5, 0x5a);
	write_cr3(init_top_pgt_phys);
	uint64_t after = *pmd;
	bool ad = !(cleared & (_PAGE_ACCESSED | _PAGE_DIRTY)) && (after & _PAGE_ACCESSED) && (after & _PAGE_DIRTY);
	bool data = *(uint8_t *)__va(first.phys + PMD_SIZE / 2 + 5) == 0x5a;
	record_check(name, one_leaf && ad && data,
		     "one 2 MiB leaf for all 512 pages: %s (level %d); pmd 0x%llx with A/D cleared, 0x%llx after a "
		     "write through it (A and D set by the CPU: %s); the byte %s", one_leaf ? "yes" : "no", first.level,
		     cleared, after, ad ? "yes" : "no", data ? "landed" : "is missing");
	mmput(mm);
}
