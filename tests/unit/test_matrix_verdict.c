/*
 * Host tests of the conformance matrix's verdict (checks/matrix_verdict.c):
 * the comparison of what the CPU did with the model, the classification of
 * mismatches, and the words of the mismatch records. Outcomes come from the
 * real model (checks/access_model.c); "observed" values are written by hand.
 */
#include "../../checks/access_model.c"
#include "../../checks/matrix_verdict.c"
#include "../../base/format.c"
#include "unit.h"

#include <string.h>

#define VA 0x0000200000000000ull

/* A 4-level 4 KiB walk, every entry open, supervisor read, all controls 0. */
static struct access_case open_case(void)
{
	struct access_case c = { 0 };

	c.paging_levels = 4;
	c.leaf_level = PG_LEVEL_4K;
	c.maxphyaddr = 46;
	for (int l = PG_LEVEL_4K; l <= 4; l++)
		c.entry[l] = (struct access_entry){ .present = true, .writable = true, .user = true };
	return c;
}

/* What a conforming CPU would leave: entries with A (and D) as the outcome says "set". */
static struct matrix_observed conforming(const struct access_case *c, const struct access_outcome *o)
{
	struct matrix_observed obs = { 0 };

	obs.vector = o->fault ? MATRIX_VECTOR_PF : MATRIX_NO_EXCEPTION;
	obs.error_code = o->error_code;
	obs.cr2 = o->fault ? VA : 0;
	for (int l = c->leaf_level; l <= c->paging_levels; l++)
		obs.entry[l] = access_case_entry_flags(c, l) | (o->accessed[l] == AD_SET ? _PAGE_ACCESSED : 0);
	if (o->dirty == AD_SET)
		obs.entry[c->leaf_level] |= _PAGE_DIRTY;
	return obs;
}

TEST(conforming_success_has_no_difference)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level = -1;

	c.access = ACCESS_WRITE;
	access_model(&c, &o);
	struct matrix_observed obs = conforming(&c, &o);
	CHECK_EQ_U64(matrix_compare(&c, &o, VA, &obs, &a_level), 0);
	CHECK_EQ_U64(a_level, 0);
	CHECK_EQ_U64(matrix_classify(&c, &o, &obs, 0), 0);
}

TEST(missing_dirty_and_accessed_are_differences)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level;

	c.access = ACCESS_WRITE;
	access_model(&c, &o);
	struct matrix_observed obs = conforming(&c, &o);
	obs.entry[PG_LEVEL_4K] &= ~_PAGE_DIRTY;
	obs.entry[PG_LEVEL_2M] &= ~_PAGE_ACCESSED;
	unsigned diff = matrix_compare(&c, &o, VA, &obs, &a_level);
	CHECK_EQ_U64(diff, MATRIX_DIFF_DIRTY | MATRIX_DIFF_ACCESSED);
	CHECK_EQ_U64(a_level, PG_LEVEL_2M);
	CHECK_EQ_U64(matrix_classify(&c, &o, &obs, diff), 1u << MISMATCH_OTHER);
}

TEST(fault_where_none_is_due_and_wrong_cr2)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level;

	access_model(&c, &o);
	struct matrix_observed obs = conforming(&c, &o);
	obs.vector = MATRIX_VECTOR_PF;
	obs.error_code = 1;
	obs.cr2 = VA;
	CHECK(matrix_compare(&c, &o, VA, &obs, &a_level) & MATRIX_DIFF_FAULT);

	c.entry[PG_LEVEL_4K].present = false;       /* now a fault is due */
	access_model(&c, &o);
	obs = conforming(&c, &o);
	obs.cr2 = VA + 0x1000;
	CHECK_EQ_U64(matrix_compare(&c, &o, VA, &obs, &a_level), MATRIX_DIFF_FAULT);
	obs.cr2 = VA;
	obs.vector = 13;                            /* #GP instead of #PF */
	CHECK_EQ_U64(matrix_compare(&c, &o, VA, &obs, &a_level), MATRIX_DIFF_FAULT);
}

TEST(undefined_accessed_accepts_both)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level;

	c.user = true;
	c.entry[PG_LEVEL_4K].user = false;          /* protection fault: leaf A undefined */
	access_model(&c, &o);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_4K], AD_UNDEFINED);
	struct matrix_observed obs = conforming(&c, &o);
	CHECK_EQ_U64(matrix_compare(&c, &o, VA, &obs, &a_level), 0);
	obs.entry[PG_LEVEL_4K] |= _PAGE_ACCESSED;
	CHECK_EQ_U64(matrix_compare(&c, &o, VA, &obs, &a_level), 0);
}

