/*
 * Host tests of the paging reference model (checks/access_model.c): one
 * hand-worked case per rule of the Intel SDM vol. 3A 4.6-4.8 (expected error
 * codes written out as numbers: P=1 W=2 U=4 RSVD=8 I/D=0x10 PK=0x20), then
 * invariants over every case of the default space, the exact case counts of
 * the default and full spaces, and the entry bits the checker will write.
 */
#include "../../checks/access_model.c"
#include "unit.h"

/* ---- Building cases ----------------------------------------------------- */

/*
 * A case with every entry open (P = R/W = U/S = 1, XD = A = D = 0),
 * MAXPHYADDR 46, key 0, PKRU 0, a supervisor read, every control 0.
 */
static struct access_case open_case(int levels, int leaf)
{
	struct access_case c = { 0 };

	c.paging_levels = (uint8_t)levels;
	c.leaf_level = (uint8_t)leaf;
	c.maxphyaddr = 46;
	for (int l = leaf; l <= levels; l++)
		c.entry[l] = (struct access_entry){ .present = true, .writable = true, .user = true };
	c.access = ACCESS_READ;
	return c;
}

static struct access_case c4k(void) { return open_case(4, PG_LEVEL_4K); }

/* Runs the model; a model refusal shows up as error code 0xdead. */
static struct access_outcome run(const struct access_case *c)
{
	struct access_outcome o;

	if (access_model(c, &o) != 0)
		o.error_code = 0xdead;
	return o;
}

/* PKRU with (AD, WD) of `key` only. */
static uint32_t pkru_for(int key, bool ad, bool wd)
{
	return (uint32_t)(ad | wd << 1) << (2 * key);
}

/* ---- 4.6.1: user/supervisor ---------------------------------------------- */

TEST(user_read_of_supervisor_page_faults_p_u)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.entry[PG_LEVEL_4K].user = false;
	c.user = true;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x5);
	CHECK_EQ_U64(o.reason, ACCESS_USER_SUPERVISOR);
	CHECK_EQ_U64(o.fault_level, 0);

	/* U/S = 0 in any one entry makes it a supervisor-mode address. */
	for (int l = PG_LEVEL_4K; l <= 5; l++) {
		c = open_case(5, PG_LEVEL_4K);
		c.entry[l].user = false;
		c.user = true;
		c.access = ACCESS_WRITE;
		o = run(&c);
		CHECK_EQ_U64(o.error_code, 0x7);
		c.user = false;
		o = run(&c);
		CHECK(!o.fault);
	}
}

TEST(user_access_to_user_page_succeeds)
{
	struct access_case c = c4k();

	c.user = true;
	for (unsigned k = 0; k < ACCESS_KIND_NR; k++) {
		c.access = (uint8_t)k;
		CHECK(!run(&c).fault);
		c.efer_nxe = c.cr4_smep = c.cr4_smap = c.cr0_wp = true;   /* none of these limit CPL 3 here */
		CHECK(!run(&c).fault);
		c.efer_nxe = c.cr4_smep = c.cr4_smap = c.cr0_wp = false;
	}
}

/* ---- 4.6.1: R/W and CR0.WP ----------------------------------------------- */

TEST(supervisor_write_to_read_only_user_page_depends_on_wp)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.entry[PG_LEVEL_4K].writable = false;
	c.access = ACCESS_WRITE;
	o = run(&c);
	CHECK(!o.fault);
	CHECK_EQ_U64(o.error_code, 0);
	CHECK_EQ_U64(o.dirty, AD_SET);

	c.cr0_wp = true;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x3);
	CHECK_EQ_U64(o.reason, ACCESS_READ_ONLY);
	CHECK_EQ_U64(o.dirty, AD_CLEAR);

	/* Read-only higher up (the PDPTE) is the same. */
	c = c4k();
	c.entry[PG_LEVEL_1G].writable = false;
	c.access = ACCESS_WRITE;
	c.cr0_wp = true;
	CHECK_EQ_U64(run(&c).error_code, 0x3);

	/* Supervisor page, WP = 0: writable whatever R/W says. */
	c.entry[PG_LEVEL_4K].user = false;
	c.cr0_wp = false;
	CHECK(!run(&c).fault);
}

TEST(user_write_to_read_only_page_faults_whatever_wp)
{
	struct access_case c = c4k();

	c.entry[PG_LEVEL_2M].writable = false;
	c.access = ACCESS_WRITE;
	c.user = true;
	CHECK_EQ_U64(run(&c).error_code, 0x7);
	c.cr0_wp = true;
	CHECK_EQ_U64(run(&c).error_code, 0x7);
	c.access = ACCESS_READ;
	CHECK(!run(&c).fault);
}

