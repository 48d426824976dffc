/*
 * /proc/self (and /proc/PID for the caller's own pid): the memory files of
 * Linux's fs/proc/task_mmu.c that the kernel's mm selftests read.
 *
 *   maps        one line per VMA: range, rights, offset, device, inode, name
 *   smaps       maps' lines, each followed by its counters and VmFlags
 *   pagemap     one 64-bit word per virtual page (read with pread at
 *               (addr / 4096) * 8): bit 63 present, 61 file page, 56 mapped
 *               once, 55 soft-dirty, bits 0-54 the frame (root only, as
 *               Linux's CAP_SYS_ADMIN rule)
 *   clear_refs  write "4": clear every soft-dirty bit of the process
 *
 * Soft-dirty ("written since the last clear_refs 4"): a VMA is soft-dirty
 * unless clear_refs marked it VM_SD_CLEAN since it was made or grown (Linux's
 * VM_SOFTDIRTY, stored inverted so that new VMAs need nothing); a page is
 * when its leaf has the Dirty bit. clear_refs moves a file page's Dirty bit
 * into the page (set_page_dirty, its writeback is not lost) and clears it in
 * every leaf; the CPU sets it again at the next write - the hardware does
 * what Linux's write-protect-and-fault does with its software bit.
 *
 * maps and smaps are a snapshot taken at open (Linux reads them in pieces
 * as they change); pagemap and clear_refs act at each read and write.
 */
#include "kernel/proc_self.h"
#include "fault/uaccess.h"
#include "base/errno.h"
#include "base/format.h"
#include "base/process.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "fs/fcntl.h"
#include "fs/file.h"
#include "paging/buddy.h"
#include "paging/filemap.h"
#include "paging/mm_types.h"
#include "paging/page.h"
#include "paging/pgtable.h"
#include "paging/tlb.h"
#include "paging/vma.h"

#define PM_ENTRY_BYTES   8
#define PM_PFRAME_MASK   ((UINT64_C(1) << 55) - 1)
#define PM_SOFT_DIRTY    (UINT64_C(1) << 55)
#define PM_MMAP_EXCLUSIVE (UINT64_C(1) << 56)
#define PM_FILE          (UINT64_C(1) << 61)
#define PM_PRESENT       (UINT64_C(1) << 63)

enum proc_kind { PROC_MAPS, PROC_SMAPS, PROC_PAGEMAP, PROC_CLEAR_REFS };

/* A text snapshot (maps, smaps): the buffer's pages, its length. */
struct proc_text {
	struct page *self;              /* the page this header lives in */
	struct page *pages;
	uint32_t order;
	uint64_t len;
};

/* ---- VMA text ---------------------------------------------------------- */

/* Resident pages of [start, end) in mm: all, anonymous, anonymous in 2 MiB leaves. */
struct rss_count {
	uint64_t rss, anon, anon_huge;
};

/* pt_leaf_fn: counts a present leaf's bytes inside the walked VMA. */
static int count_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct rss_count *c = ctx;
	(void)va;
	uint64_t e = *entry;
	if (!(e & (_PAGE_PRESENT | _PAGE_PROTNONE)))
		return 0;
	uint64_t bytes = page_level_size(level);
	c->rss += bytes;
	if (e & _PAGE_SPECIAL)
		return 0;
	uint64_t pfn = (e & (level == PG_LEVEL_4K ? PTE_PFN_MASK : (level == PG_LEVEL_2M ? PHYSICAL_PMD_PAGE_MASK
								    : PHYSICAL_PUD_PAGE_MASK))) >> PAGE_SHIFT;
	if (PageAnon(pfn_to_page(pfn))) {
		c->anon += bytes;
		if (level == PG_LEVEL_2M)
			c->anon_huge += bytes;
	}
	return 0;
}

/* Linux's show_smap_vma_flags mnemonics, by the bit they stand for. */
static const struct {
	uint64_t flag;
	char name[3];
} vm_flag_names[] = {
	{VM_READ, "rd"}, {VM_WRITE, "wr"}, {VM_EXEC, "ex"}, {VM_SHARED, "sh"},
	{VM_MAYREAD, "mr"}, {VM_MAYWRITE, "mw"}, {VM_MAYEXEC, "me"}, {VM_MAYSHARE, "ms"},
	{VM_GROWSDOWN, "gd"}, {VM_LOCKED, "lo"}, {VM_SEQ_READ, "sr"}, {VM_RAND_READ, "rr"},
	{VM_DONTCOPY, "dc"}, {VM_ACCOUNT, "ac"}, {VM_NORESERVE, "nr"}, {VM_HUGETLB, "ht"},
	{VM_HUGEPAGE, "hg"}, {VM_NOHUGEPAGE, "nh"},
};

