/*
 * Our own PE32+ image as the firmware loaded it: its section layout (for
 * per-section page permissions) and its base relocations (to move the
 * kernel to the top 2 GiB). Pure: host-tested on build/faultline.efi.
 */
#ifndef FAULTLINE_PE_H
#define FAULTLINE_PE_H

#include <stdint.h>

#define PE_MAX_SECTIONS 16

#define PE_SCN_EXECUTE 0x20000000u
#define PE_SCN_READ    0x40000000u
#define PE_SCN_WRITE   0x80000000u

struct pe_section {
	char name[9];
	uint32_t rva;          /* offset from the image base */
	uint32_t size;         /* virtual size */
	uint32_t flags;        /* PE_SCN_* */
};

struct pe_image {
	uint32_t headers_size;     /* SizeOfHeaders */
	uint32_t image_size;       /* SizeOfImage */
	uint32_t section_count;
	struct pe_section sections[PE_MAX_SECTIONS];
	uint32_t reloc_rva, reloc_size; /* the base-relocation directory */
};

/* Parses the headers of a loaded image at base (image_size bytes mapped).
 * Returns 0, or -1 if the headers are not a PE32+ image we understand. */
int pe_parse(const uint8_t *base, uint64_t mapped_size, struct pe_image *out);

/*
 * Adds delta to every 64-bit absolute address the relocation directory lists
 * (IMAGE_REL_BASED_DIR64) in the image at base; ABSOLUTE entries are padding.
 * Returns the number of addresses changed, or -1 for a malformed directory or
 * an unknown relocation type (the image is then left partly relocated: the
 * caller treats it as fatal).
 */
int64_t pe_apply_relocations(uint8_t *base, const struct pe_image *img, int64_t delta);

#endif