/* ---- 4.6.1: SMEP ---------------------------------------------------------- */

TEST(smep_supervisor_fetch_from_user_page)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.access = ACCESS_FETCH;
	CHECK(!run(&c).fault);                  /* SMEP = 0 */

	c.cr4_smep = true;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x11);       /* P, I/D: set by SMEP even with NXE = 0 */
	CHECK_EQ_U64(o.reason, ACCESS_SMEP);

	c.efer_nxe = true;
	CHECK_EQ_U64(run(&c).error_code, 0x11);

	/* U/S = 0 anywhere above: a supervisor-mode address, SMEP does not apply. */
	c.entry[PG_LEVEL_512G].user = false;
	CHECK(!run(&c).fault);

	/* User fetch from a user page is not SMEP's business. */
	c = c4k();
	c.access = ACCESS_FETCH;
	c.cr4_smep = true;
	c.user = true;
	CHECK(!run(&c).fault);

	/* SMEP does not restrict data reads or writes. */
	c.user = false;
	c.access = ACCESS_WRITE;
	CHECK(!run(&c).fault);
}

/* ---- 4.6.1: SMAP and RFLAGS.AC -------------------------------------------- */

TEST(smap_supervisor_data_access_to_user_page)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.cr4_smap = true;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x1);
	CHECK_EQ_U64(o.reason, ACCESS_SMAP);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_4K], AD_UNDEFINED);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_2M], AD_SET);

	c.access = ACCESS_WRITE;
	CHECK_EQ_U64(run(&c).error_code, 0x3);

	c.rflags_ac = true;                     /* explicit access with AC = 1: allowed */
	CHECK(!run(&c).fault);
	c.access = ACCESS_READ;
	CHECK(!run(&c).fault);

	/* AC = 1 and a read-only user page: WP decides as without SMAP. */
	c.access = ACCESS_WRITE;
	c.entry[PG_LEVEL_4K].writable = false;
	CHECK(!run(&c).fault);
	c.cr0_wp = true;
	CHECK_EQ_U64(run(&c).error_code, 0x3);
	CHECK_EQ_U64(run(&c).reason, ACCESS_READ_ONLY);

	/* SMAP with AC = 0 on a read-only user page, WP = 0: SMAP still faults. */
	c.rflags_ac = false;
	c.cr0_wp = false;
	CHECK_EQ_U64(run(&c).error_code, 0x3);
	CHECK_EQ_U64(run(&c).reason, ACCESS_SMAP);

	/* SMAP does not apply to fetches, nor to user accesses, nor to supervisor pages. */
	c = c4k();
	c.cr4_smap = true;
	c.access = ACCESS_FETCH;
	CHECK(!run(&c).fault);
	c.access = ACCESS_READ;
	c.user = true;
	CHECK(!run(&c).fault);
	c.user = false;
	c.entry[PG_LEVEL_1G].user = false;
	CHECK(!run(&c).fault);
}

/* ---- 4.6.1 and the XD bit ------------------------------------------------- */

TEST(nx_fetch_with_nxe_faults_with_id)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.entry[PG_LEVEL_4K].nx = true;
	c.efer_nxe = true;
	c.access = ACCESS_FETCH;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x11);
	CHECK_EQ_U64(o.reason, ACCESS_NO_EXECUTE);
	c.user = true;
	CHECK_EQ_U64(run(&c).error_code, 0x15);

	/* XD anywhere in the walk; reads and writes ignore it. */
	c = open_case(5, PG_LEVEL_2M);
	c.entry[PG_LEVEL_256T].nx = true;
	c.efer_nxe = true;
	c.access = ACCESS_FETCH;
	CHECK_EQ_U64(run(&c).error_code, 0x11);
	c.access = ACCESS_WRITE;
	CHECK(!run(&c).fault);
}

TEST(nx_bit_with_nxe_clear_is_reserved)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.entry[PG_LEVEL_4K].nx = true;
	c.access = ACCESS_FETCH;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x9);        /* P, RSVD; no I/D: NXE = SMEP = 0 */
	CHECK_EQ_U64(o.reason, ACCESS_RESERVED);
	CHECK_EQ_U64(o.fault_level, PG_LEVEL_4K);

	c.cr4_smep = true;                      /* SMEP = 1 turns I/D on for every fetch fault */
	CHECK_EQ_U64(run(&c).error_code, 0x19);

	c.cr4_smep = false;
	c.access = ACCESS_READ;                 /* reserved for every access, not only fetches */
	CHECK_EQ_U64(run(&c).error_code, 0x9);
	c.user = true;
	c.access = ACCESS_WRITE;
	CHECK_EQ_U64(run(&c).error_code, 0xf);

	/* Not checked in an entry whose P is 0. */
	c.entry[PG_LEVEL_4K].present = false;
	CHECK_EQ_U64(run(&c).error_code, 0x6);

	/* Without NX anywhere, NXE = 0 fetches are fine. */
	c = c4k();
	c.access = ACCESS_FETCH;
	c.user = true;
	CHECK(!run(&c).fault);
}