/* Appends to t what format would print, as far as it fits. */
static void text_add(struct proc_text *t, uint64_t cap, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((uint64_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	char *buf = page_address(t->pages);
	for (int i = 0; i < n && t->len < cap; i++)
		buf[t->len++] = line[i];
}

/* One maps line (and for smaps its counters) for vma. */
static void show_vma(struct proc_text *t, uint64_t cap, struct mm_struct *mm, struct vm_area_struct *vma,
		     bool smaps)
{
	uint64_t f = vma->vm_flags;
	const char *name = "";
	if (vma->vm_start <= mm->start_brk && vma->vm_end >= mm->brk && mm->brk > mm->start_brk)
		name = "[heap]";
	else if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		name = "[stack]";
	uint64_t pgoff = vma->vm_file ? vma->vm_pgoff << PAGE_SHIFT : 0;
	char head[128];
	int n = format(head, sizeof(head), "%08lx-%08lx %c%c%c%c %08lx 00:00 0", vma->vm_start, vma->vm_end,
		       (f & VM_READ) ? 'r' : '-', (f & VM_WRITE) ? 'w' : '-', (f & VM_EXEC) ? 'x' : '-',
		       (f & VM_MAYSHARE) ? 's' : 'p', pgoff);
	if (*name)
		text_add(t, cap, "%s%*s%s\n", head, n < 73 ? 73 - n : 1, "", name);
	else
		text_add(t, cap, "%s\n", head);
	if (!smaps)
		return;
	struct rss_count c = {0, 0, 0};
	walk_leaves(mm->pgd, vma->vm_start, vma->vm_end, count_leaf, &c);
	uint64_t psize = (f & VM_HUGETLB) ? ((f & VM_HUGETLB_1G) ? (1u << 30) : (1u << 21)) : PAGE_SIZE;
	text_add(t, cap, "Size:           %8lu kB\n", (vma->vm_end - vma->vm_start) >> 10);
	text_add(t, cap, "KernelPageSize: %8lu kB\n", psize >> 10);
	text_add(t, cap, "MMUPageSize:    %8lu kB\n", psize >> 10);
	text_add(t, cap, "Rss:            %8lu kB\n", c.rss >> 10);
	text_add(t, cap, "Anonymous:      %8lu kB\n", c.anon >> 10);
	text_add(t, cap, "AnonHugePages:  %8lu kB\n", c.anon_huge >> 10);
	text_add(t, cap, "Swap:           %8lu kB\n", (uint64_t)0);
	text_add(t, cap, "Locked:         %8lu kB\n", (f & VM_LOCKED) ? c.rss >> 10 : 0);
	text_add(t, cap, "VmFlags:");
	for (uint32_t i = 0; i < sizeof(vm_flag_names) / sizeof(vm_flag_names[0]); i++)
		if (f & vm_flag_names[i].flag)
			text_add(t, cap, " %s", vm_flag_names[i].name);
	if (!(f & VM_SD_CLEAN))
		text_add(t, cap, " sd");
	text_add(t, cap, " \n");
}

/* The snapshot of maps or smaps of mm in a new buffer. 0 or -ENOMEM. */
static int proc_text_fill(struct proc_text *t, struct mm_struct *mm, bool smaps)
{
	uint64_t need = ((uint64_t)mm->map_count + 1) * (smaps ? 600 : 140);
	uint32_t order = 0;
	while ((PAGE_SIZE << order) < need)
		order++;
	t->pages = alloc_pages(order);
	if (!t->pages)
		return -ENOMEM;
	t->order = order;
	t->len = 0;
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
		show_vma(t, PAGE_SIZE << order, mm, v, smaps);
	return 0;
}

/* proc_text_fill under mm's mmap_lock for reading: other threads change
 * their VMAs without the big kernel lock (kernel/mm_syscall_lock.h). */
static int proc_text_fill_locked(struct proc_text *t, struct mm_struct *mm, bool smaps)
{
	mmap_read_lock(mm);
	int err = proc_text_fill(t, mm, smaps);
	mmap_read_unlock(mm);
	return err;
}

/* ---- pagemap ------------------------------------------------------------- */

/* Linux's pte_to_pagemap_entry / pagemap_pmd_range for the page at addr. */
static uint64_t pagemap_entry(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		return 0;
	uint64_t flags = (vma->vm_flags & VM_SD_CLEAN) ? 0 : PM_SOFT_DIRTY;
	uint64_t *path[PG_LEVEL_256T];
	int n = walk_path(mm->pgd, addr, path);
	if (n == 0)
		return flags;
	int level = pgtable_levels() - (n - 1);
	uint64_t e = *path[n - 1];
	if (!(e & (_PAGE_PRESENT | _PAGE_PROTNONE)) || !entry_is_leaf(e, level))
		return flags;
	uint64_t mask = level == PG_LEVEL_4K ? PTE_PFN_MASK
		      : level == PG_LEVEL_2M ? PHYSICAL_PMD_PAGE_MASK : PHYSICAL_PUD_PAGE_MASK;
	uint64_t pfn = ((e & mask) >> PAGE_SHIFT) + ((addr & (page_level_size(level) - 1)) >> PAGE_SHIFT);
	flags |= PM_PRESENT;
	if (e & _PAGE_DIRTY)
		flags |= PM_SOFT_DIRTY;
	if (!(e & _PAGE_SPECIAL)) {
		struct page *head = pfn_to_page((e & mask) >> PAGE_SHIFT);
		if (!PageAnon(head))
			flags |= PM_FILE;
		if (page_mapcount(head) == 1)
			flags |= PM_MMAP_EXCLUSIVE;
	}
	if (current->cred.euid == 0)
		flags |= pfn & PM_PFRAME_MASK;
	return flags;
}

/* ---- clear_refs ---------------------------------------------------------- */

/* pt_leaf_fn: clear_refs 4 on one leaf. */
static int clear_soft_dirty_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	(void)ctx;
	(void)va;
	uint64_t e = *entry;
	if (!(e & _PAGE_PRESENT) || !(e & _PAGE_DIRTY))
		return 0;
	if (!(e & _PAGE_SPECIAL)) {
		uint64_t mask = level == PG_LEVEL_4K ? PTE_PFN_MASK
			      : level == PG_LEVEL_2M ? PHYSICAL_PMD_PAGE_MASK : PHYSICAL_PUD_PAGE_MASK;
		struct page *head = pfn_to_page((e & mask) >> PAGE_SHIFT);
		if (!PageAnon(head))
			set_page_dirty(head);   /* the writeback the Dirty bit stood for */
	}
	*entry = e & ~_PAGE_DIRTY;
	return 0;
}

/* Linux's clear_refs_write with CLEAR_REFS_SOFT_DIRTY on mm (current's). */
static void clear_soft_dirty(struct mm_struct *mm)
{
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		v->vm_flags |= VM_SD_CLEAN;
		if (!(v->vm_flags & VM_HUGETLB))   /* as Linux: hugetlb leaves keep their bit */
			walk_leaves(mm->pgd, v->vm_start, v->vm_end, clear_soft_dirty_leaf, NULL);
	}
	/* Every CPU of mm must see the clean leaves to set Dirty again. */
	flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, PAGE_SHIFT, false);
}

