/* The vDSO in every process: kernel/vdso.h. */
#include "kernel/vdso.h"
#include "base/errno.h"
#include "base/string.h"
#include "base/vdso_data.h"
#include "cpu/cpufeature.h"
#include "cpu/gdt.h"
#include "cpu/percpu.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/page.h"
#include "paging/range.h"
#include "paging/vma.h"

extern const uint8_t vdso_image_start[], vdso_image_end[];

#define VVAR_FLAGS (VM_READ | VM_MAYREAD)
#define VDSO_FLAGS (VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

/* Maps len bytes at addr with vm_flags and fills them from src (n bytes, rest zero). */
static int map_copy(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t vm_flags, const void *src,
		    uint64_t n)
{
	int err = vma_map_range(mm, addr, len, vm_flags);
	if (err)
		return err;
	struct vm_area_struct *vma = find_vma(mm, addr);
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		struct page *page = alloc_zeroed_page();
		if (!page)
			return -ENOMEM;
		if (off < n)
			memcpy(page_address(page), (const uint8_t *)src + off, n - off < PAGE_SIZE ? n - off : PAGE_SIZE);
		if (install_anon_page(vma, addr + off, page)) {
			__free_page(page);
			return -ENOMEM;
		}
	}
	return 0;
}

_Static_assert(VDSO_CPUNODE_SEG == __CPUNODE_SEG, "the vDSO reads the CPU number from the GDT's CPUNODE entry");

/* See kernel/vdso.h. */
int64_t vdso_map(struct mm_struct *mm)
{
	uint64_t image = (uint64_t)(vdso_image_end - vdso_image_start);
	uint64_t text = (image + PAGE_SIZE - 1) & PAGE_MASK;
	uint64_t base = get_unmapped_area(mm, VDSO_VVAR_SIZE + text, 0, MMAP_MIN_ADDR, DEFAULT_MAP_WINDOW);
	if (IS_ERR_VALUE(base))
		return (int64_t)base;
	struct vdso_data data;
	memset(&data, 0, sizeof(data));
	data.tsc_hz = tsc_hz;
	data.boot_tsc = 0;                       /* the kernel's clocks count the TSC from reset */
	data.getcpu_rdtscp = boot_cpu_has(X86_FEATURE_RDTSCP);   /* TSC_AUX: kernel/run.c */
	int err = map_copy(mm, base, VDSO_VVAR_SIZE, VVAR_FLAGS, &data, sizeof(data));
	if (!err)
		err = map_copy(mm, base + VDSO_VVAR_SIZE, text, VDSO_FLAGS, vdso_image_start, image);
	return err ? err : (int64_t)(base + VDSO_VVAR_SIZE);
}
