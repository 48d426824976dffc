/* The per-program `reclaim` record (kernel/reclaim_record.h). */
#include "kernel/reclaim_record.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "paging/lru.h"
#include "paging/swap.h"

/* The swap side's counters (paging/swap.h) once it is merged, else zero. */
static void swap_counters(struct reclaim_snapshot *s)
{
	s->pswpin = swap_stats.pswpin;
	s->pswpout = swap_stats.pswpout;
	s->orig_bytes = vm_events.swapout_orig_bytes;
	s->compr_bytes = vm_events.swapout_compr_bytes;
}

/* See kernel/reclaim_record.h. */
void reclaim_snapshot_take(struct reclaim_snapshot *s)
{
	s->ev = vm_events;
	swap_counters(s);
	s->kswapd_runs = kswapd_stats.runs;
	root_mem_cgroup.peak = root_mem_cgroup.usage;
}

/* See kernel/reclaim_record.h. */
void reclaim_record_program(const char *program, const struct reclaim_snapshot *before)
{
	struct reclaim_snapshot now;
	now.ev = vm_events;
	swap_counters(&now);
	const struct vm_event_stats *a = &before->ev, *b = &now.ev;
	uint64_t pgscan = (b->pgscan_kswapd - a->pgscan_kswapd) + (b->pgscan_direct - a->pgscan_direct);
	uint64_t pgsteal = (b->pgsteal_kswapd - a->pgsteal_kswapd) + (b->pgsteal_direct - a->pgsteal_direct);
	uint64_t pswpin = now.pswpin - before->pswpin, pswpout = now.pswpout - before->pswpout;
	uint64_t refaults = b->workingset_refault - a->workingset_refault;
	uint64_t orig = now.orig_bytes - before->orig_bytes, compr = now.compr_bytes - before->compr_bytes;

	struct json *j = record_begin("reclaim");
	json_str(j, "program", program);
	json_u64(j, "pgscan", pgscan);
	json_u64(j, "pgsteal", pgsteal);
	json_u64(j, "pgscan_kswapd", b->pgscan_kswapd - a->pgscan_kswapd);
	json_u64(j, "pgscan_direct", b->pgscan_direct - a->pgscan_direct);
	json_u64(j, "pgsteal_kswapd", b->pgsteal_kswapd - a->pgsteal_kswapd);
	json_u64(j, "pgsteal_direct", b->pgsteal_direct - a->pgsteal_direct);
	json_u64(j, "pswpin", pswpin);
	json_u64(j, "pswpout", pswpout);
	json_u64(j, "refaults", refaults);
	json_u64(j, "pgactivate", b->pgactivate - a->pgactivate);
	json_u64(j, "pgdeactivate", b->pgdeactivate - a->pgdeactivate);
	json_u64(j, "pageout", b->pageout - a->pageout);
	json_u64(j, "file_writeback", b->file_writeback - a->file_writeback);
	json_u64(j, "kswapd_runs", kswapd_stats.runs - before->kswapd_runs);
	json_u64(j, "allocstall", b->allocstall - a->allocstall);
	json_u64(j, "memcg_reclaims", b->memcg_reclaims - a->memcg_reclaims);
	json_u64(j, "memcg_oom", b->memcg_oom - a->memcg_oom);
	json_u64(j, "mem_limit_pages", root_mem_cgroup.max);
	json_u64(j, "peak_pages", root_mem_cgroup.peak);
	if (compr)
		json_u64(j, "compression_ratio_x100", orig * 100 / compr);
	else
		json_null(j, "compression_ratio_x100");
	record_end();
	if (pgscan || pswpin || pswpout)
		kprintf("reclaim: %s scanned %llu, reclaimed %llu, swap out %llu in %llu, refaults %llu%s\n", program,
			pgscan, pgsteal, pswpout, pswpin, refaults, root_mem_cgroup.max ? " (mem_limit)" : "");
}
