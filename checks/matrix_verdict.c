/*
 * The verdict on one matrix case (checks/matrix_verdict.h): the comparison
 * with the model and the words for the mismatch records.
 */
#include "checks/matrix_verdict.h"
#include "base/format.h"

/* See checks/matrix_verdict.h. */
const char *matrix_level_name(int level)
{
	static const char *const names[] = { "?", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };

	return level >= PG_LEVEL_4K && level <= PG_LEVEL_256T ? names[level] : "?";
}

/* True if flag in entry matches the model's state (AD_UNDEFINED matches both). */
static bool ad_matches(uint8_t state, uint64_t entry, uint64_t flag)
{
	bool set = (entry & flag) != 0;

	if (state == AD_SET)
		return set;
	if (state == AD_CLEAR)
		return !set;
	return true;
}

/* See checks/matrix_verdict.h. */
unsigned matrix_compare(const struct access_case *c, const struct access_outcome *o, uint64_t va,
			const struct matrix_observed *obs, int *a_level)
{
	unsigned diff = 0;

	*a_level = 0;
	if (o->fault) {
		if (obs->vector != MATRIX_VECTOR_PF || obs->cr2 != va)
			diff |= MATRIX_DIFF_FAULT;
		else if (obs->error_code != o->error_code)
			diff |= MATRIX_DIFF_ERROR_CODE;
	} else if (obs->vector != MATRIX_NO_EXCEPTION) {
		diff |= MATRIX_DIFF_FAULT;
	}
	for (int l = c->leaf_level; l <= c->paging_levels; l++) {
		if (!ad_matches(o->accessed[l], obs->entry[l], _PAGE_ACCESSED)) {
			diff |= MATRIX_DIFF_ACCESSED;
			if (!*a_level)
				*a_level = l;
		}
	}
	if (!ad_matches(o->dirty, obs->entry[c->leaf_level], _PAGE_DIRTY))
		diff |= MATRIX_DIFF_DIRTY;
	return diff;
}

/* See checks/matrix_verdict.h. */
unsigned matrix_classify(const struct access_case *c, const struct access_outcome *o,
			 const struct matrix_observed *obs, unsigned diff)
{
	unsigned kinds = 0;

	if ((diff & MATRIX_DIFF_ERROR_CODE) && o->reason == ACCESS_RESERVED &&
	    obs->error_code == (o->error_code & ~X86_PF_PROT)) {
		kinds |= 1u << MISMATCH_RSVD_WITHOUT_P;
		diff &= ~MATRIX_DIFF_ERROR_CODE;
	}
	if ((diff & MATRIX_DIFF_ACCESSED) && o->fault && o->fault_level) {
		bool only_ending = true;

		for (int l = c->leaf_level; l <= c->paging_levels; l++) {
			if (ad_matches(o->accessed[l], obs->entry[l], _PAGE_ACCESSED))
				continue;
			if (l != o->fault_level || !(obs->entry[l] & _PAGE_ACCESSED))
				only_ending = false;
		}
		if (only_ending) {
			kinds |= 1u << MISMATCH_A_ON_ENDING_ENTRY;
			diff &= ~MATRIX_DIFF_ACCESSED;
		}
	}
	if (diff)
		kinds |= 1u << MISMATCH_OTHER;
	return kinds;
}

/* See checks/matrix_verdict.h. */
const char *matrix_mismatch_kind_name(unsigned kind)
{
	static const char *const names[MISMATCH_KIND_NR] = {
		[MISMATCH_RSVD_WITHOUT_P]    = "rsvd-without-P",
		[MISMATCH_A_ON_ENDING_ENTRY] = "A-on-ending-entry",
		[MISMATCH_OTHER]             = "other",
	};

	return kind < MISMATCH_KIND_NR ? names[kind] : "?";
}

/* Appends to buf at *len (format()-style, never past size). */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

