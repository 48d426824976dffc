/*
 * The kernel's only ways into user memory. Each returns the number of bytes
 * NOT copied (0 = success), like Linux: a bad pointer never faults the
 * kernel, it comes back as a short count the caller turns into -EFAULT.
 * Faults inside them go through the normal page-fault path first, so
 * not-yet-touched user memory is demand-paged as for the program itself.
 */
#ifndef FAULTLINE_UACCESS_H
#define FAULTLINE_UACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "base/ptrace.h"

/* True if [addr, addr+n) lies entirely below the user-half limit (TASK_SIZE_MAX),
 * tested without computing addr+n (paging/range.h: range_in_user). */
bool access_ok(uint64_t addr, uint64_t n);

uint64_t copy_from_user(void *dst, uint64_t usrc, uint64_t n);
uint64_t copy_to_user(uint64_t udst, const void *src, uint64_t n);
uint64_t clear_user(uint64_t udst, uint64_t n);

/* Copies the user string at usrc, with its NUL, into dst (at most count
 * bytes). Returns its length without the NUL; count if no NUL came within
 * count bytes (dst is then not terminated); -EFAULT (base/errno.h) if it
 * reaches memory the user cannot read. */
int64_t strncpy_from_user(char *dst, uint64_t usrc, uint64_t count);

/* Is regs->ip one of the user-copy instructions (a fault there may be demand paging)? */
bool in_uaccess(const struct pt_regs *regs);

/* If regs->ip is a user-copy instruction, moves it to its fixup and returns true. */
bool fixup_exception(struct pt_regs *regs);

/* Set at boot when SMAP is on: STAC/CLAC are then executed around user copies. */
extern uint8_t uaccess_smap;

#endif
