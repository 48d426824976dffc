/*
 * set_robust_list / get_robust_list (Linux's kernel/futex/syscalls.c): the
 * head of the task's list of robust futexes, stored for the exit path that
 * walks it once there are threads and futexes (the lead's). rseq is not
 * provided: -ENOSYS without a warning, which glibc (>= 2.35, the only libc
 * that registers one) takes as "no rseq" and carries on, as on a kernel
 * built without CONFIG_RSEQ; musl never calls it.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/percpu.h"

#define ROBUST_LIST_HEAD_SIZE 24   /* struct robust_list_head: list, futex_offset, list_op_pending */

/* See fault/syscall.h. Any other length is -EINVAL; the head itself is
 * not read until exit (an invalid one is Linux's caller's problem too). */
int64_t sys_set_robust_list(uint64_t head, uint64_t len)
{
	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	current->robust_list_head = head;
	return 0;
}

/* See fault/syscall.h. pid 0 is the caller; another pid -ESRCH; the length
 * is written first, then the head (-EFAULT each). */
int64_t sys_get_robust_list(uint64_t pid, uint64_t head_ptr, uint64_t len_ptr)
{
	int32_t p = (int32_t)pid;
	if (p != 0 && (p < 0 || (uint32_t)p != current->pid))
		return -ESRCH;
	uint64_t len = ROBUST_LIST_HEAD_SIZE, head = current->robust_list_head;
	if (copy_to_user(len_ptr, &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(head_ptr, &head, sizeof(head)) ? -EFAULT : 0;
}