TEST(id_bit_follows_the_access_not_the_entries)
{
	struct access_case c = c4k();

	/* Not-present fetch: I/D only if NXE = 1 or SMEP = 1. */
	c.entry[PG_LEVEL_2M].present = false;
	c.access = ACCESS_FETCH;
	CHECK_EQ_U64(run(&c).error_code, 0x0);
	c.efer_nxe = true;
	CHECK_EQ_U64(run(&c).error_code, 0x10);
	c.efer_nxe = false;
	c.cr4_smep = true;
	CHECK_EQ_U64(run(&c).error_code, 0x10);
	c.user = true;
	CHECK_EQ_U64(run(&c).error_code, 0x14);

	/* User fetch from a supervisor page, NXE = SMEP = 0: P, U, no I/D. */
	c = c4k();
	c.entry[PG_LEVEL_4K].user = false;
	c.access = ACCESS_FETCH;
	c.user = true;
	CHECK_EQ_U64(run(&c).error_code, 0x5);
	c.efer_nxe = true;
	CHECK_EQ_U64(run(&c).error_code, 0x15);

	/* Data accesses never have I/D. */
	c.access = ACCESS_READ;
	c.cr4_smep = true;
	CHECK_EQ_U64(run(&c).error_code, 0x5);
}

/* ---- 4.7: not present and reserved bits at every level -------------------- */

TEST(not_present_at_each_level)
{
	for (int levels = 4; levels <= 5; levels++)
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
			for (int l = leaf; l <= levels; l++) {
				struct access_case c = open_case(levels, leaf);
				struct access_outcome o;

				c.entry[l].present = false;
				c.access = ACCESS_WRITE;
				c.user = true;
				o = run(&c);
				CHECK(o.fault);
				CHECK_EQ_U64(o.error_code, 0x6);
				CHECK_EQ_U64(o.reason, ACCESS_NOT_PRESENT);
				CHECK_EQ_U64(o.fault_level, l);
				/* Above: read, A not guaranteed; at and below: untouched. */
				for (int k = leaf; k <= levels; k++)
					CHECK_EQ_U64(o.accessed[k], k > l ? AD_UNDEFINED : AD_CLEAR);
				CHECK_EQ_U64(o.dirty, AD_CLEAR);
			}
}

TEST(reserved_bit_at_each_level)
{
	for (int levels = 4; levels <= 5; levels++)
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
			for (int l = leaf; l <= levels; l++)
				for (unsigned kind = 1; kind < ACCESS_RSVD_NR; kind++) {
					struct access_case c = open_case(levels, leaf);
					struct access_outcome o;
					bool applies = kind == ACCESS_RSVD_MAXPHYADDR || kind == ACCESS_RSVD_BIT51 ||
						       (kind == ACCESS_RSVD_PS_TOP && l >= 4) ||
						       (kind == ACCESS_RSVD_LARGE_LOW && l == leaf && leaf > 1);

					c.rsvd = (uint8_t)kind;
					c.rsvd_level = (uint8_t)l;
					CHECK(access_case_valid(&c) == applies);
					if (!applies) {
						CHECK_EQ_U64(run(&c).error_code, 0xdead);
						continue;
					}
					o = run(&c);
					CHECK(o.fault);
					CHECK_EQ_U64(o.error_code, 0x9);
					CHECK_EQ_U64(o.reason, ACCESS_RESERVED);
					CHECK_EQ_U64(o.fault_level, l);
					for (int k = leaf; k <= levels; k++)
						CHECK_EQ_U64(o.accessed[k], k > l ? AD_UNDEFINED : AD_CLEAR);
				}
}

TEST(walk_order_decides_not_present_versus_reserved)
{
	struct access_case c = c4k();

	/* Reserved bit in the PDPTE, PTE not present: the walk stops at the PDPTE. */
	c.rsvd = ACCESS_RSVD_BIT51;
	c.rsvd_level = PG_LEVEL_1G;
	c.entry[PG_LEVEL_4K].present = false;
	CHECK_EQ_U64(run(&c).error_code, 0x9);
	CHECK_EQ_U64(run(&c).fault_level, PG_LEVEL_1G);

	/* PML4E not present above it: P = 0, no RSVD. */
	c.entry[PG_LEVEL_512G].present = false;
	CHECK_EQ_U64(run(&c).error_code, 0x0);
	CHECK_EQ_U64(run(&c).fault_level, PG_LEVEL_512G);

	/* Reserved bit in an entry that is itself not present: not checked. */
	c = c4k();
	c.rsvd = ACCESS_RSVD_MAXPHYADDR;
	c.rsvd_level = PG_LEVEL_2M;
	c.entry[PG_LEVEL_2M].present = false;
	CHECK_EQ_U64(run(&c).error_code, 0x0);

	/* A reserved-bit fault wins over any access-rights violation below or in it. */
	c = c4k();
	c.rsvd = ACCESS_RSVD_BIT51;
	c.rsvd_level = PG_LEVEL_4K;
	c.entry[PG_LEVEL_4K].user = false;
	c.user = true;
	CHECK_EQ_U64(run(&c).error_code, 0xd);
}

