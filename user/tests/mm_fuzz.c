/*
 * mm_fuzz: a seeded fuzzer of the memory syscalls, checked against a model.
 *
 *   run = mm_fuzz seed=S ops=N [verify=K] [trace=FROM [only=TEXT]] [skip=SHAPE,...]
 *
 * From seed S (splitmix64) it draws N operations: mmap (private/shared,
 * MAP_FIXED, MAP_FIXED_NOREPLACE, hints, MAP_POPULATE, MAP_GROWSDOWN),
 * munmap, mprotect, mremap, madvise and brk with plausible arguments, reads
 * and writes of pages, hostile calls (wrapping lengths, kernel-half and
 * non-canonical pointers, page 0, misaligned addresses, huge counts) and
 * unknown syscall numbers. Every call's result is predicted by a model of a
 * 16 MiB arena at ARENA_BASE: per page, whether it is mapped, its
 * protection, whether it is shared, a conservative VMA identity (pages that
 * certainly share one VMA), and a content tag (0 = zeros; otherwise word w of
 * the page is content_word(tag, w)). Writes fill whole pages with a new tag;
 * reads compare against the tag; every K operations (verify=, default 1000)
 * every page of the model is compared, each mapped run probed as mapped
 * (madvise) and each free run as free (MAP_FIXED_NOREPLACE).
 *
 * The first divergence (a result other than the predicted one, a word other
 * than the expected one) is recorded as a failing ring3.mm_fuzz.<kind> test
 * naming the seed, the operation number and the call, and the program exits
 * with status 1: `mm_fuzz seed=S ops=N trace=F` reproduces it and prints
 * every operation from F on to fd 2 before making it (a fatal fault then
 * shows which call preceded it; only=TEXT keeps the operations whose
 * description contains TEXT, e.g. an address prefix). At the end one passing record per kind of
 * operation gives the counts, and the program exits 0.
 *
 * skip= (repeatable) names shapes not to make (their random draws still happen, so the
 * rest of the sequence is the same): mremap_wrap (mremap whose addr+old_len
 * wraps), brk_minus_one (brk(-1)), growsdown_low (a MAP_GROWSDOWN mapping at
 * 64 KiB read through just below it by write()), read_efault (read() into a
 * kernel address), nr_high_bits (syscall number 2^32 * k + getpid's: Linux
 * calls getpid). Shapes below mmap_min_addr run on faultline only: this
 * host's mmap_min_addr may be lower than Linux's default 65536 (root may map
 * at 4096), which would make "must fail" a host setting.
 *
 * Without arguments it makes a short run (seed 1, 2000 operations).
 */
#include "user/rt/rt.h"
#include "base/format.h"
#include "base/string.h"
#include <stdarg.h>

RT_PROGRAM(mm_fuzz);

#define ARENA_BASE   0x100000000ul            /* 4 GiB, 2 MiB aligned */
#define ARENA_PAGES  4096u                    /* 16 MiB */
#define ARENA_END    (ARENA_BASE + ARENA_PAGES * PAGE_SIZE)
#define BRK_PAGES    64u
#define WORDS        (PAGE_SIZE / 8)
#define KERNEL_HALF  0xffff800000000000ul
#define NONCANONICAL 0x0100000000000000ul     /* above 2^56: outside 4- and 5-level user space */

enum { PG_MAPPED = 1, PG_SHARED = 2, PG_MAYZERO = 4 };

static uint8_t pg_flags[ARENA_PAGES];
static uint8_t pg_prot[ARENA_PAGES];
static uint32_t pg_vma[ARENA_PAGES];
static uint64_t pg_tag[ARENA_PAGES];
static uint32_t next_vma = 1;
static uint64_t next_tag = 1;

static uint64_t brk0, brk_cur;                /* the initial and the current break */
static uint64_t brk_tag[BRK_PAGES];           /* pages from PAGE_ALIGN(brk0) */

static uint64_t rng;
static uint64_t seed, op_no, op_count, verify_every = 1000, trace_from = ~0ul;
static const char *trace_only = "";          /* trace only descriptions containing this */
static const char *skip_lists[8];            /* the skip= arguments */
static uint32_t skip_count;
static bool on_faultline;
static char desc[320];

enum kind { K_MMAP, K_MUNMAP, K_MPROTECT, K_MREMAP, K_MADVISE, K_BRK, K_READ, K_WRITE, K_HOSTILE_MM,
	    K_HOSTILE_IO, K_UNKNOWN_SYSCALL, K_GROWSDOWN, K_VERIFY, K_COUNT };
static const char *const kind_name[K_COUNT] = {
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "read", "write", "hostile_mm",
	"hostile_io", "unknown_syscall", "growsdown", "verify",
};
static uint64_t kind_ops[K_COUNT], kind_errors[K_COUNT];
static enum kind cur_kind;

/* splitmix64: the next pseudo-random 64-bit value of the sequence. */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ul);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

/* Returns a value in [0, n) (n > 0). */
static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

/* True one time in n. */
static bool one_in(uint64_t n)
{
	return below(n) == 0;
}

/* The word w of a page whose content tag is tag: never zero for tag != 0. */
static uint64_t content_word(uint64_t tag, uint32_t w)
{
	if (!tag)
		return 0;
	uint64_t z = (tag << 9 | w) * 0x9e3779b97f4a7c15ul;
	return (z ^ (z >> 29)) | 1;
}

static uint64_t page_addr(uint32_t i)
{
	return ARENA_BASE + (uint64_t)i * PAGE_SIZE;
}

static bool mapped(uint32_t i)
{
	return pg_flags[i] & PG_MAPPED;
}

static bool readable(uint32_t i)
{
	return mapped(i) && (pg_prot[i] & (PROT_READ | PROT_WRITE));
}

static bool writable(uint32_t i)
{
	return mapped(i) && (pg_prot[i] & PROT_WRITE);
}