/* ---- the files ----------------------------------------------------------- */

static int64_t text_read(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	struct proc_text *t = f->private_data;
	if (*pos < 0 || (uint64_t)*pos >= t->len)
		return 0;
	uint64_t n = t->len - (uint64_t)*pos < count ? t->len - (uint64_t)*pos : count;
	if (copy_to_user(ubuf, (char *)page_address(t->pages) + *pos, n))
		return -EFAULT;
	*pos += (int64_t)n;
	return (int64_t)n;
}

static int64_t proc_llseek(struct file *f, int64_t offset, int whence)
{
	int64_t pos;
	switch (whence) {
	case SEEK_SET: pos = offset; break;
	case SEEK_CUR: pos = f->f_pos + offset; break;
	default: return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->f_pos = pos;
	return pos;
}

static void text_release(struct file *f)
{
	struct proc_text *t = f->private_data;
	__free_pages(t->pages, t->order);
	__free_page(t->self);
}

/* Linux's pagemap_read: whole entries only (-EINVAL), 0 at the end of user space. */
static int64_t pagemap_read(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	(void)f;
	if ((*pos % PM_ENTRY_BYTES) || (count % PM_ENTRY_BYTES) || *pos < 0)
		return -EINVAL;
	struct mm_struct *mm = current->mm;
	uint64_t done = 0;
	while (done < count) {
		uint64_t addr = ((uint64_t)*pos / PM_ENTRY_BYTES) << PAGE_SHIFT;
		if (addr >= TASK_SIZE_MAX + PAGE_SIZE || ((uint64_t)*pos / PM_ENTRY_BYTES) >> (64 - PAGE_SHIFT))
			break;
		mmap_read_lock(mm);   /* the VMA and tables stay; not across the copy, which may fault */
		uint64_t e = pagemap_entry(mm, addr);
		mmap_read_unlock(mm);
		if (copy_to_user(ubuf + done, &e, PM_ENTRY_BYTES))
			return done ? (int64_t)done : -EFAULT;
		done += PM_ENTRY_BYTES;
		*pos += PM_ENTRY_BYTES;
	}
	return (int64_t)done;
}

/* Linux's clear_refs_write: a number 1..5; 4 clears soft-dirty, the others
 * (the Accessed bits, the peak RSS) are accepted and not acted on. */
static int64_t clear_refs_write(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	(void)f;
	(void)pos;
	char buf[16];
	uint64_t n = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	int64_t v = 0;
	uint64_t i = 0;
	while (i < n && buf[i] == ' ')
		i++;
	if (i == n || buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	while (i < n && buf[i] >= '0' && buf[i] <= '9')
		v = v * 10 + (buf[i++] - '0');
	if (i < n && buf[i] != '\n')
		return -EINVAL;
	if (v < 1 || v > 5)
		return -EINVAL;
	if (v == 4) {
		mmap_write_lock(current->mm);   /* vm_flags change; other threads' memory syscalls run unlocked */
		clear_soft_dirty(current->mm);
		mmap_write_unlock(current->mm);
	}
	return (int64_t)count;
}

static const struct file_operations proc_text_fops = {
	.read = text_read, .llseek = proc_llseek, .release = text_release,
};
static const struct file_operations pagemap_fops = {
	.read = pagemap_read, .llseek = proc_llseek,
};
static const struct file_operations clear_refs_fops = {
	.write = clear_refs_write,
};

/* The file kind path names (absolute or from "/"), or -1. */
static int proc_kind_of(const char *path)
{
	char own[32];
	const char *p = path;
	while (*p == '/')
		p++;
	int n = format(own, sizeof(own), "proc/%u/", current->tgid);
	const char *rest = NULL;
	if (strncmp(p, "proc/self/", 10) == 0)
		rest = p + 10;
	else if (strncmp(p, own, (size_t)n) == 0)
		rest = p + n;
	if (!rest)
		return -1;
	if (strcmp(rest, "maps") == 0)
		return PROC_MAPS;
	if (strcmp(rest, "smaps") == 0)
		return PROC_SMAPS;
	if (strcmp(rest, "pagemap") == 0)
		return PROC_PAGEMAP;
	if (strcmp(rest, "clear_refs") == 0)
		return PROC_CLEAR_REFS;
	return -1;
}

/* See kernel/proc_self.h. */
bool proc_self_path(const char *path)
{
	return path[0] == '/' && proc_kind_of(path) >= 0;
}

/* See kernel/proc_self.h. */
int proc_self_open(const char *path, uint32_t flags, struct file **out)
{
	int kind = proc_kind_of(path);
	uint32_t acc = flags & O_ACCMODE;
	bool wants_write = acc == O_WRONLY || acc == O_RDWR;
	if (kind < 0)
		return -ENOENT;
	/* Linux's modes: maps, smaps 0444, pagemap 0400, clear_refs 0200. */
	if ((kind != PROC_CLEAR_REFS && wants_write) || (kind == PROC_CLEAR_REFS && acc != O_WRONLY))
		return -EACCES;
	if (flags & O_CREAT)
		return -EACCES;
	const struct file_operations *fops = kind == PROC_PAGEMAP ? &pagemap_fops
					   : kind == PROC_CLEAR_REFS ? &clear_refs_fops : &proc_text_fops;
	uint32_t fmode = kind == PROC_CLEAR_REFS ? FMODE_WRITE : FMODE_READ | FMODE_LSEEK | FMODE_PREAD;
	struct page *hold = NULL;
	if (kind == PROC_MAPS || kind == PROC_SMAPS) {
		hold = alloc_page();
		if (!hold)
			return -ENOMEM;
		struct proc_text *t = page_address(hold);
		t->self = hold;
		if (proc_text_fill_locked(t, current->mm, kind == PROC_SMAPS)) {
			__free_page(hold);
			return -ENOMEM;
		}
	}
	struct file *f = alloc_file(fops, (flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) |
				    O_LARGEFILE, fmode);
	if (!f) {
		if (hold) {
			struct proc_text *t = page_address(hold);
			__free_pages(t->pages, t->order);
			__free_page(hold);
		}
		return -ENFILE;
	}
	f->private_data = hold ? page_address(hold) : NULL;
	*out = f;
	return 0;
}