TEST(invalid_cases_are_refused)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.paging_levels = 3;
	CHECK(access_model(&c, &o) == -1);
	CHECK(!o.fault);
	c = c4k();
	c.leaf_level = PG_LEVEL_512G;
	CHECK(!access_case_valid(&c));
	c = c4k();
	c.maxphyaddr = 52;
	CHECK(access_case_valid(&c));
	c.rsvd = ACCESS_RSVD_BIT51;             /* bit 51 is an address bit at M = 52 */
	c.rsvd_level = PG_LEVEL_4K;
	CHECK(!access_case_valid(&c));
	c.maxphyaddr = 53;
	c.rsvd = ACCESS_RSVD_NONE;
	CHECK(!access_case_valid(&c));
	c = c4k();
	c.rsvd = ACCESS_RSVD_MAXPHYADDR;
	c.rsvd_level = PG_LEVEL_256T;           /* no PML5E in a 4-level walk */
	CHECK(!access_case_valid(&c));
	c = c4k();
	c.access = ACCESS_KIND_NR;
	CHECK(!access_case_valid(&c));
	c = c4k();
	c.pkey = 16;
	CHECK(!access_case_valid(&c));
	c = c4k();
	c.rsvd = ACCESS_RSVD_NR;
	c.rsvd_level = PG_LEVEL_4K;
	CHECK(!access_case_valid(&c));
}

/* ---- 4.6.2: protection keys ----------------------------------------------- */

TEST(pkey_user_write_with_wd_faults_pk)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.cr4_pke = true;
	c.pkey = 3;
	c.pkru = pkru_for(3, false, true);
	c.user = true;
	c.access = ACCESS_WRITE;
	o = run(&c);
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x27);
	CHECK_EQ_U64(o.reason, ACCESS_PKEY);
	CHECK_EQ_U64(o.dirty, AD_CLEAR);

	c.access = ACCESS_READ;                 /* WD lets reads through */
	CHECK(!run(&c).fault);

	c.pkru = pkru_for(3, true, false);      /* AD stops reads and writes */
	CHECK_EQ_U64(run(&c).error_code, 0x25);
	c.access = ACCESS_WRITE;
	CHECK_EQ_U64(run(&c).error_code, 0x27);

	c.access = ACCESS_FETCH;                /* keys never restrict fetches */
	c.pkru = pkru_for(3, true, true);
	CHECK(!run(&c).fault);

	c.access = ACCESS_READ;                 /* only the leaf's key counts */
	c.pkru = pkru_for(2, true, true) | pkru_for(4, true, true);
	CHECK(!run(&c).fault);

	c.cr4_pke = false;                      /* PKE = 0: PKRU means nothing */
	c.pkru = 0xffffffff;
	CHECK(!run(&c).fault);
}

TEST(pkey_applies_to_supervisor_accesses_of_user_pages)
{
	struct access_case c = c4k();
	struct access_outcome o;

	c.cr4_pke = true;
	c.pkey = 1;
	c.pkru = pkru_for(1, true, false);
	o = run(&c);                            /* CPL 0 read of a user page, AD = 1 */
	CHECK(o.fault);
	CHECK_EQ_U64(o.error_code, 0x21);
	CHECK_EQ_U64(o.reason, ACCESS_PKEY);

	c.pkru = pkru_for(1, false, true);      /* WD binds CPL 0 only when CR0.WP = 1 */
	c.access = ACCESS_WRITE;
	CHECK(!run(&c).fault);
	c.cr0_wp = true;
	CHECK_EQ_U64(run(&c).error_code, 0x23);

	/* Supervisor-mode address (U/S = 0 in the PDE): no keys at all. */
	c.entry[PG_LEVEL_2M].user = false;
	c.pkru = pkru_for(1, true, true);
	CHECK(!run(&c).fault);
	c.user = true;                          /* and a user access to it is a plain U/S fault */
	CHECK_EQ_U64(run(&c).error_code, 0x7);
}

