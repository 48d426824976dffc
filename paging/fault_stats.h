/*
 * Every page fault is classified, counted and timed (RDTSC from handler entry
 * to return) into a fixed-size log2 histogram per class. The table is reset
 * when a program starts and read through the introspection syscall and by the
 * benchmark reports. Page clearing done inside a fault is timed separately.
 */
#ifndef FAULTLINE_FAULT_STATS_H
#define FAULTLINE_FAULT_STATS_H

#include <stdint.h>

enum fault_class {
	FAULT_READ_ZERO = 0,      /* read of untouched anonymous memory: the zero page mapped */
	FAULT_READ_ZERO_PT,       /* ... that also had to allocate page-table pages */
	FAULT_WRITE_ANON,         /* write to untouched anonymous memory: a zeroed frame */
	FAULT_WRITE_ANON_PT,      /* ... that also had to allocate page-table pages */
	FAULT_SHARED_ANON,        /* any access to untouched shared anonymous memory */
	FAULT_COW_ZERO,           /* write to the zero page: a fresh zeroed frame */
	FAULT_REUSE,              /* write to a read-only private page we alone map: made writable */
	FAULT_COW_COPY,           /* write to a shared private page: copied */
	FAULT_STACK_GROW,         /* below a VM_GROWSDOWN VMA: stack grown, page mapped */
	FAULT_SPURIOUS,           /* the entry already allowed the access (stale TLB) */
	FAULT_UACCESS,            /* kernel user-copy touching unmapped user memory: demand-paged */
	FAULT_SEGV,               /* no VMA / access error / bad address: program killed */
	FAULT_OOM,                /* no memory: program killed */
	/* Huge pages (paging/huge_memory.h, paging/hugetlb.h); after the others,
	 * so their numbers stay what readers of the table know. */
	FAULT_THP_READ,           /* read of untouched THP-able memory: the huge zero page mapped */
	FAULT_THP_WRITE,          /* write to untouched THP-able memory: a cleared 2 MiB page */
	FAULT_THP_COW_ZERO,       /* write to the huge zero page: a cleared 2 MiB page instead */
	FAULT_THP_FALLBACK,       /* a THP was wanted, no 2 MiB frame: 4 KiB mapped (thp_fault_fallback) */
	FAULT_HUGETLB_2M,         /* first touch of a 2 MiB hugetlb page: mapped from the pool */
	FAULT_HUGETLB_1G,         /* first touch of a 1 GiB hugetlb page: mapped from the pool */
	FAULT_FILE_READ,          /* read of a file page in the page cache (minor) */
	FAULT_FILE_READ_MAJOR,    /* read of a file page not cached: read from the RAM disk */
	FAULT_FILE_COW,           /* write to a private file mapping: a private copy */
	FAULT_FILE_SHARED_WRITE,  /* write to a shared file mapping: the cached page dirtied */
	/* Swap (paging/swap.h): */
	FAULT_SWAP_IN,            /* a swap pte: the page decompressed into a new frame (major) */
	FAULT_SWAP_IN_SAME,       /* a swap pte of a same-filled page: the frame filled with its word (major) */
	FAULT_SWAP_CACHE,         /* a swap pte whose page was in the swap cache (minor) */
	FAULT_NR_CLASSES
};

#define FAULT_HIST_BUCKETS 48     /* bucket b counts latencies in [2^b, 2^(b+1)) cycles; 0 also in 0 */

struct fault_class_stats {
	uint64_t count;
	uint64_t cycles_total;
	uint64_t cycles_min;
	uint64_t cycles_max;
	uint64_t clear_cycles;        /* of cycles_total, spent filling frames (zeroing, the CoW copy, decompressing) */
	uint64_t pgtables_allocated;  /* page-table pages these faults allocated */
	uint64_t hist[FAULT_HIST_BUCKETS];
};

struct fault_stats {
	struct fault_class_stats cls[FAULT_NR_CLASSES];
};

extern struct fault_stats fault_stats;

const char *fault_class_name(enum fault_class c);

/* Clears every counter (at program start); minimums start at UINT64_MAX. */
void fault_stats_reset(void);

/* This CPU's table the first time it faults (the boot CPU's is static, the
 * others' allocated; without memory a shared spare, its counts then
 * approximate). Kernel only. */
struct fault_stats *fault_stats_this_cpu_slow(void);

/* fault_stats = the sum of every CPU's table (counts, cycles, histograms;
 * the min and max of each class): call before reading fault_stats. */
void fault_stats_sync(void);

/* The histogram bucket of a latency: floor(log2(v)) for v > 0, 0 for 0,
 * capped at the last bucket. */
static inline uint32_t fault_hist_bucket(uint64_t v)
{
	uint32_t b = v ? 63 - (uint32_t)__builtin_clzll(v) : 0;
	return b < FAULT_HIST_BUCKETS ? b : FAULT_HIST_BUCKETS - 1;
}

/* Accounts one fault of class c that took cycles (clear: of which zeroing).
 * Inline: it runs inside every fault. */
/* Accounts one fault of class c in fs: this CPU's table (SMP: each CPU
 * counts into its own, fault_stats_this_cpu; fault_stats_sync merges them
 * into fault_stats for readers). */
static inline void fault_stats_account(struct fault_stats *fs, enum fault_class c, uint64_t cycles,
				       uint64_t clear_cycles, uint64_t pgtables)
{
	struct fault_class_stats *s = &fs->cls[c];
	if (cycles < s->cycles_min)         /* fault_stats_reset starts it at the maximum */
		s->cycles_min = cycles;
	if (cycles > s->cycles_max)
		s->cycles_max = cycles;
	s->count++;
	s->cycles_total += cycles;
	s->clear_cycles += clear_cycles;
	s->pgtables_allocated += pgtables;
	s->hist[fault_hist_bucket(cycles)]++;
}

#endif
