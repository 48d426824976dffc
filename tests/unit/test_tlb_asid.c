/*
 * Host tests of paging/tlb_asid.h (dynamic ASIDs and TLB generations):
 * choose_new_asid and tlb_flush_decide on their own, then a model of
 * several CPUs with PCID-tagged TLBs running paging/tlb.c's switch_mm and
 * flush_tlb_mm_range steps (the same decisions) through random switches,
 * PTE changes with flushes, lazy TLB, evictions and reads: no read may
 * ever see a translation older than the flushed PTE. The same model with
 * the generation compare left out (a CPU reusing its PCID's entries
 * unconditionally) must be caught, so the test can fail.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tests/unit/unit.h"
#include "paging/tlb_asid.h"

TEST(asid_without_pcid)
{
	struct tlb_context ctxs[TLB_NR_DYN_ASIDS] = { { 0, 0 } };
	uint16_t next = 3;
	bool flush = false;
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 7, 1, false, &flush), 0);
	CHECK(flush);
	CHECK_EQ_U64(next, 3);
}

TEST(asid_reuse_and_generation)
{
	struct tlb_context ctxs[TLB_NR_DYN_ASIDS] = { { 0, 0 } };
	uint16_t next = 0;
	bool flush = false;
	ctxs[2] = (struct tlb_context){ 42, 5 };
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 42, 5, true, &flush), 2);
	CHECK(!flush);                       /* same generation: CR3_NOFLUSH */
	CHECK_EQ_U64(next, 0);
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 42, 6, true, &flush), 2);
	CHECK(flush);                        /* the mm moved on: flush that PCID */
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 43, 1, true, &flush), 0);
	CHECK(flush);                        /* not there: the next slot, round robin */
	CHECK_EQ_U64(next, 1);
}

TEST(asid_round_robin_past_six)
{
	struct tlb_context ctxs[TLB_NR_DYN_ASIDS] = { { 0, 0 } };
	uint16_t next = 0;
	bool flush;
	for (uint64_t id = 1; id <= 2 * TLB_NR_DYN_ASIDS + 1; id++) {
		uint16_t asid = choose_new_asid(ctxs, &next, id, 1, true, &flush);
		CHECK(flush);
		CHECK_EQ_U64(asid, (id - 1) % TLB_NR_DYN_ASIDS);
		ctxs[asid] = (struct tlb_context){ id, 1 };
	}
	/* Only the last six are still there. */
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 2 * TLB_NR_DYN_ASIDS + 1, 1, true, &flush), 0);
	CHECK(!flush);
	CHECK_EQ_U64(choose_new_asid(ctxs, &next, 1, 1, true, &flush), 1);
	CHECK(flush);
	CHECK_EQ_U64(kern_pcid(0), 1);
	CHECK_EQ_U64(kern_pcid(TLB_NR_DYN_ASIDS - 1), TLB_NR_DYN_ASIDS);
}

TEST(flush_decide)
{
	uint64_t after;
	CHECK_EQ_U64(tlb_flush_decide(5, 5, 5, true, &after), TLB_FLUSH_NONE);
	CHECK_EQ_U64(after, 5);
	CHECK_EQ_U64(tlb_flush_decide(4, 5, 5, true, &after), TLB_FLUSH_PARTIAL);
	CHECK_EQ_U64(after, 5);
	CHECK_EQ_U64(tlb_flush_decide(4, 5, 5, false, &after), TLB_FLUSH_FULL);   /* over the ceiling */
	CHECK_EQ_U64(after, 5);
	CHECK_EQ_U64(tlb_flush_decide(3, 5, 5, true, &after), TLB_FLUSH_FULL);    /* two behind: unknown range */
	CHECK_EQ_U64(after, 5);
	CHECK_EQ_U64(tlb_flush_decide(4, 6, 5, true, &after), TLB_FLUSH_FULL);    /* a later flush is on its way */
	CHECK_EQ_U64(after, 6);
	CHECK_EQ_U64(tlb_flush_decide(6, 7, 5, true, &after), TLB_FLUSH_NONE);    /* this flush is old news */
	CHECK_EQ_U64(after, 6);
	CHECK_EQ_U64(tlb_flush_decide(2, 4, 0, true, &after), TLB_FLUSH_FULL);    /* catching up, no flush of its own */
	CHECK_EQ_U64(after, 4);
}