static bool skipped(const char *shape)
{
	size_t n = strlen(shape);
	for (uint32_t i = 0; i < skip_count; i++)
		for (const char *p = skip_lists[i]; *p;) {
			const char *e = p;
			while (*e && *e != ',')
				e++;
			if ((size_t)(e - p) == n && !strncmp(p, shape, n))
				return true;
			p = *e ? e + 1 : e;
		}
	return false;
}

static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);
	for (; *s; s++)
		if (!strncmp(s, part, n))
			return true;
	return !n;
}

/* Names the operation about to be made (printed first when tracing). */
__attribute__((format(printf, 1, 2))) static void describe(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (op_no >= trace_from && contains(desc, trace_only))
		rt_printf(2, "mm_fuzz op %lu: %s\n", op_no, desc);
}

/* Records the divergence as a failing test and exits with status 1. */
__attribute__((format(printf, 1, 2), noreturn)) static void diverge(const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	va_start(ap, fmt);
	vformat(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	rt_test(kind_name[cur_kind], RT_FAIL, "seed=%lu op=%lu %s: %s", seed, op_no, desc, detail);
	rt_flush();
	rt_exit(1);
}

/* The result must be want. */
static void expect(long got, long want)
{
	if (got != want)
		diverge("returned %ld (%#lx), expected %ld (%#lx)", got, got, want, want);
	if (got < 0)
		kind_errors[cur_kind]++;
}

/* A hostile call: the result must be one of the errors (a 0-terminated list). */
static void expect_error(long got, const long *allowed)
{
	for (const long *a = allowed; *a; a++)
		if (got == -*a) {
			kind_errors[cur_kind]++;
			return;
		}
	diverge("returned %ld (%#lx), expected an error", got, got);
}

/* Compares page i with the model: all words (full) or a few. */
static void check_page(uint32_t i, bool full)
{
	const volatile uint64_t *p = (const volatile uint64_t *)page_addr(i);
	uint64_t tag = pg_tag[i];
	if ((pg_flags[i] & PG_MAYZERO) && p[0] == 0)
		tag = 0;                 /* MADV_FREE: the page was freed after all */
	for (uint32_t n = 0; n < (full ? WORDS : 4); n++) {
		uint32_t w = full ? n : (uint32_t)below(WORDS);
		uint64_t want = content_word(tag, w), got = p[w];
		if (got != want)
			diverge("page %#lx word %u holds %#lx, expected %#lx (tag %lu)", page_addr(i), w, got, want,
				tag);
	}
}

static void fill_page(uint64_t addr, uint64_t tag)
{
	volatile uint64_t *p = (volatile uint64_t *)addr;
	for (uint32_t w = 0; w < WORDS; w++)
		p[w] = content_word(tag, w);
}

/* ---- the model's range operations ---- */

static void model_unmap(uint32_t s, uint32_t e)
{
	for (uint32_t i = s; i < e; i++) {
		pg_flags[i] = 0;
		pg_prot[i] = 0;
		pg_vma[i] = 0;
		pg_tag[i] = 0;
	}
}

static void model_map(uint32_t s, uint32_t e, int prot, bool shared)
{
	uint32_t id = next_vma++;
	for (uint32_t i = s; i < e; i++) {
		pg_flags[i] = PG_MAPPED | (shared ? PG_SHARED : 0);
		pg_prot[i] = (uint8_t)prot;
		pg_vma[i] = id;
		pg_tag[i] = 0;
	}
}

/* The VMAs in [s, e) may have been split at s and e: each run of one
 * identity inside gets a new one, so no later call counts on the pages in
 * and out of the range sharing a VMA. */
static void renumber(uint32_t s, uint32_t e)
{
	uint32_t last_old = 0, id = 0;
	for (uint32_t i = s; i < e; i++) {
		if (!mapped(i)) {
			last_old = 0;
			continue;
		}
		if (pg_vma[i] != last_old) {
			last_old = pg_vma[i];
			id = next_vma++;
		}
		pg_vma[i] = id;
	}
}

static bool any_mapped(uint32_t s, uint32_t e)
{
	for (uint32_t i = s; i < e; i++)
		if (mapped(i))
			return true;
	return false;
}

/* ---- choosing arguments ---- */

static uint32_t rand_pages(void)
{
	uint64_t r = below(100);
	if (r < 55)
		return 1 + (uint32_t)below(4);
	if (r < 90)
		return 1 + (uint32_t)below(32);
	return 1 + (uint32_t)below(512);
}

/* A range [*s, *e) of the arena: random, or a mapping's run of one identity, or part of one. */
static void rand_range(uint32_t *s, uint32_t *e)
{
	uint64_t r = below(10);
	uint32_t p = (uint32_t)below(ARENA_PAGES);
	if (r >= 5) {
		for (uint32_t n = 0; n < ARENA_PAGES && !mapped(p); n++)
			p = (p + 1) % ARENA_PAGES;
		if (mapped(p)) {
			uint32_t a = p, b = p + 1;
			while (a > 0 && mapped(a - 1) && pg_vma[a - 1] == pg_vma[p])
				a--;
			while (b < ARENA_PAGES && mapped(b) && pg_vma[b] == pg_vma[p])
				b++;
			if (r >= 8) {           /* part of it */
				a += (uint32_t)below(b - a);
				b = a + 1 + (uint32_t)below(b - a);
			}
			*s = a, *e = b;
			return;
		}
	}
	uint32_t n = rand_pages();
	if (p + n > ARENA_PAGES)
		n = ARENA_PAGES - p;
	*s = p, *e = p + n;
}

static int rand_prot(void)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
				     PROT_READ, PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC,
				     PROT_READ | PROT_WRITE | PROT_EXEC, PROT_EXEC };
	return prots[below(sizeof(prots) / sizeof(prots[0]))];
}

/* A byte length for n pages: exact, or up to a page short (the kernel rounds up). */
static uint64_t rand_len(uint32_t n)
{
	return (uint64_t)n * PAGE_SIZE - (one_in(4) ? below(PAGE_SIZE) : 0);
}

/* ---- a mapping the kernel placed where the model did not say ---- */

/* A mapping of n pages at addr chosen by the kernel: it may not cover any
 * page the model has mapped. Inside the arena it joins the model; elsewhere
 * its pages are checked to be zero (when readable) and it is unmapped. The
 * pages get tags[] first when tags is given (data moved there). */
