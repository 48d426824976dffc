/*
 * Per-CPU state: one struct pcpu for each CPU, reached through GS as Linux
 * reaches its per-CPU areas. While the CPU runs the kernel, MSR_GS_BASE holds
 * the address of its struct pcpu and MSR_KERNEL_GS_BASE the user's GS base;
 * `swapgs` exchanges the two on every entry from ring 3 and just before every
 * return there (fault/entry.S, fault/syscall_entry.S). So in the kernel a
 * field is one %gs-relative access, as cheap as a global's rip-relative one.
 *
 * It lives in cpu/ because it embeds the CPU's own GDT and TSS (cpu/gdt.h);
 * what it points to from higher layers (the task, an mm, a pmd) is only
 * forward-declared here, and the fields that only paging/ reads (the pcp list,
 * the last walk's pmd) are plain words. `current` is defined here, as Linux's
 * asm/current.h: the running task is this CPU's.
 *
 * Assembly uses the PCPU_* offsets below; the _Static_asserts keep them the
 * struct's (docs/ARCHITECTURE.md, "The asm/C boundary").
 */
#ifndef FAULTLINE_PERCPU_H
#define FAULTLINE_PERCPU_H

#include "cpu/gdt.h"

/* The CPUs the per-CPU array has room for (real machines have 4 to 512
 * logical CPUs); the MADT may list more (they are reported and left out,
 * kernel/smpboot.c). */
#define NR_CPUS 512

/* struct pcpu offsets used by assembly. */
#define PCPU_SELF          0
#define PCPU_CURRENT_TASK  8
#define PCPU_TOP_OF_STACK  16
#define PCPU_USER_RSP      24

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "base/process.h"
#include "cpu/topology.h"
#include "base/cpumask.h"
#include "cpu/spinlock.h"
struct mm_struct;     /* paging/mm_types.h */
struct page;          /* paging/page.h */
struct pt_regs;       /* base/ptrace.h */
struct fault_stats;   /* paging/fault_stats.h */

/*
 * Linux's per-CPU page list (struct per_cpu_pages): free single frames kept
 * off the buddy lists, so that the order-0 allocations of the page-fault path
 * are a list pop (paging/buddy.c owns it).
 */
struct per_cpu_pages {
	uint32_t head;    /* first frame, PFN_NONE if empty */
	uint32_t count;
	uint32_t batch;
	uint32_t high;
};

/* The pmd entry and pmd table of the last fault's walk (paging/memory.c owns it). */
struct last_pmd_cache {
	const struct mm_struct *mm;
	uint64_t pmd_base;          /* address & PMD_MASK */
	void *pmd;                  /* pmd_t * (paging/pgtable_types.h) */
	uint64_t freed;             /* pgtable_pages_freed when it was made */
	uint64_t pud_base;          /* address & PUD_MASK: the 1 GiB the pmd table maps */
	void *pmd_table;            /* pmd_t * of that table's first entry */
};

/*
 * Linux's per-CPU LRU-add batch (cpu_fbatches.lru_add, a folio_batch of
 * PAGEVEC_SIZE pages): new pages on their way to the LRU lists, each with a
 * reference of the batch's, moved onto the lists 15 at a time
 * (paging/lru.c owns it; paging/lru.h says when it is drained).
 */
#define LRU_ADD_BATCH 15
struct lru_add_batch {
	uint32_t nr;                          /* pages in it, 0 .. LRU_ADD_BATCH - 1 between calls */
	spinlock_t lock;                      /* nr and pages: this CPU adds, any CPU drains */
	struct page *pages[LRU_ADD_BATCH];
};

/*
 * What this CPU's TLB may hold for one dynamic ASID (Linux's struct
 * tlb_context): the mm whose translations are tagged with it (its
 * mm->context.ctx_id, 0: none) and the generation of that mm's tables they
 * are up to date with (paging/tlb_asid.h).
 */
#define TLB_NR_DYN_ASIDS 6
struct tlb_context {
	uint64_t ctx_id;
	uint64_t tlb_gen;
};

/*
 * One "run this function here" request (Linux's call_single_data): the
 * caller fills func and arg, sets pending and sends the IPI; the CPU runs it
 * from its idle loop and clears pending (cpu/smp.c).
 */
struct call_single_data {
	void (*volatile func)(void *arg);
	void *volatile arg;
	volatile uint32_t pending;       /* 1 from the request until func has returned */
	volatile uint32_t lock;          /* 1 while a caller owns this slot */
	volatile uint32_t running;       /* this CPU runs func now: a lock wait inside it must not run it again */
};

