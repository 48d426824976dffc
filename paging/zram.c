/*
 * The compressed-RAM swap device (paging/zram.h): a zram_table of slots and a
 * size-class pool of buddy frames.
 */
#include "paging/zram.h"

#include <stdbool.h>

#include "paging/buddy.h"
#include "paging/page.h"
#include "lib/lz4.h"
#include "base/compiler.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/x86.h"

/* A slot's state (zram's zram_table entry). */
#define ZS_EMPTY  0
#define ZS_SAME   1    /* value: the word */
#define ZS_COMP   2    /* value: physical address of the object; size: block length */
#define ZS_HUGE   3    /* value: physical address of the raw frame */

struct zram_slot {
	uint64_t value;
	uint16_t size;
	uint8_t state;
	uint8_t pad[5];
};

static struct zram_slot *zram_table;
static uint64_t zram_nr_slots;
static uint32_t zram_table_order;

/* The per-class partial lists: first frame's PFN, PFN_NONE if empty. */
static uint32_t zpartial[ZRAM_NR_CLASSES];

static struct zram_stats zstats;

/* Work areas of the compressor: one CPU, one compression at a time. */
static uint8_t lz4_work[LZ4_WORK_SIZE] __attribute__((aligned(8)));
static uint8_t lz4_buf[ZRAM_HUGE_SIZE];

/* ---- The pool ----------------------------------------------------------- */

/*
 * A pool frame's private word: bits 0..15 the first free object's index
 * (0xffff: none), 16..31 objects in use, 32..39 the class (0-based).
 */
#define OBJ_NONE 0xffffu

static inline uint32_t class_size(uint32_t cls) { return (cls + 1) * ZRAM_CLASS_STEP; }
static inline uint32_t class_objs(uint32_t cls) { return (uint32_t)(PAGE_SIZE / class_size(cls)); }

static inline uint32_t pf_free(const struct page *p)  { return (uint32_t)(p->private & 0xffff); }
static inline uint32_t pf_inuse(const struct page *p) { return (uint32_t)((p->private >> 16) & 0xffff); }
static inline uint32_t pf_class(const struct page *p) { return (uint32_t)((p->private >> 32) & 0xff); }
static inline void pf_set(struct page *p, uint32_t cls, uint32_t inuse, uint32_t free)
{
	p->private = ((uint64_t)cls << 32) | ((uint64_t)inuse << 16) | free;
}

static void zpartial_add(uint32_t cls, struct page *p)
{
	uint32_t pfn = (uint32_t)page_to_pfn(p);
	p->lru_prev = PFN_NONE;
	p->lru_next = zpartial[cls];
	if (zpartial[cls] != PFN_NONE)
		pfn_to_page(zpartial[cls])->lru_prev = pfn;
	zpartial[cls] = pfn;
}

static void zpartial_del(uint32_t cls, struct page *p)
{
	if (p->lru_prev != PFN_NONE)
		pfn_to_page(p->lru_prev)->lru_next = p->lru_next;
	else
		zpartial[cls] = p->lru_next;
	if (p->lru_next != PFN_NONE)
		pfn_to_page(p->lru_next)->lru_prev = p->lru_prev;
	p->lru_next = p->lru_prev = PFN_NONE;
}

/* An object of class cls: its physical address, or 0 if no frame. */
static uint64_t pool_alloc(uint32_t cls)
{
	struct page *p;
	uint32_t size = class_size(cls);
	if (zpartial[cls] == PFN_NONE) {
		p = alloc_page();
		if (!p)
			return 0;
		zstats.pool_frames++;
		uint8_t *base = page_address(p);
		uint32_t n = class_objs(cls);
		for (uint32_t i = 0; i < n; i++) {
			uint16_t next = (uint16_t)(i + 1 < n ? i + 1 : OBJ_NONE);
			memcpy(base + i * size, &next, sizeof(next));
		}
		pf_set(p, cls, 0, 0);
		zpartial_add(cls, p);
	}
	p = pfn_to_page(zpartial[cls]);
	uint32_t obj = pf_free(p);
	uint16_t next;
	memcpy(&next, (uint8_t *)page_address(p) + obj * size, sizeof(next));
	pf_set(p, cls, pf_inuse(p) + 1, next);
	if (next == OBJ_NONE)
		zpartial_del(cls, p);
	return page_to_phys(p) + obj * size;
}

/* Frees the object at physical address pa. */
static void pool_free(uint64_t pa)
{
	struct page *p = phys_to_page(pa);
	uint32_t cls = pf_class(p), size = class_size(cls);
	uint32_t obj = (uint32_t)((pa & ~PAGE_MASK) / size);
	bool was_full = pf_free(p) == OBJ_NONE;
	uint16_t next = (uint16_t)pf_free(p);
	memcpy((uint8_t *)page_address(p) + obj * size, &next, sizeof(next));
	pf_set(p, cls, pf_inuse(p) - 1, obj);
	if (was_full)
		zpartial_add(cls, p);
	if (pf_inuse(p) == 0) {
		zpartial_del(cls, p);
		p->private = 0;
		zstats.pool_frames--;
		__free_page(p);
	}
}

/* ---- Slots -------------------------------------------------------------- */