static void adopt(uint64_t addr, uint32_t n, int prot, bool shared, const uint64_t *tags, uint32_t ntags)
{
	uint64_t end = addr + (uint64_t)n * PAGE_SIZE;
	if (addr & (PAGE_SIZE - 1))
		diverge("returned a misaligned address %#lx", addr);
	if (addr < ARENA_END && end > ARENA_BASE) {
		uint64_t s = addr > ARENA_BASE ? addr : ARENA_BASE, e = end < ARENA_END ? end : ARENA_END;
		for (uint64_t a = s; a < e; a += PAGE_SIZE)
			if (mapped((uint32_t)((a - ARENA_BASE) / PAGE_SIZE)))
				diverge("placed the mapping at %#lx over the model's page %#lx", addr, a);
	}
	if (addr >= ARENA_BASE && end <= ARENA_END) {
		uint32_t s = (uint32_t)((addr - ARENA_BASE) / PAGE_SIZE);
		model_map(s, s + n, prot, shared);
		for (uint32_t i = 0; i < ntags && i < n; i++)
			pg_tag[s + i] = tags[i] & ~(1ul << 63), pg_flags[s + i] |= (tags[i] >> 63) ? PG_MAYZERO : 0;
		for (uint32_t i = s; i < s + n; i++)
			if (readable(i))
				check_page(i, true);
		return;
	}
	if (prot & (PROT_READ | PROT_WRITE))
		for (uint32_t i = 0; i < n; i++) {
			const volatile uint64_t *p = (const volatile uint64_t *)(addr + (uint64_t)i * PAGE_SIZE);
			uint64_t tag = i < ntags ? tags[i] & ~(1ul << 63) : 0;
			if (i < ntags && (tags[i] >> 63) && p[0] == 0)
				tag = 0;
			for (uint32_t w = 0; w < WORDS; w += 61)
				if (p[w] != content_word(tag, w))
					diverge("page %lu of the mapping at %#lx: word %u holds %#lx, expected %#lx", (uint64_t)i,
						addr, w, p[w], content_word(tag, w));
		}
	long r = sys_munmap((void *)addr, (uint64_t)n * PAGE_SIZE);
	if (r)
		diverge("munmap(%#lx, %lu pages) of the kernel-placed mapping returned %ld", addr, (uint64_t)n, r);
}

/* ---- operations ---- */

static void op_mmap(void)
{
	uint32_t s = (uint32_t)below(ARENA_PAGES), n = rand_pages();
	if (s + n > ARENA_PAGES)
		n = ARENA_PAGES - s;
	uint64_t how = below(100);
	int prot = rand_prot();
	bool shared = one_in(4);
	int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | (one_in(8) ? MAP_POPULATE : 0);
	uint64_t len = rand_len(n), addr = page_addr(s);
	if (how < 40)
		flags |= MAP_FIXED;
	else if (how < 65)
		flags |= MAP_FIXED_NOREPLACE;
	else if (how < 95) {
		if (one_in(4) && !skipped("hint_misaligned"))
			addr += 1 + below(PAGE_SIZE - 1);    /* a misaligned hint: Linux rounds it down */
	} else
		addr = 0;
	describe("mmap(%#lx, %#lx, %d, %#x, -1, 0)", addr, len, prot, flags);
	long r = sys_mmap((void *)addr, len, prot, flags, -1, 0);
	if (flags & MAP_FIXED) {
		expect(r, (long)page_addr(s));
		model_unmap(s, s + n);
		model_map(s, s + n, prot, shared);
	} else if (flags & MAP_FIXED_NOREPLACE) {
		if (any_mapped(s, s + n))
			return expect(r, -EEXIST);
		expect(r, (long)page_addr(s));
		model_map(s, s + n, prot, shared);
	} else if (addr && !any_mapped(s, s + n)) {
		expect(r, (long)page_addr(s));
		model_map(s, s + n, prot, shared);
	} else {
		if (r < 0)
			diverge("returned %ld, expected a mapping somewhere", r);
		adopt((uint64_t)r, n, prot, shared, NULL, 0);
	}
	if (flags & MAP_POPULATE)
		for (uint32_t i = s; i < s + n; i++)
			if (readable(i))
				check_page(i, false);
}

static void op_munmap(void)
{
	uint32_t s, e;
	rand_range(&s, &e);
	uint64_t len = rand_len(e - s);
	describe("munmap(%#lx, %#lx)", page_addr(s), len);
	expect(sys_munmap((void *)page_addr(s), len), 0);
	model_unmap(s, e);
}

static void op_mprotect(void)
{
	uint32_t s, e;
	rand_range(&s, &e);
	int prot = rand_prot();
	uint64_t len = rand_len(e - s);
	if (skipped("mprotect_hole") && mapped(s)) {
		uint32_t h = s;                    /* end the range at its first hole */
		while (h < e && mapped(h))
			h++;
		if (h < e)
			e = h, len = (uint64_t)(e - s) * PAGE_SIZE;
	}
	describe("mprotect(%#lx, %#lx, %d)", page_addr(s), len, prot);
	long r = sys_mprotect((void *)page_addr(s), len, prot);
	/* faultline is all-or-nothing (docs/ring3.md, "Failure atomicity"): a hole
	 * anywhere in the range is -ENOMEM with nothing changed. */
	if (on_faultline) {
		bool hole = false;
		for (uint32_t j = s; j < e; j++)
			hole |= !mapped(j);
		if (hole)
			return expect(r, -ENOMEM);
	}
	/* Linux: the start must be mapped; VMAs are changed in order up to the first hole (-ENOMEM). */
	uint32_t i = s;
	while (i < e && mapped(i))
		pg_prot[i++] = (uint8_t)prot;
	renumber(s, i);
	expect(r, i == e ? 0 : -ENOMEM);
}

