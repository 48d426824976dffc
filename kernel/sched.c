/*
 * The scheduler (kernel/sched.h): the run queues, the context switch, sleeping
 * and waking, the tick, and where tasks run when several CPUs run them.
 *
 * Placement (sched_smp: programs run on every online CPU):
 *   a new task (fork, clone) or a woken one   the least-loaded CPU it may run
 *                                             on (load: queued + running);
 *                                             ties go to the CPU it last ran
 *                                             on (a new task: the parent's)
 *   a CPU about to go idle                    pulls the first task it may run
 *                                             from the busiest queue
 *   a running task no longer allowed here     requeued on an allowed CPU
 *                                             (sched_setaffinity)
 *   queued on another CPU                     RESCHEDULE_VECTOR IPI to it
 *   a task running on another CPU is killed   the same IPI: it enters the
 *                                             kernel and dies on the way out
 * Every decision is made under the big kernel lock (cpu/kernel_lock.h); a
 * run queue also has its own lock (pcpu.rq_lock), taken inside it, so that
 * what looks at a queue without the big lock (the idle hook's peek) sees it
 * whole.
 */
#include "kernel/sched.h"
#include "kernel/kswapd.h"
#include "paging/tlb.h"
#include "kernel/task_exit.h"
#include "kernel/watchdog.h"
#include "base/errno.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/apic.h"
#include "cpu/fpu.h"
#include "cpu/kernel_lock.h"
#include "cpu/percpu.h"
#include "cpu/smp.h"
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
bool sched_smp;
static struct cpumask sched_cpu_mask = { { 1 } };   /* the CPUs that run tasks */

/* See kernel/sched.h. */
struct task_struct *sched_reaper(void)
{
	return &idle_task;
}

/* See kernel/sched.h. */
const struct cpumask *sched_cpus(void)
{
	return &sched_cpu_mask;
}

/* How busy cpu is: the tasks on its queue and the one it runs. */
static uint32_t cpu_load(uint32_t cpu)
{
	const struct pcpu *p = &pcpu_area[cpu];
	return p->nr_queued + (p->current_task != NULL);
}

/* The CPU for t (see the table above); prefer wins ties. Without sched_smp:
 * this one. */
static uint32_t select_task_rq(const struct task_struct *t, uint32_t prefer)
{
	uint32_t here = smp_processor_id();
	if (!sched_smp)
		return here;
	struct cpumask allowed;
	if (!cpumask_and(&allowed, &t->cpus_allowed, &sched_cpu_mask))
		allowed = sched_cpu_mask;   /* as Linux's select_fallback_rq: any CPU that runs tasks */
	uint32_t best = here, best_load = UINT32_MAX;
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (!cpumask_test_cpu(cpu, &allowed))
			continue;
		uint32_t load = cpu_load(cpu);
		if (load < best_load || (load == best_load && cpu == prefer)) {
			best = cpu;
			best_load = load;
		}
	}
	return best;
}

/* Puts t at the tail of cpu's queue; another CPU is told by IPI. */
static void enqueue_task(struct task_struct *t, uint32_t cpu)
{
	struct pcpu *p = &pcpu_area[cpu];
	uint64_t flags;
	spin_lock_irqsave(&p->rq_lock, flags);
	list_add_tail(&t->run_list, &p->runqueue);
	p->nr_queued++;
	t->cpu = cpu;
	spin_unlock_irqrestore(&p->rq_lock, flags);
	if (cpu != smp_processor_id())
		smp_send_reschedule(cpu);
}

/* Takes the first task off p's queue (NULL: empty); with allowed_cpu below
 * NR_CPUS, the first that may run there. */
static struct task_struct *dequeue_first(struct pcpu *p, uint32_t allowed_cpu)
{
	struct task_struct *t, *found = NULL;
	uint64_t flags;
	spin_lock_irqsave(&p->rq_lock, flags);
	list_for_each_entry(t, &p->runqueue, run_list) {
		if (allowed_cpu >= NR_CPUS || cpumask_test_cpu(allowed_cpu, &t->cpus_allowed)) {
			found = t;
			break;
		}
	}
	if (found) {
		list_del_init(&found->run_list);
		p->nr_queued--;
	}
	spin_unlock_irqrestore(&p->rq_lock, flags);
	return found;
}

