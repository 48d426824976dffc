/*
 * The reference model of one paging access (see checks/access_model.h), and
 * the enumerator over a space of cases.
 *
 * The model runs in the order the hardware does:
 *
 *   1. The walk, top entry first. The first entry with P = 0 ends it with a
 *      not-present fault (error code P = 0); otherwise the first entry with a
 *      reserved bit set ends it with P = 1, RSVD = 1 (SDM 4.7: reserved bits
 *      are not checked in an entry whose P is 0). An XD bit while
 *      EFER.NXE = 0 is a reserved bit (SDM tables 4-14..4-20).
 *   2. The access rights of the whole translation (SDM 4.6.1): an address is
 *      a user-mode address if U/S = 1 in every entry, writable if R/W = 1 in
 *      every entry, executable (with NXE) if XD = 0 in every entry.
 *   3. The protection key (SDM 4.6.2), for data accesses to user-mode
 *      addresses with CR4.PKE = 1, whatever the CPL: AD denies reads and
 *      writes; WD denies writes from CPL 3, and from CPL 0 when CR0.WP = 1.
 *      The PK error bit reports this check alone, so it is set also when
 *      step 2 has failed too.
 *
 * The error code (SDM 4.7): W/R is the access being a write, U/S the CPL
 * being 3, I/D the access being a fetch with SMEP = 1 or NXE = 1 -- all
 * three describe the access, not the entries, so they are the same for every
 * kind of fault.
 *
 * Accessed and dirty flags afterwards (SDM 4.8, 6.15 footnote; APM 5.4.1):
 *   - success: A is set in every entry of the walk; D in the leaf on a write.
 *   - access-rights or protection-key fault: A is set in every entry above
 *     the leaf (6.15: "the access flag in the page-directory entry is set");
 *     the leaf's A is model specific (undefined); D is not set, no write
 *     happened.
 *   - not-present or reserved-bit fault at level L: the entries above L were
 *     read but no translation exists; whether their A is set is not
 *     architectural (undefined). The entry at L and those below it are not
 *     used for a translation and stay as they were.
 *   - A and D are sticky: an entry that had A = 1 (or D = 1) still has it.
 */
#include "checks/access_model.h"

/* ---- The model ---------------------------------------------------------- */

/* True if reserved-bit kind `kind` is reserved in the entry at `level` of c's walk. */
static bool rsvd_kind_applies(const struct access_case *c, unsigned kind, int level)
{
	switch (kind) {
	case ACCESS_RSVD_MAXPHYADDR:
	case ACCESS_RSVD_BIT51:
		return c->maxphyaddr < 52;
	case ACCESS_RSVD_PS_TOP:
		return level >= PG_LEVEL_512G;
	case ACCESS_RSVD_LARGE_LOW:
		return level == c->leaf_level && level >= PG_LEVEL_2M;
	default:
		return false;
	}
}

bool access_case_valid(const struct access_case *c)
{
	if (c->paging_levels != 4 && c->paging_levels != 5)
		return false;
	if (c->leaf_level < PG_LEVEL_4K || c->leaf_level > PG_LEVEL_1G)
		return false;
	if (c->maxphyaddr < 36 || c->maxphyaddr > 52)
		return false;
	if (c->access >= ACCESS_KIND_NR || c->pkey > 15)
		return false;
	if (c->rsvd >= ACCESS_RSVD_NR)
		return false;
	if (c->rsvd != ACCESS_RSVD_NONE) {
		if (c->rsvd_level < c->leaf_level || c->rsvd_level > c->paging_levels)
			return false;
		if (!rsvd_kind_applies(c, c->rsvd, c->rsvd_level))
			return false;
	}
	return true;
}

/* True if the entry at `level` has a reserved bit set (checked only once it is present). */
static bool entry_has_reserved_bit(const struct access_case *c, int level)
{
	if (c->entry[level].nx && !c->efer_nxe)
		return true;
	return c->rsvd != ACCESS_RSVD_NONE && c->rsvd_level == level;
}

