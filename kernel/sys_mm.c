/*
 * The memory syscalls: mmap, munmap, mprotect, brk, madvise, mremap. Each
 * decodes its arguments - here only current->mm - and calls the do_* of
 * paging/mm.h, which validate them and do the work (paging/mmap.c,
 * mprotect.c, mremap.c, madvise.c).
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "paging/mm.h"
#include "cpu/percpu.h"

/* sys_mmap is with the file syscalls (kernel/sys_file.c): it looks up the fd. */

/* See fault/syscall.h. */
int64_t sys_msync(uint64_t addr, uint64_t len, uint64_t flags)
{
	return do_msync(current->mm, addr, len, flags);
}

/* See fault/syscall.h. */
int64_t sys_munmap(uint64_t addr, uint64_t len)
{
	return do_munmap(current->mm, addr, len);
}

/* See fault/syscall.h. */
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	return do_mprotect(current->mm, addr, len, prot);
}

/* See fault/syscall.h. */
int64_t sys_brk(uint64_t brk)
{
	return do_brk(current->mm, brk);
}

/* See fault/syscall.h. */
int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	return do_madvise(current->mm, addr, len, advice);
}

/* See fault/syscall.h. */
int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	return do_mremap(current->mm, addr, old_len, new_len, flags, new_addr);
}
