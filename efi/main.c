/*
 * efi_main: the firmware hands us the machine here. We gather what the kernel
 * needs, read our files, leave boot services and jump to the kernel. Failure
 * before ExitBootServices is reported on the firmware console and returned to
 * the firmware (which then tries the next boot option).
 */
#include "efi/efi.h"
#include "efi/report_var.h"
#include "base/string.h"
#include "cpu/trampoline.h"

EFI_SYSTEM_TABLE *efi_st;
EFI_BOOT_SERVICES *efi_bs;
EFI_HANDLE efi_image;

/* The kernel's boot stack, in our own .bss (never firmware memory). */
#define KERNEL_BOOT_STACK_SIZE (64 * 1024)
static uint8_t kernel_boot_stack[KERNEL_BOOT_STACK_SIZE] __attribute__((aligned(16)));

/*
 * Frames below 1 MiB for the other CPUs' start-up code: a STARTUP IPI can
 * only name a page there (kernel/smpboot.c). Only the firmware can hand out
 * memory there reliably (after ExitBootServices the low frames are just
 * more free RAM, maybe already taken), so it is done now. Without them the
 * kernel runs on the boot CPU alone (warned then).
 */
static void reserve_ap_trampoline(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS addr = 0xfffff;   /* the highest byte the range may reach */
	if (EFI_ERROR(efi_bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, AP_TRAMPOLINE_PAGES, &addr)))
		return;
	bi->ap_trampoline_phys = addr;
	bi->ap_trampoline_pages = AP_TRAMPOLINE_PAGES;
	bi->in_use[bi->in_use_count++] = (struct boot_range){ addr, AP_TRAMPOLINE_PAGES * 4096ull, "AP trampoline" };
}

/* The entry point the PE header names. Returns only if the handoff failed. */
EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	efi_st = st;
	efi_bs = st->BootServices;
	efi_image = image;

	/* The firmware's 5-minute watchdog would reset us mid-benchmark. */
	efi_bs->SetWatchdogTimer(0, 0, 0, NULL);
	efi_puts("faultline: firmware phase");
	efi_save_stored_report(); /* first: a previous run's results, before anything can go wrong */

	uint64_t bi_phys = 0;
	EFI_STATUS s = efi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData,
		(sizeof(struct boot_info) + 4095) / 4096, &bi_phys);
	if (EFI_ERROR(s)) {
		efi_puts("faultline: cannot allocate the boot-info page(s)");
		return s;
	}
	struct boot_info *bi = (struct boot_info *)(uintptr_t)bi_phys;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->in_use[bi->in_use_count++] = (struct boot_range){ bi_phys, sizeof(*bi), "boot_info" };

	reserve_ap_trampoline(bi);
	efi_gather(bi);
	efi_load_files(bi);

	s = efi_exit_boot_services(bi);
	if (EFI_ERROR(s)) {
		efi_printf("faultline: ExitBootServices failed (status 0x%llx)", (uint64_t)s);
		return s;
	}
	kernel_enter(bi, kernel_boot_stack + sizeof(kernel_boot_stack));
	return EFI_LOAD_ERROR; /* not reached: kernel_enter does not return */
}
