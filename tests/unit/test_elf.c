/*
 * Host tests for kernel/elf.c. ELF files are built in memory from a small
 * description (struct spec): a static executable laid out like musl-gcc's
 * output and a static PIE laid out like lld's, then each rejection case is
 * one change to them. Every file is parsed from a malloc block of exactly its
 * size, so AddressSanitizer sees any read past its end. Every accepted file
 * is also checked against the invariants a loader relies on, which is how
 * 20 000 randomly damaged headers are judged. If musl-gcc is installed, real
 * static and static-PIE programs are compiled and parsed too.
 */
#define _DEFAULT_SOURCE            /* POSIX (getpid, mkdir) under -std=c11 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "../../kernel/elf.c"

#define USER_TOP_4LEVEL 0x00007ffffffff000ull   /* 2^47 minus the guard page */
#define USER_TOP_5LEVEL 0x00fffffffffff000ull   /* 2^56 minus the guard page */

#define PT_NULL    0
#define PT_DYNAMIC 2
#define R  PF_R
#define W  PF_W
#define X  PF_X

/* ---- building ELF files ---- */

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct spec {
	uint8_t ident[16];
	uint16_t type, machine, phentsize, phnum;   /* phnum: the header field */
	uint32_t version;
	uint64_t entry, phoff;
	uint32_t nph;                                /* program headers written */
	struct ph ph[80];
	uint64_t size;                               /* file size */
};

static void put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Returns a malloc'd file of exactly s->size bytes (the caller frees it). */
static uint8_t *build(const struct spec *s)
{
	uint64_t span = s->size > 64 ? s->size : 64;
	if (s->phoff < (1u << 20) && s->phoff + 56ull * s->nph > span)
		span = s->phoff + 56ull * s->nph;
	uint8_t *tmp = calloc(1, span);
	for (uint64_t i = 0; i < span; i++)
		tmp[i] = (uint8_t)(i * 7 + 3);
	memcpy(tmp, s->ident, 16);
	put(tmp + 16, s->type, 2);
	put(tmp + 18, s->machine, 2);
	put(tmp + 20, s->version, 4);
	put(tmp + 24, s->entry, 8);
	put(tmp + 32, s->phoff, 8);
	put(tmp + 40, 0, 8);            /* no section headers */
	put(tmp + 48, 0, 4);
	put(tmp + 52, 64, 2);
	put(tmp + 54, s->phentsize, 2);
	put(tmp + 56, s->phnum, 2);
	put(tmp + 58, 64, 2);
	put(tmp + 60, 0, 4);
	if (s->phoff < (1u << 20)) {
		for (uint32_t i = 0; i < s->nph; i++) {
			uint8_t *p = tmp + s->phoff + 56ull * i;
			const struct ph *h = &s->ph[i];
			put(p, h->type, 4);
			put(p + 4, h->flags, 4);
			put(p + 8, h->offset, 8);
			put(p + 16, h->vaddr, 8);
			put(p + 24, h->vaddr, 8);
			put(p + 32, h->filesz, 8);
			put(p + 40, h->memsz, 8);
			put(p + 48, h->align, 8);
		}
	}
	uint8_t *file = malloc(s->size ? s->size : 1);
	memcpy(file, tmp, s->size);
	free(tmp);
	return file;
}

static void base_spec(struct spec *s, uint16_t type)
{
	memset(s, 0, sizeof(*s));
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	memcpy(s->ident, ident, 16);
	s->type = type;
	s->machine = 62;
	s->version = 1;
	s->phentsize = 56;
	s->phoff = 64;
}

static void add_ph(struct spec *s, uint32_t type, uint32_t flags, uint64_t offset,
		   uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	s->ph[s->nph++] = (struct ph){ type, flags, offset, vaddr, filesz, memsz, align };
	s->phnum = (uint16_t)s->nph;
}

/* A static ET_EXEC shaped like `musl-gcc -static` output (6 headers). */
static void static_exec(struct spec *s)
{
	base_spec(s, ELF_ET_EXEC);
	s->entry = 0x401056;
	add_ph(s, PT_LOAD, R, 0x0, 0x400000, 0x1c8, 0x1c8, 0x1000);
	add_ph(s, PT_LOAD, R | X, 0x1000, 0x401000, 0x3bb7, 0x3bb7, 0x1000);
	add_ph(s, PT_LOAD, R, 0x5000, 0x405000, 0xc94, 0xc94, 0x1000);
	add_ph(s, PT_LOAD, R | W, 0x5fbc, 0x406fbc, 0x154, 0x7fc, 0x1000);
	add_ph(s, PT_TLS, R, 0x5fbc, 0x406fbc, 0x4, 0x8, 0x4);
	add_ph(s, PT_GNU_STACK, R | W, 0, 0, 0, 0, 0x10);
	s->size = 0x5fbc + 0x154;
}

