/*
 * Host tests for lib/pe.c on the real build/faultline.efi (make test builds
 * it first): the section table read back, and base relocations moving exactly
 * the DIR64 sites by the delta and back again. Plus malformed inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include "../../lib/pe.c"

static uint8_t *file;
static size_t file_size;
static uint8_t *image;          /* the file laid out as the loader would */
static struct pe_image img;

static uint32_t rd32le(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Reads the file and lays its sections out at their RVAs. */
static int load(void)
{
	FILE *f = fopen("build/faultline.efi", "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	file_size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	file = malloc(file_size);
	if (fread(file, 1, file_size, f) != file_size)
		return -1;
	fclose(f);
	uint32_t pe = rd32le(file + 0x3c);
	const uint8_t *opt = file + pe + 24;
	uint32_t size_of_image = rd32le(opt + 56), headers = rd32le(opt + 60);
	image = calloc(1, size_of_image);
	memcpy(image, file, headers);
	uint16_t nsec = file[pe + 6] | file[pe + 7] << 8;
	uint16_t opt_size = file[pe + 20] | file[pe + 21] << 8;
	const uint8_t *sec = opt + opt_size;
	for (int i = 0; i < nsec; i++, sec += 40) {
		uint32_t vaddr = rd32le(sec + 12), raw_size = rd32le(sec + 16), raw_ptr = rd32le(sec + 20);
		memcpy(image + vaddr, file + raw_ptr, raw_size);
	}
	return (int)size_of_image;
}

TEST(sections_read_back)
{
	int size = load();
	CHECK(size > 0);
	if (size <= 0)
		return;
	CHECK(pe_parse(image, (uint64_t)size, &img) == 0);
	CHECK_EQ_U64(img.image_size, (uint64_t)size);
	int text = -1, data = -1;
	for (uint32_t i = 0; i < img.section_count; i++) {
		if (strcmp(img.sections[i].name, ".text") == 0)
			text = (int)i;
		if (strcmp(img.sections[i].name, ".data") == 0)
			data = (int)i;
		CHECK((img.sections[i].rva & 4095) == 0);
		/* never writable and executable */
		CHECK(!((img.sections[i].flags & PE_SCN_WRITE) && (img.sections[i].flags & PE_SCN_EXECUTE)));
	}
	CHECK(text >= 0 && data >= 0);
	if (text >= 0)
		CHECK((img.sections[text].flags & PE_SCN_EXECUTE) && !(img.sections[text].flags & PE_SCN_WRITE));
	if (data >= 0)
		CHECK((img.sections[data].flags & PE_SCN_WRITE) && !(img.sections[data].flags & PE_SCN_EXECUTE));
	CHECK(img.reloc_size > 0);
}

TEST(relocations_move_exactly_the_sites)
{
	if (!image)
		return;
	uint8_t *before = malloc(img.image_size);
	memcpy(before, image, img.image_size);
	const int64_t delta = (int64_t)0xffffffff80000000ull - 0x140000000ll;
	int64_t n = pe_apply_relocations(image, &img, delta);
	CHECK(n > 10);
	/* Every changed qword differs by exactly delta; count the changed 8-byte sites. */
	int64_t changed = 0;
	for (uint32_t off = 0; off + 8 <= img.image_size; off++) {
		if (memcmp(before + off, image + off, 8) == 0)
			continue;
		uint64_t a, b;
		memcpy(&a, before + off, 8);
		memcpy(&b, image + off, 8);
		if (b - a == (uint64_t)delta) {
			changed++;
			off += 7;
		}
	}
	CHECK(changed == n);
	CHECK(pe_apply_relocations(image, &img, -delta) == n);
	CHECK(memcmp(before, image, img.image_size) == 0);
	free(before);
}

TEST(malformed_inputs_are_refused)
{
	if (!image)
		return;
	struct pe_image bad;
	uint8_t *copy = malloc(img.image_size);
	memcpy(copy, image, img.image_size);
	copy[0] = 'X';
	CHECK(pe_parse(copy, img.image_size, &bad) == -1);
	memcpy(copy, image, img.image_size);
	CHECK(pe_parse(copy, 0x30, &bad) == -1);              /* too short for the headers */
	uint32_t pe = rd32le(copy + 0x3c);
	copy[pe + 24] = 0x0b; copy[pe + 25] = 0x01;            /* PE32, not PE32+ */
	CHECK(pe_parse(copy, img.image_size, &bad) == -1);
	/* A relocation block whose size runs past the directory. */
	memcpy(copy, image, img.image_size);
	struct pe_image broken = img;
	uint8_t *block = copy + broken.reloc_rva;
	uint32_t huge = broken.reloc_size + 8;
	memcpy(block + 4, &huge, 4);
	CHECK(pe_apply_relocations(copy, &broken, 0x1000) == -1);
	/* An unknown relocation type (3: HIGHLOW, 32-bit) is refused. */
	memcpy(copy, image, img.image_size);
	uint16_t entry = (3 << 12) | 0x10;
	memcpy(copy + broken.reloc_rva + 8, &entry, 2);
	CHECK(pe_apply_relocations(copy, &broken, 0x1000) == -1);
	free(copy);
}

UNIT_MAIN(UNIT(sections_read_back), UNIT(relocations_move_exactly_the_sites), UNIT(malformed_inputs_are_refused))
