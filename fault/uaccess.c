/*
 * User copies (fault/uaccess.h) and their exception-table fixups. The copy
 * loops are in fault/uaccess_copy.S; this file checks the ranges and knows
 * which instruction may fault and where to resume.
 */
#include "fault/uaccess.h"
#include "fault/uaccess_copy.h"
#include "fault/fpu_restore.h"
#include "paging/range.h"
#include "paging/pgtable.h"


/* The exception table: each faulting instruction and where to resume; the
 * user copies' page faults are also the program's own (in_uaccess). */
static const struct { const char *ip; const char *fixup; bool user_copy; } extable[] = {
	{ copy_user_fault_ip, copy_user_fixup, true },
	{ clear_user_fault_ip, clear_user_fixup, true },
	{ fxrstor_fault_ip, fxrstor_fixup, false },   /* #GP: an FPU image the CPU refuses */
};

/* See fault/uaccess.h. */
bool access_ok(uint64_t addr, uint64_t n)
{
	return range_in_user(addr, n, TASK_SIZE_MAX);
}

/* See fault/uaccess.h. */
uint64_t copy_from_user(void *dst, uint64_t usrc, uint64_t n)
{
	if (!access_ok(usrc, n))
		return n;
	return __copy_user(dst, (const void *)(uintptr_t)usrc, n);
}

/* See fault/uaccess.h. */
uint64_t copy_to_user(uint64_t udst, const void *src, uint64_t n)
{
	if (!access_ok(udst, n))
		return n;
	return __copy_user((void *)(uintptr_t)udst, src, n);
}

/* See fault/uaccess.h. */
uint64_t clear_user(uint64_t udst, uint64_t n)
{
	if (!access_ok(udst, n))
		return n;
	return __clear_user((void *)(uintptr_t)udst, n);
}

/* See fault/uaccess.h. */
bool in_uaccess(const struct pt_regs *regs)
{
	for (uint32_t i = 0; i < sizeof(extable) / sizeof(extable[0]); i++)
		if (extable[i].user_copy && regs->ip == (uint64_t)(uintptr_t)extable[i].ip)
			return true;
	return false;
}

/* See fault/uaccess.h. */
bool fixup_exception(struct pt_regs *regs)
{
	for (uint32_t i = 0; i < sizeof(extable) / sizeof(extable[0]); i++) {
		if (regs->ip == (uint64_t)(uintptr_t)extable[i].ip) {
			regs->ip = (uint64_t)(uintptr_t)extable[i].fixup;
			return true;
		}
	}
	return false;
}

/* See fault/uaccess.h. Page by page: a page is readable as a whole or not. */
int64_t strncpy_from_user(char *dst, uint64_t usrc, uint64_t count)
{
	uint64_t done = 0;
	while (done < count) {
		uint64_t chunk = 4096 - ((usrc + done) & 4095);
		if (chunk > count - done)
			chunk = count - done;
		if (copy_from_user(dst + done, usrc + done, chunk))
			return -EFAULT;
		for (uint64_t i = 0; i < chunk; i++)
			if (dst[done + i] == '\0')
				return (int64_t)(done + i);
		done += chunk;
	}
	return (int64_t)count;
}
