/*
 * The handoff from the firmware phase (efi/) to the kernel.
 *
 * efi/ fills one struct boot_info and passes its address to kernel_main()
 * after ExitBootServices. Nothing in here is a UEFI type: the memory map is
 * translated into neutral memory kinds, and everything the firmware phase
 * allocated and the kernel still needs is listed in in_use[] so that the
 * frame allocator never hands it out.
 */
#ifndef FAULTLINE_BOOTINFO_H
#define FAULTLINE_BOOTINFO_H

#include <stdint.h>

struct faultline_config;         /* lib/config.h */

#define BOOT_INFO_MAGIC 0x656e696c746c7561ULL /* "aultline" */

#define BOOT_MAX_REGIONS 1024
#define BOOT_MAX_IN_USE (BOOT_MAX_FILES + 64)   /* every loaded file, and the kernel's own ranges */
#define BOOT_MAX_FILES 128
#define BOOT_FILE_NAME_MAX 96

/* What a range of physical memory is, as far as the kernel is concerned. */
enum memory_kind {
	MEM_USABLE = 0,      /* conventional memory, free now */
	MEM_RECLAIMABLE,     /* boot-services / loader memory: free after ExitBootServices
	                        unless listed in boot_info.in_use[] */
	MEM_ACPI_RECLAIM,    /* ACPI tables: keep (we read them) */
	MEM_ACPI_NVS,        /* never touch */
	MEM_RUNTIME_CODE,    /* EFI runtime services: never reuse */
	MEM_RUNTIME_DATA,
	MEM_MMIO,
	MEM_RESERVED,
	MEM_UNUSABLE,
	MEM_PERSISTENT,
	MEM_KIND_COUNT
};

#define MEMF_WB       (1u << 0) /* write-back cacheable */
#define MEMF_RUNTIME  (1u << 1) /* firmware wants it mapped for runtime services */

struct boot_memory_region {
	uint64_t phys_start;
	uint64_t pages;      /* 4 KiB pages */
	uint32_t kind;       /* enum memory_kind */
	uint32_t flags;      /* MEMF_* */
	uint32_t firmware_type; /* the firmware's own type number, for reports */
	uint32_t reserved;
};

/* A physical range the kernel still uses after the handoff (never freed). */
struct boot_range {
	uint64_t phys_start;
	uint64_t bytes;
	const char *what;    /* static string in the image */
};

enum fb_format {
	FB_NONE = 0,
	FB_RGBX,             /* byte 0 red */
	FB_BGRX,             /* byte 0 blue */
	FB_BITMASK,
};

struct boot_framebuffer {
	uint64_t base;       /* physical */
	uint64_t size;
	uint32_t width, height;
	uint32_t stride;     /* pixels per scan line */
	uint32_t format;     /* enum fb_format */
	uint32_t red_mask, green_mask, blue_mask;
};

enum boot_file_status {
	FILE_LOADED = 0,
	FILE_MISSING,
	FILE_TOO_LARGE,
	FILE_READ_ERROR,
};

struct boot_file {
	char name[BOOT_FILE_NAME_MAX]; /* as named in the config, e.g. "hello" */
	uint64_t phys;                 /* where its bytes are (identity == physical) */
	uint64_t size;
	uint32_t status;               /* enum boot_file_status */
	uint32_t reserved;
};

enum boot_secure_boot {
	SECURE_BOOT_UNKNOWN = 0, /* no SecureBoot variable (firmware without it) */
	SECURE_BOOT_OFF,
	SECURE_BOOT_ON,          /* enforcing: this image passed the firmware's signature check */
	SECURE_BOOT_SETUP,       /* SetupMode: no platform key enrolled, nothing enforced */
};

/* One file or directory of the stick's \faultline\ folder on the RAM disk
 * (fs/brd.h): its bytes in consecutive blocks from first_block. */
#define BOOT_MAX_DISK_FILES 1024
#define BOOT_DISK_PATH_MAX 160
struct boot_disk_file {
	char path[BOOT_DISK_PATH_MAX]; /* below \faultline\, '/'-separated: "bin/hello", "files/a/b.txt" */
	uint64_t size;
	uint32_t first_block;
	uint32_t is_dir;
};

struct boot_info {
	uint64_t magic;

	char firmware_vendor[64];      /* ASCII */
	uint32_t firmware_revision;
	uint32_t uefi_revision;
	/* Secure Boot as the firmware reports it (its SecureBoot and SetupMode
	 * variables): enum boot_secure_boot. */
	uint32_t secure_boot;
	uint32_t secure_boot_reserved;

	uint64_t acpi_rsdp;            /* physical, 0 if none */
	uint64_t smbios;               /* SMBIOS 2.x entry point, 0 if none */
	uint64_t smbios3;              /* SMBIOS 3.x entry point, 0 if none */
	uint64_t runtime_services;     /* opaque; only efi/ interprets it */

	uint64_t image_base;           /* where the firmware loaded us */
	uint64_t image_size;

	struct boot_framebuffer fb;

	/* The config file as read from the ESP (NUL-terminated copy). */
	char *config_text;
	uint64_t config_size;
	uint32_t config_status;        /* enum boot_file_status */
	uint32_t config_reserved;
	/* The one parse of it (lib/config.h), made by the firmware phase to know
	 * which programs to load: the defaults plus the file's lines, warnings
	 * included. In the image's data: valid at this address until the kernel
	 * moves itself (kernel_main copies it first). */
	const struct faultline_config *config;

	/* Frames below 1 MiB for the application processors' start-up code
	 * (cpu/trampoline.h), allocated before ExitBootServices and listed in
	 * in_use[]; 0 if the firmware had none free there. */
	uint64_t ap_trampoline_phys;
	uint32_t ap_trampoline_pages;
	uint32_t ap_trampoline_reserved;

	uint32_t region_count;
	uint32_t in_use_count;
	uint32_t file_count;
	uint32_t exit_boot_services_tries;
	uint32_t memmap_desc_size;     /* the firmware's descriptor stride, for reports */
	uint32_t memmap_truncated;     /* descriptors that did not fit in regions[] */

	struct boot_memory_region regions[BOOT_MAX_REGIONS];
	struct boot_range in_use[BOOT_MAX_IN_USE];
	struct boot_file files[BOOT_MAX_FILES];

	/* The RAM disk the firmware phase filled (files_max MiB, 4 KiB blocks). */
	uint64_t ramdisk_phys;
	uint64_t ramdisk_blocks;
	uint64_t ramdisk_used;         /* blocks holding files, from block 1 */
	uint32_t disk_file_count;
	uint32_t disk_files_left_out;  /* did not fit (files_max, or the list): warned */
	uint64_t disk_bytes_left_out;
	struct boot_disk_file disk_files[BOOT_MAX_DISK_FILES];
};

/* The kernel's entry point; does not return. */
void kernel_main(struct boot_info *bi) __attribute__((noreturn));

#endif
