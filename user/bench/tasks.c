/*
 * Tasks for the multi-CPU benchmarks (user/bench/tasks.h): CPU list,
 * pinning, threads by raw clone, processes by fork, joining.
 */
#include "user/bench/tasks.h"
#include "base/string.h"
#include "user/rt/linux.h"
#include "user/rt/syscall.h"

#define NR_nanosleep         35
#define NR_sched_setaffinity 203
#define NR_sched_getaffinity 204
#define NR_getcpu            309

#define CLONE_VM             0x00000100ul
#define CLONE_FS             0x00000200ul
#define CLONE_FILES          0x00000400ul
#define CLONE_SIGHAND        0x00000800ul
#define CLONE_THREAD         0x00010000ul
#define CLONE_SYSVSEM        0x00040000ul
#define CLONE_PARENT_SETTID  0x00100000ul
#define CLONE_CHILD_CLEARTID 0x00200000ul

#define FUTEX_WAIT 0
#define MASK_WORDS (BENCH_MAX_TASKS / 64)
#define PAGE 4096ul

/* See user/bench/tasks.h. */
const char *bench_mode_name(enum bench_mode m)
{
	return m == BENCH_THREADS ? "threads" : "processes";
}

/* See user/bench/tasks.h. */
long bench_cpus_read(struct bench_cpus *c)
{
	uint64_t mask[16];    /* 1024 CPUs: Linux wants at least nr_cpu_ids bits */
	memset(mask, 0, sizeof(mask));
	memset(c, 0, sizeof(*c));
	long r = syscall6(NR_sched_getaffinity, 0, sizeof(mask), (long)mask, 0, 0, 0);
	if (r < 0)
		return r;
	for (uint32_t cpu = 0; cpu < MASK_WORDS * 64 && c->n < BENCH_MAX_TASKS; cpu++)
		if (mask[cpu / 64] >> (cpu % 64) & 1)
			c->cpu[c->n++] = cpu;
	if (c->n == 0)
		c->cpu[c->n++] = 0;
	return c->n;
}

/* See user/bench/tasks.h. */
long bench_pin(uint32_t cpu)
{
	uint64_t mask[16];
	memset(mask, 0, sizeof(mask));
	if (cpu >= 1024)
		return -EINVAL;
	mask[cpu / 64] = 1ul << (cpu % 64);
	return syscall6(NR_sched_setaffinity, 0, sizeof(mask), (long)mask, 0, 0, 0);
}

/* See user/bench/tasks.h. */
long bench_getcpu(void)
{
	uint32_t cpu = 0, node = 0;
	long r = syscall6(NR_getcpu, (long)&cpu, (long)&node, 0, 0, 0, 0);
	return r < 0 ? r : (long)cpu;
}

/* See user/bench/tasks.h. */
void bench_prefault(uintptr_t addr, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE) {
		volatile uint8_t *p = (volatile uint8_t *)(addr + off);
		*p = *p;
	}
}

/* See user/bench/tasks.h. */
long bench_shared_alloc(uint64_t len)
{
	len = (len + PAGE - 1) & ~(PAGE - 1);
	long addr = sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (addr < 0)
		return addr;
	memset((void *)addr, 0, len);
	return addr;
}

/*
 * Starts a thread of this process running fn(t, index) on the stack that
 * ends at stack_top; the kernel stores its tid at *tid before clone returns
 * (CLONE_PARENT_SETTID) and clears it and wakes a futex waiter there when the
 * thread exits (CLONE_CHILD_CLEARTID). Returns the tid or -errno.
 */
static long clone_thread(struct bench_tasks *t, uint32_t index, uintptr_t stack_top, volatile int32_t *tid)
{
	uint64_t *sp = (uint64_t *)(stack_top & ~15ul);
	*--sp = index;
	*--sp = (uint64_t)(uintptr_t)t;
	uint64_t flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
			 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	register long r10 __asm__("r10") = (long)tid;
	register long r8 __asm__("r8") = 0;
	long ret;
	/* The child pops its two words (rsp back at the 16-byte aligned top), calls
	 * the body and ends the thread with exit(0); the parent jumps over that. */
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "pop %%rdi\n\t"
			 "pop %%rsi\n\t"
			 "call bench_thread_body\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"(flags), "S"(sp), "d"(tid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

/* What a new thread runs (called from clone_thread's assembly). */
void bench_thread_body(struct bench_tasks *t, uint64_t index);
void bench_thread_body(struct bench_tasks *t, uint64_t index)
{
	t->fn(t->arg, (uint32_t)index);
}

/* Waits for task i to end. Returns 0, -errno, or 1 for a process that failed. */
static long join_one(struct bench_tasks *t, uint32_t i)
{
	if (t->mode == BENCH_PROCESSES) {
		int st = 0;
		long r;
		do
			r = syscall6(SYS_wait4, t->id[i], (long)&st, 0, 0, 0, 0);
		while (r == -EINTR);
		return r < 0 ? r : st != 0;
	}
	int32_t v;
	while ((v = *t->tid_word[i]) != 0)
		syscall6(SYS_futex, (long)t->tid_word[i], FUTEX_WAIT, v, 0, 0, 0);
	sys_munmap((void *)t->stack[i], BENCH_THREAD_STACK + PAGE);
	return 0;
}

/* See user/bench/tasks.h. */
long bench_tasks_join(struct bench_tasks *t)
{
	long worst = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		long r = join_one(t, i);
		if (r != 0 && (worst == 0 || r < 0))
			worst = r;
	}
	t->n = 0;
	return worst;
}

/* See user/bench/tasks.h. */
long bench_tasks_start(struct bench_tasks *t, enum bench_mode mode, uint32_t n, bench_task_fn fn, void *arg)
{
	t->mode = mode;
	t->n = 0;
	t->fn = fn;
	t->arg = arg;
	if (n == 0 || n > BENCH_MAX_TASKS)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		long r;
		if (mode == BENCH_PROCESSES) {
			r = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
			if (r == 0) {
				fn(arg, i);
				sys_exit_group(0);
			}
		} else {
			/* The stack, and above it the tid word (its own page: the
			 * stack's top is the thread's, the word the joiner's). */
			long s = sys_mmap(0, BENCH_THREAD_STACK + PAGE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			r = s;
			if (s >= 0) {
				bench_prefault((uintptr_t)s, BENCH_THREAD_STACK + PAGE);
				t->stack[i] = (uintptr_t)s;
				t->tid_word[i] = (volatile int32_t *)(s + BENCH_THREAD_STACK);
				*t->tid_word[i] = 0;
				r = clone_thread(t, i, (uintptr_t)s + BENCH_THREAD_STACK, t->tid_word[i]);
				if (r < 0)
					sys_munmap((void *)s, BENCH_THREAD_STACK + PAGE);
			}
		}
		if (r < 0) {
			bench_tasks_join(t);
			return r;
		}
		t->id[i] = r;
		t->n = i + 1;
	}
	return 0;
}

/* See user/bench/tasks.h. */
long bench_sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (int64_t)(ms / 1000), .tv_nsec = (int64_t)(ms % 1000) * 1000000 };
	return syscall6(NR_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

/* See user/bench/tasks.h. */
uint64_t bench_clock_ns(void)
{
	struct timespec ts;
	if (sys_clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