/* The error-code bits that describe the access itself (SDM 4.7 W/R, U/S, I/D). */
static uint32_t access_error_bits(const struct access_case *c)
{
	uint32_t err = 0;

	if (c->access == ACCESS_WRITE)
		err |= X86_PF_WRITE;
	if (c->user)
		err |= X86_PF_USER;
	if (c->access == ACCESS_FETCH && (c->cr4_smep || c->efer_nxe))
		err |= X86_PF_INSTR;
	return err;
}

/*
 * The access-rights check of SDM 4.6.1 on the combined rights of the walk.
 * Returns ACCESS_OK or the first rule the access breaks.
 */
static enum access_fault_reason check_access_rights(const struct access_case *c,
						    bool user_addr, bool writable, bool xd)
{
	bool write = c->access == ACCESS_WRITE;
	bool fetch = c->access == ACCESS_FETCH;

	if (c->user) {
		if (!user_addr)
			return ACCESS_USER_SUPERVISOR;
		if (write && !writable)
			return ACCESS_READ_ONLY;
		if (fetch && c->efer_nxe && xd)
			return ACCESS_NO_EXECUTE;
		return ACCESS_OK;
	}

	if (fetch) {
		if (user_addr && c->cr4_smep)
			return ACCESS_SMEP;
		if (c->efer_nxe && xd)
			return ACCESS_NO_EXECUTE;
		return ACCESS_OK;
	}

	/* Supervisor data access. */
	if (user_addr && c->cr4_smap && !c->rflags_ac)
		return ACCESS_SMAP;
	if (write && c->cr0_wp && !writable)
		return ACCESS_READ_ONLY;
	return ACCESS_OK;
}

/* True if PKRU denies the access to a user-mode address (SDM 4.6.2). */
static bool pkey_denies(const struct access_case *c, bool user_addr)
{
	uint32_t rights;

	if (!c->cr4_pke || !user_addr || c->access == ACCESS_FETCH)
		return false;
	rights = (c->pkru >> (2 * c->pkey)) & 3;
	if (rights & 1)                                     /* AD */
		return true;
	return (rights & 2) && c->access == ACCESS_WRITE &&  /* WD */
	       (c->user || c->cr0_wp);
}

/* Marks A of the entries above `level` (up to the top) undefined where it was clear. */
static void accessed_undefined_above(const struct access_case *c, struct access_outcome *o, int level)
{
	for (int l = level + 1; l <= c->paging_levels; l++)
		if (o->accessed[l] == AD_CLEAR)
			o->accessed[l] = AD_UNDEFINED;
}

int access_model(const struct access_case *c, struct access_outcome *o)
{
	bool user_addr = true, writable = true, xd = false, pk;
	enum access_fault_reason reason;
	int level;

	*o = (struct access_outcome){ 0 };
	if (!access_case_valid(c))
		return -1;

	for (level = c->paging_levels; level >= c->leaf_level; level--)
		o->accessed[level] = c->entry[level].accessed ? AD_SET : AD_CLEAR;
	o->dirty = c->entry[c->leaf_level].dirty ? AD_SET : AD_CLEAR;

	/* 1. The walk. */
	for (level = c->paging_levels; level >= c->leaf_level; level--) {
		const struct access_entry *e = &c->entry[level];

		if (!e->present || entry_has_reserved_bit(c, level)) {
			o->fault = true;
			o->fault_level = (uint8_t)level;
			o->error_code = access_error_bits(c);
			if (e->present) {
				o->error_code |= X86_PF_PROT | X86_PF_RSVD;
				o->reason = ACCESS_RESERVED;
			} else {
				o->reason = ACCESS_NOT_PRESENT;
			}
			accessed_undefined_above(c, o, level);
			return 0;
		}
		user_addr = user_addr && e->user;
		writable = writable && e->writable;
		xd = xd || e->nx;
	}

	/* 2. and 3. The access rights of the translation, the protection key. */
	reason = check_access_rights(c, user_addr, writable, xd);
	pk = pkey_denies(c, user_addr);
	if (reason == ACCESS_OK && pk)
		reason = ACCESS_PKEY;

	if (reason != ACCESS_OK) {
		o->fault = true;
		o->reason = (uint8_t)reason;
		o->error_code = access_error_bits(c) | X86_PF_PROT | (pk ? X86_PF_PK : 0);
		for (level = c->paging_levels; level > c->leaf_level; level--)
			o->accessed[level] = AD_SET;
		if (o->accessed[c->leaf_level] == AD_CLEAR)
			o->accessed[c->leaf_level] = AD_UNDEFINED;
		return 0;
	}

	for (level = c->paging_levels; level >= c->leaf_level; level--)
		o->accessed[level] = AD_SET;
	if (c->access == ACCESS_WRITE)
		o->dirty = AD_SET;
	return 0;
}