TEST(pk_bit_is_set_alongside_other_violations)
{
	struct access_case c = c4k();
	struct access_outcome o;

	/* User write to a read-only page whose key also has WD = 1. */
	c.cr4_pke = true;
	c.pkey = 7;
	c.pkru = pkru_for(7, false, true);
	c.entry[PG_LEVEL_4K].writable = false;
	c.user = true;
	c.access = ACCESS_WRITE;
	o = run(&c);
	CHECK_EQ_U64(o.error_code, 0x27);
	CHECK_EQ_U64(o.reason, ACCESS_READ_ONLY);

	/* SMAP fault on a page whose key has AD = 1: PK too. */
	c = c4k();
	c.cr4_pke = true;
	c.cr4_smap = true;
	c.pkey = 7;
	c.pkru = pkru_for(7, true, false);
	o = run(&c);
	CHECK_EQ_U64(o.error_code, 0x21);
	CHECK_EQ_U64(o.reason, ACCESS_SMAP);

	/* Not-present or reserved: no translation, no key, no PK. */
	c.entry[PG_LEVEL_4K].present = false;
	CHECK_EQ_U64(run(&c).error_code, 0x0);
	c.entry[PG_LEVEL_4K].present = true;
	c.rsvd = ACCESS_RSVD_MAXPHYADDR;
	c.rsvd_level = PG_LEVEL_4K;
	CHECK_EQ_U64(run(&c).error_code, 0x9);
}

/* ---- 4.8: accessed and dirty flags ---------------------------------------- */

TEST(accessed_and_dirty_on_success)
{
	struct access_case c = open_case(5, PG_LEVEL_4K);
	struct access_outcome o;

	o = run(&c);
	for (int l = 1; l <= 5; l++)
		CHECK_EQ_U64(o.accessed[l], AD_SET);
	CHECK_EQ_U64(o.dirty, AD_CLEAR);        /* a read leaves D alone */

	c.access = ACCESS_FETCH;
	CHECK_EQ_U64(run(&c).dirty, AD_CLEAR);

	c.access = ACCESS_WRITE;
	o = run(&c);
	CHECK_EQ_U64(o.dirty, AD_SET);

	/* D is sticky: a read keeps it. A 2 MiB leaf carries D itself. */
	c = open_case(4, PG_LEVEL_2M);
	c.entry[PG_LEVEL_2M].dirty = true;
	o = run(&c);
	CHECK_EQ_U64(o.dirty, AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_2M], AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_4K], AD_CLEAR);    /* not in the walk */
}

TEST(accessed_and_dirty_on_faults)
{
	struct access_case c = c4k();
	struct access_outcome o;

	/* Protection fault: A above the leaf set, the leaf's A model specific, no D. */
	c.entry[PG_LEVEL_4K].writable = false;
	c.access = ACCESS_WRITE;
	c.user = true;
	o = run(&c);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_512G], AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_1G], AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_2M], AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_4K], AD_UNDEFINED);
	CHECK_EQ_U64(o.dirty, AD_CLEAR);

	/* A that was already 1 stays 1. */
	c.entry[PG_LEVEL_4K].accessed = true;
	CHECK_EQ_U64(run(&c).accessed[PG_LEVEL_4K], AD_SET);
	c.entry[PG_LEVEL_4K].dirty = true;
	CHECK_EQ_U64(run(&c).dirty, AD_SET);

	/* Not present in the PDE: PML4E and PDPTE may or may not get A. */
	c = c4k();
	c.entry[PG_LEVEL_1G].accessed = true;
	c.entry[PG_LEVEL_2M].present = false;
	o = run(&c);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_512G], AD_UNDEFINED);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_1G], AD_SET);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_2M], AD_CLEAR);
	CHECK_EQ_U64(o.accessed[PG_LEVEL_4K], AD_CLEAR);
}

/* ---- Entry bits for the checker ------------------------------------------- */

TEST(entry_flags_carry_every_bit)
{
	struct access_case c = open_case(5, PG_LEVEL_2M);

	c.entry[PG_LEVEL_2M].nx = true;
	c.entry[PG_LEVEL_2M].dirty = true;
	c.entry[PG_LEVEL_2M].accessed = true;
	c.pkey = 5;
	c.rsvd = ACCESS_RSVD_LARGE_LOW;
	c.rsvd_level = PG_LEVEL_2M;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_2M),
		     0x8000000000000000ull | 5ull << 59 | 1ull << 13 | 0xe7);
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_1G), 0x7);
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_4K), 0);      /* below the leaf */

	c.entry[PG_LEVEL_1G].dirty = true;      /* D of a non-leaf entry is not written */
	c.entry[PG_LEVEL_1G].writable = false;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_1G), 0x5);

	c.rsvd = ACCESS_RSVD_PS_TOP;
	c.rsvd_level = PG_LEVEL_256T;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_256T), 0x87);

	c = c4k();
	c.pkey = 15;
	c.rsvd = ACCESS_RSVD_MAXPHYADDR;
	c.rsvd_level = PG_LEVEL_4K;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_4K), 0x7800400000000007ull);
	c.rsvd = ACCESS_RSVD_BIT51;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_4K), 0x7808000000000007ull);
	c.paging_levels = 6;
	CHECK_EQ_U64(access_case_entry_flags(&c, PG_LEVEL_4K), 0);
}