TEST(reserved_fault_without_p_is_classified)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level;

	c.access = ACCESS_WRITE;
	c.rsvd = ACCESS_RSVD_BIT51;
	c.rsvd_level = PG_LEVEL_2M;
	access_model(&c, &o);
	CHECK_EQ_U64(o.error_code, 0xb);            /* P W RSVD */
	struct matrix_observed obs = conforming(&c, &o);
	obs.error_code = 0xa;                       /* what QEMU TCG reports */
	unsigned diff = matrix_compare(&c, &o, VA, &obs, &a_level);
	CHECK_EQ_U64(diff, MATRIX_DIFF_ERROR_CODE);
	CHECK_EQ_U64(matrix_classify(&c, &o, &obs, diff), 1u << MISMATCH_RSVD_WITHOUT_P);

	obs.error_code = 0x9;                       /* W lost instead: not that kind */
	diff = matrix_compare(&c, &o, VA, &obs, &a_level);
	CHECK_EQ_U64(matrix_classify(&c, &o, &obs, diff), 1u << MISMATCH_OTHER);
}

TEST(accessed_on_the_entry_that_ended_the_walk_is_classified)
{
	struct access_case c = open_case();
	struct access_outcome o;
	int a_level;

	c.leaf_level = PG_LEVEL_1G;
	c.rsvd = ACCESS_RSVD_LARGE_LOW;
	c.rsvd_level = PG_LEVEL_1G;
	access_model(&c, &o);
	CHECK_EQ_U64(o.fault_level, PG_LEVEL_1G);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_1G], AD_CLEAR);
	struct matrix_observed obs = conforming(&c, &o);
	obs.entry[PG_LEVEL_1G] |= _PAGE_ACCESSED;
	obs.error_code &= ~X86_PF_PROT;
	unsigned diff = matrix_compare(&c, &o, VA, &obs, &a_level);
	CHECK_EQ_U64(diff, MATRIX_DIFF_ERROR_CODE | MATRIX_DIFF_ACCESSED);
	CHECK_EQ_U64(a_level, PG_LEVEL_1G);
	CHECK_EQ_U64(matrix_classify(&c, &o, &obs, diff),
		     (1u << MISMATCH_RSVD_WITHOUT_P) | (1u << MISMATCH_A_ON_ENDING_ENTRY));
	/* A dirty bit set on top of it is not explained. */
	obs.entry[PG_LEVEL_1G] |= _PAGE_DIRTY;
	diff = matrix_compare(&c, &o, VA, &obs, &a_level);
	CHECK(matrix_classify(&c, &o, &obs, diff) & (1u << MISMATCH_OTHER));
}

TEST(words)
{
	char buf[512];
	struct access_case c = open_case();
	struct access_outcome o;

	CHECK_EQ_U64(matrix_describe_error_code(0x15, buf, sizeof(buf)), strlen("0x15 (P, U, I/D)"));
	CHECK_STR(buf, "0x15 (P, U, I/D)");
	matrix_describe_error_code(0x2a, buf, sizeof(buf));
	CHECK_STR(buf, "0x2a (not present, W, RSVD, PK)");
	matrix_describe_error_code(0x40, buf, sizeof(buf));
	CHECK_STR(buf, "0x40 (not present, other bits 0x40)");

	c.user = true;
	c.access = ACCESS_FETCH;
	c.entry[PG_LEVEL_4K].nx = true;
	c.efer_nxe = true;
	c.pkey = 1;
	c.rsvd = ACCESS_RSVD_BIT51;
	c.rsvd_level = PG_LEVEL_2M;
	matrix_describe_case(&c, buf, sizeof(buf));
	CHECK_STR(buf, "4-level, 4K leaf, CPL3 fetch; PML4E P RW US, PDPTE P RW US, PDE P RW US, "
		  "PTE P RW US XD key 1; reserved bit 51 set in PDE; WP=0 NXE=1 SMEP=0 SMAP=0 AC=0 PKE=0 PKRU=0x0");

	access_model(&c, &o);
	matrix_describe_expected(&o, buf, sizeof(buf));
	CHECK_STR(buf, "#PF 0x1d (P, U, RSVD, I/D) [reserved-bit]");
	struct matrix_observed obs = conforming(&c, &o);
	obs.cr2 = 0x1000;
	matrix_describe_observed(&obs, VA, buf, sizeof(buf));
	CHECK_STR(buf, "#PF 0x1d (P, U, RSVD, I/D) at CR2 0x1000, not the case address 0x200000000000");
	obs.vector = MATRIX_NO_EXCEPTION;
	matrix_describe_observed(&obs, VA, buf, sizeof(buf));
	CHECK_STR(buf, "no fault");

	/* A short buffer is cut, NUL-terminated, and the full length still returned. */
	char small[8];
	size_t n = matrix_describe_error_code(0x15, small, sizeof(small));
	CHECK_EQ_U64(n, strlen("0x15 (P, U, I/D)"));
	CHECK_STR(small, "0x15 (P");
	CHECK_STR(matrix_level_name(5), "PML5E");
	CHECK_STR(matrix_level_name(0), "?");
	CHECK_STR(matrix_mismatch_kind_name(MISMATCH_KIND_NR), "?");
}

UNIT_MAIN(
	UNIT(conforming_success_has_no_difference),
	UNIT(missing_dirty_and_accessed_are_differences),
	UNIT(fault_where_none_is_due_and_wrong_cr2),
	UNIT(undefined_accessed_accepts_both),
	UNIT(reserved_fault_without_p_is_classified),
	UNIT(accessed_on_the_entry_that_ended_the_walk_is_classified),
	UNIT(words)
)