/* See checks/matrix_verdict.h. */
size_t matrix_describe_case(const struct access_case *c, char *buf, size_t size)
{
	static const char *const kinds[] = { "read", "write", "fetch" };
	static const char *const leaves[] = { "?", "4K", "2M", "1G" };
	size_t len = 0;

	if (size)
		buf[0] = 0;
	append(buf, size, &len, "%u-level, %s leaf, CPL%d %s;", c->paging_levels,
	       leaves[c->leaf_level <= 3 ? c->leaf_level : 0], c->user ? 3 : 0,
	       c->access < ACCESS_KIND_NR ? kinds[c->access] : "?");
	for (int l = c->paging_levels; l >= c->leaf_level && l >= PG_LEVEL_4K; l--) {
		const struct access_entry *e = &c->entry[l];

		append(buf, size, &len, " %s", matrix_level_name(l));
		if (!e->present)
			append(buf, size, &len, " not-present");
		else
			append(buf, size, &len, " P");
		if (e->writable)
			append(buf, size, &len, " RW");
		if (e->user)
			append(buf, size, &len, " US");
		if (e->nx)
			append(buf, size, &len, " XD");
		if (e->accessed)
			append(buf, size, &len, " A");
		if (l == c->leaf_level && e->dirty)
			append(buf, size, &len, " D");
		if (l == c->leaf_level)
			append(buf, size, &len, " key %u", c->pkey);
		append(buf, size, &len, l > c->leaf_level ? "," : ";");
	}
	if (c->rsvd != ACCESS_RSVD_NONE) {
		static const char *const rsvd[] = { "", "bit MAXPHYADDR", "bit 51", "PS", "bit 13" };

		append(buf, size, &len, " reserved %s set in %s;",
		       c->rsvd < ACCESS_RSVD_NR ? rsvd[c->rsvd] : "?", matrix_level_name(c->rsvd_level));
	}
	append(buf, size, &len, " WP=%d NXE=%d SMEP=%d SMAP=%d AC=%d PKE=%d PKRU=0x%x",
	       c->cr0_wp, c->efer_nxe, c->cr4_smep, c->cr4_smap, c->rflags_ac, c->cr4_pke, c->pkru);
	return len;
}

/* See checks/matrix_verdict.h. */
size_t matrix_describe_error_code(uint64_t ec, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	append(buf, size, &len, "0x%llx (%s", ec, (ec & X86_PF_PROT) ? "P" : "not present");
	if (ec & X86_PF_WRITE)
		append(buf, size, &len, ", W");
	if (ec & X86_PF_USER)
		append(buf, size, &len, ", U");
	if (ec & X86_PF_RSVD)
		append(buf, size, &len, ", RSVD");
	if (ec & X86_PF_INSTR)
		append(buf, size, &len, ", I/D");
	if (ec & X86_PF_PK)
		append(buf, size, &len, ", PK");
	if (ec & ~(X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_RSVD | X86_PF_INSTR | X86_PF_PK))
		append(buf, size, &len, ", other bits 0x%llx",
		       ec & ~(X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_RSVD | X86_PF_INSTR | X86_PF_PK));
	append(buf, size, &len, ")");
	return len;
}

/* See checks/matrix_verdict.h. */
size_t matrix_describe_observed(const struct matrix_observed *obs, uint64_t va, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	if (obs->vector == MATRIX_NO_EXCEPTION) {
		append(buf, size, &len, "no fault");
		return len;
	}
	if (obs->vector != MATRIX_VECTOR_PF) {
		append(buf, size, &len, "vector %llu error code 0x%llx", obs->vector, obs->error_code);
		return len;
	}
	append(buf, size, &len, "#PF ");
	len += matrix_describe_error_code(obs->error_code, len < size ? buf + len : NULL,
					  len < size ? size - len : 0);
	if (obs->cr2 != va)
		append(buf, size, &len, " at CR2 0x%llx, not the case address 0x%llx", obs->cr2, va);
	return len;
}

/* See checks/matrix_verdict.h. */
size_t matrix_describe_expected(const struct access_outcome *o, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	if (!o->fault) {
		append(buf, size, &len, "no fault");
		return len;
	}
	append(buf, size, &len, "#PF ");
	len += matrix_describe_error_code(o->error_code, len < size ? buf + len : NULL,
					  len < size ? size - len : 0);
	append(buf, size, &len, " [%s]", access_fault_reason_name(o->reason));
	return len;
}
