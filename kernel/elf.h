/*
 * Static x86-64 Linux executables: validating an ELF64 file and describing
 * how to lay it out in a fresh user address space (what Linux's
 * load_elf_binary works out before it maps anything). Pure: host-tested on
 * hand-built images, on hostile mutations of them and on musl binaries.
 *
 * Accepted: ELF64, little-endian, EM_X86_64, ET_EXEC or ET_DYN (static PIE,
 * loaded at ELF_ET_DYN_BASE), no PT_INTERP. Everything the result describes
 * has been checked against the file size and the user address range, so the
 * loader can map it without further checks.
 */
#ifndef FAULTLINE_ELF_H
#define FAULTLINE_ELF_H

#include <stdint.h>

#include "paging/range.h"   /* MMAP_MIN_ADDR */

#define ELF_MAX_PHDRS     64                     /* more program headers: refused */
#define ELF_PAGE_SIZE     4096ull
#define ELF_ET_DYN_BASE   0x555555554000ull      /* where an ET_DYN image goes (Linux, 47-bit window) */
#define ELF_MAX_ALIGN     0x40000000ull          /* larger p_align is treated as page alignment */

/* Errors (negated, Linux errno values and meanings). */
#define ELF_EPERM    1   /* a segment lies below MMAP_MIN_ADDR (mmap_min_addr) */
#define ELF_ENOEXEC  8   /* not an ELF64 x86-64 executable, or its headers/file are malformed */
#define ELF_EINVAL   22  /* segments cannot be placed: overlap, misalignment, out of range */
#define ELF_ELIBACC  79  /* dynamically linked: it needs a program interpreter (PT_INTERP) */

/* e_type values we accept. */
#define ELF_ET_EXEC 2
#define ELF_ET_DYN  3

/* Segment protection: the same bit values as PROT_READ/WRITE/EXEC. */
/* A segment's rights, with mmap's PROT_* values (exec maps them as mmap would). */
#define ELF_PROT_READ  1u
#define ELF_PROT_WRITE 2u
#define ELF_PROT_EXEC  4u

/*
 * One PT_LOAD segment as the loader maps it (load bias already added):
 *   [vaddr, filesz_end)      file bytes from file_offset onwards
 *                            (vaddr and file_offset are page-aligned; the
 *                            bytes before the segment's own p_vaddr in its
 *                            first page come from the file too, as in Linux);
 *   [filesz_end, page_up(filesz_end))  zero: the tail of the last file page;
 *   [page_up(filesz_end), page_up(memsz_end))  anonymous zero pages (bss).
 * vaddr <= filesz_end <= memsz_end; file_offset + (filesz_end - vaddr) is
 * within the file. A segment never shares a page with another one.
 */
struct elf_segment {
	uint64_t vaddr;        /* page-aligned start */
	uint64_t memsz_end;    /* p_vaddr + p_memsz (not rounded) */
	uint64_t file_offset;  /* page-aligned file offset that maps to vaddr */
	uint64_t filesz_end;   /* p_vaddr + p_filesz (not rounded) */
	uint32_t prot;         /* ELF_PROT_* */
};

struct elf_image {
	uint16_t type;              /* ELF_ET_EXEC or ELF_ET_DYN */
	uint64_t entry;             /* e_entry + load_bias, inside an executable segment */
	uint64_t load_bias;         /* 0 for ET_EXEC; page-aligned */
	uint32_t segment_count;     /* PT_LOAD segments with p_memsz > 0, in file order */
	struct elf_segment segments[ELF_MAX_PHDRS];
	uint64_t phdr_addr;         /* AT_PHDR: PT_PHDR's address (inside a PT_LOAD), else where the
	                               first PT_LOAD whose file bytes hold the whole table maps it,
	                               else 0 */
	uint16_t phent;             /* AT_PHENT: e_phentsize */
	uint16_t phnum;             /* AT_PHNUM: e_phnum */
	uint64_t phoff;             /* e_phoff: the table is [phoff, phoff + phnum * phent) of the file */
	uint64_t load_start;        /* lowest segment page */
	uint64_t brk_start;         /* end of the highest segment, page-aligned up: the initial brk */
	int exec_stack;             /* PT_GNU_STACK has PF_X (default: not executable) */
	int has_tls;                /* PT_TLS present: its fields (load bias added) for the record;
	                               the C library finds it through AT_PHDR, the loader ignores it */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
	const char *error;          /* 0 on success, else a short reason */
};

/*
 * Validates the size-byte ELF file at file for running in a user address
 * space whose usable addresses end below user_top (the top of the user half
 * minus the guard page) and fills out. Never reads outside [file, file+size).
 * Returns 0, or -ELF_E* with out->error saying why (the other fields of out
 * are then unspecified).
 */
int elf_parse(const uint8_t *file, uint64_t size, uint64_t user_top, struct elf_image *out);

/*
 * elf_parse in two steps, for a loader that reads the file piece by piece
 * (exec through the page cache, as Linux's load_elf_binary reads the header
 * and then the program headers with kernel_read):
 * elf_parse_header checks the 64-byte ELF header at ehdr of a size-byte file
 * (ehdr holds the file's first min(size, 64) bytes, zero beyond) and fills
 * out->phoff, phnum, phent and type: the table is then known to lie inside
 * the file. elf_parse_phdrs takes that table (phnum * phent bytes at phdrs)
 * and finishes out as elf_parse does. Both return 0 or -ELF_E* with
 * out->error saying why; neither reads outside what it is given.
 */
int elf_parse_header(const uint8_t *ehdr, uint64_t size, struct elf_image *out);
int elf_parse_phdrs(const uint8_t *ehdr, const uint8_t *phdrs, uint64_t size, uint64_t user_top,
		    struct elf_image *out);

#endif
