/*
 * The scheduler (kernel/sched.h): the run queue, the context switch, sleeping
 * and waking, and the tick.
 */
#include "kernel/sched.h"
#include "paging/tlb.h"
#include "kernel/task_exit.h"
#include "kernel/watchdog.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/fpu.h"
#include "cpu/percpu.h"
#include "cpu/pic.h"
#include "cpu/x86.h"
#include "fault/traps.h"
#include "fault/uaccess.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/mm_types.h"
#include "paging/page.h"

/* In kernel/switch_to.S. */
struct task_struct *__switch_to_asm(struct kernel_context *prev, struct kernel_context *next,
				    struct task_struct *last);
void ret_from_fork(void);
/* In kernel/task_exit.c: frees a task nobody waits for, once it is off the CPU. */
void release_task(struct task_struct *t);

static struct task_struct idle_task;
static struct list_head all_tasks = LIST_HEAD_INIT(all_tasks);
static uint32_t nr_tasks;
uint64_t jiffies;

/* The task this CPU runs: current, or its idle task between programs. */
static inline struct task_struct *rq_curr(void)
{
	struct task_struct *t = current;
	return t ? t : this_cpu_read(idle);
}

/* See kernel/sched.h. */
uint64_t wake_expired_sleepers(void)
{
	uint64_t now = rdtsc(), next = 0;
	struct task_struct *t;
	list_for_each_entry(t, &all_tasks, tasks) {
		if (t->state != TASK_INTERRUPTIBLE || !t->sleep_deadline)
			continue;
		if (now >= t->sleep_deadline) {
			t->timed_out = true;
			wake_up_process(t);
		} else if (!next || t->sleep_deadline < next) {
			next = t->sleep_deadline;
		}
	}
	return next;
}

/* The tick: wakes timed sleepers, enforces the run's time limit, and
 * preempts ring 3 when another task waits. */
static void sched_tick(struct pt_regs *regs)
{
	jiffies++;
	tick_ack();
	wake_expired_sleepers();
	struct task_struct *t;
	if (watchdog_expired()) {
		list_for_each_entry(t, &all_tasks, tasks)
			if (t == t->group_leader && t->exit_state == EXIT_NONE)
				kill_process(t, SIGKILL, SI_KERNEL, watchdog_reason());
	}
	if (!user_mode(regs))
		return;   /* the idle loop: it schedules by itself */
	if (!list_empty(&this_cpu_ptr()->runqueue)) {
		current->nivcsw++;
		schedule();
	}
	/* exception_dispatch's exit_to_user_mode follows: signals, a fatal one. */
}

/* See kernel/sched.h. */
void sched_init(void)
{
	struct pcpu *p = this_cpu_ptr();
	p->idle = &idle_task;
	INIT_LIST_HEAD(&p->runqueue);
	strlcpy(idle_task.comm, "faultline", sizeof(idle_task.comm));
	idle_task.pid = idle_task.tgid = REAPER_PID;   /* every tree's parent, as init is */
	idle_task.group_leader = &idle_task;
	idle_task.state = TASK_RUNNING;
	INIT_LIST_HEAD(&idle_task.run_list);
	INIT_LIST_HEAD(&idle_task.children);
	init_waitqueue_head(&idle_task.wait_chldexit);
	fpu_init();
	fault_register_timer_handler(sched_tick);
}

/* See kernel/sched.h. */
struct task_struct *alloc_task(void)
{
	_Static_assert(sizeof(struct task_struct) + FPU_AREA_MAX + FPU_AREA_ALIGN <= 2 * 4096,
		       "a task and its FPU area fit an order-1 block");
	struct page *tp = alloc_pages(1);
	if (!tp)
		return NULL;
	struct page *sp = alloc_pages(KERNEL_STACK_ORDER);
	if (!sp) {
		__free_pages(tp, 1);
		return NULL;
	}
	/* The task is cleared; its FPU area (the rest of the block) is written
	 * whole before it is ever loaded (fork's fpu_save, run's and exec's
	 * fpu_init_state) but for the XSAVE header, which fpu_area_init clears. */
	struct task_struct *t = page_address(tp);
	memset(t, 0, sizeof(*t));
	t->fpu = (char *)t + ((sizeof(*t) + FPU_AREA_ALIGN - 1) & ~(uint64_t)(FPU_AREA_ALIGN - 1));
	fpu_area_init(t->fpu);
	t->stack = (uint64_t)(uintptr_t)page_address(sp);
	t->stack_top = t->stack + KERNEL_STACK_SIZE;
	INIT_LIST_HEAD(&t->run_list);
	INIT_LIST_HEAD(&t->children);
	INIT_LIST_HEAD(&t->sibling);
	INIT_LIST_HEAD(&t->thread_group);
	INIT_LIST_HEAD(&t->thread_node);
	INIT_LIST_HEAD(&t->tasks);
	init_waitqueue_head(&t->wait_chldexit);
	/* The first switch to it "returns" to ret_from_fork with rsp at its pt_regs. */
	uint64_t *ret = (uint64_t *)(uintptr_t)task_pt_regs(t) - 1;
	*ret = (uint64_t)(uintptr_t)ret_from_fork;
	t->kctx.rsp = (uint64_t)(uintptr_t)ret;
	return t;
}