/* A static-PIE ET_DYN shaped like lld output, with PT_PHDR and an executable stack. */
static void static_pie(struct spec *s)
{
	base_spec(s, ELF_ET_DYN);
	s->entry = 0x1076;
	add_ph(s, PT_PHDR, R, 0x40, 0x40, 5 * 56, 5 * 56, 8);
	add_ph(s, PT_LOAD, R, 0x0, 0x0, 0x4f0, 0x4f0, 0x1000);
	add_ph(s, PT_LOAD, R | X, 0x1000, 0x1000, 0x17c, 0x17c, 0x1000);
	add_ph(s, PT_LOAD, R | W, 0x2dfc, 0x3dfc, 0x21c, 0x224, 0x1000);
	add_ph(s, PT_GNU_STACK, R | W | X, 0, 0, 0, 0, 0x10);
	s->size = 0x2dfc + 0x21c;
}

/* ---- what a loader relies on ---- */

static uint64_t page_up(uint64_t a) { return (a + 0xfff) & ~0xfffull; }

/*
 * Returns 0 if the parsed image img of a size-byte file satisfies every
 * promise of kernel/elf.h, else a description of the first broken one.
 */
static const char *broken_invariant(const struct elf_image *img, uint64_t size, uint64_t user_top)
{
	if (img->error)
		return "error set on success";
	if (img->type != ELF_ET_EXEC && img->type != ELF_ET_DYN)
		return "type";
	if ((img->load_bias & 0xfff) || (img->type == ELF_ET_EXEC && img->load_bias))
		return "load bias";
	if (img->segment_count == 0 || img->segment_count > ELF_MAX_PHDRS)
		return "segment count";
	if (img->phent != 56 || img->phnum == 0 || img->phnum > ELF_MAX_PHDRS ||
	    img->segment_count > img->phnum)
		return "phent/phnum";
	uint64_t lowest = UINT64_MAX, highest = 0;
	int entry_ok = 0, phdr_ok = img->phdr_addr == 0;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segments[i];
		if ((s->vaddr & 0xfff) || (s->file_offset & 0xfff))
			return "segment not page-aligned";
		if (s->vaddr < MMAP_MIN_ADDR)
			return "segment below mmap_min_addr";
		if (!(s->vaddr <= s->filesz_end && s->filesz_end <= s->memsz_end && s->vaddr < s->memsz_end))
			return "segment bounds out of order";
		if (s->memsz_end > user_top || page_up(s->memsz_end) > user_top)
			return "segment reaches user_top";
		if (s->file_offset > size || s->filesz_end - s->vaddr > size - s->file_offset)
			return "segment file bytes outside the file";
		if (s->prot & ~7u)
			return "prot bits";
		for (uint32_t k = 0; k < i; k++) {
			const struct elf_segment *o = &img->segments[k];
			if (s->vaddr < page_up(o->memsz_end) && o->vaddr < page_up(s->memsz_end))
				return "segments share a page";
		}
		if ((s->prot & ELF_PROT_EXEC) && img->entry >= s->vaddr && img->entry < s->memsz_end)
			entry_ok = 1;
		if (img->phdr_addr >= s->vaddr && img->phdr_addr < s->memsz_end &&
		    img->phnum * 56ull <= s->memsz_end - img->phdr_addr)
			phdr_ok = 1;
		if (s->vaddr < lowest)
			lowest = s->vaddr;
		if (page_up(s->memsz_end) > highest)
			highest = page_up(s->memsz_end);
	}
	if (!entry_ok)
		return "entry not in an executable segment";
	if (!phdr_ok)
		return "program headers not inside a segment";
	if (img->load_start != lowest || img->brk_start != highest)
		return "load_start/brk_start";
	return 0;
}

/*
 * Reads the byte a loader following img would put at user address va:
 * the file byte for file-backed addresses, 0 for the rest of the segment.
 * Returns -1 if va is not in any segment.
 */
static int loaded_byte(const struct elf_image *img, const uint8_t *file, uint64_t va)
{
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segments[i];
		if (va < s->vaddr || va >= page_up(s->memsz_end))
			continue;
		if (va < s->filesz_end)
			return file[s->file_offset + (va - s->vaddr)];
		return 0;
	}
	return -1;
}

/* Builds s, parses it with user_top and checks the invariants if accepted. */
static int parse_spec(const struct spec *s, uint64_t user_top, struct elf_image *img)
{
	uint8_t *file = build(s);
	int rc = elf_parse(file, s->size, user_top, img);
	if (rc == 0) {
		const char *broken = broken_invariant(img, s->size, user_top);
		CHECK(broken == 0);
		if (broken)
			printf("  invariant: %s\n", broken);
	}
	free(file);
	return rc;
}

#define CHECK_SEG(img, i, va, mend, off, fend, pr) do { \
	CHECK_EQ_U64((img).segments[i].vaddr, va); \
	CHECK_EQ_U64((img).segments[i].memsz_end, mend); \
	CHECK_EQ_U64((img).segments[i].file_offset, off); \
	CHECK_EQ_U64((img).segments[i].filesz_end, fend); \
	CHECK_EQ_U64((img).segments[i].prot, pr); \
} while (0)