TEST(reason_names)
{
	CHECK_STR(access_fault_reason_name(ACCESS_OK), "ok");
	CHECK_STR(access_fault_reason_name(ACCESS_SMAP), "smap");
	CHECK_STR(access_fault_reason_name(ACCESS_PKEY), "pkey");
	CHECK_STR(access_fault_reason_name(ACCESS_REASON_NR), "?");
	for (unsigned r = 0; r < ACCESS_REASON_NR; r++)
		CHECK(access_fault_reason_name(r)[0] != '?');
}

/* ---- Enumeration ----------------------------------------------------------- */

/*
 * Counts by hand. With M = 46 both address kinds apply at every entry; PS_TOP
 * at each PML4E/PML5E; LARGE_LOW at a large leaf. Perturbations per shape =
 * 1 + reserved placements + 4 restrictions per entry above leaf and parent:
 *   4-level 4K: 1 + (8+1)   + 8  = 18     5-level 4K: 1 + (10+2)  + 12 = 25
 *   4-level 2M: 1 + (6+1+1) + 4  = 13     5-level 2M: 1 + (8+2+1) + 8  = 20
 *   4-level 1G: 1 + (4+1+1) + 0  = 7      5-level 1G: 1 + (6+2+1) + 4  = 14
 * 97 in all. Default: 2^8 flag combinations (4 flags x 2 entries), 16 WP/NXE/
 * SMEP/SMAP values x (PKE = 0: 1 + PKE = 1: 4 PKRU pairs) = 80, 6 accesses:
 * 97 * 256 * 80 * 6. Full: 2^11 (leaf 6 flags, parent 5), 32 controls x (1 +
 * 3 keys * 4 pairs) = 416: 97 * 2048 * 416 * 6; with PKE = 0 only: 97 * 2048
 * * 32 * 6.
 */
TEST(space_counts)
{
	struct access_space s;

	access_space_default(&s);
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 97ull * 256 * 80 * 6);
	CHECK_EQ_U64(97ull * 256 * 80 * 6, 11919360);

	access_space_full(&s);
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 97ull * 2048 * 416 * 6);
	CHECK_EQ_U64(97ull * 2048 * 416 * 6, 495845376);
	CHECK(97ull * 2048 * 416 * 6 >= 19169280);          /* kvm-unit-tests access, with PKU */

	s.varied_controls &= ~ACCESS_CTL_PKE;
	s.fixed_controls = 0;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 97ull * 2048 * 32 * 6);
	CHECK(97ull * 2048 * 32 * 6 >= 1916928);            /* and without */

	/* M = 52: the two address kinds disappear (6 shapes lose 2 per entry). */
	access_space_default(&s);
	s.maxphyaddr = 52;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), (97ull - 2 * (4 + 3 + 2 + 5 + 4 + 3)) * 256 * 80 * 6);

	s.maxphyaddr = 35;                                  /* refused */
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 0);
	access_space_default(&s);
	s.pkeys = 0;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 0);
}

struct collected {
	int n;
	struct access_case c[8];
	struct access_outcome o[8];
};

static void collect(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct collected *k = ctx;

	if (k->n < 8) {
		k->c[k->n] = *c;
		k->o[k->n] = *o;
	}
	k->n++;
}