/* An idle CPU's pull: a task it may run from the busiest other queue. */
static struct task_struct *idle_balance(struct pcpu *here)
{
	uint32_t busiest = NR_CPUS, most = 0;
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu == here->cpu || !cpumask_test_cpu(cpu, &sched_cpu_mask))
			continue;
		uint32_t n = __atomic_load_n(&pcpu_area[cpu].nr_queued, __ATOMIC_RELAXED);
		if (n > most) {
			most = n;
			busiest = cpu;
		}
	}
	if (busiest == NR_CPUS)
		return NULL;
	struct task_struct *t = dequeue_first(&pcpu_area[busiest], here->cpu);
	if (t)
		here->nr_pulled++;
	return t;
}

/* Whether t is some CPU's running task right now. */
static inline bool task_on_cpu(const struct task_struct *t)
{
	return t->cpu < NR_CPUS && pcpu_area[t->cpu].current_task == t;
}

/* See kernel/sched.h. */
void kick_process(struct task_struct *t)
{
	if (sched_smp && t->cpu != smp_processor_id() && task_on_cpu(t))
		smp_send_reschedule(t->cpu);
}

/* Whether the running task should give up this CPU: another waits on its
 * queue, or it may no longer run here. */
static bool need_resched(void)
{
	struct pcpu *p = this_cpu_ptr();
	if (p->nr_queued)
		return true;
	struct task_struct *t = p->current_task;
	return sched_smp && t && !cpumask_test_cpu(p->cpu, &t->cpus_allowed);
}

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

/* See kernel/sched.h. */
void sched_tick_work(void)
{
	wake_expired_sleepers();
	kswapd_wake_pending();
	struct task_struct *t;
	if (watchdog_expired()) {
		list_for_each_entry(t, &all_tasks, tasks)
			if (t == t->group_leader && t->exit_state == EXIT_NONE)
				kill_process(t, SIGKILL, SI_KERNEL, watchdog_reason());
	}
}

/* The tick, on every CPU that runs tasks. In ring 3 (the big kernel lock
 * held): wakes timed sleepers, enforces the run's time limit, and preempts
 * when another task waits. In ring 0 (an idle loop's halt, a wait for the
 * lock) only the count: the idle loops do the rest under the lock. */
static void sched_tick(struct pt_regs *regs)
{
	if (smp_processor_id() == 0)
		jiffies++;
	tick_ack();
	if (!user_mode(regs))
		return;
	sched_tick_work();
	if (need_resched()) {
		current->nivcsw++;
		schedule();
	}
	/* exception_dispatch's exit_to_user_mode follows: signals, a fatal one. */
}

/* RESCHEDULE_VECTOR: from ring 3 (the lock held), switch if another task
 * waits or this one may not stay; a fatal signal is seen on the way out.
 * In ring 0 the idle loop looks at its queue when the halt ends. */
static void sched_resched_ipi(struct pt_regs *regs)
{
	if (!user_mode(regs))
		return;
	if (need_resched()) {
		current->nivcsw++;
		schedule();
	}
}

/* See kernel/sched.h. */
void sched_init(void)
{
	struct pcpu *p = this_cpu_ptr();
	p->idle = &idle_task;
	INIT_LIST_HEAD(&p->runqueue);
	spin_lock_init(&p->rq_lock);
	idle_task.cpu = p->cpu;
	strlcpy(idle_task.comm, "faultline", sizeof(idle_task.comm));
	idle_task.pid = idle_task.tgid = REAPER_PID;   /* every tree's parent, as init is */
	idle_task.group_leader = &idle_task;
	idle_task.state = TASK_RUNNING;
	INIT_LIST_HEAD(&idle_task.run_list);
	INIT_LIST_HEAD(&idle_task.children);
	init_waitqueue_head(&idle_task.wait_chldexit);
	fpu_init();
	fault_register_timer_handler(sched_tick);
	fault_register_resched_handler(sched_resched_ipi);
}