uint64_t access_case_entry_flags(const struct access_case *c, int level)
{
	const struct access_entry *e;
	uint64_t v = 0;
	bool leaf = level == c->leaf_level;

	if (!access_case_valid(c) || level < c->leaf_level || level > c->paging_levels)
		return 0;
	e = &c->entry[level];
	if (e->present)
		v |= _PAGE_PRESENT;
	if (e->writable)
		v |= _PAGE_RW;
	if (e->user)
		v |= _PAGE_USER;
	if (e->accessed)
		v |= _PAGE_ACCESSED;
	if (e->nx)
		v |= _PAGE_NX;
	if (leaf) {
		if (e->dirty)
			v |= _PAGE_DIRTY;
		if (level >= PG_LEVEL_2M)
			v |= _PAGE_PSE;
		v |= ((uint64_t)c->pkey << _PAGE_BIT_PKEY_BIT0) & _PAGE_PKEY_MASK;
	}
	if (c->rsvd != ACCESS_RSVD_NONE && c->rsvd_level == level) {
		switch (c->rsvd) {
		case ACCESS_RSVD_MAXPHYADDR:
			v |= (uint64_t)1 << c->maxphyaddr;
			break;
		case ACCESS_RSVD_BIT51:
			v |= (uint64_t)1 << 51;
			break;
		case ACCESS_RSVD_PS_TOP:
			v |= _PAGE_PSE;
			break;
		case ACCESS_RSVD_LARGE_LOW:
			v |= (uint64_t)1 << 13;
			break;
		default:
			break;
		}
	}
	return v;
}

const char *access_fault_reason_name(unsigned reason)
{
	static const char *const names[ACCESS_REASON_NR] = {
		[ACCESS_OK]              = "ok",
		[ACCESS_NOT_PRESENT]     = "not-present",
		[ACCESS_RESERVED]        = "reserved-bit",
		[ACCESS_USER_SUPERVISOR] = "user-supervisor",
		[ACCESS_READ_ONLY]       = "read-only",
		[ACCESS_NO_EXECUTE]      = "no-execute",
		[ACCESS_SMEP]            = "smep",
		[ACCESS_SMAP]            = "smap",
		[ACCESS_PKEY]            = "pkey",
	};

	return reason < ACCESS_REASON_NR ? names[reason] : "?";
}

/* ---- Spaces ------------------------------------------------------------- */