/* See paging/zram.h. */
int zram_init(uint64_t nr_slots)
{
	if (!nr_slots)
		return -EINVAL;
	uint64_t bytes = nr_slots * sizeof(struct zram_slot);
	uint32_t order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	struct page *p = alloc_pages(order);
	if (!p)
		return -ENOMEM;
	zram_table = page_address(p);
	memset(zram_table, 0, PAGE_SIZE << order);
	zram_nr_slots = nr_slots;
	zram_table_order = order;
	for (uint32_t c = 0; c < ZRAM_NR_CLASSES; c++)
		zpartial[c] = PFN_NONE;
	return 0;
}

/* The word that fills the page, if one does (zram's page_same_filled). */
static bool page_same_filled(const uint64_t *w, uint64_t *word)
{
	uint64_t v = w[0];
	for (uint32_t i = 1; i < PAGE_SIZE / 8; i++)
		if (w[i] != v)
			return false;
	*word = v;
	return true;
}

/* See paging/zram.h. */
void zram_free(uint64_t slot)
{
	if (slot >= zram_nr_slots)
		return;
	struct zram_slot *s = &zram_table[slot];
	switch (s->state) {
	case ZS_SAME:
		zstats.same_pages--;
		break;
	case ZS_COMP:
		pool_free(s->value);
		zstats.compr_data_size -= s->size;
		break;
	case ZS_HUGE:
		zstats.huge_pages--;
		zstats.compr_data_size -= PAGE_SIZE;
		zstats.pool_frames--;
		__free_page(phys_to_page(s->value));
		break;
	default:
		return;
	}
	zstats.pages_stored--;
	*s = (struct zram_slot){ 0 };
}

/* See paging/zram.h. */
int zram_write(uint64_t slot, const struct page *page)
{
	if (slot >= zram_nr_slots)
		return -EINVAL;
	const uint8_t *src = page_address(page);
	struct zram_slot n = { 0 };
	uint64_t t0 = rdtsc_ordered();
	uint64_t word;
	int32_t len = -1;
	if (page_same_filled((const uint64_t *)src, &word)) {
		n = (struct zram_slot){ .value = word, .state = ZS_SAME };
	} else {
		len = lz4_compress(src, PAGE_SIZE, lz4_buf, sizeof(lz4_buf), lz4_work);
		if (len > 0) {
			uint64_t pa = pool_alloc((uint32_t)(len - 1) / ZRAM_CLASS_STEP);
			if (!pa)
				goto nomem;
			memcpy(__va(pa), lz4_buf, (size_t)len);
			n = (struct zram_slot){ .value = pa, .size = (uint16_t)len, .state = ZS_COMP };
		} else {
			struct page *raw = alloc_page();
			if (!raw)
				goto nomem;
			zstats.pool_frames++;
			copy_page(page_address(raw), src);
			n = (struct zram_slot){ .value = page_to_phys(raw), .size = PAGE_SIZE, .state = ZS_HUGE };
		}
	}
	zstats.comp_cycles += rdtsc_ordered() - t0;
	zram_free(slot);
	zram_table[slot] = n;
	zstats.pages_stored++;
	zstats.writes++;
	if (n.state == ZS_SAME) {
		zstats.same_pages++;
		zstats.same_writes++;
	} else {
		zstats.compr_data_size += n.size;
		if (n.state == ZS_HUGE) {
			zstats.huge_pages++;
			zstats.huge_writes++;
		}
	}
	return 0;
nomem:
	zstats.comp_cycles += rdtsc_ordered() - t0;
	return -ENOMEM;
}

/* Fills a page with one 8-byte word. */
static void fill_word(uint64_t *w, uint64_t v)
{
	if (v == 0) {
		clear_page(w);
		return;
	}
	for (uint32_t i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = v;
}

/* See paging/zram.h. */
int zram_read(uint64_t slot, struct page *page, uint64_t *cycles)
{
	if (slot >= zram_nr_slots)
		return -EINVAL;
	const struct zram_slot *s = &zram_table[slot];
	uint8_t *dst = page_address(page);
	int ret = 0;
	uint64_t t0 = rdtsc_ordered();
	switch (s->state) {
	case ZS_SAME:
		fill_word((uint64_t *)dst, s->value);
		ret = 1;
		break;
	case ZS_COMP:
		if (lz4_decompress(__va(s->value), s->size, dst, PAGE_SIZE) != (int32_t)PAGE_SIZE)
			ret = -EIO;
		break;
	case ZS_HUGE:
		copy_page(dst, __va(s->value));
		break;
	default:
		return -ENOENT;
	}
	uint64_t dt = rdtsc_ordered() - t0;
	zstats.decomp_cycles += dt;
	*cycles += dt;
	if (ret < 0)
		zstats.failed_reads++;
	else
		zstats.reads++;
	return ret;
}

/* See paging/zram.h. */
void zram_get_stats(struct zram_stats *out)
{
	*out = zstats;
}

/* See paging/zram.h. */
uint64_t zram_ratio_x100(void)
{
	uint64_t pages = zstats.pages_stored - zstats.same_pages;
	if (!pages || !zstats.compr_data_size)
		return 0;
	return pages * PAGE_SIZE * 100 / zstats.compr_data_size;
}
