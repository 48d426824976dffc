/*
 * efi_load_files: read \faultline.cfg and every program its run lines name
 * (from \faultline\bin\) off the volume we were loaded from. Each file lands
 * in EfiLoaderData pages listed in boot_info.in_use[], so the kernel's frame
 * allocator leaves them alone. A missing or unreadable file is not fatal: its
 * status says what happened and the kernel reports it as a warning.
 * The config is parsed here, once: the result goes to the kernel in
 * boot_info.config.
 */
#include "efi/efi.h"
#include "lib/config.h"
#include "base/format.h"
#include "base/string.h"

#define PROGRAM_MAX_BYTES (64ull << 20)

static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

/* Opens the root directory of the volume this image was loaded from, or NULL. */
static EFI_FILE_HANDLE open_boot_volume(void)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_HANDLE root = NULL;
	if (EFI_ERROR(efi_bs->HandleProtocol(efi_image, &loaded_image_guid, (void **)&li)) || !li)
		return NULL;
	if (EFI_ERROR(efi_bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs)) || !fs)
		return NULL;
	if (EFI_ERROR(fs->OpenVolume(fs, &root)))
		return NULL;
	return root;
}

/*
 * Reads the file at ASCII path (backslashes) into fresh pages with one spare
 * NUL byte after the contents. Returns a boot_file_status; on FILE_LOADED
 * *phys and *size describe the bytes.
 */
static uint32_t read_file(struct boot_info *bi, EFI_FILE_HANDLE root, const char *path,
			  uint64_t max_bytes, uint64_t *phys, uint64_t *size)
{
	CHAR16 wpath[160];
	size_t n = 0;
	for (; path[n] && n < 159; n++)
		wpath[n] = (CHAR16)(uint8_t)path[n];
	wpath[n] = 0;

	EFI_FILE_HANDLE f = NULL;
	if (EFI_ERROR(root->Open(root, &f, wpath, EFI_FILE_MODE_READ, 0)) || !f)
		return FILE_MISSING;

	uint8_t info_buf[sizeof(EFI_FILE_INFO) + 512] __attribute__((aligned(8)));
	UINTN info_size = sizeof(info_buf);
	uint32_t status = FILE_READ_ERROR;
	if (EFI_ERROR(f->GetInfo(f, &file_info_guid, &info_size, info_buf)))
		goto out;
	uint64_t bytes = ((EFI_FILE_INFO *)info_buf)->FileSize;
	if (bytes > max_bytes) {
		status = FILE_TOO_LARGE;
		*size = bytes;
		goto out;
	}
	uint64_t where = efi_alloc_pages(bi, bytes + 1, "loaded file");
	if (!where)
		goto out;
	UINTN got = bytes;
	if (EFI_ERROR(f->Read(f, &got, (void *)(uintptr_t)where)) || got != bytes)
		goto out;
	((uint8_t *)(uintptr_t)where)[bytes] = 0;
	*phys = where;
	*size = bytes;
	status = FILE_LOADED;
out:
	f->Close(f);
	return status;
}

/* Returns the index of an already-listed file called name, or -1. */
static int find_loaded(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (strcmp(bi->files[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Loads the config and the programs it names; see the file comment. */
void efi_load_files(struct boot_info *bi)
{
	static struct faultline_config cfg;
	config_defaults(&cfg);
	bi->config = &cfg;

	EFI_FILE_HANDLE root = open_boot_volume();
	if (!root) {
		bi->config_status = FILE_READ_ERROR;
		efi_puts("faultline: cannot open the boot volume; using the default config");
		return;
	}
	uint64_t phys = 0, size = 0;
	/* Read up to 1 MiB: the parser itself reports (and cuts) anything past its limit. */
	bi->config_status = read_file(bi, root, "\\faultline.cfg", 1 << 20, &phys, &size);
	bi->config_size = size;
	if (bi->config_status == FILE_LOADED)
		bi->config_text = (char *)(uintptr_t)phys;

	if (bi->config_text)
		config_parse(&cfg, bi->config_text, bi->config_size);

	for (uint32_t r = 0; r < cfg.run_count && bi->file_count < BOOT_MAX_FILES; r++) {
		const char *name = cfg.runs[r].argv[0];
		if (find_loaded(bi, name) >= 0)
			continue;
		struct boot_file *bf = &bi->files[bi->file_count++];
		strlcpy(bf->name, name, sizeof(bf->name));
		char path[160];
		format(path, sizeof(path), "\\faultline\\bin\\%s", name);
		bf->status = read_file(bi, root, path, PROGRAM_MAX_BYTES, &bf->phys, &bf->size);
		efi_printf("faultline: %s: %s (%llu bytes)", path,
			   bf->status == FILE_LOADED ? "loaded" : "NOT loaded", bf->size);
	}
	root->Close(root);
}

/* See efi/efi.h. */
uint64_t efi_alloc_pages(struct boot_info *bi, uint64_t bytes, const char *what)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	if (bi->in_use_count >= BOOT_MAX_IN_USE)
		return 0;
	if (EFI_ERROR(efi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, (bytes + 4095) / 4096, &addr)))
		return 0;
	bi->in_use[bi->in_use_count++] = (struct boot_range){ addr, bytes, what };
	return addr;
}