#define CHECK_REJECT(spec, top, err, why) do { \
	struct elf_image _img; \
	CHECK_EQ_U64(parse_spec(&(spec), top, &_img), (uint64_t)-(err)); \
	CHECK_STR(_img.error, why); \
} while (0)

/* ---- accepted images, every output field ---- */

TEST(static_exec_is_described_exactly)
{
	struct spec s;
	struct elf_image img;
	static_exec(&s);
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK(img.error == 0);
	CHECK_EQ_U64(img.type, ELF_ET_EXEC);
	CHECK_EQ_U64(img.load_bias, 0);
	CHECK_EQ_U64(img.entry, 0x401056);
	CHECK_EQ_U64(img.segment_count, 4);
	CHECK_SEG(img, 0, 0x400000, 0x4001c8, 0x0, 0x4001c8, ELF_PROT_READ);
	CHECK_SEG(img, 1, 0x401000, 0x404bb7, 0x1000, 0x404bb7, ELF_PROT_READ | ELF_PROT_EXEC);
	CHECK_SEG(img, 2, 0x405000, 0x405c94, 0x5000, 0x405c94, ELF_PROT_READ);
	/* .data starts mid-page: the page and its file offset round down together. */
	CHECK_SEG(img, 3, 0x406000, 0x4077b8, 0x5000, 0x407110, ELF_PROT_READ | ELF_PROT_WRITE);
	CHECK_EQ_U64(img.phdr_addr, 0x400040);   /* first PT_LOAD maps file offset 0 at 0x400000 */
	CHECK_EQ_U64(img.phent, 56);
	CHECK_EQ_U64(img.phnum, 6);
	CHECK_EQ_U64(img.load_start, 0x400000);
	CHECK_EQ_U64(img.brk_start, 0x408000);
	CHECK_EQ_U64(img.exec_stack, 0);
	CHECK_EQ_U64(img.has_tls, 1);
	CHECK_EQ_U64(img.tls_vaddr, 0x406fbc);
	CHECK_EQ_U64(img.tls_filesz, 4);
	CHECK_EQ_U64(img.tls_memsz, 8);
	CHECK_EQ_U64(img.tls_align, 4);

	/* What the loader puts at AT_PHDR is the program header table itself. */
	uint8_t *file = build(&s);
	int same = 1;
	for (uint32_t i = 0; i < 6 * 56; i++)
		same &= loaded_byte(&img, file, img.phdr_addr + i) == file[64 + i];
	CHECK(same);
	CHECK_EQ_U64(loaded_byte(&img, file, 0x406fbb), file[0x5fbb]);   /* before .data, same page */
	CHECK_EQ_U64(loaded_byte(&img, file, 0x40710f), file[0x610f]);   /* last file byte */
	CHECK_EQ_U64(loaded_byte(&img, file, 0x407110), 0);              /* bss */
	CHECK_EQ_U64(loaded_byte(&img, file, 0x407fff), 0);
	CHECK_EQ_U64((uint64_t)loaded_byte(&img, file, 0x408000), (uint64_t)-1);
	free(file);
}

TEST(static_pie_is_loaded_at_et_dyn_base)
{
	struct spec s;
	struct elf_image img;
	static_pie(&s);
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.type, ELF_ET_DYN);
	CHECK_EQ_U64(img.load_bias, 0x555555554000);
	CHECK_EQ_U64(img.entry, 0x555555555076);
	CHECK_EQ_U64(img.segment_count, 3);
	CHECK_SEG(img, 0, 0x555555554000, 0x5555555544f0, 0x0, 0x5555555544f0, ELF_PROT_READ);
	CHECK_SEG(img, 1, 0x555555555000, 0x55555555517c, 0x1000, 0x55555555517c,
		  ELF_PROT_READ | ELF_PROT_EXEC);
	CHECK_SEG(img, 2, 0x555555557000, 0x555555558020, 0x2000, 0x555555558018,
		  ELF_PROT_READ | ELF_PROT_WRITE);
	CHECK_EQ_U64(img.phdr_addr, 0x555555554040);
	CHECK_EQ_U64(img.phnum, 5);
	CHECK_EQ_U64(img.load_start, 0x555555554000);
	CHECK_EQ_U64(img.brk_start, 0x555555559000);
	CHECK_EQ_U64(img.exec_stack, 1);
	CHECK_EQ_U64(img.has_tls, 0);
}

