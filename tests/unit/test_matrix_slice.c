/*
 * Host tests of the parallel matrix's split (checks/matrix_slice.h) and of
 * the enumerator's selection it relies on (access_model_enumerate_every,
 * checks/access_model.c): for any number of CPUs -- more than there are
 * cases too -- the slices are disjoint and cover exactly the serial run's
 * cases, and the enumerator hands each slice exactly those cases.
 */
#include "../../checks/access_model.c"
#include "../../checks/matrix_slice.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* Every sampled index (0, stride, 2 stride, ... < total) in exactly one slice, nothing else in any. */
static int split_is_exact(uint64_t total, uint64_t stride, uint32_t count)
{
	uint8_t *hits = calloc(total ? total : 1, 1);
	uint64_t sum = 0;
	int ok = 1;

	for (uint32_t i = 0; i < count; i++) {
		struct matrix_slice s = matrix_slice_of(stride, count, i);
		uint64_t n = 0;

		for (uint64_t j = s.first; j < total; j += s.step) {
			hits[j]++;
			n++;
		}
		ok &= n == matrix_slice_cases(s, total);
		sum += n;
	}
	for (uint64_t j = 0; j < total; j++)
		ok &= hits[j] == (j % stride == 0);
	ok &= sum == (total + stride - 1) / stride;
	free(hits);
	return ok;
}

TEST(slices_are_disjoint_and_cover)
{
	int bad = 0;

	for (uint64_t total = 0; total <= 130; total++)
		for (uint64_t stride = 1; stride <= 7; stride++)
			for (uint32_t count = 1; count <= 70; count++)
				bad += !split_is_exact(total, stride, count);
	CHECK_EQ_U64(bad, 0);
	/* More CPUs than cases: the extra slices are empty. */
	CHECK_EQ_U64(matrix_slice_cases(matrix_slice_of(1, 64, 5), 3), 0);
	CHECK_EQ_U64(matrix_slice_cases(matrix_slice_of(1, 64, 2), 3), 1);
	CHECK_EQ_U64(matrix_slice_cases(matrix_slice_of(3, 2, 0), 0), 0);
	/* The numbers of a real run: 1 in 20011 of 6,094,848 cases on 4 CPUs. */
	uint64_t sum = 0;
	for (uint32_t i = 0; i < 4; i++)
		sum += matrix_slice_cases(matrix_slice_of(20011, 4, i), 6094848);
	CHECK_EQ_U64(sum, (6094848 + 20010) / 20011);
}

/* A case as one number (every field the enumerator sets). */
static uint64_t case_hash(const struct access_case *c)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	MIX(c->paging_levels); MIX(c->leaf_level); MIX(c->maxphyaddr);
	for (int l = 0; l <= PG_LEVEL_256T; l++) {
		const struct access_entry *e = &c->entry[l];
		MIX(e->present | e->writable << 1 | e->user << 2 | e->nx << 3 | e->accessed << 4 | e->dirty << 5);
	}
	MIX(c->rsvd); MIX(c->rsvd_level); MIX(c->pkey); MIX(c->pkru); MIX(c->access); MIX(c->user);
	MIX(c->cr0_wp | c->efer_nxe << 1 | c->cr4_smep << 2 | c->cr4_smap << 3 | c->rflags_ac << 4 | c->cr4_pke << 5);
#undef MIX
	return h;
}

struct hashes {
	uint64_t *h;
	uint64_t n, cap;
	uint64_t outcome_mix;
};

static void collect_hash(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct hashes *k = ctx;

	if (k->n < k->cap)
		k->h[k->n] = case_hash(c) ^ (o->fault ? 0x8000000000000000ull | o->error_code : 0);
	k->n++;
}

/* A small space: the default one, 4-level, 4 KiB and 2 MiB leaves, WP and NXE varied. */
static void small_space(struct access_space *s)
{
	access_space_default(s);
	s->paging_levels = 1u << 4;
	s->leaf_levels = 1u << PG_LEVEL_4K | 1u << PG_LEVEL_2M;
	s->varied_controls = ACCESS_CTL_WP | ACCESS_CTL_NXE;
	s->fixed_controls = 0;
	s->maxphyaddr = 46;
}

TEST(enumerate_every_hands_each_slice_its_cases)
{
	struct access_space s;
	small_space(&s);
	uint64_t total = access_model_enumerate(&s, NULL, NULL);
	struct hashes all = { calloc(total, 8), 0, total, 0 };

	CHECK(total > 1000 && total < 2000000);
	CHECK_EQ_U64(access_model_enumerate(&s, collect_hash, &all), total);
	CHECK_EQ_U64(all.n, total);

	static const uint64_t strides[] = { 1, 7, 307 };
	static const uint32_t counts[] = { 1, 2, 3, 4, 64 };
	int bad = 0;
	for (unsigned a = 0; a < sizeof(strides) / sizeof(strides[0]); a++) {
		for (unsigned b = 0; b < sizeof(counts) / sizeof(counts[0]); b++) {
			uint64_t got = 0;
			for (uint32_t i = 0; i < counts[b]; i++) {
				struct matrix_slice sl = matrix_slice_of(strides[a], counts[b], i);
				uint64_t want = matrix_slice_cases(sl, total);
				struct hashes k = { calloc(want + 1, 8), 0, want + 1, 0 };

				bad += access_model_enumerate_every(&s, sl.first, sl.step, collect_hash, &k) != total;
				bad += k.n != want;
				for (uint64_t j = 0; j < k.n && j < want; j++)
					bad += k.h[j] != all.h[sl.first + j * sl.step];
				got += k.n;
				free(k.h);
			}
			bad += got != (total + strides[a] - 1) / strides[a];
		}
	}
	CHECK_EQ_U64(bad, 0);
	/* first past the end: nothing, and the count is still the space's. */
	struct hashes none = { NULL, 0, 0, 0 };
	CHECK_EQ_U64(access_model_enumerate_every(&s, total, 1, collect_hash, &none), total);
	CHECK_EQ_U64(none.n, 0);
	free(all.h);
}

UNIT_MAIN(
	{ slices_are_disjoint_and_cover, "slices_are_disjoint_and_cover" },
	{ enumerate_every_hands_each_slice_its_cases, "enumerate_every_hands_each_slice_its_cases" },
)
