/*
 * PE32+ headers and base relocations (lib/pe.h). Offsets are from the
 * Microsoft PE/COFF specification: the "PE\0\0" signature at e_lfanew, the
 * COFF header, the PE32+ optional header (magic 0x20b) with its data
 * directories (index 5: base relocations), then the section table.
 */
#include "lib/pe.h"

#define REL_BASED_ABSOLUTE 0
#define REL_BASED_DIR64    10

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

/* See lib/pe.h. */
int pe_parse(const uint8_t *base, uint64_t mapped_size, struct pe_image *out)
{
	if (mapped_size < 0x40 || base[0] != 'M' || base[1] != 'Z')
		return -1;
	uint32_t pe = rd32(base + 0x3c);
	if ((uint64_t)pe + 24 > mapped_size || rd32(base + pe) != 0x00004550)
		return -1;
	uint16_t nsections = rd16(base + pe + 6);
	uint16_t opt_size = rd16(base + pe + 20);
	const uint8_t *opt = base + pe + 24;
	if ((uint64_t)pe + 24 + opt_size > mapped_size || opt_size < 112 + 6 * 8 || rd16(opt) != 0x20b)
		return -1;
	if (rd32(opt + 108) < 6) /* NumberOfRvaAndSizes must reach the relocation directory */
		return -1;
	out->image_size = rd32(opt + 56);
	out->headers_size = rd32(opt + 60);
	out->reloc_rva = rd32(opt + 112 + 5 * 8);
	out->reloc_size = rd32(opt + 112 + 5 * 8 + 4);
	if (nsections > PE_MAX_SECTIONS)
		return -1;
	const uint8_t *sec = opt + opt_size;
	if ((uint64_t)(sec - base) + 40ull * nsections > mapped_size)
		return -1;
	out->section_count = nsections;
	for (uint32_t i = 0; i < nsections; i++, sec += 40) {
		struct pe_section *s = &out->sections[i];
		for (int k = 0; k < 8; k++)
			s->name[k] = (char)sec[k];
		s->name[8] = 0;
		s->size = rd32(sec + 8);
		s->rva = rd32(sec + 12);
		s->flags = rd32(sec + 36);
		if ((uint64_t)s->rva + s->size > out->image_size)
			return -1;
	}
	if ((uint64_t)out->reloc_rva + out->reloc_size > out->image_size)
		return -1;
	return 0;
}

/* See lib/pe.h. */
int64_t pe_apply_relocations(uint8_t *base, const struct pe_image *img, int64_t delta)
{
	int64_t changed = 0;
	uint32_t off = 0;
	while (off + 8 <= img->reloc_size) {
		const uint8_t *block = base + img->reloc_rva + off;
		uint32_t page_rva = rd32(block);
		uint32_t block_size = rd32(block + 4);
		if (block_size < 8 || block_size % 2 || off + block_size > img->reloc_size)
			return -1;
		for (uint32_t e = 8; e < block_size; e += 2) {
			uint16_t entry = rd16(block + e);
			uint32_t type = entry >> 12, rva = page_rva + (entry & 0xfff);
			if (type == REL_BASED_ABSOLUTE)
				continue;
			if (type != REL_BASED_DIR64 || (uint64_t)rva + 8 > img->image_size)
				return -1;
			uint64_t *site = (uint64_t *)(void *)(base + rva);
			uint64_t v;
			__builtin_memcpy(&v, site, 8);
			v += (uint64_t)delta;
			__builtin_memcpy(site, &v, 8);
			changed++;
		}
		off += block_size;
	}
	return changed;
}