TEST(pt_phdr_is_preferred_over_e_phoff)
{
	struct spec s;
	struct elf_image img;
	static_pie(&s);
	s.ph[0].vaddr = 0x100;      /* says the table is mapped at 0x100 */
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phdr_addr, 0x555555554100);

	/* Without PT_PHDR and with the table in no segment's file bytes: 0. */
	static_exec(&s);
	s.ph[1].filesz = s.ph[1].memsz = 0x3000;   /* text's file bytes now end at 0x4000 */
	s.phoff = 0x4100;                          /* in the gap before rodata's 0x5000 */
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phdr_addr, 0);

	/* A table straddling the end of a segment's file bytes is not "in" it. */
	static_exec(&s);
	s.ph[0].filesz = s.ph[0].memsz = 64 + 6 * 56 - 1;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phdr_addr, 0);
	s.ph[0].filesz = s.ph[0].memsz = 64 + 6 * 56;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phdr_addr, 0x400040);
}

TEST(et_dyn_bias_keeps_alignment_and_lowest_address)
{
	struct spec s;
	struct elf_image img;
	/* Linked at 0x10000: its lowest page still lands on ELF_ET_DYN_BASE. */
	static_pie(&s);
	for (uint32_t i = 0; i < 4; i++)
		s.ph[i].vaddr += 0x10000;
	s.entry += 0x10000;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.load_bias, 0x555555544000);
	CHECK_EQ_U64(img.segments[0].vaddr, 0x555555554000);
	CHECK_EQ_U64(img.entry, 0x555555555076);
	CHECK_EQ_U64(img.phdr_addr, 0x555555554040);

	/* 2 MiB p_align: the bias is rounded down to 2 MiB. */
	static_pie(&s);
	s.ph[2].align = 0x200000;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.load_bias, 0x555555400000);
	CHECK_EQ_U64(img.entry, 0x555555401076);

	/* Absurd or non-power-of-two p_align is treated as page alignment. */
	static_pie(&s);
	s.ph[1].align = 0x3000;
	s.ph[2].align = 1ull << 40;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.load_bias, 0x555555554000);

	/* An ET_DYN already linked above the base stays where it is. */
	static_pie(&s);
	for (uint32_t i = 0; i < 4; i++)
		s.ph[i].vaddr += 0x600000000000ull;
	s.entry += 0x600000000000ull;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.load_bias, 0);
	CHECK_EQ_U64(img.entry, 0x600000001076);
}

TEST(boundaries_that_are_accepted)
{
	struct spec s;
	struct elf_image img;
	/* Lowest allowed address: 64 KiB, and a start inside that page. */
	static_exec(&s);
	s.ph[0].vaddr = 0x10000;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.load_start, 0x10000);
	s.ph[0].offset = 0x40;       /* keep the congruence: 0x10040 <-> 0x40 */
	s.ph[0].vaddr = 0x10040;
	s.ph[0].filesz = s.ph[0].memsz = 0x188;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_SEG(img, 0, 0x10000, 0x101c8, 0, 0x101c8, ELF_PROT_READ);

	/* The highest segment may end exactly at user_top, or inside its last page. */
	static_exec(&s);
	CHECK_EQ_U64(parse_spec(&s, 0x408000, &img), 0);
	CHECK_EQ_U64(img.brk_start, 0x408000);
	s.ph[3].memsz = 0x408000 - 0x406fbc;
	CHECK_EQ_U64(parse_spec(&s, 0x408000, &img), 0);
	CHECK_EQ_U64(img.segments[3].memsz_end, 0x408000);

	/* Entry at the last byte of the text segment. */
	static_exec(&s);
	s.entry = 0x401000 + 0x3bb7 - 1;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.entry, 0x404bb6);

	/* Segments in adjacent pages, and 64 program headers (58 of them PT_NULL). */
	static_exec(&s);
	while (s.nph < 64)
		add_ph(&s, PT_NULL, 0, 0, 0, 0, 0, 0);
	s.ph[0].filesz = s.ph[0].memsz = 64 + 64 * 56;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phnum, 64);
	CHECK_EQ_U64(img.segment_count, 4);
	CHECK_EQ_U64(img.phdr_addr, 0x400040);

	/* A PT_LOAD with p_memsz 0 maps nothing and is left out. */
	static_exec(&s);
	add_ph(&s, PT_LOAD, R, 0, 0x400000, 0, 0, 0x1000);
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.segment_count, 4);
	CHECK_EQ_U64(img.phnum, 7);

	/* Without PT_GNU_STACK the stack is not executable; PT_DYNAMIC alone is fine. */
	static_pie(&s);
	s.ph[4].type = PT_DYNAMIC;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.exec_stack, 0);

	/* Above 2^47: only with a 5-level user half. */
	static_exec(&s);
	for (uint32_t i = 0; i < 5; i++)
		s.ph[i].vaddr += 0xf0000000000000ull;
	s.entry += 0xf0000000000000ull;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_5LEVEL, &img), 0);
	CHECK_EQ_U64(img.entry, 0xf0000000401056ull);
	CHECK_EQ_U64(img.brk_start, 0xf0000000408000ull);
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), (uint64_t)-ELF_EINVAL);
}

