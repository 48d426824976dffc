/*
 * exec_program and exit_mm (kernel/exec.h); the address space itself is
 * paging/mm.c's (mm_alloc, mmput). The program's segments are
 * copied into anonymous frames at exec time (there is no page cache: the
 * file is already in memory); bss and the stack are demand-paged like any
 * anonymous memory, except the stack pages the arguments occupy.
 */
#include "kernel/exec.h"
#include "paging/tlb.h"
#include "kernel/elf.h"
#include "kernel/exec_stack.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "fs/fdtable.h"
#include "fs/inode.h"
#include "fs/namei.h"
#include "paging/filemap.h"
#include "kernel/task_exit.h"
#include "base/errno.h"
#include "base/format.h"
#include "cpu/fpu.h"
#include "cpu/gdt.h"
#include "cpu/percpu.h"
#include "fault/uaccess.h"
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
		 const char *const *argv, uint32_t argc, const char *const *envp, uint32_t envc,
		 struct pt_regs *regs, const char **why)
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
	static const char *const default_envp[] = { "PATH=/bin", "FAULTLINE=1" };
	if (!envp) {
		envp = default_envp;
		envc = 2;
	}
	struct exec_stack_result st;
	err = exec_build_stack(stack_buf, sizeof(stack_buf), STACK_TOP, argv, argc, envp, envc, &aux, &st);
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
	t->mm = mm;
	return 0;
fail:
	mmput(mm);
	return err;
}

/* Drops t's use of mm; CR3 leaves it first when it is the last user. */
static void drop_mm(struct mm_struct *mm)
{
	if (mm->mm_users == 1 && this_cpu_read(loaded_mm) == mm)
		switch_mm(NULL);
	mmput(mm);
}

/* See kernel/exec.h. */
void exit_mm(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	if (!mm)
		return;
	if (mm->mm_users == 1)
		run_mm_last_use(t, mm);
	t->mm = NULL;
	drop_mm(mm);
}

/* The strings execve copies in from the caller's memory (the new stack
 * holds at most this much anyway: STACK_INITIAL_PAGES). */
#define EXEC_STRINGS_MAX (STACK_INITIAL_PAGES * PAGE_SIZE)
#define EXEC_ARGS_MAX 4096
#define PATH_MAX 4096

/* Copies a NULL-terminated user array of strings into buf at *used;
 * pointers to the copies go to out[*n..]. -EFAULT, or -E2BIG when it does
 * not fit. */
static int copy_strings(uint64_t uarr, char *buf, uint64_t *used, const char **out, uint32_t *n)
{
	if (!uarr)
		return 0;   /* Linux accepts a NULL argv or envp as empty */
	for (;;) {
		uint64_t up;
		if (copy_from_user(&up, uarr, sizeof(up)))
			return -EFAULT;
		if (!up)
			return 0;
		if (*n >= EXEC_ARGS_MAX)
			return -E2BIG;
		int64_t len = strncpy_from_user(buf + *used, up, EXEC_STRINGS_MAX - *used);
		if (len < 0)
			return (int)len;
		if ((uint64_t)len >= EXEC_STRINGS_MAX - *used)
			return -E2BIG;
		out[(*n)++] = buf + *used;
		*used += (uint64_t)len + 1;
		uarr += sizeof(up);
	}
}

/* The program name a path names: /bin/NAME or /faultline/bin/NAME (the
 * stick's \faultline\bin\NAME). NULL for anything else. */
static const char *program_of_path(const char *path)
{
	if (strcmp(path, "/proc/self/exe") == 0)   /* busybox re-runs itself this way */
		path = current->exe_path;
	static const char *const dirs[] = { "/bin/", "/faultline/bin/", "/usr/bin/" };
	for (uint32_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t n = strlen(dirs[i]);
		if (strncmp(path, dirs[i], n) != 0 || !path[n])
			continue;
		const char *c = path + n;
		while (*c && *c != '/')
			c++;
		if (!*c)
			return path + n;
	}
	return NULL;
}

#define EXEC_FILE_MAX (64ull << 20)   /* the largest program read from the file system */

/*
 * A program on the file system (the stick's \\faultline\\ on the RAM disk):
 * the regular file at path, from the working directory, read through the
 * page cache into 2^*order contiguous frames at *blk. Returns 0, or
 * path_lookup's errno, -EACCES (not a regular file, or no execute bit, as
 * Linux), -ENOEXEC (empty), -ENOMEM (no frames, or above EXEC_FILE_MAX).
 */
