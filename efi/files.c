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

/* The RAM disk being filled. */
struct ramdisk_fill {
	struct boot_info *bi;
	uint8_t *base;
	uint64_t blocks, next_block;
};

/* Lists one file or directory; returns its entry or NULL (list full: counted). */
static struct boot_disk_file *disk_entry(struct ramdisk_fill *rd, const char *path, uint64_t size, bool dir)
{
	struct boot_info *bi = rd->bi;
	if (bi->disk_file_count >= BOOT_MAX_DISK_FILES || strlen(path) >= BOOT_DISK_PATH_MAX) {
		bi->disk_files_left_out++;
		bi->disk_bytes_left_out += size;
		return NULL;
	}
	struct boot_disk_file *f = &bi->disk_files[bi->disk_file_count++];
	strlcpy(f->path, path, sizeof(f->path));
	f->size = size;
	f->is_dir = dir;
	return f;
}

/*
 * Copies the directory dir (path rel below \faultline\, '/'-separated) and
 * everything under it onto the RAM disk, depth first. Files that do not fit
 * are left out and counted (the kernel warns).
 */
static void fill_dir(struct ramdisk_fill *rd, EFI_FILE_HANDLE dir, const char *rel, uint32_t depth)
{
	uint8_t buf[sizeof(EFI_FILE_INFO) + 512] __attribute__((aligned(8)));
	for (;;) {
		UINTN n = sizeof(buf);
		if (EFI_ERROR(dir->Read(dir, &n, buf)) || n == 0)
			return;
		EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;
		char name[128];
		size_t k = 0;
		for (; info->FileName[k] && k < sizeof(name) - 1; k++)
			name[k] = info->FileName[k] < 128 ? (char)info->FileName[k] : '?';
		name[k] = 0;
		if (!strcmp(name, ".") || !strcmp(name, "..") || (depth == 0 && !strcmp(name, "reports")))
			continue;
		char path[BOOT_DISK_PATH_MAX + 8];
		format(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", name);
		bool is_dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;
		uint64_t size = info->FileSize;
		uint64_t need = (size + 4095) / 4096;
		if (!is_dir && rd->next_block + need > rd->blocks) {
			rd->bi->disk_files_left_out++;
			rd->bi->disk_bytes_left_out += size;
			efi_printf("faultline: \\faultline\\%s (%llu bytes) does not fit in files_max: left out", path, size);
			continue;
		}
		struct boot_disk_file *f = disk_entry(rd, path, is_dir ? 0 : size, is_dir);
		if (!f)
			continue;
		CHAR16 wname[130];
		for (k = 0; info->FileName[k] && k < 129; k++)
			wname[k] = info->FileName[k];
		wname[k] = 0;
		EFI_FILE_HANDLE h = NULL;
		if (EFI_ERROR(dir->Open(dir, &h, wname, EFI_FILE_MODE_READ, 0)) || !h) {
			f->size = 0;
			continue;
		}
		if (is_dir) {
			if (depth < 8)
				fill_dir(rd, h, path, depth + 1);
		} else {
			f->first_block = (uint32_t)rd->next_block;
			UINTN got = size;
			uint8_t *dst = rd->base + rd->next_block * 4096;
			if (EFI_ERROR(h->Read(h, &got, dst)) || got != size)
				f->size = got < size ? got : 0;
			memset(dst + f->size, 0, need * 4096 - f->size);
			rd->next_block += need;
		}
		h->Close(h);
	}
}

/* The RAM disk: files_max MiB, filled from \faultline\ (bin, files, ...). */
static void load_ramdisk(struct boot_info *bi, EFI_FILE_HANDLE root, const struct faultline_config *cfg)
{
	uint64_t bytes = (uint64_t)cfg->files_max_mib << 20;
	uint64_t where = efi_alloc_pages(bi, bytes, "RAM disk");
	if (!where) {
		efi_puts("faultline: no memory for the RAM disk: no files");
		return;
	}
	struct ramdisk_fill rd = { bi, (uint8_t *)(uintptr_t)where, bytes / 4096, 1 };
	memset(rd.base, 0, 4096);
	bi->ramdisk_phys = where;
	bi->ramdisk_blocks = rd.blocks;
	EFI_FILE_HANDLE top = NULL;
	if (!EFI_ERROR(root->Open(root, &top, L"\\faultline", EFI_FILE_MODE_READ, 0)) && top) {
		fill_dir(&rd, top, "", 0);
		top->Close(top);
	}
	bi->ramdisk_used = rd.next_block;
	efi_printf("faultline: RAM disk %llu KiB, %u files and directories, %llu blocks used",
		   bytes >> 10, bi->disk_file_count, rd.next_block);
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
	load_ramdisk(bi, root, &cfg);
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