/* ---- The model ------------------------------------------------------------------ */

#define NCPU 4
#define NMM 9            /* more than TLB_NR_DYN_ASIDS: slots are reused */
#define NVA 8
#define NPCID (TLB_NR_DYN_ASIDS + 1)
#define NONE (-1)

struct sim_mm {
	uint64_t ctx_id, tlb_gen;
	uint32_t cpumask;
	uint32_t pte[NVA];   /* frame numbers; every change takes a new one */
};

struct sim_cpu {
	struct tlb_context ctxs[TLB_NR_DYN_ASIDS];
	uint16_t next_asid, asid;
	int loaded;          /* mm index, NONE: the kernel's tables (PCID 0) */
	bool lazy;
	bool valid[NPCID][NVA];
	uint32_t tlb[NPCID][NVA];
};

static struct sim_mm mms[NMM];
static struct sim_cpu cpus[NCPU];
static bool sim_pcid, sim_no_generation_check;
static uint32_t next_frame = 1;
static uint64_t stale_reads, reads, noflush_switches;

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The PCID a CPU's CR3 holds now. */
static int cur_pcid(const struct sim_cpu *c)
{
	return c->loaded == NONE || !sim_pcid ? 0 : kern_pcid(c->asid);
}

/* A CR3 load without NOFLUSH: that PCID's entries go (without PCIDs: all). */
static void drop_pcid(struct sim_cpu *c, int pcid)
{
	for (int p = 0; p < NPCID; p++)
		if (!sim_pcid || p == pcid)
			for (int v = 0; v < NVA; v++)
				c->valid[p][v] = false;
}

/* paging/tlb.c's switch_mm_irqs_off. */
static void sim_switch_mm(int cpu, int next)
{
	struct sim_cpu *c = &cpus[cpu];
	int prev = c->loaded;
	c->lazy = false;
	if (prev == next) {
		if (next == NONE)
			return;
		struct tlb_context *x = &c->ctxs[c->asid];
		if (x->tlb_gen >= mms[next].tlb_gen)
			return;
		drop_pcid(c, cur_pcid(c));
		x->tlb_gen = mms[next].tlb_gen;
		return;
	}
	if (next != NONE) {
		struct sim_mm *m = &mms[next];
		m->cpumask |= 1u << cpu;
		bool need_flush;
		uint16_t asid = choose_new_asid(c->ctxs, &c->next_asid, m->ctx_id, m->tlb_gen, sim_pcid, &need_flush);
		if (sim_no_generation_check && c->ctxs[asid].ctx_id == m->ctx_id)
			need_flush = false;
		c->asid = asid;
		c->loaded = next;
		if (need_flush)
			drop_pcid(c, cur_pcid(c));
		else
			noflush_switches++;
		c->ctxs[asid] = (struct tlb_context){ m->ctx_id, m->tlb_gen };
	} else {
		c->loaded = NONE;
		drop_pcid(c, 0);
	}
	if (prev != NONE)
		mms[prev].cpumask &= ~(1u << cpu);
}

/* paging/tlb.c's flush_tlb_func on one CPU. */
static void sim_flush_func(int cpu, int mm, int va, uint64_t new_gen, bool freed_tables)
{
	struct sim_cpu *c = &cpus[cpu];
	if (c->loaded != mm)
		return;
	if (freed_tables && c->lazy) {
		sim_switch_mm(cpu, NONE);
		return;
	}
	struct tlb_context *x = &c->ctxs[c->asid];
	uint64_t after;
	switch (tlb_flush_decide(x->tlb_gen, mms[mm].tlb_gen, new_gen, va != NONE, &after)) {
	case TLB_FLUSH_NONE:
		return;
	case TLB_FLUSH_PARTIAL:
		c->valid[cur_pcid(c)][va] = false;
		break;
	case TLB_FLUSH_FULL:
		drop_pcid(c, cur_pcid(c));
		break;
	}
	x->tlb_gen = after;
}