static int read_program_file(const char *path, struct page **blk, uint32_t *order, uint64_t *size)
{
	struct inode *inode;
	int err = path_lookup(current->cwd, path, &inode);
	if (err)
		return err;
	if (!S_ISREG(inode->i_mode) || !(inode->i_mode & 0111))
		return -EACCES;
	uint64_t bytes = i_size_read(inode);
	if (!bytes)
		return -ENOEXEC;
	if (bytes > EXEC_FILE_MAX)
		return -ENOMEM;
	uint64_t pages = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint32_t o = 0;
	while ((1ull << o) < pages)
		o++;
	struct page *b = alloc_pages(o);
	if (!b)
		return -ENOMEM;
	uint8_t *dst = page_address(b);
	for (uint64_t i = 0; i < pages; i++) {
		bool major = false;
		int e = 0;
		struct page *pg = filemap_get_page(&inode->i_data, i, &major, &e);
		if (!pg) {
			__free_pages(b, o);
			return e ? e : -EIO;
		}
		memcpy(dst + i * PAGE_SIZE, page_address(pg), PAGE_SIZE);
		put_page(pg);
	}
	*blk = b;
	*order = o;
	*size = bytes;
	return 0;
}

/* The last component of path (the program's name for comm). */
static const char *path_basename(const char *path)
{
	const char *b = path;
	for (const char *c = path; *c; c++)
		if (*c == '/' && c[1])
			b = c + 1;
	return b;
}

/* See kernel/exec.h. */
int64_t sys_execve(uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
	static char path[PATH_MAX];
	static char strings[EXEC_STRINGS_MAX];
	static const char *argv[EXEC_ARGS_MAX], *envp[EXEC_ARGS_MAX];
	struct task_struct *t = current;
	int64_t len = strncpy_from_user(path, upath, sizeof(path));
	if (len < 0)
		return len;
	if ((uint64_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	/* As Linux: the file is looked up before the arguments are copied. A
	 * program loaded for a `run =` line first, else the file system. */
	const char *name = program_of_path(path);
	const struct boot_file *f = name ? run_find_program(name) : NULL;
	struct page *blk = NULL;
	uint32_t blk_order = 0;
	const uint8_t *image;
	uint64_t image_size;
	int err;
	if (f) {
		image = (const uint8_t *)__va(f->phys);
		image_size = f->size;
	} else {
		const char *fs_path = strcmp(path, "/proc/self/exe") == 0 ? t->exe_path : path;
		err = read_program_file(fs_path, &blk, &blk_order, &image_size);
		if (err)
			return err;
		image = page_address(blk);
		name = path_basename(fs_path);
	}
	uint64_t used = 0;
	uint32_t argc = 0, envc = 0;
	err = copy_strings(uargv, strings, &used, argv, &argc);
	if (!err)
		err = copy_strings(uenvp, strings, &used, envp, &envc);
	if (err) {
		if (blk)
			__free_pages(blk, blk_order);
		return err;
	}
	if (argc == 0)
		argv[argc++] = path;   /* Linux 6.1 warns and passes an empty argv; programs expect argv[0] */
	struct mm_struct *old = t->mm;
	const char *why = "";
	struct pt_regs *regs = task_pt_regs(t);
	static struct pt_regs new_regs;
	err = exec_program(t, image, image_size, argv, argc, envp, envc, &new_regs, &why);
	if (blk)
		__free_pages(blk, blk_order);   /* exec copied the segments */
	if (err) {
		t->mm = old;
		return err == -EINVAL ? -ENOEXEC : err;
	}
	err = flush_signal_handlers(t);
	if (err) {
		struct mm_struct *fresh = t->mm;
		t->mm = old;
		mmput(fresh);
		return err;
	}
	/* The point of no return: the new image replaces the old. */
	exec_kill_other_threads(t);
	switch_mm(t->mm);
	drop_mm(old);
	*regs = new_regs;
	strlcpy(t->comm, name, sizeof(t->comm));
	char exe[sizeof(t->exe_path)];
	if (!f && path[0] == '/' && strcmp(path, "/proc/self/exe") != 0)
		strlcpy(exe, path, sizeof(exe));              /* the file system's own path */
	else
		format(exe, sizeof(exe), "/bin/%s", name);   /* name may point into exe_path */
	strlcpy(t->exe_path, exe, sizeof(t->exe_path));
	strlcpy(t->prctl_comm, name, sizeof(t->prctl_comm));
	t->fs_base = t->gs_base = 0;
	load_user_segments();
	fpu_init_state(t->fpu);
	fpu_restore(t->fpu);
	if (t->files)
		do_close_on_exec(t->files);
	if (t->vfork_done) {
		complete(t->vfork_done);
		t->vfork_done = NULL;
	}
	return 0;
}
