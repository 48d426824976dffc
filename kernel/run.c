/*
 * run_programs: every `run =` line of the config, in order, each program in
 * its own address space. Around each run the kernel checks what a program
 * must never be able to change: after it ends (exit or kill) every frame it
 * used is free again, the page tables pass the verifier, and the descriptor
 * tables, control registers and kernel text are as before (kernel/integrity.h).
 */
#include "base/process.h"
#include "cpu/percpu.h"
#include "fault/entry.h"
#include "kernel/run.h"
#include "paging/tlb.h"
#include "kernel/bench_screen.h"
#include "base/bootinfo.h"
#include "lib/config.h"
#include "kernel/exec.h"
#include "kernel/console_file.h"
#include "fs/inode.h"
#include "fs/file.h"
#include "fs/shmem.h"
#include "kernel/integrity.h"
#include "kernel/signal.h"
#include "kernel/user_records.h"
#include "kernel/watchdog.h"
#include "kernel/fork.h"
#include "kernel/oom_kill.h"
#include "kernel/kswapd.h"
#include "kernel/reclaim_record.h"
#include "kernel/sched.h"
#include "kernel/task_exit.h"
#include "cpu/cpufeature.h"
#include "cpu/fpu.h"
#include "cpu/gdt.h"
#include "cpu/kernel_lock.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "fault/idt.h"
#include "paging/fault_stats.h"
#include "fault/uaccess.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/progress.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/hugetlb.h"
#include "paging/vma.h"
#include "paging/efi_map.h"
#include "paging/init.h"
#include "paging/mm_types.h"
#include "paging/slab.h"
#include "paging/lru.h"
#include "paging/filemap.h"
#include "paging/swap.h"
#include "paging/verify.h"
#include "paging/vma.h"

static uint32_t cfg_time_limit;
static struct task_struct *tree_root;    /* the `run =` line's process, while it lives */
static char tree_name[TASK_COMM_LEN];

/* SYSCALL/SYSRET set-up: EFER.SCE, the entry point, selectors, the flag mask.
 * (Its stack is this CPU's pcpu top_of_stack, set by pcpu_init.) */
static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 8) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)entry_SYSCALL_64);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_IF | X86_EFLAGS_IOPL |
				  X86_EFLAGS_AC | X86_EFLAGS_NT);
}

/* What each CPU that runs programs sets up for them: SYSCALL, and
 * MSR_TSC_AUX = its CPU number (RDTSCP/RDPID's answer: the vDSO's getcpu,
 * as Linux's setup_getcpu, node 0). */
static void cpu_prepare_programs(void *arg)
{
	(void)arg;
	syscall_init();
	if (boot_cpu_has(X86_FEATURE_RDTSCP))
		wrmsr(MSR_TSC_AUX, this_cpu_read(cpu));
	/* This CPU's fault counters now, not at its first fault: their frame
	 * would count against the first program that faults here. */
	if (!this_cpu_read(fault_stats))
		fault_stats_this_cpu_slow();
}

/* Finds the loaded file called name. */
static const struct boot_file *find_file(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (strcmp(bi->files[i].name, name) == 0)
			return &bi->files[i];
	return NULL;
}

/* The check record kernel.<prog>.<what> for a structure's self-check (lib/check_result.h). */
static void record_structure_check(const char *prog, const char *what, uint64_t problems,
				   const struct check_result *cr)
{
	char test[160];
	format(test, sizeof(test), "kernel.%s.%s", prog, what);
	record_check(test, problems == 0, "%llu problems%s%s", problems, problems ? ": " : "", cr->first);
}

/* The LRU lists after a program: sound (lru_check), and holding nothing but
 * page-cache pages (every anonymous page went with its process). */
static uint64_t lru_check_after_program(struct check_result *cr)
{
	uint64_t problems = lru_check(cr);
	uint64_t anon = lruvec.nr[LRU_INACTIVE_ANON] + lruvec.nr[LRU_ACTIVE_ANON];
	uint64_t file = lruvec.nr[LRU_INACTIVE_FILE] + lruvec.nr[LRU_ACTIVE_FILE];
	if (anon) {
		check_problem(cr, "%llu anonymous pages are still on the LRU lists", anon);
		problems++;
	}
	if (file > filemap_stats.pages) {
		check_problem(cr, "%llu file pages on the LRU lists, %llu in the page cache", file, filemap_stats.pages);
		problems++;
	}
	return problems;
}