/* A PTE change of mm (one page, or all of them) and flush_tlb_mm_range. */
static void sim_change_and_flush(int cpu, int mm, bool all, bool freed_tables)
{
	int va = all ? NONE : (int)rnd(NVA);
	for (int v = 0; v < NVA; v++)
		if (all || v == va)
			mms[mm].pte[v] = next_frame++;
	uint64_t gen = ++mms[mm].tlb_gen;
	for (int other = 0; other < NCPU; other++) {
		if (!(mms[mm].cpumask & (1u << other)))
			continue;
		if (other != cpu && cpus[other].lazy && !freed_tables)
			continue;   /* skip_lazy_cpus */
		sim_flush_func(other, mm, va, gen, freed_tables);
	}
}

/* A read of va on cpu (not lazy: a kernel thread touches no user address). */
static void sim_read(int cpu)
{
	struct sim_cpu *c = &cpus[cpu];
	if (c->loaded == NONE || c->lazy)
		return;
	int va = (int)rnd(NVA), p = cur_pcid(c);
	if (!c->valid[p][va]) {
		c->tlb[p][va] = mms[c->loaded].pte[va];
		c->valid[p][va] = true;
	}
	reads++;
	if (c->tlb[p][va] != mms[c->loaded].pte[va])
		stale_reads++;
}

/* Runs the random schedule; returns the stale reads seen. */
static uint64_t run_model(bool pcid, bool no_generation_check, uint32_t steps)
{
	memset(mms, 0, sizeof(mms));
	memset(cpus, 0, sizeof(cpus));
	sim_pcid = pcid;
	sim_no_generation_check = no_generation_check;
	stale_reads = reads = noflush_switches = 0;
	for (int m = 0; m < NMM; m++) {
		mms[m].ctx_id = (uint64_t)m + 1;
		for (int v = 0; v < NVA; v++)
			mms[m].pte[v] = next_frame++;
	}
	for (int i = 0; i < NCPU; i++)
		cpus[i].loaded = NONE;
	for (uint32_t s = 0; s < steps; s++) {
		int cpu = (int)rnd(NCPU);
		struct sim_cpu *c = &cpus[cpu];
		switch (rnd(10)) {
		case 0: case 1:
			sim_switch_mm(cpu, (int)rnd(NMM + 1) - 1);
			break;
		case 2:
			if (c->loaded != NONE)
				c->lazy = true;                           /* enter_lazy_tlb */
			break;
		case 3:
			sim_change_and_flush(cpu, (int)rnd(NMM), rnd(4) == 0, rnd(8) == 0);
			break;
		case 4:
			c->valid[rnd(NPCID)][rnd(NVA)] = false;       /* the CPU evicts what it likes */
			break;
		default:
			sim_read(cpu);
		}
	}
	return stale_reads;
}

TEST(model_no_stale_reads_with_pcid)
{
	CHECK_EQ_U64(run_model(true, false, 400000), 0);
	CHECK(reads > 100000);
	CHECK(noflush_switches > 1000);   /* the PCIDs were really used */
}

TEST(model_no_stale_reads_without_pcid)
{
	CHECK_EQ_U64(run_model(false, false, 400000), 0);
	CHECK_EQ_U64(noflush_switches, 0);
}

TEST(model_catches_a_missing_generation_check)
{
	CHECK(run_model(true, true, 400000) > 0);
}

UNIT_MAIN(UNIT(asid_without_pcid), UNIT(asid_reuse_and_generation), UNIT(asid_round_robin_past_six),
	  UNIT(flush_decide), UNIT(model_no_stale_reads_with_pcid), UNIT(model_no_stale_reads_without_pcid),
	  UNIT(model_catches_a_missing_generation_check))
