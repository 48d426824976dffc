/*
 * ELF64 executables (kernel/elf.h): the checks and layout decisions of
 * Linux's load_elf_binary, without the mapping. Field offsets are from the
 * System V gABI and its x86-64 supplement:
 *   ELF header (64 bytes): e_ident[16] (magic, class, data, version),
 *     e_type@16, e_machine@18, e_version@20, e_entry@24, e_phoff@32,
 *     e_phentsize@54, e_phnum@56;
 *   program header (56 bytes): p_type@0, p_flags@4, p_offset@8,
 *     p_vaddr@16, p_filesz@32, p_memsz@40, p_align@48.
 *
 * Every field is read through rd16/rd32/rd64 after the table it belongs to
 * has been bounds-checked against the file size, and every address sum is
 * overflow-checked, so hostile files are refused rather than followed.
 */
#include "kernel/elf.h"

#define EHDR_SIZE   64u
#define PHDR_SIZE   56u

#define ELFCLASS64   2
#define ELFDATA2LSB  1
#define EV_CURRENT   1
#define EM_X86_64    62

#define PT_LOAD      1
#define PT_INTERP    3
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551u

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define PAGE_OFFSET_MASK (ELF_PAGE_SIZE - 1)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint64_t page_down(uint64_t a) { return a & ~PAGE_OFFSET_MASK; }

/* Sets *sum = a + b. Returns 1, or 0 if the sum does not fit in 64 bits. */
static int add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	*sum = a + b;
	return *sum >= a;
}

/* Rounds a up to a page. Returns 1, or 0 if that wraps past 2^64. */
static int page_up_ok(uint64_t a, uint64_t *up)
{
	if (a > UINT64_MAX - PAGE_OFFSET_MASK)
		return 0;
	*up = page_down(a + PAGE_OFFSET_MASK);
	return 1;
}

/* One program header, decoded (offsets in the file, addresses unbiased). */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = rd32(p);
	ph->flags = rd32(p + 4);
	ph->offset = rd64(p + 8);
	ph->vaddr = rd64(p + 16);
	ph->filesz = rd64(p + 32);
	ph->memsz = rd64(p + 40);
	ph->align = rd64(p + 48);
}

static int reject(struct elf_image *out, int err, const char *why)
{
	out->error = why;
	return -err;
}

/*
 * Checks the ELF header: identity, type, machine, version and a program
 * header table of 1..ELF_MAX_PHDRS entries of the right size inside the file.
 * Returns 0 (type, phent, phnum filled) or -ELF_ENOEXEC.
 */