void access_space_default(struct access_space *s)
{
	*s = (struct access_space){
		.paging_levels = 1u << 4 | 1u << 5,
		.leaf_levels = 1u << PG_LEVEL_4K | 1u << PG_LEVEL_2M | 1u << PG_LEVEL_1G,
		.varied_entries = 2,
		.entry_flags = ACCESS_EF_P | ACCESS_EF_RW | ACCESS_EF_US | ACCESS_EF_NX,
		.upper_restrictions = true,
		.reserved_kinds = 1u << ACCESS_RSVD_MAXPHYADDR | 1u << ACCESS_RSVD_BIT51 |
				  1u << ACCESS_RSVD_PS_TOP | 1u << ACCESS_RSVD_LARGE_LOW,
		.accesses = 1u << ACCESS_READ | 1u << ACCESS_WRITE | 1u << ACCESS_FETCH,
		.modes = 1u << 0 | 1u << 1,
		.varied_controls = ACCESS_CTL_WP | ACCESS_CTL_NXE | ACCESS_CTL_SMEP |
				   ACCESS_CTL_SMAP | ACCESS_CTL_PKE,
		.fixed_controls = 0,
		.pkeys = 1u << 1,
		.pkru_rights = 0xf,
		.pkru_other_keys = 0,
		.maxphyaddr = 46,
	};
}

void access_space_full(struct access_space *s)
{
	access_space_default(s);
	s->entry_flags = ACCESS_EF_ALL;
	s->varied_controls = ACCESS_CTL_ALL;
	s->pkeys = 1u << 0 | 1u << 1 | 1u << 15;
}

/* ---- Enumeration -------------------------------------------------------- */

/* One perturbation of a case: a reserved bit, or one restriction above the varied entries. */
struct perturbation {
	uint8_t rsvd;                   /* enum access_rsvd, NONE for a restriction */
	uint8_t level;                  /* 0: none at all */
	uint8_t restrict_flag;          /* ACCESS_EF_P/RW/US/NX cleared (P, RW, US) or set (NX) */
};

#define MAX_PERTURBATIONS (1 + ACCESS_RSVD_NR * PG_LEVEL_256T + 4 * PG_LEVEL_256T)

/* Fills p[] with the perturbations of *space for the walk shape of c. Returns how many. */
static int list_perturbations(const struct access_space *space, const struct access_case *c,
			      int lowest_fixed, struct perturbation *p)
{
	static const uint8_t restrictions[] = { ACCESS_EF_P, ACCESS_EF_RW, ACCESS_EF_US, ACCESS_EF_NX };
	int n = 0;

	p[n++] = (struct perturbation){ 0 };
	for (unsigned kind = ACCESS_RSVD_NONE + 1; kind < ACCESS_RSVD_NR; kind++) {
		if (!(space->reserved_kinds & (1u << kind)))
			continue;
		for (int level = c->paging_levels; level >= c->leaf_level; level--)
			if (rsvd_kind_applies(c, kind, level))
				p[n++] = (struct perturbation){ .rsvd = (uint8_t)kind, .level = (uint8_t)level };
	}
	if (space->upper_restrictions)
		for (int level = c->paging_levels; level >= lowest_fixed; level--)
			for (unsigned i = 0; i < sizeof(restrictions); i++)
				p[n++] = (struct perturbation){ .level = (uint8_t)level,
								.restrict_flag = restrictions[i] };
	return n;
}

/* The open entry: present, writable, user, executable, A and D clear. */
static struct access_entry open_entry(void)
{
	return (struct access_entry){ .present = true, .writable = true, .user = true };
}

/* Number of flag bits varied in an entry; the leaf may vary D too. */
static int varied_bits(uint8_t entry_flags, bool leaf)
{
	int n = 0;

	for (unsigned f = ACCESS_EF_P; f <= ACCESS_EF_D; f <<= 1)
		if ((entry_flags & f) && (f != ACCESS_EF_D || leaf))
			n++;
	return n;
}

/* Sets the varied flags of entry e from the low bits of *bits, consuming them. */
static void apply_varied_flags(struct access_entry *e, uint8_t entry_flags, bool leaf, uint32_t *bits)
{
	for (unsigned f = ACCESS_EF_P; f <= ACCESS_EF_D; f <<= 1) {
		bool v;

		if (!(entry_flags & f) || (f == ACCESS_EF_D && !leaf))
			continue;
		v = *bits & 1;
		*bits >>= 1;
		switch (f) {
		case ACCESS_EF_P:  e->present = v; break;
		case ACCESS_EF_RW: e->writable = v; break;
		case ACCESS_EF_US: e->user = v; break;
		case ACCESS_EF_NX: e->nx = v; break;
		case ACCESS_EF_A:  e->accessed = v; break;
		default:           e->dirty = v; break;
		}
	}
}

