/*
 * exec_program and exit_mm (kernel/exec.h); the address space itself is
 * paging/mm.c's (mm_alloc, mmput). The program is a file, mapped as Linux's
 * load_elf_binary maps it: its headers read through the page cache, each
 * PT_LOAD segment a private file mapping (text demand-paged by
 * do_read_fault and shared with every process running the file, data
 * copied by do_cow_fault on the first write), the bss anonymous; the
 * fault path does the rest. Only the stack pages the arguments occupy and
 * padzero's one private copy are filled at exec time.
 */
#include "kernel/exec.h"
#include "paging/tlb.h"
#include "kernel/elf.h"
#include "kernel/exec_stack.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "fs/fdtable.h"
#include "fs/fcntl.h"
#include "fs/file.h"
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
	struct page *page = n == PAGE_SIZE ? alloc_page() : alloc_zeroed_page();
	if (!page)
		return -ENOMEM;
	if (n == PAGE_SIZE)
		copy_page(page_address(page), src);
	else if (n)
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

/*
 * The program's file mappings (its PT_LOAD segments): each VMA holds a
 * reference on the file and keeps writes to it out (Linux's
 * deny_write_access on a running executable: open for writing and
 * truncate are -ETXTBSY while a process maps it). A copy (fork, split)
 * denies once more; it cannot fail, as Linux's dup_mm_exe_file.
 */
static void exec_vma_open(struct vm_area_struct *vma)
{
	get_file(vma->vm_file);
	vma->vm_file->f_inode->i_writecount--;
}

static void exec_vma_close(struct vm_area_struct *vma)
{
	allow_write_access(vma->vm_file->f_inode);
	fput(vma->vm_file);
}

static const struct vm_operations_struct exec_vm_ops = {
	.open = exec_vma_open,
	.close = exec_vma_close,
};

/*
 * Reads bytes [off, off + len) of inode through the page cache into buf
 * (Linux's kernel_read of the ELF and program headers): a miss reads the
 * block and leaves the page cached. The range is inside the file. Returns
 * 0, -ENOMEM or -EIO.
 */
static int exec_read(struct inode *inode, uint64_t off, void *buf, uint64_t len)
{
	uint8_t *dst = buf;
	while (len) {
		bool major = false;
		int err = 0;
		struct page *pg = filemap_get_page(&inode->i_data, off >> PAGE_SHIFT, &major, &err);
		if (!pg)
			return err == -ENOMEM ? -ENOMEM : -EIO;
		uint64_t in = off & ~PAGE_MASK, n = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;
		memcpy(dst, (const uint8_t *)page_address(pg) + in, n);
		put_page(pg);
		dst += n, off += n, len -= n;
	}
	return 0;
}

/*
 * Linux's padzero: the bytes of the segment's last file page above
 * p_filesz read as zero, so that page becomes a private copy (the write
 * clear_user does, a do_cow_fault) with them cleared - also in a segment
 * that is not writable, as the old copying loader did. Counted as the fault
 * Linux counts for it (minor, or major if the page had to be read).
 * Returns 0, -ENOMEM or -EIO.
 */
static int padzero(struct task_struct *t, struct vm_area_struct *vma, uint64_t end)
{
	uint64_t addr = end & PAGE_MASK, keep = end & ~PAGE_MASK;
	bool major = false;
	int err = 0;
	struct page *src = filemap_get_page(vma->vm_mapping, vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT),
					    &major, &err);
	if (!src)
		return err == -ENOMEM ? -ENOMEM : -EIO;
	struct page *copy = alloc_page();
	if (copy) {
		memcpy(page_address(copy), page_address(src), keep);
		memset((uint8_t *)page_address(copy) + keep, 0, PAGE_SIZE - keep);
	}
	put_page(src);
	if (!copy)
		return -ENOMEM;
	if (install_anon_page(vma, addr, copy)) {
		__free_page(copy);
		return -ENOMEM;
	}
	if (major)
		t->maj_flt++;
	else
		t->min_flt++;
	return 0;
}