static void op_madvise(void)
{
	static const int advices[] = { MADV_NORMAL, 1 /* RANDOM */, 2 /* SEQUENTIAL */, 3 /* WILLNEED */,
				       MADV_DONTNEED, MADV_DONTNEED, MADV_DONTNEED, 8 /* FREE */,
				       MADV_HUGEPAGE, MADV_NOHUGEPAGE, 5, 6, 7, 50, 1000 };
	uint32_t s, e;
	rand_range(&s, &e);
	int advice = advices[below(sizeof(advices) / sizeof(advices[0]))];
	uint64_t len = rand_len(e - s);
	if (advice == 8 && skipped("madv_free_shared"))
		for (uint32_t i = s; i < e; i++)
			if (mapped(i) && (pg_flags[i] & PG_SHARED))
				advice = MADV_DONTNEED;    /* not MADV_FREE over a shared mapping */
	describe("madvise(%#lx, %#lx, %d)", page_addr(s), len, advice);
	long r = sys_madvise((void *)page_addr(s), len, advice);
	if (advice == 5 || advice == 6 || advice == 7 || advice == 50 || advice == 1000)
		return expect(r, -EINVAL);
	/* Linux walks the VMAs in order: holes make -ENOMEM (the rest is still advised),
	 * MADV_FREE stops with -EINVAL at a shared one. */
	long want = 0;
	for (uint32_t i = s; i < e; i++) {
		if (!mapped(i)) {
			want = -ENOMEM;
			continue;
		}
		if (advice == MADV_DONTNEED && !(pg_flags[i] & PG_SHARED))
			pg_tag[i] = 0, pg_flags[i] &= (uint8_t)~PG_MAYZERO;
		if (advice == 8) {
			if (pg_flags[i] & PG_SHARED) {
				want = -EINVAL;
				break;
			}
			if (pg_tag[i])
				pg_flags[i] |= PG_MAYZERO;
		}
	}
	if (advice != MADV_DONTNEED && advice != 8 && advice != 3)
		renumber(s, e);      /* a change of vm_flags splits VMAs */
	expect(r, want);
}

static void op_mremap(void)
{
	uint32_t p = (uint32_t)below(ARENA_PAGES);
	for (uint32_t n = 0; n < ARENA_PAGES && !mapped(p); n++)
		p = (p + 1) % ARENA_PAGES;
	if (!mapped(p)) {
		describe("mremap: nothing mapped");
		return;
	}
	uint32_t a = p, b = p + 1;            /* the run of p's identity: certainly one VMA */
	while (a > 0 && mapped(a - 1) && pg_vma[a - 1] == pg_vma[p])
		a--;
	while (b < ARENA_PAGES && mapped(b) && pg_vma[b] == pg_vma[p])
		b++;
	uint32_t s = a + (uint32_t)below(b - a);
	uint32_t old_n = 1 + (uint32_t)below(b - s);
	if (one_in(2))
		s = a, old_n = b - a;
	bool shared = pg_flags[s] & PG_SHARED;
	int prot = pg_prot[s];
	uint32_t new_n = shared ? 1 + (uint32_t)below(old_n) : rand_pages();
	uint64_t how = below(10);
	int flags = how < 3 ? 0 : how < 7 ? MREMAP_MAYMOVE : MREMAP_MAYMOVE | MREMAP_FIXED;
	uint32_t d = 0;
	if (flags & MREMAP_FIXED) {
		d = (uint32_t)below(ARENA_PAGES);
		if (d + new_n > ARENA_PAGES)
			d = ARENA_PAGES - new_n;
		/* A destination above the source start that overlaps it moves past it (or
		 * to the arena's start when it does not fit there); one that still
		 * overlaps must fail with -EINVAL and change nothing. */
		if (d < s + old_n && s < d + new_n && d >= s)
			d = s + old_n + new_n <= ARENA_PAGES ? s + old_n : 0;
		if (d < s + old_n && s < d + new_n) {
			describe("mremap(%#lx, %#lx, %#lx, %d, %#lx)", page_addr(s), (uint64_t)old_n * PAGE_SIZE,
				 (uint64_t)new_n * PAGE_SIZE, flags, page_addr(d));
			return expect(sys_mremap((void *)page_addr(s), (uint64_t)old_n * PAGE_SIZE,
						 (uint64_t)new_n * PAGE_SIZE, flags, (void *)page_addr(d)), -EINVAL);
		}
	}
	uint64_t old_len = rand_len(old_n), new_len = rand_len(new_n);
	describe("mremap(%#lx, %#lx, %#lx, %d, %#lx)", page_addr(s), old_len, new_len, flags,
		 flags & MREMAP_FIXED ? page_addr(d) : 0ul);
	long r = sys_mremap((void *)page_addr(s), old_len, new_len, flags, (void *)page_addr(d));

	static uint64_t moved[ARENA_PAGES];       /* tags of the moved pages; bit 63: MAYZERO */
	uint32_t keep = new_n < old_n ? new_n : old_n;
	for (uint32_t i = 0; i < keep; i++)
		moved[i] = pg_tag[s + i] | ((pg_flags[s + i] & PG_MAYZERO) ? 1ul << 63 : 0);
	if (flags & MREMAP_FIXED) {
		expect(r, (long)page_addr(d));
		model_unmap(s, s + old_n);
		model_unmap(d, d + new_n);
		model_map(d, d + new_n, prot, shared);
		for (uint32_t i = 0; i < keep; i++)
			pg_tag[d + i] = moved[i] & ~(1ul << 63), pg_flags[d + i] |= (moved[i] >> 63) ? PG_MAYZERO : 0;
		for (uint32_t i = d; i < d + new_n; i++)
			if (readable(i))
				check_page(i, true);
		return;
	}
	if (new_n <= old_n) {
		expect(r, (long)page_addr(s));
		model_unmap(s + new_n, s + old_n);
		return;
	}
	/* Growing: in place if the range ends its VMA (the page after it is free)
	 * and the pages it grows into are free; else moved (MAYMOVE) or -ENOMEM. */
	uint32_t end = s + old_n, grow_end = s + new_n;
	bool in_place = grow_end <= ARENA_PAGES && !any_mapped(end, grow_end);
	if (in_place) {
		expect(r, (long)page_addr(s));
		/* One VMA from the run's start to grow_end, under a new identity: a
		 * piece of the old VMA right after grow_end (split from it by an
		 * earlier munmap) may or may not merge with it. */
		uint32_t id = next_vma++;
		for (uint32_t i = a; i < end; i++)
			pg_vma[i] = id;
		for (uint32_t i = end; i < grow_end; i++) {
			pg_flags[i] = pg_flags[s] & (PG_MAPPED | PG_SHARED);
			pg_prot[i] = (uint8_t)prot;
			pg_vma[i] = id;
			pg_tag[i] = 0;
		}
		return;
	}
	if (grow_end > ARENA_PAGES && !any_mapped(end, ARENA_PAGES)) {
		/* would grow out of the arena: the model cannot tell; accept in place or a move */
		if (r == (long)page_addr(s)) {
			sys_munmap((void *)ARENA_END, (uint64_t)(grow_end - ARENA_PAGES) * PAGE_SIZE);
			renumber(s, ARENA_PAGES);
			for (uint32_t i = end; i < ARENA_PAGES; i++) {
				pg_flags[i] = pg_flags[s] & (PG_MAPPED | PG_SHARED);
				pg_prot[i] = (uint8_t)prot;
				pg_vma[i] = pg_vma[s];
				pg_tag[i] = 0;
			}
			return;
		}
	}
	if (!(flags & MREMAP_MAYMOVE))
		return expect(r, -ENOMEM);
	if (r < 0)
		diverge("returned %ld, expected the mapping moved", r);
	model_unmap(s, s + old_n);
	adopt((uint64_t)r, new_n, prot, shared, moved, old_n);
}

