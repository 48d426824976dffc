/* The per-program `reclaim` record (kernel/reclaim_record.h). */
#include "kernel/reclaim_record.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "paging/lru.h"
#include "paging/swap.h"
#include "paging/zram.h"

/* The swap side's counters (paging/swap.h, zram, and s->ev's swap-out bytes). */
static void swap_counters(struct reclaim_snapshot *s)
{
	s->pswpin = swap_stats.pswpin;
	s->pswpout = swap_stats.pswpout;
	s->orig_bytes = s->ev.swapout_orig_bytes;
	s->compr_bytes = s->ev.swapout_compr_bytes;
	struct zram_stats z;
	zram_get_stats(&z);
	s->comp_cycles = z.comp_cycles;
	s->comp_pages = z.writes;
	s->decomp_cycles = z.decomp_cycles;
	s->decomp_pages = z.reads;
}

/* total / pages as a record field, null when no page. */
static void json_per_page(struct json *j, const char *key, uint64_t total, uint64_t pages)
{
	if (pages)
		json_u64(j, key, total / pages);
	else
		json_null(j, key);
}

/* See kernel/reclaim_record.h. */
void reclaim_snapshot_take(struct reclaim_snapshot *s)
{
	all_vm_events(&s->ev);
	swap_counters(s);
	s->kswapd_runs = kswapd_stats.runs;
	root_mem_cgroup.peak = root_mem_cgroup.usage;
}

/* See kernel/reclaim_record.h. */
void reclaim_record_program(const char *program, const struct reclaim_snapshot *before)
{
	struct reclaim_snapshot now;
	all_vm_events(&now.ev);
	swap_counters(&now);
	const struct vm_event_stats *a = &before->ev, *b = &now.ev;
	uint64_t pgscan = (b->pgscan_kswapd - a->pgscan_kswapd) + (b->pgscan_direct - a->pgscan_direct);
	uint64_t pgsteal = (b->pgsteal_kswapd - a->pgsteal_kswapd) + (b->pgsteal_direct - a->pgsteal_direct);
	uint64_t pswpin = now.pswpin - before->pswpin, pswpout = now.pswpout - before->pswpout;
	uint64_t refaults = b->workingset_refault - a->workingset_refault;
	uint64_t orig = now.orig_bytes - before->orig_bytes, compr = now.compr_bytes - before->compr_bytes;
	uint64_t comp_cycles = now.comp_cycles - before->comp_cycles, comp_pages = now.comp_pages - before->comp_pages;
	uint64_t decomp_cycles = now.decomp_cycles - before->decomp_cycles;
	uint64_t decomp_pages = now.decomp_pages - before->decomp_pages;

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
	json_u64(j, "zram_comp_pages", comp_pages);
	json_u64(j, "zram_comp_cycles", comp_cycles);
	json_per_page(j, "comp_cycles_per_page", comp_cycles, comp_pages);
	json_u64(j, "zram_decomp_pages", decomp_pages);
	json_u64(j, "zram_decomp_cycles", decomp_cycles);
	json_per_page(j, "decomp_cycles_per_page", decomp_cycles, decomp_pages);
	record_end();
	if (pgscan || pswpin || pswpout)
		kprintf("reclaim: %s scanned %llu, reclaimed %llu, swap out %llu in %llu, refaults %llu%s\n", program,
			pgscan, pgsteal, pswpout, pswpin, refaults, root_mem_cgroup.max ? " (mem_limit)" : "");
	if (comp_pages || decomp_pages)
		kprintf("zram: %s compressed %llu pages, %llu cycles each; decompressed %llu, %llu cycles each\n",
			program, comp_pages, comp_pages ? comp_cycles / comp_pages : 0, decomp_pages,
			decomp_pages ? decomp_cycles / decomp_pages : 0);
}