TEST(tiny_space_enumerates_exactly)
{
	struct access_space s = {
		.paging_levels = 1u << 4, .leaf_levels = 1u << PG_LEVEL_4K,
		.varied_entries = 1, .entry_flags = ACCESS_EF_P,
		.accesses = 1u << ACCESS_WRITE, .modes = 1u << 1,
		.varied_controls = ACCESS_CTL_WP, .pkeys = 1, .pkru_rights = 1, .maxphyaddr = 46,
	};
	struct collected k = { 0 };

	CHECK_EQ_U64(access_model_enumerate(&s, collect, &k), 4);
	CHECK_EQ_U64(k.n, 4);
	/* Order: flag combinations outside, controls inside. */
	CHECK(!k.c[0].entry[1].present && !k.c[0].cr0_wp && k.c[0].user && k.c[0].access == ACCESS_WRITE);
	CHECK(!k.c[1].entry[1].present && k.c[1].cr0_wp);
	CHECK(k.c[2].entry[1].present && !k.c[2].cr0_wp);
	CHECK_EQ_U64(k.o[0].error_code, 0x6);
	CHECK(!k.o[2].fault && !k.o[3].fault);
	CHECK(k.c[2].entry[2].present && k.c[2].entry[4].user && !k.c[2].entry[3].accessed);

	/* PKE = 0 gets one PKRU with the key fully denied; PKE = 1 every pair. */
	s.varied_controls = ACCESS_CTL_PKE;
	s.entry_flags = 0;
	s.pkeys = 1u << 9 | 1u << 12;
	s.pkru_rights = 0xf;
	s.pkru_other_keys = 0x1;
	k.n = 0;
	CHECK_EQ_U64(access_model_enumerate(&s, collect, &k), 1 + 2 * 4);
	CHECK(!k.c[0].cr4_pke && k.c[0].pkey == 9 && k.c[0].pkru == (0x1u | 3u << 18));
	CHECK(!k.o[0].fault);
	CHECK(k.c[1].cr4_pke && k.c[1].pkey == 9 && k.c[1].pkru == 0x1);
	CHECK(k.c[3].pkru == (0x1u | 2u << 18));
	CHECK_EQ_U64(k.o[3].error_code, 0x27);
	CHECK(k.c[5].pkey == 12 && k.c[5].pkru == 0x1);

	/* varied_entries past the walk is clamped; 0 means 1. */
	s.entry_flags = ACCESS_EF_P;
	s.varied_controls = 0;
	s.pkeys = 1;
	s.varied_entries = 9;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 16);
	s.varied_entries = 0;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 2);
}

/* Invariants every case of the default space must satisfy. */
struct sweep {
	uint64_t cases, faults, bad;
	uint64_t by_reason[ACCESS_REASON_NR];
	uint64_t pk_faults, rsvd_faults, id_faults;
};

static bool user_mode_address(const struct access_case *c)
{
	for (int l = c->leaf_level; l <= c->paging_levels; l++)
		if (!c->entry[l].user)
			return false;
	return true;
}

static void check_case(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct sweep *s = ctx;
	uint32_t e = o->error_code;
	bool write = c->access == ACCESS_WRITE, fetch = c->access == ACCESS_FETCH;
	bool ok = access_case_valid(c);
	struct access_outcome again;

	s->cases++;
	if (o->reason < ACCESS_REASON_NR)
		s->by_reason[o->reason]++;

	if (!o->fault) {
		ok = ok && e == 0 && o->reason == ACCESS_OK && o->fault_level == 0;
		for (int l = c->leaf_level; l <= c->paging_levels; l++)
			ok = ok && o->accessed[l] == AD_SET;
		ok = ok && o->dirty == (write || c->entry[c->leaf_level].dirty ? AD_SET : AD_CLEAR);

		/* What CPL 3 may do, CPL 0 may do too when SMEP and SMAP are off. */
		if (c->user && !c->cr4_smep && !c->cr4_smap) {
			struct access_case sup = *c;

			sup.user = false;
			ok = ok && access_model(&sup, &again) == 0 && !again.fault;
		}
	} else {
		s->faults++;
		ok = ok && o->reason != ACCESS_OK;
		ok = ok && !!(e & X86_PF_USER) == c->user;                  /* U/S iff CPL 3 */
		ok = ok && !!(e & X86_PF_WRITE) == write;                   /* W/R iff a write */
		ok = ok && !!(e & X86_PF_INSTR) == (fetch && (c->efer_nxe || c->cr4_smep));
		ok = ok && (e & ~(uint32_t)0x3f) == 0;
		ok = ok && !((e & X86_PF_RSVD) && !(e & X86_PF_PROT));    /* RSVD only with P */
		ok = ok && !!(e & X86_PF_PROT) == (o->reason != ACCESS_NOT_PRESENT);
		ok = ok && !!(e & X86_PF_RSVD) == (o->reason == ACCESS_RESERVED);
		ok = ok && (o->fault_level != 0) ==
			(o->reason == ACCESS_NOT_PRESENT || o->reason == ACCESS_RESERVED);
		ok = ok && o->dirty == (c->entry[c->leaf_level].dirty ? AD_SET : AD_CLEAR);

		/* PK per the words of SDM 4.7, computed here on its own. */
		if (o->fault_level == 0) {
			uint32_t r = (c->pkru >> (2 * c->pkey)) & 3;
			bool pk = c->cr4_pke && !fetch && user_mode_address(c) &&
				  ((r & 1) || ((r & 2) && write && (c->cr0_wp || c->user)));

			ok = ok && !!(e & X86_PF_PK) == pk;
		} else {
			ok = ok && !(e & X86_PF_PK);
		}
		s->pk_faults += !!(e & X86_PF_PK);
		s->rsvd_faults += !!(e & X86_PF_RSVD);
		s->id_faults += !!(e & X86_PF_INSTR);

		/* Flipping AC changes nothing unless SMAP is on for a CPL-0 data access. */
		if (c->user || fetch || !c->cr4_smap) {
			struct access_case flipped = *c;

			flipped.rflags_ac = !c->rflags_ac;
			ok = ok && access_model(&flipped, &again) == 0 &&
			     again.fault && again.error_code == e;
		}
	}

	/* Sticky: an A that was 1 is never reported anything but set. */
	for (int l = c->leaf_level; l <= c->paging_levels; l++)
		if (c->entry[l].accessed)
			ok = ok && o->accessed[l] == AD_SET;

	/* The model is a function of the case: a second run agrees. */
	ok = ok && access_model(c, &again) == 0 && again.fault == o->fault &&
	     again.error_code == o->error_code;

	if (!ok && s->bad++ < 5)
		printf("  bad case: levels %d leaf %d access %d user %d err 0x%x reason %s\n",
		       c->paging_levels, c->leaf_level, c->access, c->user, (unsigned)e,
		       access_fault_reason_name(o->reason));
}

