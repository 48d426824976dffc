/*
 * Dynamic ASIDs and TLB generations (Linux's arch/x86/mm/tlb.c design):
 * the pure decisions, shared by paging/tlb.c and the host tests
 * (tests/unit/test_tlb_asid.c, which runs them against a model of a
 * PCID-tagged TLB on several CPUs).
 *
 * With CR4.PCIDE set, a CR3 load tags the translations the CPU caches with
 * CR3's low 12 bits (the PCID), and a load with bit 63 set (CR3_NOFLUSH)
 * keeps what that PCID cached before. So a CPU that switches from mm A to B
 * and back can find A's translations still there - if nothing changed A's
 * tables meanwhile. Two numbers decide that:
 *
 *   mm->context.ctx_id     which mm a slot's entries belong to: unique,
 *                          never reused (a freed mm's slot never matches)
 *   mm->context.tlb_gen    bumped (inc_mm_tlb_gen) by every flush of the
 *                          mm's translations, after the PTE change
 *   ctxs[asid].tlb_gen     per CPU and slot: the generation its entries are
 *                          up to date with
 *
 * Each CPU has TLB_NR_DYN_ASIDS slots (cpu/percpu.h); slot asid runs under
 * PCID kern_pcid(asid) = asid + 1 (PCID 0 is the kernel's own tables, and
 * whatever else code loads without switch_mm: it is always loaded with a
 * flush). A CPU behind on a slot's generation flushes that PCID before
 * using it again; flushes of an mm a CPU no longer runs cost it nothing
 * until it comes back.
 */
#ifndef FAULTLINE_TLB_ASID_H
#define FAULTLINE_TLB_ASID_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/percpu.h"

/* The PCID that ASID slot asid runs under (Linux's kern_pcid). */
static inline uint16_t kern_pcid(uint16_t asid)
{
	return (uint16_t)(asid + 1);
}

/*
 * Linux's choose_new_asid: the slot next (ctx_id, whose tables are at
 * generation next_tlb_gen) runs under on a CPU with these slots. The slot
 * already tagged with ctx_id if there is one (*need_flush only if its
 * entries are older than next_tlb_gen), else the next one round robin
 * (*need_flush: its entries are another mm's). Without PCIDs slot 0 and a
 * flush, always (a CR3 load drops everything). Cannot fail.
 */
static inline uint16_t choose_new_asid(const struct tlb_context *ctxs, uint16_t *next_asid, uint64_t ctx_id,
				       uint64_t next_tlb_gen, bool pcid, bool *need_flush)
{
	if (!pcid) {
		*need_flush = true;
		return 0;
	}
	for (uint16_t asid = 0; asid < TLB_NR_DYN_ASIDS; asid++) {
		if (ctxs[asid].ctx_id != ctx_id)
			continue;
		*need_flush = ctxs[asid].tlb_gen < next_tlb_gen;
		return asid;
	}
	uint16_t asid = *next_asid;
	*next_asid = (uint16_t)((asid + 1) % TLB_NR_DYN_ASIDS);
	*need_flush = true;
	return asid;
}

/* What one CPU must do for a flush of the mm it has loaded. */
enum tlb_flush_kind {
	TLB_FLUSH_NONE,      /* its entries are up to date already (a later flush did it) */
	TLB_FLUSH_PARTIAL,   /* only the flush's range: it is exactly one generation behind */
	TLB_FLUSH_FULL,      /* everything of the mm (its PCID): several changes are missing */
};

/*
 * Linux's flush_tlb_func decision: a CPU whose slot is at local_gen, the mm
 * at mm_gen (read before flushing), for a flush that made generation
 * new_gen (0: none, e.g. a CPU catching up) of a range (range: at most the
 * INVLPG ceiling) or of everything. Afterwards the slot is at
 * *after_gen. A range flush is enough only when this flush is the one
 * change the CPU lacks; otherwise it cannot know which addresses the
 * others touched.
 */
static inline enum tlb_flush_kind tlb_flush_decide(uint64_t local_gen, uint64_t mm_gen, uint64_t new_gen,
						   bool range, uint64_t *after_gen)
{
	*after_gen = local_gen;
	if (local_gen >= mm_gen || (new_gen && new_gen <= local_gen))
		return TLB_FLUSH_NONE;
	if (range && new_gen && new_gen == local_gen + 1 && new_gen == mm_gen) {
		*after_gen = new_gen;
		return TLB_FLUSH_PARTIAL;
	}
	*after_gen = mm_gen;
	return TLB_FLUSH_FULL;
}

#endif