/* See kernel/sched.h. */
void free_task(struct task_struct *t)
{
	__free_pages(virt_to_page((void *)(uintptr_t)t->stack), KERNEL_STACK_ORDER);
	__free_pages(virt_to_page(t), 1);
}

/* See kernel/sched.h. */
void sched_attach_task(struct task_struct *t)
{
	list_add_tail(&t->tasks, &all_tasks);
	nr_tasks++;
}

/* See kernel/sched.h. */
void sched_detach_task(struct task_struct *t)
{
	list_del_init(&t->tasks);
	nr_tasks--;
}

/* See kernel/sched.h. */
uint32_t sched_nr_tasks(void)
{
	return nr_tasks;
}

/* See kernel/sched.h. */
void for_each_task(void (*fn)(struct task_struct *t, void *arg), void *arg)
{
	struct task_struct *t;
	list_for_each_entry(t, &all_tasks, tasks)
		fn(t, arg);
}

/* See kernel/sched.h. */
void wake_up_new_task(struct task_struct *t)
{
	t->state = TASK_RUNNING;
	list_add_tail(&t->run_list, &this_cpu_ptr()->runqueue);
}

/* See kernel/sched.h. */
void wake_up_process(struct task_struct *t)
{
	if (t->state != TASK_INTERRUPTIBLE)
		return;
	t->state = TASK_RUNNING;
	if (t != rq_curr() && list_empty(&t->run_list))
		list_add_tail(&t->run_list, &this_cpu_ptr()->runqueue);
}

/* Saves what ring 3 of prev left in the CPU: FS/GS selectors and bases,
 * the FPU registers. */
static void save_user_state(struct task_struct *prev)
{
	uint16_t ds, es, fs, gs;
	__asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
			 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	prev->ds_sel = ds, prev->es_sel = es, prev->fs_sel = fs, prev->gs_sel = gs;
	prev->fs_base = rdmsr(MSR_FS_BASE);
	prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	fpu_save(prev->fpu);
}

/* See kernel/sched.h. */
void sched_fork_user_state(struct task_struct *c)
{
	save_user_state(c);
}