/* The per-program checks after it ended. */
static void check_after_program(const char *name, uint64_t free_before, uint64_t fs_before)
{
	char test[160];
	/* Every CPU's LRU batch onto the lists: its references go, and the
	 * lists the checks below see are whole. */
	lru_add_drain_all();
	kmem_cache_shrink_all();
	/* What the file system keeps (page cache, inodes of files the program
	 * made) stays: it is counted out, not leaked. */
	uint64_t fs_after = fs_pages_held();
	uint64_t free_after = nr_free_pages() + fs_after - fs_before;
	/* Every hugetlb pool page is back in its pool too (the programs' processes
	 * are gone), and no shmem object (shared anonymous memory, memfd) outlives
	 * its last user (their pages are not counted out). */
	const struct hstate *h2 = &hstates[HSTATE_2M], *h1 = &hstates[HSTATE_1G];
	bool pools = h2->free_huge_pages == h2->nr_huge_pages && h1->free_huge_pages == h1->nr_huge_pages &&
		     !h2->resv_consumed && !h1->resv_consumed && !vm_hugetlb_committed[0] && !vm_hugetlb_committed[1];
	uint64_t shmem_left = shmem_objects_alive();
	format(test, sizeof(test), "kernel.%s.frames_returned", name);
	record_check(test, free_after == free_before && pools && !shmem_left,
		     "free frames %llu before, %llu after (%llu kept by files, %llu before); hugetlb pages free %llu of "
		     "%llu (2 MiB), %llu of %llu (1 GiB), %llu reserved; %llu shmem objects left", free_before, free_after,
		     fs_after, fs_before, h2->free_huge_pages, h2->nr_huge_pages, h1->free_huge_pages, h1->nr_huge_pages,
		     (vm_hugetlb_committed[0] >> h2->order) + (vm_hugetlb_committed[1] >> h1->order), shmem_left);
	struct pgtable_verify v;
	pgd_t *roots[2];
	uint64_t problems = verify_page_tables(roots, kernel_page_table_roots(roots), &v);
	format(test, sizeof(test), "kernel.%s.verify", name);
	record_check(test, problems == 0, "%llu tables, %llu PG_pgtable pages; %llu problems%s%s",
		     v.tables, v.pgtable_pages, problems, problems ? ": " : "", v.first_problem);
	if (swap_enabled()) {
		format(test, sizeof(test), "kernel.%s.swap_released", name);
		record_check(test, swap_slots_in_use() == 0 && swap_cache_pages() == 0,
			     "%llu swap slots in use, %llu pages in the swap cache", swap_slots_in_use(), swap_cache_pages());
	}
	struct check_result cr;
	record_structure_check(name, "buddy", buddy_check(&cr), &cr);
	record_structure_check(name, "slab", kmem_cache_check_all(&cr), &cr);
	record_structure_check(name, "lru", lru_check_after_program(&cr), &cr);
	integrity_check_after(name);
}

#define LIVE_ROOTS_MAX 4096
static pgd_t *live_roots[LIVE_ROOTS_MAX + 3];
static struct mm_struct *live_mms[LIVE_ROOTS_MAX];
static uint32_t live_root_count;
static bool live_roots_overflow;

/* for_each_task callback: every address space still in use, once. */
static void collect_live_root(struct task_struct *t, void *arg)
{
	(void)arg;
	if (!t->mm)
		return;
	for (uint32_t i = 0; i < live_root_count; i++)
		if (live_roots[i] == t->mm->pgd)
			return;
	if (live_root_count == LIVE_ROOTS_MAX) {
		live_roots_overflow = true;
		return;
	}
	live_mms[live_root_count] = t->mm;
	live_roots[live_root_count++] = t->mm->pgd;
}

/*
 * Holds (lock) or releases every collected address space's mmap_lock for
 * writing. The root may go while other processes of its tree still run -
 * orphans, or every process killed at once by the time limit or SIGKILL -
 * and on several CPUs their page faults, reclaim in those faults and the
 * memory syscalls run without the big kernel lock: without these locks the
 * verifier's passes would see ptes, map counts and swap counts change
 * between them (a page mapped after the counting pass shows its allocator's
 * PFN_NONE as its count). Reclaim's rmap walk only trylocks an mm, so it
 * skips these; fork, the only path taking two mmap_locks, needs the big
 * kernel lock, which the caller holds (order: big lock, then mmap_lock).
 */