struct pcpu {
	struct pcpu *self;               /* this struct's address: this_cpu_ptr() */
	struct task_struct *current_task;/* `current`: the running program, NULL between programs */
	uint64_t top_of_stack;           /* kernel entry stack: SYSCALL's (= tss.rsp[0]) */
	uint64_t user_rsp;               /* the user rsp while entry_SYSCALL_64 switches stacks */
	uint64_t fault_entry_tsc;        /* when the fault being handled came in (fault/fault.c) */
	uint32_t cpu;                    /* this CPU's number, the index in pcpu_area */
	struct last_pmd_cache last_pmd;
	struct per_cpu_pages pcp;
	/* The scheduler's (kernel/sched.c). */
	struct task_struct *idle;        /* the run loop's own task: runs when nothing else can */
	struct list_head runqueue;       /* TASK_RUNNING tasks waiting for this CPU, in order */
	struct mm_struct *loaded_mm;     /* whose page tables CR3 holds (NULL: the kernel's) */
	uint64_t nr_switches;
	/* ---- SMP: kernel/smpboot.c and cpu/smp.c ---- */
	uint32_t apic_id;                /* this CPU's local APIC id (MADT, = its CPUID's) */
	volatile uint32_t online;        /* 1 once the CPU runs its idle loop (the BSP: from boot) */
	uint64_t ist_top[3];             /* IST stacks (#DF, NMI, #MC) for gdt_init; 0: the static ones */
	uint64_t entry_top;              /* the ring-3 entry stack top; 0: the static one */
	uint64_t features;               /* its CPUID features (cpu/cpufeature.h bitmap) */
	struct cpu_topology topo;
	struct call_single_data csd;     /* the pending smp_call_function_single request */
	uint64_t ipis_received;          /* CALL_FUNCTION_VECTOR interrupts taken */
	/* ---- TLB (paging/tlb.c) ---- */
	volatile uint32_t tlb_is_lazy;   /* a kernel thread borrows loaded_mm (Linux's cpu_tlbstate_shared.is_lazy) */
	uint64_t tlb_flushes_received;   /* flush_tlb_func runs asked by another CPU */
	uint64_t cpu_mask_bit;           /* 1 << cpu: this CPU's bit in a cpumask word (flush_tlb_fault_page) */
	/* ---- PCID: paging/tlb.c, Linux's cpu_tlbstate ---- */
	uint16_t loaded_mm_asid;         /* the ASID slot loaded_mm runs under (PCID kern_pcid(asid)) */
	uint16_t next_asid;              /* the slot choose_new_asid takes next (round robin) */
	uint32_t pcid_on;                /* CR4.PCIDE is set on this CPU: CR3 carries a PCID */
	struct tlb_context tlb_ctxs[TLB_NR_DYN_ASIDS];
	/* ---- the CoW fast path: paging/lru.c ---- */
	struct lru_add_batch lru_add;    /* pages on their way to the LRU lists */
	/* ---- Programs on every CPU: kernel/sched.c ---- */
	spinlock_t rq_lock;              /* runqueue and nr_queued (taken with interrupts off) */
	uint32_t nr_queued;              /* tasks on runqueue */
	volatile uint32_t in_idle_loop;  /* 1 while cpu_idle_loop halts: it runs call requests itself */
	uint64_t resched_ipis;           /* RESCHEDULE_VECTOR interrupts taken */
	uint64_t nr_pulled;              /* tasks this CPU took from another's queue when idle */
	/* ---- Probes of checks/ on every CPU at once: checks/probe.c ---- */
	void (*probe_handler)(struct pt_regs *regs);  /* fault_probe_handler (fault/traps.h): armed around a probe here */
	void *probe_frame;               /* the armed probe's saved context and result (checks/probe.c) */
	/* ---- fault-path locking ---- */
	uint64_t pgtables_allocated;     /* page-table pages this CPU allocated (paging/init.c): vmf->pgtables */
	struct fault_stats *fault_stats; /* this CPU's fault counters (paging/fault_stats.c), NULL until its first fault */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));  /* this CPU's GDT (cpu/gdt.c) */
	struct tss64 tss __attribute__((aligned(16)));           /* and its TSS */
};

_Static_assert(offsetof(struct pcpu, self) == PCPU_SELF, "PCPU_SELF");
_Static_assert(offsetof(struct pcpu, current_task) == PCPU_CURRENT_TASK, "PCPU_CURRENT_TASK");
_Static_assert(offsetof(struct pcpu, top_of_stack) == PCPU_TOP_OF_STACK, "PCPU_TOP_OF_STACK");
_Static_assert(offsetof(struct pcpu, user_rsp) == PCPU_USER_RSP, "PCPU_USER_RSP");

_Static_assert(NR_CPUS == CPUMASK_BITS, "a cpumask has a bit for every CPU");

/* Every CPU's struct pcpu, indexed by CPU number (cpu/percpu.c). */
extern struct pcpu pcpu_area[NR_CPUS];

#ifdef HOST_TEST
/* Host unit tests have no GS of ours: one plain struct stands for the CPU. */
static struct pcpu host_pcpu __attribute__((unused));
#define this_cpu_read(field) (host_pcpu.field)
#else
/*
 * A field of this CPU's struct pcpu, as an lvalue in clang's GS address
 * space: reads and writes are single %gs:offset accesses the compiler may
 * schedule and combine like any memory access. Valid in the kernel (GS base
 * = this CPU's pcpu) after pcpu_init, never between a swapgs to the user's
 * GS and the iretq.
 */
#define this_cpu_read(field) (((struct pcpu __seg_gs *)0)->field)
#endif
#define this_cpu_write(field, val) (this_cpu_read(field) = (val))

/* This CPU's struct pcpu as an ordinary pointer (its self field; host
 * tests: the one struct). */
#ifdef HOST_TEST
static inline struct pcpu *this_cpu_ptr(void) { return &host_pcpu; }
#else
static inline struct pcpu *this_cpu_ptr(void) { return this_cpu_read(self); }
#endif

/* The task running on this CPU (Linux's `current`; assignable). */
#define current this_cpu_read(current_task)

/* Counts a minor fault of the running task, if there is one (getrusage's
 * ru_minflt, as Linux's mm_account_fault): the arch's fault path and
 * MAP_POPULATE's faults (Linux's GUP) call it. */
static inline void task_account_minor_fault(void)
{
	if (current)
		current->min_flt++;
}

/*
 * Makes pcpu_area[cpu] this CPU's: sets its self pointer and number, builds
 * and loads its GDT and TSS (gdt_init), and points MSR_GS_BASE (and
 * MSR_KERNEL_GS_BASE, until a program gives it the user's value) at it. Call
 * at takeover and again after the image moves (the address changes, the
 * contents stay). Cannot fail.
 */
void pcpu_init(uint32_t cpu);

#endif /* !__ASSEMBLER__ */
#endif