/* ---- rejected images ---- */

TEST(bad_identity_is_rejected)
{
	struct spec s;
	static_exec(&s); s.ident[0] = 0x7e;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad ELF magic");
	static_exec(&s); s.ident[3] = 'f';
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad ELF magic");
	static_exec(&s); s.ident[4] = 1;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not ELF64");
	static_exec(&s); s.ident[5] = 2;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not little-endian");
	static_exec(&s); s.ident[6] = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad ELF version");
	static_exec(&s); s.version = 2;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad ELF version");
	static_exec(&s); s.machine = 3;          /* EM_386 */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not x86-64");
	static_exec(&s); s.machine = 183;        /* EM_AARCH64 */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not x86-64");
	static_exec(&s); s.type = 1;             /* ET_REL */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not an executable (ET_EXEC/ET_DYN)");
	static_exec(&s); s.type = 4;             /* ET_CORE */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "not an executable (ET_EXEC/ET_DYN)");
	static_exec(&s); s.phentsize = 32;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad e_phentsize");
	/* Truncated below the ELF header: nothing past the end may be read. */
	for (uint64_t size = 0; size < 64; size++) {
		static_exec(&s); s.size = size;
		CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "bad ELF magic");
	}
}

TEST(program_header_table_problems_are_rejected)
{
	struct spec s;
	static_exec(&s);
	while (s.nph < 65)
		add_ph(&s, PT_NULL, 0, 0, 0, 0, 0, 0);
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "too many program headers");
	static_exec(&s); s.phnum = 0xffff;       /* PN_XNUM: not supported either */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "too many program headers");

	/* The table must lie wholly inside the file. */
	static_exec(&s); s.phoff = s.size - 6 * 56 + 1;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "program headers outside the file");
	static_exec(&s); s.phoff = s.size - 6 * 56;       /* ends exactly at the end: fine */
	struct elf_image img;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.phdr_addr, 0x406fc0);             /* inside .data's file bytes */
	static_exec(&s); s.phoff = 0xffffffffffffff00ull;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "program headers outside the file");
	static_exec(&s); s.size = 64 + 3 * 56;   /* file cut inside the table */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "program headers outside the file");

	/* No PT_LOAD: none at all, none left, only empty ones. */
	static_exec(&s); s.phnum = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "no PT_LOAD segment");
	static_exec(&s);
	for (uint32_t i = 0; i < 4; i++)
		s.ph[i].type = PT_NULL;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "no PT_LOAD segment");
	static_exec(&s);
	for (uint32_t i = 0; i < 4; i++)
		s.ph[i].filesz = s.ph[i].memsz = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "no PT_LOAD segment");

	/* PT_PHDR naming an address no PT_LOAD covers. */
	static_pie(&s); s.ph[0].vaddr = 0x600;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "PT_PHDR not inside a PT_LOAD");
}

TEST(dynamic_executables_are_rejected)
{
	struct spec s;
	static_pie(&s);
	s.ph[4] = (struct ph){ PT_INTERP, R, 0x200, 0x200, 0x1c, 0x1c, 1 };
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ELIBACC, "dynamically linked (PT_INTERP)");
	static_exec(&s);
	add_ph(&s, PT_INTERP, R, 0x200, 0x400200, 0x1c, 0x1c, 1);
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ELIBACC, "dynamically linked (PT_INTERP)");
}

TEST(bad_segments_are_rejected)
{
	struct spec s;
	/* File bytes past the end of the file, or an offset that wraps. */
	static_exec(&s); s.ph[3].filesz += 1;
	s.ph[3].memsz += 1;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "PT_LOAD data outside the file");
	static_exec(&s); s.ph[1].offset = 0xfffffffffffff000ull;
	s.ph[1].vaddr = 0x401000;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "PT_LOAD data outside the file");
	/* Even a bss-only segment's offset must be in the file: the head of its
	 * first page is mapped from there. */
	static_exec(&s); s.ph[3].filesz = 0;
	s.ph[3].offset = 0x7fbc;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "PT_LOAD data outside the file");

	static_exec(&s); s.ph[3].filesz = s.ph[3].memsz + 1;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD p_filesz > p_memsz");
	static_exec(&s); s.ph[0].filesz = 1;
	s.ph[0].memsz = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD p_filesz > p_memsz");

	static_exec(&s); s.ph[1].offset = 0x1001;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD p_offset and p_vaddr not congruent mod page size");
	static_exec(&s); s.ph[3].vaddr = 0x406fbd;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD p_offset and p_vaddr not congruent mod page size");
}