static void live_mms_write_lock(bool lock)
{
	for (uint32_t i = 0; i < live_root_count; i++) {
		if (lock)
			mmap_write_lock(live_mms[i]);
		else
			mmap_write_unlock(live_mms[i]);
	}
}

/* See kernel/run.h. The verifier counts every page-table page and every map
 * count of the machine, so it is given every address space still alive
 * (forked children, orphans), not only the one about to go. */
void run_mm_last_use(struct task_struct *t, struct mm_struct *mm)
{
	if (t != tree_root)
		return;
	char test[160];
	format(test, sizeof(test), "kernel.%s.verify_live", tree_name);
	live_root_count = 0;
	live_roots_overflow = false;
	for_each_task(collect_live_root, NULL);
	if (live_roots_overflow) {
		record_test(test, TEST_SKIP, "more than %u address spaces alive: not verified", LIVE_ROOTS_MAX);
	} else {
		struct pgtable_verify v;
		uint32_t n = live_root_count;
		n += kernel_page_table_roots(live_roots + n);
		live_mms_write_lock(true);
		uint64_t problems = verify_page_tables(live_roots, n, &v);
		live_mms_write_lock(false);
		record_check(test, problems == 0, "%llu address spaces, %llu tables, %llu leaves; %llu problems%s%s",
			     (uint64_t)live_root_count, v.tables, v.leaves, problems, problems ? ": " : "",
			     v.first_problem);
	}
	struct check_result cr;
	record_structure_check(tree_name, "vma", vma_check(mm, &cr), &cr);
}

/* The first task of a `run =` line: a child of the reaper (this loop). */
static struct task_struct *new_tree_root(const struct config_run *run)
{
	struct task_struct *idle = this_cpu_read(idle);
	struct task_struct *t = alloc_task();
	if (!t)
		return NULL;
	strlcpy(t->comm, run->argv[0], sizeof(t->comm));
	task_misc_init(t);   /* ids, limits, process group and session as under Linux's init */
	t->pid = t->tgid = alloc_pid();
	t->group_leader = t;
	t->nr_threads = 1;
	t->exit_signal = SIGCHLD;
	t->real_parent = idle;
	t->oom_score_adj = run->oom_score_adj;
	fpu_init_state(t->fpu);
	return t;
}

/* The idle loop of a tree: schedules until every task of it is gone (on
 * every CPU), reaping what ends up with the reaper, halting when nothing
 * can run here. It holds the big kernel lock but while it halts or
 * watches the TSC, so the other CPUs run their tasks' syscalls meanwhile. */
static void run_tree(void)
{
	struct task_struct *idle = this_cpu_read(idle);
	struct pcpu *p = this_cpu_ptr();
	for (;;) {
		reap_orphans(idle);
		if (!sched_nr_tasks())
			break;
		schedule();
		reap_orphans(idle);
		if (!sched_nr_tasks() || p->nr_queued)
			continue;
		/* Nothing to run: halt until the next tick, unless a sleeper's
		 * deadline comes sooner - then watch the TSC for it, so that a
		 * sleep ends when it should, not at the tick after. */
		sched_tick_work();
		uint64_t next = wake_expired_sleepers();
		if (p->nr_queued)
			continue;
		if (next && (int64_t)(next - rdtsc()) < (int64_t)(tsc_hz / TICK_HZ)) {
			unlock_kernel();
			while (rdtsc() < next && !p->nr_queued)
				cpu_relax();
			lock_kernel();
			wake_expired_sleepers();
		} else {
			unlock_kernel();
			if (!p->nr_queued)
				__asm__ volatile("sti; hlt; cli" ::: "memory");
			lock_kernel();
		}
	}
}

/* Runs one `run =` line: its program and every process it starts, to the
 * end of the last; then the per-run checks. */