static int check_elf_header(const uint8_t *file, uint64_t size, struct elf_image *out)
{
	if (size < EHDR_SIZE || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
		return reject(out, ELF_ENOEXEC, "bad ELF magic");
	if (file[4] != ELFCLASS64)
		return reject(out, ELF_ENOEXEC, "not ELF64");
	if (file[5] != ELFDATA2LSB)
		return reject(out, ELF_ENOEXEC, "not little-endian");
	if (file[6] != EV_CURRENT || rd32(file + 20) != EV_CURRENT)
		return reject(out, ELF_ENOEXEC, "bad ELF version");
	uint16_t type = rd16(file + 16);
	if (type != ELF_ET_EXEC && type != ELF_ET_DYN)
		return reject(out, ELF_ENOEXEC, "not an executable (ET_EXEC/ET_DYN)");
	if (rd16(file + 18) != EM_X86_64)
		return reject(out, ELF_ENOEXEC, "not x86-64");
	uint16_t phent = rd16(file + 54), phnum = rd16(file + 56);
	if (phent != PHDR_SIZE)
		return reject(out, ELF_ENOEXEC, "bad e_phentsize");
	if (phnum > ELF_MAX_PHDRS)
		return reject(out, ELF_ENOEXEC, "too many program headers");
	uint64_t phoff = rd64(file + 32), table_end;
	if (!add_ok(phoff, (uint64_t)phnum * PHDR_SIZE, &table_end) || table_end > size)
		return reject(out, ELF_ENOEXEC, "program headers outside the file");
	out->type = type;
	out->phent = phent;
	out->phnum = phnum;
	out->phoff = phoff;
	return 0;
}

/*
 * Checks one PT_LOAD on its own (before the load bias is known): file range
 * inside the file, filesz <= memsz, offset and address congruent modulo the
 * page size, and an end that can be rounded up to a page without wrapping.
 * Returns 0 or a negative error.
 */
static int check_load(const struct phdr *ph, uint64_t size, struct elf_image *out)
{
	uint64_t file_end, mem_end, mem_end_up;
	if (ph->filesz > ph->memsz)
		return reject(out, ELF_EINVAL, "PT_LOAD p_filesz > p_memsz");
	if (!add_ok(ph->offset, ph->filesz, &file_end) || file_end > size)
		return reject(out, ELF_ENOEXEC, "PT_LOAD data outside the file");
	if ((ph->offset & PAGE_OFFSET_MASK) != (ph->vaddr & PAGE_OFFSET_MASK))
		return reject(out, ELF_EINVAL, "PT_LOAD p_offset and p_vaddr not congruent mod page size");
	if (!add_ok(ph->vaddr, ph->memsz, &mem_end) || !page_up_ok(mem_end, &mem_end_up))
		return reject(out, ELF_EINVAL, "PT_LOAD address overflow");
	return 0;
}

/*
 * The load bias of an ET_DYN image: the lowest segment page goes to
 * ELF_ET_DYN_BASE, rounded down to the largest PT_LOAD p_align (a power of
 * two up to ELF_MAX_ALIGN) so that aligned segments stay aligned. An image
 * already linked at or above that base is left where it is.
 */
static uint64_t choose_load_bias(uint64_t lowest_page, uint64_t max_align)
{
	if (lowest_page >= ELF_ET_DYN_BASE)
		return 0;
	return (ELF_ET_DYN_BASE - lowest_page) & ~(max_align - 1);
}

/*
 * The user address of the program header table: PT_PHDR's address if it has
 * one (it must lie inside a PT_LOAD), else where the first PT_LOAD whose file
 * bytes hold the whole table puts it, else 0. Returns 0 or -ELF_ENOEXEC.
 */
static int find_phdr_addr(const uint8_t *phdrs, struct elf_image *out)
{
	uint64_t phoff = out->phoff, table_size = (uint64_t)out->phnum * PHDR_SIZE;
	int have_pt_phdr = 0;
	uint64_t pt_phdr_vaddr = 0;
	struct phdr ph;

	for (uint32_t i = 0; i < out->phnum; i++) {
		read_phdr(phdrs + (uint64_t)i * PHDR_SIZE, &ph);
		if (ph.type == PT_PHDR) {
			have_pt_phdr = 1;
			pt_phdr_vaddr = ph.vaddr;
			break;
		}
	}
	for (uint32_t i = 0; i < out->phnum; i++) {
		read_phdr(phdrs + (uint64_t)i * PHDR_SIZE, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		/* check_load has made vaddr + memsz and offset + filesz safe. */
		if (have_pt_phdr) {
			if (pt_phdr_vaddr >= ph.vaddr && pt_phdr_vaddr - ph.vaddr <= ph.memsz &&
			    table_size <= ph.memsz - (pt_phdr_vaddr - ph.vaddr)) {
				out->phdr_addr = pt_phdr_vaddr + out->load_bias;
				return 0;
			}
		} else if (phoff >= ph.offset && phoff - ph.offset <= ph.filesz &&
			   table_size <= ph.filesz - (phoff - ph.offset)) {
			out->phdr_addr = phoff - ph.offset + ph.vaddr + out->load_bias;
			return 0;
		}
	}
	if (have_pt_phdr)
		return reject(out, ELF_ENOEXEC, "PT_PHDR not inside a PT_LOAD");
	out->phdr_addr = 0;
	return 0;
}

/* Do the page ranges [a.vaddr, page_up(a.memsz_end)) and b's intersect? */
static int segments_share_page(const struct elf_segment *a, const struct elf_segment *b)
{
	uint64_t a_end = page_down(a->memsz_end + PAGE_OFFSET_MASK);
	uint64_t b_end = page_down(b->memsz_end + PAGE_OFFSET_MASK);
	return a->vaddr < b_end && b->vaddr < a_end;
}

/* See kernel/elf.h. */
int elf_parse_header(const uint8_t *ehdr, uint64_t size, struct elf_image *out)
{
	*out = (struct elf_image){ 0 };
	return check_elf_header(ehdr, size, out);
}

/* See kernel/elf.h. */
int elf_parse_phdrs(const uint8_t *ehdr, const uint8_t *phdrs, uint64_t size, uint64_t user_top,
		    struct elf_image *out)
{
	int err;

	/* Pass 1: each program header on its own; the lowest page and alignment. */
	uint64_t lowest_page = UINT64_MAX, max_align = ELF_PAGE_SIZE;
	uint32_t loads = 0;
	struct phdr ph;
	for (uint32_t i = 0; i < out->phnum; i++) {
		read_phdr(phdrs + (uint64_t)i * PHDR_SIZE, &ph);
		switch (ph.type) {
		case PT_INTERP:
			return reject(out, ELF_ELIBACC, "dynamically linked (PT_INTERP)");
		case PT_LOAD:
			if ((err = check_load(&ph, size, out)) != 0)
				return err;
			if (ph.memsz == 0)
				break;
			loads++;
			if (page_down(ph.vaddr) < lowest_page)
				lowest_page = page_down(ph.vaddr);
			if (ph.align > max_align && ph.align <= ELF_MAX_ALIGN && (ph.align & (ph.align - 1)) == 0)
				max_align = ph.align;
			break;
		case PT_TLS:
			if (ph.filesz > ph.memsz || !range_in_user(ph.vaddr, ph.memsz, ~0ull))
				return reject(out, ELF_EINVAL, "bad PT_TLS");
			out->has_tls = 1;
			out->tls_vaddr = ph.vaddr;
			out->tls_filesz = ph.filesz;
			out->tls_memsz = ph.memsz;
			out->tls_align = ph.align;
			break;
		case PT_GNU_STACK:
			out->exec_stack = (ph.flags & PF_X) != 0;
			break;
		}
	}
	if (loads == 0)
		return reject(out, ELF_ENOEXEC, "no PT_LOAD segment");

	out->load_bias = out->type == ELF_ET_DYN ? choose_load_bias(lowest_page, max_align) : 0;

	/* Pass 2: place the segments, check the range and find the entry. */
	uint64_t e_entry = rd64(ehdr + 24);
	int entry_ok = 0;
	out->load_start = UINT64_MAX;
	for (uint32_t i = 0; i < out->phnum; i++) {
		read_phdr(phdrs + (uint64_t)i * PHDR_SIZE, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		uint64_t start, mem_end, mem_end_up;
		if (!add_ok(ph.vaddr, out->load_bias, &start) ||
		    !add_ok(start, ph.memsz, &mem_end) || !page_up_ok(mem_end, &mem_end_up))
			return reject(out, ELF_EINVAL, "PT_LOAD address overflow");
		if (page_down(start) < MMAP_MIN_ADDR)
			return reject(out, ELF_EPERM, "PT_LOAD below mmap_min_addr");
		if (mem_end_up > user_top)
			return reject(out, ELF_EINVAL, "PT_LOAD reaches the top of user space");

		struct elf_segment *seg = &out->segments[out->segment_count];
		seg->vaddr = page_down(start);
		seg->memsz_end = mem_end;
		seg->file_offset = page_down(ph.offset);
		seg->filesz_end = start + ph.filesz;
		seg->prot = ((ph.flags & PF_R) ? ELF_PROT_READ : 0) |
			    ((ph.flags & PF_W) ? ELF_PROT_WRITE : 0) |
			    ((ph.flags & PF_X) ? ELF_PROT_EXEC : 0);
		for (uint32_t k = 0; k < out->segment_count; k++)
			if (segments_share_page(&out->segments[k], seg))
				return reject(out, ELF_EINVAL, "PT_LOAD segments overlap");
		out->segment_count++;

		if (seg->vaddr < out->load_start)
			out->load_start = seg->vaddr;
		if (mem_end_up > out->brk_start)
			out->brk_start = mem_end_up;
		if ((ph.flags & PF_X) && e_entry >= ph.vaddr && e_entry - ph.vaddr < ph.memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		return reject(out, ELF_ENOEXEC, "entry point not in an executable PT_LOAD");
	out->entry = e_entry + out->load_bias;

	if (out->has_tls && !range_in_user(out->load_bias, out->tls_vaddr + out->tls_memsz, ~0ull))
		return reject(out, ELF_EINVAL, "bad PT_TLS");
	out->tls_vaddr += out->has_tls ? out->load_bias : 0;

	if ((err = find_phdr_addr(phdrs, out)) != 0)
		return err;
	return 0;
}

/* See kernel/elf.h. */
int elf_parse(const uint8_t *file, uint64_t size, uint64_t user_top, struct elf_image *out)
{
	int err = elf_parse_header(file, size, out);
	if (err)
		return err;
	return elf_parse_phdrs(file, file + out->phoff, size, user_top, out);
}