TEST(overlapping_segments_are_rejected)
{
	struct spec s;
	/* Byte overlap: text runs into rodata. */
	static_exec(&s); s.ph[1].filesz = s.ph[1].memsz = 0x4001;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD segments overlap");
	/* No byte overlap but a shared page (0x405000) with different rights. */
	static_exec(&s); s.ph[3].offset = 0x4fbc;
	s.ph[3].vaddr = 0x405fbc;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD segments overlap");
	/* The same segment twice; and a later one wholly inside an earlier one. */
	static_exec(&s); s.ph[2] = s.ph[1];
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD segments overlap");
	static_exec(&s);
	add_ph(&s, PT_LOAD, R, 0x2000, 0x402000, 0x10, 0x10, 0x1000);
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD segments overlap");
	/* Out of order but disjoint is fine. */
	static_exec(&s);
	struct ph t = s.ph[0];
	s.ph[0] = s.ph[3];
	s.ph[3] = t;
	struct elf_image img;
	CHECK_EQ_U64(parse_spec(&s, USER_TOP_4LEVEL, &img), 0);
	CHECK_EQ_U64(img.segments[0].vaddr, 0x406000);
	CHECK_EQ_U64(img.load_start, 0x400000);
	CHECK_EQ_U64(img.brk_start, 0x408000);
}

TEST(addresses_out_of_range_are_rejected)
{
	struct spec s;
	/* Below mmap_min_addr. */
	static_exec(&s); s.ph[0].vaddr = 0xf000;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EPERM, "PT_LOAD below mmap_min_addr");
	static_exec(&s); s.ph[0].vaddr = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EPERM, "PT_LOAD below mmap_min_addr");
	/* Reaching user_top: one byte past it, or into the page that starts there. */
	static_exec(&s); s.ph[3].memsz = 0x408000 - 0x406fbc + 1;
	CHECK_REJECT(s, 0x408000, ELF_EINVAL, "PT_LOAD reaches the top of user space");
	static_exec(&s);
	CHECK_REJECT(s, 0x407fff, ELF_EINVAL, "PT_LOAD reaches the top of user space");
	static_exec(&s); s.ph[3].vaddr += 0x800000000000ull;   /* kernel half */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD reaches the top of user space");
	/* Wrapping past 2^64: in the end itself, in the page rounding, after the bias. */
	static_exec(&s); s.ph[3].memsz = UINT64_MAX - 0x100;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD address overflow");
	static_exec(&s); s.ph[3].vaddr = 0xfffffffffffff000ull + 0xfbc;
	s.ph[3].memsz = 0x43;        /* ends at 2^64 - 1: rounding up wraps */
	s.ph[3].filesz = 0x40;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD address overflow");
	static_pie(&s); s.ph[3].vaddr = 0xffffffff00000000ull + 0xdfc;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "PT_LOAD address overflow");
	/* A PT_TLS that wraps or has more file bytes than memory. */
	static_exec(&s); s.ph[4].memsz = UINT64_MAX;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "bad PT_TLS");
	static_exec(&s); s.ph[4].filesz = 9;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "bad PT_TLS");
	static_pie(&s);
	add_ph(&s, PT_TLS, R, 0, 0xfffffffffffff000ull, 0, 0x800, 8);
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_EINVAL, "bad PT_TLS");   /* wraps only once biased */
}