/* An AP's idle hook (cpu/smp.h): runs the tasks queued here, or one pulled
 * from the busiest queue, under the big kernel lock, until there is none. */
static void sched_idle_hook(void)
{
	struct pcpu *p = this_cpu_ptr();
	bool work = p->nr_queued != 0;
	for (uint32_t cpu = 0; !work && cpu < nr_cpu_ids; cpu++)
		work = cpu != p->cpu && __atomic_load_n(&pcpu_area[cpu].nr_queued, __ATOMIC_RELAXED) != 0;
	if (!work)
		return;
	lock_kernel();
	schedule();   /* back here when the CPU has nothing left to run */
	unlock_kernel();
}

/* See kernel/sched.h. */
bool sched_init_smp(void)
{
	for (uint32_t cpu = 1; cpu < nr_cpu_ids; cpu++) {
		struct pcpu *p = &pcpu_area[cpu];
		if (!cpu_online(cpu) || p->idle)
			continue;
		struct task_struct *t = alloc_task();
		if (!t)
			return false;
		format(t->comm, sizeof(t->comm), "idle/%u", cpu);
		t->group_leader = t;
		t->state = TASK_RUNNING;
		t->cpu = cpu;
		INIT_LIST_HEAD(&p->runqueue);
		spin_lock_init(&p->rq_lock);
		p->nr_queued = 0;
		p->idle = t;
	}
	struct cpumask mask = { { 1 } };
	for (uint32_t cpu = 1; cpu < nr_cpu_ids; cpu++)
		if (cpu_online(cpu) && pcpu_area[cpu].idle)
			cpumask_set_cpu(cpu, &mask);
	sched_cpu_mask = mask;
	sched_smp = cpumask_weight(&mask) > 1;
	smp_set_idle_hook(sched_smp ? sched_idle_hook : NULL);
	return true;
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
	uint32_t here = smp_processor_id();
	enqueue_task(t, select_task_rq(t, here));
}

/* See kernel/sched.h. A task that runs on another CPU (in ring 3, or about
 * to return there) is kicked so that a fatal signal ends it at once. */
void wake_up_process(struct task_struct *t)
{
	if (t->state != TASK_INTERRUPTIBLE) {
		kick_process(t);
		return;
	}
	t->state = TASK_RUNNING;
	if (t != rq_curr() && !task_on_cpu(t) && list_empty(&t->run_list))
		enqueue_task(t, select_task_rq(t, t->cpu));
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

/* See kernel/sched.h. Called with the big kernel lock held; the switch
 * keeps it (the next task or the idle loop goes on holding it). */
void schedule(void)
{
	struct pcpu *p = this_cpu_ptr();
	struct task_struct *prev = rq_curr(), *next;
	if (prev != p->idle && prev->state == TASK_RUNNING && list_empty(&prev->run_list)) {
		if (!sched_smp || cpumask_test_cpu(p->cpu, &prev->cpus_allowed))
			enqueue_task(prev, p->cpu);
		else
			enqueue_task(prev, select_task_rq(prev, p->cpu));   /* sched_setaffinity moved it */
	}
	next = dequeue_first(p, NR_CPUS);
	if (!next && sched_smp)
		next = idle_balance(p);
	if (!next)
		next = p->idle;
	if (next == prev)
		return;
	p->nr_switches++;
	if (prev != p->idle && prev->mm)
		save_user_state(prev);
	if (next != p->idle && next->mm)
		load_user_state(next);   /* switch_mm leaves lazy mode (flushing if a flush skipped it) */
	else if (next == p->idle && sched_smp)
		switch_mm(NULL);         /* an idle CPU keeps no program's tables: another CPU may free them */
	else
		enter_lazy_tlb();        /* a kernel thread borrows whatever CR3 is loaded (Linux's lazy TLB) */
	next->cpu = p->cpu;
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
	unlock_kernel();   /* the first return to ring 3 */
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
