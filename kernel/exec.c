/*
 * exec_program and exit_mm (kernel/exec.h); the address space itself is
 * paging/mm.c's (mm_alloc, mmput). The program's segments are
 * copied into anonymous frames at exec time (there is no page cache: the
 * file is already in memory); bss and the stack are demand-paged like any
 * anonymous memory, except the stack pages the arguments occupy.
 */
#include "kernel/exec.h"
#include "kernel/elf.h"
#include "kernel/exec_stack.h"
#include "kernel/vdso.h"
#include "fault/syscall.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/string.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "paging/vma.h"

/*
 * Puts a new frame holding bytes [src, src+n) (rest zero) at addr of vma,
 * writable if the VMA is (install_anon_page). Returns 0 or -ENOMEM.
 */
static int install_page(struct vm_area_struct *vma, uint64_t addr, const uint8_t *src, uint64_t n)
{
	struct page *page = alloc_zeroed_page();
	if (!page)
		return -ENOMEM;
	if (n)
		memcpy(page_address(page), src, n);
	if (install_anon_page(vma, addr, page)) {
		__free_page(page);
		return -ENOMEM;
	}
	return 0;
}

/* ELF_PROT_* are mmap's PROT_* values: a segment gets the flags mmap gives. */
_Static_assert(ELF_PROT_READ == PROT_READ && ELF_PROT_WRITE == PROT_WRITE && ELF_PROT_EXEC == PROT_EXEC,
	       "ELF_PROT_* are not PROT_*");

/* Maps one PT_LOAD segment: file bytes copied, the rest zero (bss on demand). */
static int load_segment(struct mm_struct *mm, const uint8_t *file, const struct elf_segment *seg)
{
	uint64_t end = (seg->memsz_end + PAGE_SIZE - 1) & PAGE_MASK;
	int err = vma_map_range(mm, seg->vaddr, end - seg->vaddr, calc_vm_flags(seg->prot, MAP_PRIVATE));
	if (err)
		return err;
	struct vm_area_struct *vma = find_vma(mm, seg->vaddr);
	for (uint64_t a = seg->vaddr; a < seg->filesz_end; a += PAGE_SIZE) {
		uint64_t n = seg->filesz_end - a < PAGE_SIZE ? seg->filesz_end - a : PAGE_SIZE;
		err = install_page(vma, a, file + seg->file_offset + (a - seg->vaddr), n);
		if (err)
			return err;
	}
	return 0;
}

/* See kernel/exec.h. */
int exec_program(struct task_struct *t, const uint8_t *file, uint64_t size,
		 const char *const *argv, uint32_t argc, struct pt_regs *regs, const char **why)
{
	static struct elf_image img;
	static uint8_t stack_buf[STACK_INITIAL_PAGES * PAGE_SIZE];
	memset(stack_buf, 0, sizeof(stack_buf));
	int err = elf_parse(file, size, DEFAULT_MAP_WINDOW, &img);
	if (err) {
		*why = img.error ? img.error : "not a static x86-64 ELF executable";
		return err < 0 ? err : -err;
	}
	struct mm_struct *mm = mm_alloc();
	if (!mm) {
		*why = "out of memory for the address space";
		return -ENOMEM;
	}
	t->mm = mm;
	for (uint32_t i = 0; i < img.segment_count; i++) {
		err = load_segment(mm, file, &img.segments[i]);
		if (err) {
			*why = err == -EEXIST ? "segments share a page" : "out of memory loading segments";
			goto fail;
		}
	}
	mm->start_brk = mm->brk = img.brk_start;
	mm->start_code = img.load_start;

	int64_t vdso = vdso_map(mm);
	if (vdso < 0) {
		*why = "out of memory for the vDSO";
		err = (int)vdso;
		goto fail;
	}

	/* The stack: a VM_GROWSDOWN VMA, its top pages holding argv/envp/auxv. */
	struct exec_auxv_info aux = {
		.phdr = img.phdr_addr, .phent = img.phent, .phnum = img.phnum, .entry = img.entry,
		.hwcap = 0, .execfn = argv[0], .sysinfo_ehdr = (uint64_t)vdso,
	};
	uint32_t a, b, c, d;
	cpuid_count(1, 0, &a, &b, &c, &d);
	aux.hwcap = d;
	uint64_t seed = rdtsc();
	for (int i = 0; i < 16; i++, seed = seed * 6364136223846793005ull + 1442695040888963407ull)
		aux.random[i] = (uint8_t)(seed >> 56);
	static const char *const envp[] = { "PATH=/", "FAULTLINE=1" };
	struct exec_stack_result st;
	err = exec_build_stack(stack_buf, sizeof(stack_buf), STACK_TOP, argv, argc, envp, 2, &aux, &st);
	if (err) {
		*why = "arguments do not fit the initial stack";
		err = -E2BIG;
		goto fail;
	}
	uint64_t stack_low = (st.rsp & PAGE_MASK);
	err = vma_map_range(mm, stack_low, STACK_TOP - stack_low, VM_STACK_FLAGS);
	if (err) {
		*why = "cannot map the stack";
		goto fail;
	}
	mm->start_stack = st.rsp;
	struct vm_area_struct *svma = find_vma(mm, stack_low);
	for (uint64_t p = stack_low; p < STACK_TOP; p += PAGE_SIZE) {
		const uint8_t *src = stack_buf + sizeof(stack_buf) - (STACK_TOP - p);
		err = install_page(svma, p, src, PAGE_SIZE);
		if (err) {
			*why = "out of memory for the stack";
			goto fail;
		}
	}

	memset(regs, 0, sizeof(*regs));
	regs->ip = img.entry;
	regs->sp = st.rsp;
	regs->cs = 0x23;
	regs->ss = 0x1b;
	regs->flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED; /* ticks reach ring 3 only (kernel/watchdog.h) */
	return 0;
fail:
	mmput(mm);
	t->mm = NULL;
	return err;
}

/* See kernel/exec.h. */
void exit_mm(struct task_struct *t)
{
	if (!t->mm)
		return;
	mmput(t->mm);
	t->mm = NULL;
	kmem_cache_shrink_all();
}