static void op_brk(void)
{
	uint64_t base = (brk0 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), limit = base + BRK_PAGES * PAGE_SIZE;
	uint64_t r = below(10), want;
	uint64_t arg;
	if (r < 4) {
		arg = brk_cur + 1 + below(16 * PAGE_SIZE);
		if (arg > limit)
			arg = limit - below(PAGE_SIZE);
		want = arg;
	} else if (r < 8) {
		arg = brk0 + below(brk_cur - brk0 + 1);
		want = arg;
	} else if (r < 9) {
		arg = 0;
		want = brk_cur;
	} else {
		static const uint64_t odd[] = { 1, KERNEL_HALF, NONCANONICAL, 0x7ffffffff000ul, 0xfffffffffffff000ul,
						~0ul, 0x10000 };
		arg = odd[below(sizeof(odd) / sizeof(odd[0]))];
		want = brk_cur;
		if (arg == ~0ul && skipped("brk_minus_one"))
			arg = KERNEL_HALF;
	}
	describe("brk(%#lx) with the break at %#lx", arg, brk_cur);
	long got = sys_brk((void *)arg);
	expect(got, (long)want);
	uint64_t old_end = (brk_cur + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t new_end = (want + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (uint64_t a = new_end; a < old_end; a += PAGE_SIZE)
		brk_tag[(a - base) / PAGE_SIZE] = 0;
	brk_cur = want;
	/* the break's pages: check one */
	if (new_end > base) {
		uint64_t a = base + below((new_end - base) / PAGE_SIZE) * PAGE_SIZE;
		const volatile uint64_t *p = (const volatile uint64_t *)a;
		uint32_t w = (uint32_t)below(WORDS);
		uint64_t tag = brk_tag[(a - base) / PAGE_SIZE];
		if (p[w] != content_word(tag, w))
			diverge("break page %#lx word %u holds %#lx, expected %#lx", a, w, p[w], content_word(tag, w));
	}
}

/* A random readable (or writable) page of the arena, or -1. */
static int64_t rand_page(bool write)
{
	uint32_t p = (uint32_t)below(ARENA_PAGES);
	for (uint32_t n = 0; n < ARENA_PAGES; n++, p = (p + 1) % ARENA_PAGES)
		if (write ? writable(p) : readable(p))
			return p;
	return -1;
}

static void op_read(void)
{
	int64_t p = rand_page(false);
	describe("read page %#lx", p < 0 ? 0ul : page_addr((uint32_t)p));
	if (p >= 0)
		check_page((uint32_t)p, one_in(8));
}

static void op_write(void)
{
	uint64_t base = (brk0 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t brk_end = (brk_cur + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (one_in(16) && brk_end > base) {
		uint64_t i = below((brk_end - base) / PAGE_SIZE);
		describe("write break page %#lx", base + i * PAGE_SIZE);
		brk_tag[i] = next_tag++;
		fill_page(base + i * PAGE_SIZE, brk_tag[i]);
		return;
	}
	int64_t p = rand_page(true);
	uint32_t n = 1 + (uint32_t)below(4);
	describe("write %u pages from %#lx", n, p < 0 ? 0ul : page_addr((uint32_t)p));
	for (uint32_t i = (uint32_t)(p < 0 ? 0 : p); p >= 0 && i < p + n && i < ARENA_PAGES && writable(i); i++) {
		pg_tag[i] = next_tag++;
		pg_flags[i] &= (uint8_t)~PG_MAYZERO;
		fill_page(page_addr(i), pg_tag[i]);
	}
}

/* After a hostile call: nothing changed. A few pages compared, nothing mapped below 64 KiB. */
static void after_hostile(void)
{
	for (int k = 0; k < 2; k++) {
		int64_t p = rand_page(false);
		if (p >= 0)
			check_page((uint32_t)p, true);
	}
	for (uint64_t a = 0; a < 0x10000; a += PAGE_SIZE) {
		long r = sys_write(1, (const void *)a, 1);
		if (r != -EFAULT)
			diverge("afterwards write(1, %#lx, 1) returned %ld: a page below mmap_min_addr is mapped", a, r);
	}
}

static void op_hostile_mm(void)
{
	static const long einval[] = { EINVAL, 0 }, enomem[] = { ENOMEM, 0 }, eperm[] = { EPERM, EACCES, 0 },
			  einval_enomem[] = { EINVAL, ENOMEM, 0 }, mremap_errs[] = { EINVAL, EFAULT, ENOMEM, EPERM, 0 };
	static const uint64_t bad_addr[] = { KERNEL_HALF, 0xffffffff80000000ul, NONCANONICAL, 0x8000000000000000ul,
					     0xfffffffffffff000ul };
	uint32_t s = (uint32_t)below(ARENA_PAGES);
	int64_t mp = rand_page(false);
	uint64_t mapped_addr = mp >= 0 ? page_addr((uint32_t)mp) : page_addr(s);
	uint64_t wrap_len = 0 - mapped_addr + PAGE_SIZE * below(4);       /* addr + len wraps to [0, 4 pages) */
	uint64_t near_top = ~0ul - below(PAGE_SIZE - 1);                 /* len near 2^64: rounds up to 0 */
	uint64_t bad = bad_addr[below(sizeof(bad_addr) / sizeof(bad_addr[0]))];
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	uint64_t shape = below(22);
	long r;
	switch (shape) {
	case 0: {
		uint64_t low = below(16) * PAGE_SIZE;
		describe("mmap(%#lx, 1 page, RW, MAP_FIXED) below mmap_min_addr", low);
		if (!on_faultline)
			break;   /* the same draws follow either way */
		r = sys_mmap((void *)low, PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0);
		expect_error(r, eperm);
		break;
	}
	case 1:
		describe("mmap(%#lx, 1 page, RW, MAP_FIXED_NOREPLACE)", bad);
		expect_error(sys_mmap((void *)bad, PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED_NOREPLACE, -1, 0),
			     enomem);
		break;
	case 2:
		describe("mmap(%#lx, %#lx, RW, MAP_FIXED) wrapping", mapped_addr, wrap_len);
		expect_error(sys_mmap((void *)mapped_addr, wrap_len, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0),
			     enomem);
		break;
	case 3:
		describe("mmap(0, %#lx, RW) length near 2^64", near_top);
		expect_error(sys_mmap(0, near_top, PROT_READ | PROT_WRITE, anon, -1, 0), enomem);
		break;
	case 4: {
		uint64_t a = mapped_addr + 1 + below(PAGE_SIZE - 1);
		describe("mmap(%#lx, 1 page, R, MAP_FIXED) misaligned", a);
		expect_error(sys_mmap((void *)a, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0), einval);
		break;
	}
	case 5:
		describe("mmap(%#lx, 0, RW, MAP_FIXED) length 0", mapped_addr);
		expect_error(sys_mmap((void *)mapped_addr, 0, PROT_READ, anon | MAP_FIXED, -1, 0), einval);
		break;
	case 6:
		describe("munmap(%#lx, %#lx) wrapping", mapped_addr, wrap_len);
		expect_error(sys_munmap((void *)mapped_addr, wrap_len), einval);
		break;
	case 7:
		describe("munmap(%#lx, 1 page) outside user space", bad);
		expect_error(sys_munmap((void *)bad, PAGE_SIZE), einval);
		break;
	case 8: {
		uint64_t a = mapped_addr + (one_in(2) ? 8 : 0), l = one_in(2) ? near_top : 0;
		describe("munmap(%#lx, %#lx) misaligned, length 0 or near 2^64", a, l);
		expect_error(sys_munmap((void *)a, l), einval);
		break;
	}
	case 9:
		describe("mprotect(%#lx, %#lx, NONE) wrapping", mapped_addr, wrap_len);
		expect_error(sys_mprotect((void *)mapped_addr, wrap_len, PROT_NONE), enomem);
		break;
	case 10:
		describe("mprotect(%#lx, 1 page, NONE) outside user space", bad);
		expect_error(sys_mprotect((void *)bad, PAGE_SIZE, PROT_NONE), einval_enomem);
		break;
	case 11:
		describe("mprotect(%#lx, 1 page, NONE) misaligned", mapped_addr + 16);
		expect_error(sys_mprotect((void *)(mapped_addr + 16), PAGE_SIZE, PROT_NONE), einval);
		break;
	case 12:
		describe("madvise(%#lx, %#lx, DONTNEED) length near 2^64", mapped_addr, near_top);
		if (skipped("madvise_len_wrap"))
			break;   /* the same draws follow either way */
		expect_error(sys_madvise((void *)mapped_addr, near_top, MADV_DONTNEED), einval);
		break;
	case 13:
		describe("madvise(%#lx, %#lx, DONTNEED) wrapping", mapped_addr, wrap_len);
		expect_error(sys_madvise((void *)mapped_addr, wrap_len, MADV_DONTNEED), einval);
		break;
	case 14:
		describe("madvise(%#lx, 1 page, DONTNEED) outside user space", bad);
		expect_error(sys_madvise((void *)bad, PAGE_SIZE, MADV_DONTNEED), einval_enomem);
		break;
	case 15: {
		/* shrinking (new_len small) or growing past the wrap (new_len = old_len + pages) */
		uint64_t nl = one_in(2) ? PAGE_SIZE * (1 + below(4)) : wrap_len + PAGE_SIZE * (1 + below(4));
		int fl = one_in(2) ? MREMAP_MAYMOVE : 0;
		describe("mremap(%#lx, %#lx, %#lx, %d) old range wrapping", mapped_addr, wrap_len, nl, fl);
		if (skipped("mremap_wrap") || mp < 0)
			break;   /* the same draws follow either way */
		r = sys_mremap((void *)mapped_addr, wrap_len, nl, fl, 0);
		expect_error(r, mremap_errs);
		break;
	}
	case 16:
		describe("mremap(%#lx, 1 page, %#lx, MAYMOVE) new length near 2^64", mapped_addr, near_top);
		if (mp < 0)
			break;   /* the same draws follow either way */
		expect_error(sys_mremap((void *)mapped_addr, PAGE_SIZE, near_top, MREMAP_MAYMOVE, 0), mremap_errs);
		break;
	case 17: {
		uint64_t to = one_in(2) ? bad : below(16) * PAGE_SIZE;
		describe("mremap(%#lx, 1 page, 1 page, MAYMOVE|FIXED, %#lx)", mapped_addr, to);
		if (mp < 0 || (to < 0x10000 && !on_faultline))
			break;   /* the same draws follow either way */
		expect_error(sys_mremap((void *)mapped_addr, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
					(void *)to), mremap_errs);
		break;
	}
	case 18:
		describe("mremap(%#lx, 1 page, 2 pages, 0x10 | MAYMOVE) unknown flag", mapped_addr);
		expect_error(sys_mremap((void *)mapped_addr, PAGE_SIZE, 2 * PAGE_SIZE, 0x10 | MREMAP_MAYMOVE, 0), einval);
		break;
	case 19:
		describe("mremap(%#lx, 1 page, 2 pages) unmapped/outside", bad);
		expect_error(sys_mremap((void *)bad, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0), mremap_errs);
		break;
	case 20:
		describe("mmap(0, 1 page, R, MAP_ANONYMOUS) without a mapping type");
		expect_error(sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_ANONYMOUS, -1, 0), einval);
		break;
	default: {
		/* a MAP_GROWSDOWN mapping at mmap_min_addr must not grow below it */
		describe("mmap(0x10000, 1 page, RW, MAP_FIXED|MAP_GROWSDOWN); write(1, 0xf000, 1)");
		if (!on_faultline || skipped("growsdown_low"))
			break;   /* the same draws follow either way */
		r = sys_mmap((void *)0x10000, PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED_NOREPLACE | 0x0100, -1, 0);
		if (r != 0x10000) {
			expect_error(r, (const long[]){ EEXIST, 0 });
			break;
		}
		long w = sys_write(1, (const void *)0xf000, 1);
		long u = sys_munmap((void *)0, 0x11000);
		if (u)
			diverge("munmap(0, 0x11000) returned %ld", u);
		expect_error(w, (const long[]){ EFAULT, 0 });
		break;
	}
	}
	after_hostile();
}

static void op_hostile_io(void)
{
	static const uint64_t bad_addr[] = { KERNEL_HALF, 0xffffffff80000000ul, 0x8000000000000000ul,
					     0xfffffffffffff000ul, 1 };
	uint64_t bad = bad_addr[below(sizeof(bad_addr) / sizeof(bad_addr[0]))];
	int64_t mp = rand_page(false);
	uint64_t good = mp >= 0 ? page_addr((uint32_t)mp) : 0;
	static const long efault[] = { EFAULT, 0 }, einval[] = { EINVAL, 0 }, efault_einval[] = { EFAULT, EINVAL, 0 };
	static struct iovec iov[2];
	switch (below(7)) {
	case 0:
		describe("write(1, %#lx, 16)", bad);
		expect_error(sys_write(1, (const void *)bad, 16), efault);
		break;
	case 1:
		describe("write(1, %#lx, %#lx) wrapping", good, 0 - good + PAGE_SIZE);
		if (!good)
			break;   /* the same draws follow either way */
		expect_error(sys_write(1, (const void *)good, 0 - good + PAGE_SIZE), efault);
		break;
	case 2:
		describe("read(0, %#lx, 16)", bad | KERNEL_HALF);   /* Linux: access_ok fails first */
		if (skipped("read_efault"))
			break;   /* the same draws follow either way */
		expect_error(sys_read(0, (void *)(bad | KERNEL_HALF), 16), efault);
		break;
	case 3:
		iov[0].iov_base = (const void *)bad, iov[0].iov_len = 8;
		describe("writev(1, {%#lx, 8}, 1)", bad);
		expect_error(sys_writev(1, iov, 1), efault);
		break;
	case 4:
		describe("writev(1, %#lx, 1)", bad);
		expect_error(sys_writev(1, (const struct iovec *)bad, 1), efault);
		break;
	case 5: {
		int cnt = one_in(2) ? -1 : 1025 + (int)below(100000);
		iov[0].iov_base = (const void *)bad, iov[0].iov_len = 8;
		describe("writev(1, iov, %d)", cnt);
		expect_error(sys_writev(1, iov, cnt), einval);
		break;
	}
	default:
		iov[0].iov_base = (const void *)bad, iov[0].iov_len = 0x8000000000000000ul;
		describe("writev(1, {%#lx, 2^63}, 1)", bad);
		expect_error(sys_writev(1, iov, 1), efault_einval);
		break;
	}
	after_hostile();
}

static void op_unknown_syscall(void)
{
	uint64_t r = below(4), nr;
	if (r == 0)
		nr = 600 + below(100000);                 /* above Linux's last number */
	else if (r == 1)
		nr = 0x1000000 + below(0x3f000000);       /* below the x32 bit */
	else if (r == 2)
		nr = ((rnd() | 0x100000000ul) & ~0xfffffffful) | (0x80000000ul + below(0x80000000ul)); /* int nr < 0 */
	else
		nr = ~0ul;
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = (long)rnd();
	/* Linux reads the number as an int (entry_64.S sign-extends eax): high bits
	 * above a real number still call it. getpid, which ignores its arguments. */
	bool low_is_real = r == 3 && (a[0] & 1);
	if (low_is_real)
		nr = (((uint64_t)a[1] | 0x100000000ul) & ~0xfffffffful) | SYS_getpid;
	describe("syscall(%#lx, ...)", nr);
	if (low_is_real) {
		if (skipped("nr_high_bits"))
			return;
		return expect(syscall6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]), sys_getpid());
	}
	expect(syscall6((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]), -ENOSYS);
}

/* A MAP_GROWSDOWN mapping placed by the kernel: zero, writable, then unmapped. */
static void op_growsdown(void)
{
	uint32_t n = 1 + (uint32_t)below(8);
	describe("mmap(0, %u pages, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN)", n);
	long r = sys_mmap(0, (uint64_t)n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | 0x0100, -1, 0);
	if (r < 0)
		diverge("returned %ld, expected a mapping", r);
	uint64_t tags[8];
	for (uint32_t i = 0; i < n; i++) {
		tags[i] = next_tag++;
		fill_page((uint64_t)r + i * PAGE_SIZE, tags[i]);
	}
	adopt((uint64_t)r, n, PROT_READ | PROT_WRITE, false, tags, n);
}

/* Every page of the model compared, mapped runs probed mapped, free runs free. */
static void verify_all(void)
{
	describe("verify the whole arena");
	for (uint32_t i = 0; i < ARENA_PAGES;) {
		uint32_t j = i;
		bool m = mapped(i);
		while (j < ARENA_PAGES && mapped(j) == m)
			j++;
		uint64_t a = page_addr(i), len = (uint64_t)(j - i) * PAGE_SIZE;
		if (m) {
			long r = sys_madvise((void *)a, len, MADV_NORMAL);
			if (r)
				diverge("madvise(%#lx, %#lx, NORMAL) over a mapped run returned %ld", a, len, r);
			for (uint32_t k = i; k < j; k++)
				if (readable(k))
					check_page(k, true);
		} else {
			long r = sys_mmap((void *)a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (r != (long)a)
				diverge("MAP_FIXED_NOREPLACE probe of the free run %#lx+%#lx returned %ld", a, len, r);
			r = sys_munmap((void *)a, len);
			if (r)
				diverge("munmap of the probe %#lx+%#lx returned %ld", a, len, r);
		}
		i = j;
	}
	uint64_t base = (brk0 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (uint64_t a = base; a < brk_cur; a += PAGE_SIZE) {
		const volatile uint64_t *p = (const volatile uint64_t *)a;
		uint64_t tag = brk_tag[(a - base) / PAGE_SIZE];
		for (uint32_t w = 0; w < WORDS; w++)
			if (p[w] != content_word(tag, w))
				diverge("break page %#lx word %u holds %#lx, expected %#lx", a, w, p[w], content_word(tag, w));
	}
}

static uint64_t parse_number(const char *s)
{
	uint64_t v = 0, b = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, b = 16;
	for (; *s; s++) {
		uint64_t d = *s >= '0' && *s <= '9' ? (uint64_t)(*s - '0')
			   : (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (uint64_t)((*s | 0x20) - 'a' + 10) : 99;
		if (d >= b)
			break;
		v = v * b + d;
	}
	return v;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	seed = 1;
	op_count = 2000;
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "seed=", 5))
			seed = parse_number(argv[i] + 5);
		else if (!strncmp(argv[i], "ops=", 4))
			op_count = parse_number(argv[i] + 4);
		else if (!strncmp(argv[i], "verify=", 7))
			verify_every = parse_number(argv[i] + 7);
		else if (!strncmp(argv[i], "trace=", 6))
			trace_from = parse_number(argv[i] + 6);
		else if (!strncmp(argv[i], "only=", 5))
			trace_only = argv[i] + 5;
		else if (!strncmp(argv[i], "skip=", 5) && skip_count < sizeof(skip_lists) / sizeof(skip_lists[0]))
			skip_lists[skip_count++] = argv[i] + 5;
		else {
			rt_test("arguments", RT_FAIL, "unknown argument \"%s\" (seed= ops= verify= trace= only= skip=)", argv[i]);
			return 1;
		}
	}
	rng = seed;
	on_faultline = fl_on_faultline();

	/* The arena must be free: one probe over all of it. */
	long r = sys_mmap((void *)ARENA_BASE, ARENA_PAGES * PAGE_SIZE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (r != (long)ARENA_BASE || sys_munmap((void *)ARENA_BASE, ARENA_PAGES * PAGE_SIZE)) {
		rt_test("arena", RT_FAIL, "the arena %#lx+%#lx is not free: probe returned %ld", ARENA_BASE,
			ARENA_PAGES * PAGE_SIZE, r);
		return 1;
	}
	brk0 = brk_cur = (uint64_t)sys_brk(0);

	static const struct { enum kind k; uint32_t weight; } mix[] = {
		{ K_READ, 240 }, { K_WRITE, 200 }, { K_MMAP, 130 }, { K_MUNMAP, 70 }, { K_MPROTECT, 80 },
		{ K_MREMAP, 80 }, { K_MADVISE, 70 }, { K_BRK, 30 }, { K_HOSTILE_MM, 70 }, { K_HOSTILE_IO, 20 },
		{ K_UNKNOWN_SYSCALL, 5 }, { K_GROWSDOWN, 5 },
	};
	uint32_t total_weight = 0;
	for (uint32_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
		total_weight += mix[i].weight;

	for (op_no = 0; op_no < op_count; op_no++) {
		uint32_t x = (uint32_t)below(total_weight), i = 0;
		while (x >= mix[i].weight)
			x -= mix[i++].weight;
		cur_kind = mix[i].k;
		kind_ops[cur_kind]++;
		switch (cur_kind) {
		case K_MMAP: op_mmap(); break;
		case K_MUNMAP: op_munmap(); break;
		case K_MPROTECT: op_mprotect(); break;
		case K_MREMAP: op_mremap(); break;
		case K_MADVISE: op_madvise(); break;
		case K_BRK: op_brk(); break;
		case K_READ: op_read(); break;
		case K_WRITE: op_write(); break;
		case K_HOSTILE_MM: op_hostile_mm(); break;
		case K_HOSTILE_IO: op_hostile_io(); break;
		case K_UNKNOWN_SYSCALL: op_unknown_syscall(); break;
		case K_GROWSDOWN: op_growsdown(); break;
		default: break;
		}
		if (verify_every && (op_no + 1) % verify_every == 0) {
			cur_kind = K_VERIFY;
			kind_ops[K_VERIFY]++;
			verify_all();
			fl_progress(op_no + 1, op_count);
		}
	}
	cur_kind = K_VERIFY;
	kind_ops[K_VERIFY]++;
	verify_all();
	for (uint32_t k = 0; k < K_COUNT; k++)
		rt_test(kind_name[k], RT_PASS, "seed=%lu: %lu operations as the model predicted (%lu of them errors)", seed,
			kind_ops[k], kind_errors[k]);
	rt_test("ops", RT_PASS, "seed=%lu: %lu operations, no divergence", seed, op_count);
	return 0;
}
