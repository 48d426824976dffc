/*
 * futex(2) (kernel/futex.h). One list of waiters for the whole system,
 * searched linearly: the trees of processes faultline runs have few threads.
 */
#include "kernel/futex.h"
#include "kernel/sched.h"
#include "kernel/sched_timeout.h"
#include "base/errno.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "fault/uaccess.h"
#include "lib/tsc.h"
#include "paging/mm_types.h"
#include "paging/pgtable.h"
#include "paging/vma.h"

/* What a futex is: (mm, user address) for a private one; for a shared one
 * in a MAP_SHARED mapping, (NULL, physical address), so that processes
 * sharing the page after fork meet on it (Linux keys those by page). */
struct futex_key {
	struct mm_struct *mm;
	uint64_t addr;
};

struct futex_q {
	struct wait_queue_entry w;
	struct list_head node;       /* on futex_waiters */
	struct mm_struct *mm;        /* the key */
	uint64_t uaddr;
	uint32_t bitset;
	bool woken;
};

static struct list_head futex_waiters = LIST_HEAD_INIT(futex_waiters);

/* The key of the futex at uaddr of the current task (see struct futex_key). */
static struct futex_key get_futex_key(uint64_t uaddr, bool private)
{
	struct mm_struct *mm = current->mm;
	struct futex_key key = { mm, uaddr };
	if (private)
		return key;
	/* The VMA and the tables stay under the mmap_lock: other threads'
	 * munmap runs without the big kernel lock (kernel/mm_syscall_lock.h). */
	mmap_read_lock(mm);
	struct vm_area_struct *vma = find_vma(mm, uaddr);
	if (vma && vma->vm_start <= uaddr && (vma->vm_flags & VM_SHARED)) {
		pte_t *pte = walk_pte(mm->pgd, uaddr, false, NULL);
		pte_t entry = pte ? ptep_get(pte) : __pte(0);
		if (pte_present(entry))
			key = (struct futex_key){ NULL, (pte_pfn(entry) << PAGE_SHIFT) | (uaddr & (PAGE_SIZE - 1)) };
	}
	mmap_read_unlock(mm);
	return key;
}

/* See kernel/futex.h. */
uint32_t futex_wake(struct mm_struct *mm, uint64_t uaddr, uint32_t nr, uint32_t bitset)
{
	uint32_t woken = 0;
	struct futex_q *q, *n;
	list_for_each_entry_safe(q, n, &futex_waiters, node) {
		if (woken >= nr)
			break;
		if (q->mm != mm || q->uaddr != uaddr || !(q->bitset & bitset))
			continue;
		list_del_init(&q->node);
		q->woken = true;
		wake_up_process(q->w.task);
		woken++;
	}
	return woken;
}

/* The TSC deadline of a futex timeout: relative for FUTEX_WAIT, absolute
 * (CLOCK_MONOTONIC, time since boot here) for FUTEX_WAIT_BITSET. 0 = none. */
static int futex_deadline(uint64_t utime, bool absolute, uint64_t *deadline)
{
	*deadline = 0;
	if (!utime)
		return 0;
	uint64_t cycles;
	int err = timespec_to_tsc_cycles(utime, &cycles);
	if (err)
		return err;
	if (absolute) {
		uint64_t now = rdtsc();
		*deadline = cycles > now ? cycles : 1;
	} else {
		*deadline = rdtsc() + cycles + 1;
	}
	return 0;
}

/* FUTEX_WAIT(_BITSET): sleeps while *uaddr == val. */
static int64_t futex_wait(uint64_t uaddr, bool private, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct task_struct *t = current;
	uint32_t cur;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	struct futex_key key = get_futex_key(uaddr, private);
	struct futex_q q = { .mm = key.mm, .uaddr = key.addr, .bitset = bitset, .woken = false };
	q.w.task = t;
	list_add_tail(&q.node, &futex_waiters);
	int64_t ret = 0;
	for (;;) {
		if (q.woken)
			break;
		if (task_sigpending(t)) {
			ret = -ERESTARTSYS;
			break;
		}
		t->state = TASK_INTERRUPTIBLE;
		if (!schedule_until(deadline) && !q.woken) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	t->state = TASK_RUNNING;
	if (!q.woken)
		list_del_init(&q.node);
	return ret;
}

/* See kernel/futex.h. */
int64_t sys_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2, uint64_t val3)
{
	uint32_t cmd = (uint32_t)op & ~(uint32_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool private = (op & FUTEX_PRIVATE_FLAG) != 0;
	uint64_t deadline;
	int err;
	if (uaddr & 3)
		return -EINVAL;
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		if ((err = futex_deadline(utime, false, &deadline)))
			return err;
		return futex_wait(uaddr, private, (uint32_t)val, deadline, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		if (!(uint32_t)val3)
			return -EINVAL;
		if ((err = futex_deadline(utime, true, &deadline)))
			return err;
		return futex_wait(uaddr, private, (uint32_t)val, deadline, (uint32_t)val3);
	case FUTEX_WAKE: {
		struct futex_key k = get_futex_key(uaddr, private);
		return futex_wake(k.mm, k.addr, (uint32_t)val, FUTEX_BITSET_MATCH_ANY);
	}
	case FUTEX_WAKE_BITSET: {
		if (!(uint32_t)val3)
			return -EINVAL;
		struct futex_key k = get_futex_key(uaddr, private);
		return futex_wake(k.mm, k.addr, (uint32_t)val, (uint32_t)val3);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE: {
		/* Wake val, move up to utime (a count here) others to uaddr2. */
		if (cmd == FUTEX_CMP_REQUEUE) {
			uint32_t cur;
			if (copy_from_user(&cur, uaddr, sizeof(cur)))
				return -EFAULT;
			if (cur != (uint32_t)val3)
				return -EAGAIN;
		}
		if (uaddr2 & 3)
			return -EINVAL;
		struct futex_key k = get_futex_key(uaddr, private), k2 = get_futex_key(uaddr2, private);
		uint32_t woken = futex_wake(k.mm, k.addr, (uint32_t)val, FUTEX_BITSET_MATCH_ANY);
		uint32_t moved = 0, limit = (uint32_t)utime;
		struct futex_q *q;
		list_for_each_entry(q, &futex_waiters, node)
			if (moved < limit && q->mm == k.mm && q->uaddr == k.addr) {
				q->mm = k2.mm;
				q->uaddr = k2.addr;
				moved++;
			}
		return woken + moved;
	}
	default:
		return -ENOSYS;
	}
}
