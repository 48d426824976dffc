/* The OOM killer (kernel/oom_kill.h). */
#include "kernel/oom_kill.h"
#include "paging/tlb.h"
#include "kernel/sched.h"
#include "kernel/task_exit.h"
#include "base/process.h"
#include "base/signal.h"
#include "cpu/percpu.h"
#include "fault/fault.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "paging/buddy.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/pgtable.h"
#include "paging/vma.h"

#define OOM_SCORE_ADJ_MIN (-1000)

/* Page-table pages below the table at entry level `level` of the user half. */
static uint64_t count_tables(const uint64_t *table, int level, uint32_t entries)
{
	uint64_t n = 0;
	if (level == PG_LEVEL_4K)
		return 0;
	for (uint32_t i = 0; i < entries; i++) {
		uint64_t e = table[i];
		if (!(e & _PAGE_PRESENT) || ((level == PG_LEVEL_2M || level == PG_LEVEL_1G) && (e & _PAGE_PSE)))
			continue;
		n += 1 + count_tables((const uint64_t *)__va(e & PTE_PFN_MASK), level - 1, 512);
	}
	return n;
}

/* The page-table pages of mm's user half (Linux's mm_pgtables_bytes / PAGE_SIZE). */
static uint64_t mm_pgtables_pages(const struct mm_struct *mm)
{
	return count_tables((const uint64_t *)mm->pgd, pgtable_levels(), 256);
}

struct oom_control {
	uint64_t totalpages;
	struct task_struct *chosen;
	int64_t chosen_points;
	uint64_t chosen_rss, chosen_pgtables;
};

/* Linux's oom_badness for one process; INT64_MIN for one that may not be
 * chosen (exiting, no memory, OOM_SCORE_ADJ_MIN). */
static int64_t oom_badness(struct task_struct *leader, uint64_t totalpages, uint64_t *rss, uint64_t *pgtables)
{
	if (leader->exit_state != EXIT_NONE || leader->group_exiting || leader->oom_score_adj == OOM_SCORE_ADJ_MIN)
		return INT64_MIN;
	struct mm_struct *mm = leader->mm;
	if (!mm) {
		struct task_struct *t;
		list_for_each_entry(t, &leader->thread_group, thread_node)
			if (t->mm) {
				mm = t->mm;
				break;
			}
	}
	if (!mm)
		return INT64_MIN;
	*rss = get_mm_rss(mm);
	*pgtables = mm_pgtables_pages(mm);
	int64_t points = (int64_t)(*rss + *pgtables + (uint64_t)mm->rss_stat[MM_SWAPENTS]);   /* Linux's sum */
	points += (int64_t)leader->oom_score_adj * (int64_t)(totalpages / 1000);
	return points > 0 ? points : 1;
}

/* for_each_task callback: keeps the process with the most points. */
static void oom_evaluate_task(struct task_struct *t, void *arg)
{
	struct oom_control *oc = arg;
	if (t != t->group_leader)
		return;
	uint64_t rss = 0, pgt = 0;
	int64_t points = oom_badness(t, oc->totalpages, &rss, &pgt);
	if (points == INT64_MIN || points <= oc->chosen_points)
		return;
	oc->chosen = t;
	oc->chosen_points = points;
	oc->chosen_rss = rss;
	oc->chosen_pgtables = pgt;
}

/* Unmaps every page of the victim's address space now (Linux's
 * __oom_reap_task_mm); the VMAs stay until it exits. The victim may run on
 * another CPU (kill_process kicked it into the kernel, where it waits for
 * the big lock): its TLB is flushed there too, before the freed frames can
 * be handed out again. Under the victim's mmap_lock for
 * writing: its other threads may be in page faults on other CPUs, which
 * take no big lock, and zap_page_range frees page tables. (Called with the
 * big lock and no mmap_lock held: the slow half of a fault.) */
static void oom_reap(struct mm_struct *mm)
{
	mmap_write_lock(mm);
	for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(v))
		zap_page_range(mm, v->vm_start, v->vm_end);
	flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, PAGE_SHIFT, true);
	mmap_write_unlock(mm);
}

/* The fault path's OOM handler (fault/fault.h): true when a victim other
 * than the faulting process died and the fault should be retried. */
static bool out_of_memory(struct pt_regs *regs, uint64_t address)
{
	struct task_struct *me = current;
	struct buddy_stats st;
	buddy_get_stats(&st);
	struct oom_control oc = { .totalpages = st.managed_pages, .chosen = NULL, .chosen_points = INT64_MIN };
	for_each_task(oom_evaluate_task, &oc);
	struct task_struct *victim = oc.chosen ? oc.chosen : me->group_leader;
	bool self = victim == me->group_leader || (victim->mm && victim->mm == me->mm);

	struct json *j = record_begin("oom");
	json_str(j, "program", me->group_leader->comm);   /* the trigger: whose fault found no frame */
	json_u64(j, "pid", me->tgid);
	json_hex(j, "addr", address);
	json_hex(j, "rip", regs->ip);
	json_u64(j, "free_frames", nr_free_pages());
	json_u64(j, "rss_pages", me->mm ? get_mm_rss(me->mm) : 0);
	json_str(j, "trigger", "page fault");
	json_str(j, "victim", victim->comm);
	json_u64(j, "victim_pid", victim->tgid);
	json_i64(j, "badness", oc.chosen ? oc.chosen_points : 0);
	json_u64(j, "victim_rss_pages", oc.chosen_rss);
	json_u64(j, "victim_pgtable_pages", oc.chosen_pgtables);
	json_i64(j, "victim_oom_score_adj", victim->oom_score_adj);
	record_end();
	kprintf("oom: %s (pid %u) found no frame at 0x%llx: killing %s (pid %u, badness %lld)\n",
		me->group_leader->comm, me->tgid, address, victim->comm, victim->tgid,
		oc.chosen ? oc.chosen_points : 0);
	if (self)
		return false;
	victim->oom_victim = true;
	kill_process(victim, SIGKILL, SI_KERNEL, "out of memory: chosen by the OOM killer");
	struct mm_struct *mm = victim->mm;
	if (mm)
		oom_reap(mm);
	return true;
}

/* See kernel/oom_kill.h. */
void oom_killer_init(void)
{
	fault_register_oom_handler(out_of_memory);
}