/* The enumeration's state: the space, the callback, the running count. */
struct enumeration {
	const struct access_space *space;
	void (*fn)(void *ctx, const struct access_case *c, const struct access_outcome *o);
	void *ctx;
	uint64_t count;
	uint64_t next, step;            /* the next index fn is called for, and the step to the one after */
};

/* Runs the model on c for every access kind and mode of the space. */
static void emit_accesses(struct enumeration *en, struct access_case *c)
{
	struct access_outcome o;

	for (unsigned kind = 0; kind < ACCESS_KIND_NR; kind++) {
		if (!(en->space->accesses & (1u << kind)))
			continue;
		for (unsigned mode = 0; mode < 2; mode++) {
			if (!(en->space->modes & (1u << mode)))
				continue;
			c->access = (uint8_t)kind;
			c->user = mode == 1;
			if (en->fn && en->count == en->next) {
				access_model(c, &o);
				en->fn(en->ctx, c, &o);
				en->next += en->step;
			}
			en->count++;
		}
	}
}

/* Sets c's controls from ACCESS_CTL_* bits and emits every key and PKRU choice. */
static void emit_controls(struct enumeration *en, struct access_case *c, unsigned ctl)
{
	const struct access_space *s = en->space;
	int first_key = 0;

	c->cr0_wp = ctl & ACCESS_CTL_WP;
	c->efer_nxe = ctl & ACCESS_CTL_NXE;
	c->cr4_smep = ctl & ACCESS_CTL_SMEP;
	c->cr4_smap = ctl & ACCESS_CTL_SMAP;
	c->rflags_ac = ctl & ACCESS_CTL_AC;
	c->cr4_pke = ctl & ACCESS_CTL_PKE;

	if (!s->pkeys)
		return;
	while (!(s->pkeys & (1u << first_key)))
		first_key++;

	if (!c->cr4_pke) {
		c->pkey = (uint8_t)first_key;
		c->pkru = s->pkru_other_keys | (uint32_t)3 << (2 * first_key);
		emit_accesses(en, c);
		return;
	}
	for (int key = first_key; key < 16; key++) {
		if (!(s->pkeys & (1u << key)))
			continue;
		for (uint32_t rights = 0; rights < 4; rights++) {
			if (!(s->pkru_rights & (1u << rights)))
				continue;
			c->pkey = (uint8_t)key;
			c->pkru = (s->pkru_other_keys & ~((uint32_t)3 << (2 * key))) | rights << (2 * key);
			emit_accesses(en, c);
		}
	}
}

/* Emits c under every combination of the varied controls. */
static void emit_all_controls(struct enumeration *en, struct access_case *c)
{
	unsigned varied = en->space->varied_controls & ACCESS_CTL_ALL;
	unsigned fixed = en->space->fixed_controls & ~varied & ACCESS_CTL_ALL;
	unsigned sub = 0;

	do {
		emit_controls(en, c, fixed | sub);
		sub = (sub - varied) & varied;          /* next subset of varied */
	} while (sub != 0);
}

