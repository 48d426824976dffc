/*
 * Refault detection (paging/vmscan.h, "Refaults"): a fixed table of the
 * last evictions, open-addressed by a hash of the page's key, in place of
 * Linux's shadow entries in the page cache and swap cache. A slot holds the
 * key and the eviction count at its eviction; a newer eviction that hashes
 * to a full slot overwrites it (the older shadow is forgotten, as Linux's
 * shadow shrinker forgets old ones).
 */
#include "paging/vmscan.h"

#define SHADOW_SLOTS 8192   /* a power of two; 8192 * 16 bytes = 128 KiB */

struct shadow {
	uint64_t key;       /* 0: empty */
	uint64_t evicted;   /* nonresident_age at the eviction */
};

static struct shadow shadows[SHADOW_SLOTS];
static uint64_t nonresident_age;   /* evictions since boot (Linux's lruvec->nonresident_age) */

static uint32_t shadow_slot(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 32;
	return (uint32_t)(key & (SHADOW_SLOTS - 1));
}

/* See paging/vmscan.h. */
void workingset_init(void)
{
	for (uint32_t i = 0; i < SHADOW_SLOTS; i++)
		shadows[i] = (struct shadow){ 0, 0 };
	nonresident_age = 0;
}

/* See paging/vmscan.h. */
uint64_t workingset_key_file(const void *mapping, uint64_t index)
{
	return (((uint64_t)(uintptr_t)mapping) << 20) ^ index ^ 1;
}

/* See paging/vmscan.h. */
void workingset_eviction(uint64_t key)
{
	struct shadow *s = &shadows[shadow_slot(key)];
	s->key = key;
	s->evicted = ++nonresident_age;
}

/* See paging/vmscan.h. */
bool workingset_refault(uint64_t key)
{
	struct shadow *s = &shadows[shadow_slot(key)];
	if (s->key != key)
		return false;
	uint64_t distance = nonresident_age - s->evicted;
	s->key = 0;
	/* Linux's workingset_test_recent: the refault distance against the
	 * pages the refaulting one competes with - the active list of its kind,
	 * and both lists of the other kind. */
	bool anon = (key >> 63) != 0;
	uint64_t workingset = anon ? lruvec.nr[LRU_ACTIVE_ANON] + lruvec.nr[LRU_INACTIVE_FILE] + lruvec.nr[LRU_ACTIVE_FILE]
				   : lruvec.nr[LRU_ACTIVE_FILE] + lruvec.nr[LRU_INACTIVE_ANON] + lruvec.nr[LRU_ACTIVE_ANON];
	if (distance > workingset)
		return false;
	count_vm_event(workingset_refault);
	count_vm_event(workingset_activate);
	return true;
}