TEST(entry_outside_executable_code_is_rejected)
{
	struct spec s;
	static_exec(&s); s.entry = 0x400010;                 /* read-only headers */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	static_exec(&s); s.entry = 0x401000 + 0x3bb7;        /* one past the text */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	static_exec(&s); s.entry = 0x400fff;                 /* page before text's start */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	static_exec(&s); s.entry = 0;
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	static_exec(&s); s.ph[1].flags = R;                  /* no executable segment at all */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	static_pie(&s); s.entry = 0x555555555076;            /* already biased: not in the file's terms */
	CHECK_REJECT(s, USER_TOP_4LEVEL, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
}

/* ---- hostile input ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Damages the headers of file (size bytes; nph program headers at phoff) in
 * one random way.
 */
static void mutate(uint8_t *file, uint64_t *size, uint64_t phoff, uint32_t nph)
{
	static const uint64_t interesting[] = {
		0, 1, 0xfff, 0x1000, 0xffff, 0x10000, 0x5fbc, 0x6110, 0x6111, 0x400000,
		0x401056, USER_TOP_4LEVEL - 1, USER_TOP_4LEVEL, 0x800000000000ull,
		ELF_ET_DYN_BASE, 0x7fffffffffffffffull, 0x8000000000000000ull,
		UINT64_MAX - 0xfff, UINT64_MAX - 1, UINT64_MAX,
	};
	uint64_t start = 0, end = 64;        /* the ELF header, or the table */
	if (rng() % 3) {
		start = phoff;
		end = phoff + 56ull * nph;
	}
	if (end > *size)
		end = *size;
	if (start >= end)
		return;
	uint64_t at = start + rng() % (end - start);
	switch (rng() % 6) {
	case 0:                                            /* flip a bit */
		file[at] ^= (uint8_t)(1u << (rng() % 8));
		break;
	case 1:                                            /* any byte value */
		file[at] = (uint8_t)rng();
		break;
	case 2: {                                          /* an interesting 64-bit field */
		at &= ~7ull;
		uint64_t v = interesting[rng() % (sizeof(interesting) / sizeof(interesting[0]))];
		for (uint32_t i = 0; i < 8 && at + i < *size; i++)
			file[at + i] = (uint8_t)(v >> (8 * i));
		break;
	}
	case 3: {                                          /* nudge a 64-bit field */
		at &= ~7ull;
		if (at + 8 > *size)
			break;
		uint64_t v = 0;
		for (uint32_t i = 0; i < 8; i++)
			v |= (uint64_t)file[at + i] << (8 * i);
		v += (rng() % 0x2001) - 0x1000;
		for (uint32_t i = 0; i < 8; i++)
			file[at + i] = (uint8_t)(v >> (8 * i));
		break;
	}
	case 4:                                            /* e_phnum */
		if (*size >= 58) {
			uint16_t n = (uint16_t)(rng() % 70);
			file[56] = (uint8_t)n;
			file[57] = (uint8_t)(n >> 8);
		}
		break;
	case 5:                                            /* truncate the file */
		*size = rng() % (*size + 1);
		break;
	}
}

TEST(fuzzed_headers_never_overrun_and_keep_invariants)
{
	struct spec specs[3];
	static_exec(&specs[0]);
	static_pie(&specs[1]);
	static_exec(&specs[2]);
	specs[2].phoff = specs[2].size - 6 * 56;   /* table at the very end of the file */
	specs[2].ph[0].filesz = specs[2].ph[0].memsz = 0x1000;
	uint32_t accepted = 0, rejected = 0, broken = 0, bad_errors = 0;
	for (uint32_t iter = 0; iter < 20000; iter++) {
		const struct spec *s = &specs[iter % 3];
		uint8_t *orig = build(s);
		uint64_t size = s->size;
		uint32_t rounds = 1 + (uint32_t)(rng() % 8);
		for (uint32_t r = 0; r < rounds; r++)
			mutate(orig, &size, s->phoff, s->nph);
		/* Exactly size bytes, so any read past the end is an ASan error. */
		uint8_t *file = malloc(size ? size : 1);
		memcpy(file, orig, size);
		free(orig);
		uint64_t top = (iter & 4) ? USER_TOP_5LEVEL : USER_TOP_4LEVEL;
		struct elf_image img;
		int rc = elf_parse(file, size, top, &img);
		if (rc == 0) {
			accepted++;
			const char *why = broken_invariant(&img, size, top);
			if (why) {
				if (broken++ < 5)
					printf("  iteration %u: %s\n", iter, why);
			}
		} else {
			rejected++;
			if (!img.error || (rc != -ELF_EPERM && rc != -ELF_ENOEXEC &&
					   rc != -ELF_EINVAL && rc != -ELF_ELIBACC))
				bad_errors++;
		}
		free(file);
	}
	printf("  fuzz: %u accepted, %u rejected\n", accepted, rejected);
	CHECK_EQ_U64(broken, 0);
	CHECK_EQ_U64(bad_errors, 0);
	CHECK_EQ_U64(accepted + rejected, 20000);
	CHECK(accepted > 1000);      /* the mutations reach the accepting paths too */
	CHECK(rejected > 1000);
}

/* ---- real programs, if musl-gcc is installed ---- */

static uint8_t *read_whole_file(const char *path, uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (n <= 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return 0;
	}
	fclose(f);
	*size = (uint64_t)n;
	return buf;
}

static int run(const char *cmd)
{
	return system(cmd);
}

/*
 * Parses the compiled program at path and checks what a loader needs:
 * accepted with the expected type, entry in an executable segment (the
 * invariants), the AT_PHDR bytes as mapped equal to the file's table, TLS.
 * Returns elf_parse's result.
 */
static int check_real_program(const char *path, uint16_t want_type)
{
	uint64_t size;
	uint8_t *file = read_whole_file(path, &size);
	CHECK(file != 0);
	if (!file)
		return -1;
	struct elf_image img;
	int rc = elf_parse(file, size, USER_TOP_4LEVEL, &img);
	if (rc == 0) {
		const char *broken = broken_invariant(&img, size, USER_TOP_4LEVEL);
		CHECK(broken == 0);
		CHECK_EQ_U64(img.type, want_type);
		CHECK_EQ_U64(img.load_bias, want_type == ELF_ET_DYN ? ELF_ET_DYN_BASE : 0);
		CHECK(img.segment_count >= 2);
		CHECK(img.phdr_addr != 0);
		uint64_t phoff = rd64(file + 32);
		int same = img.phdr_addr != 0;
		for (uint32_t i = 0; same && i < img.phnum * 56u; i++)
			same = loaded_byte(&img, file, img.phdr_addr + i) == file[phoff + i];
		CHECK(same);
		CHECK_EQ_U64(img.has_tls, 1);          /* the program has a __thread variable */
		CHECK(img.tls_memsz >= 4);
		CHECK_EQ_U64(img.exec_stack, 0);
		uint32_t exec_segments = 0;
		for (uint32_t i = 0; i < img.segment_count; i++)
			exec_segments += (img.segments[i].prot & ELF_PROT_EXEC) != 0;
		CHECK_EQ_U64(exec_segments, 1);
		printf("  %s: %u segments, entry 0x%llx, brk 0x%llx\n", path, img.segment_count,
		       (unsigned long long)img.entry, (unsigned long long)img.brk_start);
	}
	free(file);
	return rc;
}

TEST(musl_static_programs_parse)
{
	if (run("command -v musl-gcc >/dev/null 2>&1") != 0) {
		printf("  note: musl-gcc not found, real-program checks skipped\n");
		return;
	}
	char dir[64], cmd[2048], path[256];
	snprintf(dir, sizeof(dir), "/tmp/faultline_elf_%d", (int)getpid());
	CHECK_EQ_U64(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/p.c", dir);
	FILE *src = fopen(path, "w");
	CHECK(src != 0);
	if (!src)
		return;
	fputs("#include <stdio.h>\n"
	      "__thread int t = 5;\n"
	      "int main(int c, char **v) { printf(\"%d %s\\n\", t + c, v[0]); return 0; }\n", src);
	fclose(src);

	/* Static ET_EXEC. */
	snprintf(cmd, sizeof(cmd), "musl-gcc -static -O2 %s/p.c -o %s/static", dir, dir);
	CHECK_EQ_U64(run(cmd), 0);
	snprintf(path, sizeof(path), "%s/static", dir);
	CHECK_EQ_U64(check_real_program(path, ELF_ET_EXEC), 0);

	/* A dynamically linked PIE must be refused for its PT_INTERP. */
	snprintf(cmd, sizeof(cmd), "musl-gcc -fPIE -pie -O2 %s/p.c -o %s/dynamic", dir, dir);
	CHECK_EQ_U64(run(cmd), 0);
	snprintf(path, sizeof(path), "%s/dynamic", dir);
	CHECK_EQ_U64(check_real_program(path, ELF_ET_DYN), (uint64_t)-ELF_ELIBACC);

	/*
	 * Static PIE. Some distributions' musl-gcc.specs ignore -static-pie and
	 * link a dynamic PIE; then link it by hand with musl's self-relocating
	 * rcrt1.o, from the directory the musl-gcc wrapper names for its specs.
	 */
	snprintf(cmd, sizeof(cmd), "musl-gcc -static-pie -fPIE -O2 %s/p.c -o %s/spie", dir, dir);
	CHECK_EQ_U64(run(cmd), 0);
	snprintf(path, sizeof(path), "%s/spie", dir);
	int rc = check_real_program(path, ELF_ET_DYN);
	if (rc == -ELF_ELIBACC) {
		printf("  note: musl-gcc -static-pie gave a dynamic PIE; linking with rcrt1.o\n");
		snprintf(cmd, sizeof(cmd),
			 "L=$(sed -n 's|.*-specs \"\\(.*\\)/musl-gcc.specs\".*|\\1|p' \"$(command -v musl-gcc)\") && "
			 "musl-gcc -fPIE -pie -nostartfiles -O2 \"$L/rcrt1.o\" \"$L/crti.o\" "
			 "\"$(musl-gcc -print-file-name=crtbeginS.o)\" %s/p.c "
			 "\"$(musl-gcc -print-file-name=crtendS.o)\" \"$L/crtn.o\" "
			 "-Wl,-static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -o %s/spie2", dir, dir);
		CHECK_EQ_U64(run(cmd), 0);
		snprintf(path, sizeof(path), "%s/spie2", dir);
		rc = check_real_program(path, ELF_ET_DYN);
	}
	CHECK_EQ_U64(rc, 0);
	/* The host runs it (proof the hand link is a real static PIE). */
	snprintf(cmd, sizeof(cmd), "%s a >/dev/null", path);
	CHECK_EQ_U64(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_U64(run(cmd), 0);
}

UNIT_MAIN(
	UNIT(static_exec_is_described_exactly),
	UNIT(static_pie_is_loaded_at_et_dyn_base),
	UNIT(pt_phdr_is_preferred_over_e_phoff),
	UNIT(et_dyn_bias_keeps_alignment_and_lowest_address),
	UNIT(boundaries_that_are_accepted),
	UNIT(bad_identity_is_rejected),
	UNIT(program_header_table_problems_are_rejected),
	UNIT(dynamic_executables_are_rejected),
	UNIT(bad_segments_are_rejected),
	UNIT(overlapping_segments_are_rejected),
	UNIT(addresses_out_of_range_are_rejected),
	UNIT(entry_outside_executable_code_is_rejected),
	UNIT(fuzzed_headers_never_overrun_and_keep_invariants),
	UNIT(musl_static_programs_parse),
)