/* Number of cases emit_all_controls() makes for one set of entries. */
static uint64_t cases_per_entries(const struct access_space *s)
{
	unsigned varied = s->varied_controls & ACCESS_CTL_ALL;
	uint64_t keys = 0, rights = 0, accesses = 0, modes = 0, controls = 0;

	for (unsigned i = 0; i < 16; i++)
		keys += (s->pkeys >> i) & 1;
	for (unsigned i = 0; i < 4; i++)
		rights += (s->pkru_rights >> i) & 1;
	for (unsigned i = 0; i < ACCESS_KIND_NR; i++)
		accesses += (s->accesses >> i) & 1;
	for (unsigned i = 0; i < 2; i++)
		modes += (s->modes >> i) & 1;
	if (keys == 0)
		return 0;
	for (unsigned ctl = 0; ctl <= ACCESS_CTL_ALL; ctl++) {
		if ((ctl & ~varied) != (s->fixed_controls & ~varied & ACCESS_CTL_ALL))
			continue;
		controls += (ctl & ACCESS_CTL_PKE) ? keys * rights : 1;
	}
	return controls * accesses * modes;
}

/* Emits every case of one walk shape (paging levels, leaf level); only counts them without a callback. */
static void emit_shape(struct enumeration *en, int levels, int leaf)
{
	const struct access_space *s = en->space;
	struct perturbation pert[MAX_PERTURBATIONS];
	struct access_case c = { 0 };
	int walk_len = levels - leaf + 1;
	int varied = s->varied_entries < 1 ? 1 : s->varied_entries;
	int lowest_fixed, nbits = 0, npert;
	uint64_t per_entries;

	if (varied > walk_len)
		varied = walk_len;
	lowest_fixed = leaf + varied;           /* lowest entry that is not varied */
	c.paging_levels = (uint8_t)levels;
	c.leaf_level = (uint8_t)leaf;
	c.maxphyaddr = s->maxphyaddr;
	for (int l = leaf; l < lowest_fixed; l++)
		nbits += varied_bits(s->entry_flags, l == leaf);
	npert = list_perturbations(s, &c, lowest_fixed, pert);
	per_entries = cases_per_entries(s);
	if (!en->fn || en->next >= en->count + ((uint64_t)npert << nbits) * per_entries) {
		en->count += ((uint64_t)npert << nbits) * per_entries;
		return;
	}

	for (int i = 0; i < npert; i++) {
		for (uint32_t combo = 0; combo < (uint32_t)1 << nbits; combo++) {
			uint32_t bits = combo;

			if (en->next >= en->count + per_entries) {     /* none of these is asked for */
				en->count += per_entries;
				continue;
			}

			for (int l = leaf; l <= levels; l++)
				c.entry[l] = open_entry();
			for (int l = leaf; l < lowest_fixed; l++)
				apply_varied_flags(&c.entry[l], s->entry_flags, l == leaf, &bits);

			c.rsvd = pert[i].rsvd;
			c.rsvd_level = pert[i].rsvd ? pert[i].level : 0;
			if (pert[i].restrict_flag) {
				struct access_entry *e = &c.entry[pert[i].level];

				switch (pert[i].restrict_flag) {
				case ACCESS_EF_P:  e->present = false; break;
				case ACCESS_EF_RW: e->writable = false; break;
				case ACCESS_EF_US: e->user = false; break;
				default:           e->nx = true; break;
				}
			}
			emit_all_controls(en, &c);
		}
	}
}

uint64_t access_model_enumerate(const struct access_space *space,
				void (*fn)(void *ctx, const struct access_case *c,
					   const struct access_outcome *o),
				void *ctx)
{
	return access_model_enumerate_every(space, 0, 1, fn, ctx);
}

uint64_t access_model_enumerate_every(const struct access_space *space, uint64_t first, uint64_t step,
				      void (*fn)(void *ctx, const struct access_case *c,
						 const struct access_outcome *o),
				      void *ctx)
{
	struct enumeration en = { .space = space, .fn = fn, .ctx = ctx, .next = first, .step = step ? step : 1 };

	if (space->maxphyaddr < 36 || space->maxphyaddr > 52)
		return 0;
	for (int levels = 4; levels <= 5; levels++) {
		if (!(space->paging_levels & (1u << levels)))
			continue;
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
			if (space->leaf_levels & (1u << leaf))
				emit_shape(&en, levels, leaf);
	}
	return en.count;
}