static void run_one(const struct config_run *run, const struct boot_info *bi)
{
	const char *name = run->argv[0];
	const struct boot_file *f = find_file(bi, name);
	if (!f || f->status != FILE_LOADED)
		return; /* already reported as a program warning */

	lru_add_drain_all();   /* as check_after_program counts */
	kmem_cache_shrink_all();
	uint64_t free_before = nr_free_pages(), fs_before = fs_pages_held();
	struct task_struct *t = new_tree_root(run);
	if (!t) {
		record_warning("exec", "%s: cannot run: out of memory for the task", name);
		check_after_program(name, free_before, fs_before);
		return;
	}
	const char *argv[CONFIG_MAX_ARGS];
	for (uint32_t i = 0; i < run->argc; i++)
		argv[i] = run->argv[i];
	const char *why = "";
	int err = task_files_init(t);
	if (err)
		why = "no memory for its descriptor table";
	else if ((err = signal_task_init(t)) != 0)
		why = "out of memory for its signal handlers";
	else {
		/* Through the file system, as execve: the stick's program NAME is /bin/NAME. */
		char path[sizeof(t->exe_path)];
		struct file *file;
		format(path, sizeof(path), "/bin/%s", name);
		err = exec_open(fs_root_inode(), path, &file);
		if (err) {
			why = "not in the file system's /bin";
		} else {
			err = exec_program(t, file, argv, run->argc, NULL, 0, task_pt_regs(t), &why);
			fput(file);
			if (!err)
				exec_set_exe_path(t, path);
		}
	}
	if (err) {
		signal_task_exit(t);
		if (t->files)
			exit_files(t);
		free_task(t);
		record_warning("exec", "%s: cannot run: %s (%d)", name, why, err);
		check_after_program(name, free_before, fs_before);
		return;
	}
	kprintf("run: %s (pid %u)\n", name, t->pid);
	strlcpy(tree_name, name, sizeof(tree_name));
	tree_root = t;
	list_add_tail(&t->sibling, &this_cpu_read(idle)->children);
	sched_attach_task(t);
	user_output_begin(name, t->pid);
	fault_stats_reset();
	struct reclaim_snapshot reclaim_before;
	reclaim_snapshot_take(&reclaim_before);
	t->start_tsc = rdtsc();
	wake_up_new_task(t);
	struct pcpu *p = this_cpu_ptr();
	uint64_t entry_stack_top = p->top_of_stack;   /* tasks bring their own; this CPU's comes back after */
	watchdog_arm(cfg_time_limit);
	run_tree();
	watchdog_disarm();
	p->top_of_stack = entry_stack_top;
	p->tss.rsp[0] = entry_stack_top;
	load_kernel_data_segments();
	user_output_end();
	tree_root = NULL;
	switch_mm(NULL);
	kswapd_wait_batch();   /* kswapd's batches run without the big lock: none during the checks */
	reclaim_record_program(name, &reclaim_before);
	check_after_program(name, free_before, fs_before);
}

/* See base/process.h. */
void run_programs(const struct faultline_config *cfg, const struct boot_info *bi)
{
	if (!cfg->run_count)
		return;
	syscall_init();
	sched_init();
	/* Every other online CPU runs programs too: its idle task,
	 * its SYSCALL set-up and the page-fault entry that takes the lock. */
	if (num_online_cpus() > 1 && !sched_init_smp())
		record_warning("smp", "no memory for the other CPUs' idle tasks: programs run on the boot CPU only");
	cpu_prepare_programs(NULL);
	if (sched_smp) {
		smp_call_function_many(sched_cpus(), cpu_prepare_programs, NULL, true);
	}
	idt_set_page_fault_entry(sched_smp);
	lock_kernel();   /* the run loop holds it but while it halts (cpu/kernel_lock.h) */
	oom_killer_init();
	if (kswapd_init())
		record_warning("reclaim", "no memory for kswapd: reclaim runs only in the allocating programs");
	cfg_time_limit = cfg->time_limit;
	uaccess_smap = (read_cr4() & X86_CR4_SMAP) != 0;
	integrity_baseline(); /* everything above is final until the last program ends */
	progress_begin("programs", cfg->run_count);
	for (uint32_t i = 0; i < cfg->run_count; i++) {
		progress_step(i, cfg->runs[i].argv[0]);
		run_one(&cfg->runs[i], bi);
		bench_screen_program_end();
	}
	progress_end();
	unlock_kernel();
	bench_screen_summary();
}