TEST(default_space_invariants)
{
	struct access_space s;
	struct sweep sw = { 0 };

	access_space_default(&s);
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 11919360);
	CHECK_EQ_U64(access_model_enumerate(&s, check_case, &sw), 11919360);
	CHECK_EQ_U64(sw.cases, 11919360);
	CHECK_EQ_U64(sw.bad, 0);
	/* Every reason occurs; each error-code bit occurs. */
	for (unsigned r = 0; r < ACCESS_REASON_NR; r++)
		CHECK(sw.by_reason[r] > 0);
	CHECK(sw.pk_faults > 0 && sw.rsvd_faults > 0 && sw.id_faults > 0);
	CHECK(sw.faults < sw.cases);
}

/*
 * A slice of the full space that keeps what the default one leaves out --
 * A and D set before the access, RFLAGS.AC = 1, keys 0 and 15 -- on one
 * shape (4-level, 2 MiB leaf), leaf varied. Perturbations: 1 + 8 reserved
 * placements + 4 restrictions in each of PDPTE and PML4E = 17; so
 * 17 * 2^6 * 32 * (1 + 2 * 4) * 6.
 */
TEST(full_space_slice_invariants)
{
	struct access_space s;
	struct sweep sw = { 0 };

	access_space_full(&s);
	s.paging_levels = 1u << 4;
	s.leaf_levels = 1u << PG_LEVEL_2M;
	s.varied_entries = 1;
	s.pkeys = 1u << 0 | 1u << 15;
	CHECK_EQ_U64(access_model_enumerate(&s, NULL, NULL), 17ull * 64 * 32 * 9 * 6);
	CHECK_EQ_U64(access_model_enumerate(&s, check_case, &sw), 17ull * 64 * 32 * 9 * 6);
	CHECK_EQ_U64(sw.bad, 0);
	for (unsigned r = 0; r < ACCESS_REASON_NR; r++)
		CHECK(sw.by_reason[r] > 0);
}

UNIT_MAIN(
	UNIT(user_read_of_supervisor_page_faults_p_u),
	UNIT(user_access_to_user_page_succeeds),
	UNIT(supervisor_write_to_read_only_user_page_depends_on_wp),
	UNIT(user_write_to_read_only_page_faults_whatever_wp),
	UNIT(smep_supervisor_fetch_from_user_page),
	UNIT(smap_supervisor_data_access_to_user_page),
	UNIT(nx_fetch_with_nxe_faults_with_id),
	UNIT(nx_bit_with_nxe_clear_is_reserved),
	UNIT(id_bit_follows_the_access_not_the_entries),
	UNIT(not_present_at_each_level),
	UNIT(reserved_bit_at_each_level),
	UNIT(walk_order_decides_not_present_versus_reserved),
	UNIT(invalid_cases_are_refused),
	UNIT(pkey_user_write_with_wd_faults_pk),
	UNIT(pkey_applies_to_supervisor_accesses_of_user_pages),
	UNIT(pk_bit_is_set_alongside_other_violations),
	UNIT(accessed_and_dirty_on_success),
	UNIT(accessed_and_dirty_on_faults),
	UNIT(entry_flags_carry_every_bit),
	UNIT(reason_names),
	UNIT(space_counts),
	UNIT(tiny_space_enumerates_exactly),
	UNIT(default_space_invariants),
	UNIT(full_space_slice_invariants),
)