/*
 * Maps one PT_LOAD segment as Linux's elf_map and set_brk do: the pages
 * holding file bytes a private mapping of the file (read faults map the
 * cached page, write faults a private copy), the tail of the last one
 * zeroed when the segment has bss (padzero), and the pages beyond
 * anonymous, read-write (and executable with the segment: vm_brk_flags).
 * Returns 0 or do_mmap_file's errno.
 */
static int load_segment(struct task_struct *t, struct mm_struct *mm, struct file *file,
			const struct elf_segment *seg)
{
	uint64_t file_end = PAGE_ALIGN(seg->filesz_end), mem_end = PAGE_ALIGN(seg->memsz_end);
	if (file_end > seg->vaddr) {
		struct mmap_file mf = {
			.file = file, .mapping = file->f_mapping, .readable = true, .writable = false,
			.vm_ops = &exec_vm_ops,
		};
		int64_t r = do_mmap_file(mm, seg->vaddr, file_end - seg->vaddr, seg->prot, MAP_PRIVATE | MAP_FIXED,
					 &mf, seg->file_offset);
		if (r < 0)
			return (int)r;
		if (seg->memsz_end > seg->filesz_end && (seg->filesz_end & ~PAGE_MASK)) {
			int err = padzero(t, find_vma(mm, seg->vaddr), seg->filesz_end);
			if (err)
				return err;
		}
	}
	if (mem_end > file_end) {
		uint64_t prot = PROT_READ | PROT_WRITE | (seg->prot & PROT_EXEC);
		int64_t r = do_mmap_file(mm, file_end, mem_end - file_end, prot,
					 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, NULL, 0);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/*
 * The ELF and program headers of inode's file through the page cache, into
 * img. Returns 0 or a negative errno (-ENOEXEC/-EINVAL/... from the parser
 * with *why, -ENOMEM, -EIO).
 */
static int read_elf_headers(struct inode *inode, struct elf_image *img, const char **why)
{
	static uint8_t ehdr[64], phdrs[ELF_MAX_PHDRS * 56];
	uint64_t size = i_size_read(inode);
	memset(ehdr, 0, sizeof(ehdr));
	int err = exec_read(inode, 0, ehdr, size < sizeof(ehdr) ? size : sizeof(ehdr));
	if (!err && !(err = elf_parse_header(ehdr, size, img))) {
		err = exec_read(inode, img->phoff, phdrs, (uint64_t)img->phnum * img->phent);
		if (!err)
			err = elf_parse_phdrs(ehdr, phdrs, size, DEFAULT_MAP_WINDOW, img);
	}
	if (err == -ENOMEM || err == -EIO) {
		*why = err == -EIO ? "the file could not be read" : "out of memory reading the headers";
		return err;
	}
	if (err)
		*why = img->error ? img->error : "not a static x86-64 ELF executable";
	return err;
}

/* See kernel/exec.h. */
int exec_program(struct task_struct *t, struct file *file,
		 const char *const *argv, uint32_t argc, const char *const *envp, uint32_t envc,
		 struct pt_regs *regs, const char **why)
{
	static struct elf_image img;
	/* The argument pages are built here; between execs it is all zero (each
	 * exec clears what it used: not the whole 128 KiB every time). */
	static uint8_t stack_buf[STACK_INITIAL_PAGES * PAGE_SIZE];
	static bool stack_buf_zeroed;
	if (!stack_buf_zeroed) {
		memset(stack_buf, 0, sizeof(stack_buf));
		stack_buf_zeroed = true;
	}
	int err = read_elf_headers(file->f_inode, &img, why);
	if (err)
		return err;
	err = deny_write_access(file->f_inode);   /* checked here; each mapping holds its own */
	if (err) {
		*why = "the file is open for writing";
		return err;
	}
	allow_write_access(file->f_inode);
	struct mm_struct *mm = mm_alloc();
	if (!mm) {
		*why = "out of memory for the address space";
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < img.segment_count; i++) {
		err = load_segment(t, mm, file, &img.segments[i]);
		if (err) {
			*why = err == -ENOMEM ? "out of memory loading segments" : "cannot map a segment";
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
		memset(stack_buf, 0, sizeof(stack_buf));   /* wherever it got to */
		*why = "arguments do not fit the initial stack";
		err = -E2BIG;
		goto fail;
	}
	uint64_t stack_low = (st.rsp & PAGE_MASK);
	uint8_t *used = stack_buf + sizeof(stack_buf) - (STACK_TOP - stack_low);
	err = vma_map_range(mm, stack_low, STACK_TOP - stack_low, VM_STACK_FLAGS);
	if (err) {
		memset(used, 0, STACK_TOP - stack_low);
		*why = "cannot map the stack";
		goto fail;
	}
	mm->start_stack = st.rsp;
	struct vm_area_struct *svma = find_vma(mm, stack_low);
	for (uint64_t p = stack_low; p < STACK_TOP && !err; p += PAGE_SIZE)
		err = install_page(svma, p, used + (p - stack_low), PAGE_SIZE);
	memset(used, 0, STACK_TOP - stack_low);
	if (err) {
		*why = "out of memory for the stack";
		goto fail;
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

/* See kernel/exec.h. */
int exec_open(struct inode *cwd, const char *path, struct file **out)
{
	struct file *f;
	int err = vfs_open(cwd, path, O_RDONLY, 0, &f);
	if (err)
		return err;
	struct inode *inode = f->f_inode;
	if (!S_ISREG(inode->i_mode) || !(inode->i_mode & 0111)) {
		fput(f);
		return -EACCES;
	}
	*out = f;
	return 0;
}

/*
 * The file execve(path) runs: path from the working directory, where
 * /proc/self/exe is the caller's own program, and /faultline/bin/NAME and
 * /usr/bin/NAME (absent from the file system) are the stick's /bin/NAME.
 * The path opened goes to resolved (PATH_MAX bytes). Returns 0 or
 * exec_open's errno.
 */
static int open_program(const char *path, struct file **out, char *resolved)
{
	if (strcmp(path, "/proc/self/exe") == 0)   /* busybox re-runs itself this way */
		path = current->exe_path;
	strlcpy(resolved, path, PATH_MAX);
	int err = exec_open(current->cwd, resolved, out);
	static const char *const aliases[] = { "/faultline/bin/", "/usr/bin/" };
	for (uint32_t i = 0; err == -ENOENT && i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		size_t n = strlen(aliases[i]);
		if (strncmp(path, aliases[i], n) != 0 || !path[n])
			continue;
		const char *c = path + n;
		while (*c && *c != '/')
			c++;
		if (*c)
			continue;
		format(resolved, PATH_MAX, "/bin/%s", path + n);
		err = exec_open(current->cwd, resolved, out);
	}
	return err;
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
void exec_set_exe_path(struct task_struct *t, const char *path)
{
	char exe[sizeof(t->exe_path)];
	struct inode *cwd = t->cwd ? t->cwd : fs_root_inode();
	if (vfs_realpath(cwd, path, exe, sizeof(exe)) < 0)   /* links resolved, as Linux's d_path */
		strlcpy(exe, path, sizeof(exe));
	strlcpy(t->exe_path, exe, sizeof(t->exe_path));
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
	/* As Linux: the file is looked up before the arguments are copied. */
	static char resolved[PATH_MAX];
	struct file *file;
	int err = open_program(path, &file, resolved);
	if (err)
		return err;
	const char *name = path_basename(resolved);
	uint64_t used = 0;
	uint32_t argc = 0, envc = 0;
	err = copy_strings(uargv, strings, &used, argv, &argc);
	if (!err)
		err = copy_strings(uenvp, strings, &used, envp, &envc);
	if (err) {
		fput(file);
		return err;
	}
	if (argc == 0)
		argv[argc++] = path;   /* Linux 6.1 warns and passes an empty argv; programs expect argv[0] */
	struct mm_struct *old = t->mm;
	const char *why = "";
	struct pt_regs *regs = task_pt_regs(t);
	static struct pt_regs new_regs;
	err = exec_program(t, file, argv, argc, envp, envc, &new_regs, &why);
	fput(file);   /* the mappings hold their own references */
	if (err) {
		t->mm = old;
		return err;   /* the loader's errno, as Linux's load_elf_binary (-EINVAL: segments cannot be placed) */
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
	exec_set_exe_path(t, resolved);
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