/* Loads next's user state, kernel stack and address space into the CPU. */
static void load_user_state(struct task_struct *next)
{
	struct pcpu *p = this_cpu_ptr();
	switch_mm(next->mm);   /* nothing if it is loaded already */
	p->top_of_stack = next->stack_top;
	p->tss.rsp[0] = next->stack_top;
	/* Selectors first (a GS load clears the kernel's GS base), then the bases. */
	__asm__ volatile("mov %0, %%ds; mov %1, %%es; mov %2, %%fs; mov %3, %%gs"
			 : : "r"(next->ds_sel), "r"(next->es_sel), "r"(next->fs_sel), "r"(next->gs_sel)
			 : "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
	wrmsr(MSR_FS_BASE, next->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
	fpu_restore(next->fpu);
}

/* Frees a task that ended and that nobody will reap, now that it is off
 * the CPU (Linux's finish_task_switch). */
static void finish_task_switch(struct task_struct *prev)
{
	if (prev->state == TASK_DEAD && prev->exit_state == EXIT_DEAD)
		release_task(prev);
}

/* See kernel/sched.h. */
void schedule(void)
{
	struct pcpu *p = this_cpu_ptr();
	struct task_struct *prev = rq_curr(), *next;
	if (prev != p->idle && prev->state == TASK_RUNNING && list_empty(&prev->run_list))
		list_add_tail(&prev->run_list, &p->runqueue);
	if (list_empty(&p->runqueue)) {
		next = p->idle;
	} else {
		next = list_first_entry(&p->runqueue, struct task_struct, run_list);
		list_del_init(&next->run_list);
	}
	if (next == prev)
		return;
	p->nr_switches++;
	if (prev != p->idle && prev->mm)
		save_user_state(prev);
	if (next != p->idle && next->mm)
		load_user_state(next);   /* switch_mm leaves lazy mode (flushing if a flush skipped it) */
	else
		enter_lazy_tlb();        /* a kernel thread borrows whatever CR3 is loaded (Linux's lazy TLB) */
	p->current_task = next == p->idle ? NULL : next;
	struct task_struct *last = __switch_to_asm(&prev->kctx, &next->kctx, prev);
	finish_task_switch(last);
}

/* A new task's first C code, on its own stack (from ret_from_fork). */
void schedule_tail(struct task_struct *prev);
void schedule_tail(struct task_struct *prev)
{
	finish_task_switch(prev);
	struct task_struct *t = current;
	if (t->set_child_tid) {
		uint32_t tid = t->pid;
		/* A bad address is ignored, as Linux's put_user in schedule_tail. */
		(void)copy_to_user(t->set_child_tid, &tid, sizeof(tid));
	}
	exit_to_user_mode(task_pt_regs(t));
}

/* A kernel thread's first C code (from ret_from_kthread). */
void kthread_schedule_tail(struct task_struct *prev);
void kthread_schedule_tail(struct task_struct *prev)
{
	finish_task_switch(prev);
}

void ret_from_kthread(void);

/* See kernel/sched.h. */
struct task_struct *kthread_create(void (*fn)(void *arg), void *arg, const char *name)
{
	struct task_struct *t = alloc_task();
	if (!t)
		return NULL;
	strlcpy(t->comm, name, sizeof(t->comm));
	t->group_leader = t;
	t->nr_threads = 1;
	t->kctx.rbx = (uint64_t)(uintptr_t)fn;
	t->kctx.r12 = (uint64_t)(uintptr_t)arg;
	*(uint64_t *)(uintptr_t)t->kctx.rsp = (uint64_t)(uintptr_t)ret_from_kthread;
	t->state = TASK_INTERRUPTIBLE;   /* wake_up_process starts it */
	return t;
}

/* See kernel/sched.h. */
void prepare_to_wait(struct wait_queue_head *wq, struct wait_queue_entry *w)
{
	struct task_struct *t = current;
	if (w->task != t) {
		w->task = t;
		list_add_tail(&w->node, &wq->head);
	}
	t->state = TASK_INTERRUPTIBLE;
}

/* See kernel/sched.h. */
void finish_wait(struct wait_queue_head *wq, struct wait_queue_entry *w)
{
	(void)wq;
	current->state = TASK_RUNNING;
	if (w->task) {
		list_del_init(&w->node);
		w->task = NULL;
	}
}

/* See kernel/sched.h. */
bool schedule_until(uint64_t deadline)
{
	struct task_struct *t = current;
	t->sleep_deadline = deadline;
	t->timed_out = false;
	if (deadline && rdtsc() >= deadline) {
		t->state = TASK_RUNNING;
		t->timed_out = true;
	} else {
		t->nvcsw++;
		schedule();
	}
	t->sleep_deadline = 0;
	return !t->timed_out;
}

/* See kernel/sched.h. */
uint32_t wake_up_nr(struct wait_queue_head *wq, uint32_t nr)
{
	uint32_t woken = 0;
	struct wait_queue_entry *w, *n;
	list_for_each_entry_safe(w, n, &wq->head, node) {
		if (nr && woken == nr)
			break;
		if (w->task->state == TASK_INTERRUPTIBLE) {
			wake_up_process(w->task);
			woken++;
		}
	}
	return woken;
}

/* See kernel/sched.h. */
int sleep_until_tsc(uint64_t deadline)
{
	struct task_struct *t = current;
	while (rdtsc() < deadline) {
		if (task_sigpending(t))
			return -EINTR;
		t->state = TASK_INTERRUPTIBLE;
		schedule_until(deadline);
	}
	return 0;
}

/* See kernel/sched.h. */
void init_completion(struct completion *c)
{
	c->done = false;
	init_waitqueue_head(&c->wait);
}

/* See kernel/sched.h. */
void complete(struct completion *c)
{
	c->done = true;
	wake_up(&c->wait);
}

/* See kernel/sched.h. */
int wait_for_completion(struct completion *c)
{
	struct wait_queue_entry w = { .task = NULL };
	int ret = 0;
	for (;;) {
		prepare_to_wait(&c->wait, &w);
		if (c->done)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		schedule_until(0);
	}
	finish_wait(&c->wait, &w);
	return ret;
}

/* See kernel/sched.h. */
int64_t sys_sched_yield(void)
{
	current->nvcsw++;
	schedule();
	return 0;
}
