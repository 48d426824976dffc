/*
 * kernel_main: the machine is ours from here (boot services are gone,
 * interrupts are off, we run on the kernel's boot stack). The order matters:
 *
 *   kernel_main (on the firmware's page tables, at the firmware's load address)
 *     1. serial, pcpu (GDT/TSS, GS), IDT   so anything that goes wrong is seen and dumped
 *     2. CPU identity, config        what this machine can do, what we are asked to do
 *     3. physical memory             the memory map, struct page, the buddy allocator
 *     4. ACPI tables                 found while the firmware's identity map still covers them
 *     5. paging_init                 our own tables, maybe 5 levels
 *     6. move_to_final_address       the image's relocations for the top 2 GiB, the
 *                                    jump there; continues in kernel_main_high
 *   kernel_main_high (final addresses)
 *     7. pcpu, IDT, paging_finish_boot  reloaded at the final addresses, identity maps gone
 *     8. framebuffer, warnings, TSC
 *     9. the boot record, self-checks, the other CPUs (kernel/smpboot.c), the ring-3 programs,
 *        the summary, the exit
 */
#include "fs/inode.h"
#include "base/bootinfo.h"
#include "lib/config.h"
#include "kernel/exit.h"
#include "base/kernel.h"
#include "base/page_types.h"
#include "kernel/boot_report.h"
#include "kernel/call_on_stack.h"
#include "kernel/selftest.h"
#include "checks/both_modes.h"
#include "checks/check_thp.h"
#include "kernel/stored_report.h"
#include "kernel/qr_summary.h"
#include "cpu/acpi.h"
#include "cpu/spcr.h"
#include "cpu/cpufeature.h"
#include "cpu/percpu.h"
#include "cpu/spinlock.h"
#include "cpu/x86.h"
#include "fault/idt.h"
#include "base/panic.h"
#include "lib/fbcon.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/serial.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/efi_map.h"
#include "paging/init.h"
#include "paging/layout.h"
#include "lib/pe.h"
#include "efi/runtime.h"
#include "paging/memmap.h"
#include "paging/huge_memory.h"
#include "paging/mm_account.h"
#include "paging/hugetlb.h"
#include "paging/vmscan.h"
#include "paging/memory.h"
#include "paging/tlb.h"
#include "base/process.h"
#include "kernel/run.h"
#include "kernel/smpboot.h"
#include "checks/check_smp.h"
#include "checks/matrix.h"
#include "checks/matrix_sample.h"
#include "cpu/apic.h"
#include "kernel/swap_selftest.h"

uint64_t direct_map_base;
uint64_t kernel_image_base;
uint64_t kernel_image_size;

struct faultline_config boot_config;
static struct memmap boot_memmap;
static int serial_spcr_result = SPCR_ABSENT;   /* serial_use_acpi_console(), reported once the screen is up */

/* How panic() and die() end the run: the QR code of the summary (tried
 * once: a fault while drawing it comes back here), then a failure, the
 * configured way. */
static void __attribute__((noreturn)) exit_after_panic(void)
{
	static bool qr_tried;
	if (!qr_tried) {
		qr_tried = true;
		qr_summary_show(panic_message());
	}
	machine_exit(EXIT_STATUS_FAILURE);
}

/* See base/kernel.h. */
bool kernel_address_readable(uint64_t addr, uint64_t len)
{
	return addr >= kernel_image_base && len <= kernel_image_size &&
	       addr - kernel_image_base <= kernel_image_size - len;
}

/* Takes the config the firmware phase loaded and parsed (boot_info.config,
 * still at its identity address: call before the move); a missing or
 * unreadable file becomes a warning and the defaults. */
static void read_config(struct boot_info *bi)
{
	if (bi->config)
		boot_config = *bi->config;
	else
		config_defaults(&boot_config);
	if (bi->config_status == FILE_LOADED)
		return;
	if (bi->config_status == FILE_MISSING)
		config_warn(&boot_config, 0, "\\faultline.cfg not found; using the defaults");
	else
		config_warn(&boot_config, 0, "\\faultline.cfg could not be read; using the defaults");
}

/* Reports the config's warnings (after the switch, so they reach the screen too). */
static void report_config_warnings(void)
{
	for (uint32_t i = 0; i < boot_config.warning_count; i++) {
		const struct config_warning *w = &boot_config.warnings[i];
		kprintf("config: %s\n", w->text);
		record_warning("config", "%s", w->text);
	}
	if (boot_config.warnings_dropped)
		record_warning("config", "%u more config warnings not shown", boot_config.warnings_dropped);
}

/* Says why the SPCR's UART is not the console, when there is an SPCR. */
static void report_serial_console(void)
{
	if (serial_spcr_result == SPCR_OK || serial_spcr_result == SPCR_ABSENT)
		return;
	if (serial_spcr_result == 1)
		record_warning("serial", "the SPCR's UART did not answer the loopback test; console stays on %s",
			       serial_present() ? "COM1" : "the screen only");
	else
		record_warning("serial", "%s; console stays on %s", acpi_spcr_strerror(serial_spcr_result),
			       serial_present() ? "COM1" : "the screen only");
}

/* Reports each program the config names: loaded, or why not. */
static void list_programs(struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->file_count; i++) {
		const struct boot_file *f = &bi->files[i];
		static const char *const why[] = { "loaded", "not found", "too large", "read error" };
		kprintf("program %-20s %s (%llu bytes)\n", f->name, why[f->status & 3], f->size);
		if (f->status != FILE_LOADED)
			record_warning("program", "\\faultline\\bin\\%s: %s", f->name, why[f->status & 3]);
	}
}

/* The config's huge pages: the THP mode with its huge zero page, and the
 * hugetlb pools (1 GiB pages only with pdpe1gb). Shortfalls are warnings. */
static void huge_pages_init(void)
{
	transparent_hugepage_mode = (enum thp_mode)boot_config.thp;
	sysctl_overcommit_memory = (int)boot_config.overcommit_memory;
	if (transparent_hugepage_mode != THP_NEVER && huge_zero_page_init() < 0)
		record_warning("thp", "no 2 MiB block for the huge zero page: THP read faults map 4 KiB zero pages");
	bool gb = cpu_has(&boot_cpu_data, X86_FEATURE_PDPE1GB);
	if (boot_config.hugepages_1g && !gb)
		record_warning("hugetlb", "hugepages_1g = %u asked, but the CPU has no 1 GiB pages (pdpe1gb): "
			       "no 1 GiB pool", boot_config.hugepages_1g);
	uint64_t missing = hugetlb_init(boot_config.hugepages_2m, gb ? boot_config.hugepages_1g : 0, gb);
	if (missing)
		record_warning("hugetlb", "%llu of the hugetlb pages asked for could not be had: pools of %llu x 2 MiB "
			       "and %llu x 1 GiB", missing, hstates[HSTATE_2M].nr_huge_pages,
			       hstates[HSTATE_1G].nr_huge_pages);
	kprintf("huge pages: thp %s, hugetlb pools %llu x 2 MiB, %llu x 1 GiB\n",
		transparent_hugepage_mode == THP_ALWAYS ? "always" : transparent_hugepage_mode == THP_MADVISE ? "madvise"
											   : "never",
		hstates[HSTATE_2M].nr_huge_pages, hstates[HSTATE_1G].nr_huge_pages);
}

/* The file system from the RAM disk the firmware phase filled (fs/). */
static void mount_files(struct boot_info *bi)
{
	int err = fs_mount_boot_files(bi);
	if (err)
		record_warning("files", "cannot mount the RAM disk: %d; programs see no files", err);
	if (bi->disk_files_left_out)
		record_warning("files", "%u files (%llu bytes) of \\faultline\\ are not on the RAM disk: "
			       "larger than files_max = %u MiB allows, or more than %u entries",
			       bi->disk_files_left_out, bi->disk_bytes_left_out, boot_config.files_max_mib,
			       BOOT_MAX_DISK_FILES);
	kprintf("files: RAM disk %llu blocks, %llu used, %u entries\n", bi->ramdisk_blocks, bi->ramdisk_used,
		bi->disk_file_count);
}

/* Second half of boot, at the kernel's final address on its own page tables. */
static void kernel_main_high(struct boot_info *bi)
{
	kernel_image_base = __START_KERNEL_map;
	panic_register_exit(exit_after_panic);   /* again: the pointer stored before the move is an identity one */
	pcpu_init(0);   /* the boot CPU: its GDT, TSS and GS base */
	idt_init();
	paging_finish_boot();
	tlb_pcid_cpu_init(boot_config.pcid == CONFIG_PCID_AUTO);   /* PCIDs where the CPU has them (paging/tlb.h) */
	apic_init_bsp();   /* x2APIC when there is one; before anything uses the APIC timer */
	if (efi_setup_page_tables(bi) < 0)
		record_warning("paging", "no memory for the EFI runtime page tables; runtime services unavailable");
	if (bi->fb.format != FB_NONE)
		fbcon_init(&bi->fb, phys_to_virt(bi->fb.base));
	kprintf("\nfaultline: the machine is ours (%s, %s)\n", bi->firmware_vendor, boot_cpu_data.x86_model_id);
	report_config_warnings();
	report_serial_console();
	if (paging_report.la57_fallback)
		record_warning("paging", "paging = 5 asked, but the CPU has no LA57: running with 4 levels");

	tsc_init(&boot_cpu_data);

	boot_report(bi, &boot_memmap);
	list_programs(bi);
	reclaim_init();   /* LRU lists, watermarks, the allocator's release hook (paging/vmscan.h) */
	run_selftests(bi, &boot_memmap);
	smp_checks_observe();   /* the per-core table collects every check's result from here */
	bool matrix_parallel = config_matrix_parallel(&boot_config);
	run_checks_in_paging_modes(boot_config.checks, config_checks_both_modes(&boot_config), boot_config.matrix_sample,
				   matrix_parallel);
	smp_boot_cpus(&boot_config, bi);   /* after the paging-mode switches: the other CPUs stay in the boot mode */
	if (matrix_parallel)   /* the boot mode's matrix, split over every CPU (checks/matrix.h) */
		run_access_matrix(boot_config.checks, boot_config.matrix_sample, true);
	matrix_sample_test_skew(config_has_test(&boot_config, "matrix_sample_skew"));
	run_smp_checks(boot_config.checks);
	if (zero_page_init() < 0)
		panic("zero_page_init: no frame for the zero page");
	huge_pages_init();
	swap_init(boot_config.swap_bytes, true);   /* the self-check is cheap: always */
	if (boot_config.checks != CHECKS_NONE)
		check_thp_fault_path();   /* the fault path's THP is one leaf, A/D set by the CPU */
	mem_cgroup_set_limit(boot_config.mem_limit);   /* for the programs only (paging/vmscan.h) */
	mount_files(bi);
	run_programs(&boot_config, bi);
	run_test_hooks(&boot_config);

	struct record_totals t = record_totals();
	kprintf("faultline: %u passed, %u failed, %u skipped\n", t.passed, t.failed, t.skipped);
	store_report(bi, boot_config.report_nvram);
	qr_summary_show(NULL);
	record_summary();
	machine_exit(t.failed ? EXIT_STATUS_FAILURE : EXIT_STATUS_SUCCESS);
}

/*
 * Applies the image's base relocations for __START_KERNEL_map and continues in
 * next(bi) there, on this stack at its final address. Runs on the kernel's
 * tables with the image mapped at both addresses (paging_init), so bi is
 * reached through __va. Never returns; a malformed relocation directory panics.
 */
static void __attribute__((noreturn)) move_to_final_address(struct boot_info *bi, const struct pe_image *img,
							      void (*next)(struct boot_info *bi))
{
	int64_t delta = (int64_t)(__START_KERNEL_map - paging_report.image_phys);
	paging_report.relocations = pe_apply_relocations((uint8_t *)__va(paging_report.image_phys), img, delta);
	if (paging_report.relocations < 0)
		panic("kernel_main: malformed base relocations");

	/* Code addresses taken here are the identity ones: move them up by hand. */
	uint64_t fn = (uint64_t)(uintptr_t)next;
	if (fn < __START_KERNEL_map)
		fn += (uint64_t)delta;
	uint64_t rsp;
	__asm__ volatile("movq %%rsp, %0" : "=r"(rsp));
	call_on_stack((void (*)(void *))(uintptr_t)fn, __va((uint64_t)(uintptr_t)bi),
		      (void *)(uintptr_t)((rsp & ~15ull) - 256 + (uint64_t)delta));
}

/* See base/bootinfo.h. First half of boot: still on the firmware's tables. */
void kernel_main(struct boot_info *bi)
{
	serial_init();
	panic_register_exit(exit_after_panic);
	pcpu_init(0);   /* the boot CPU: its GDT, TSS and GS base */
	idt_init();
	kernel_image_base = bi->image_base;
	kernel_image_size = bi->image_size;
	cpu_detect(&boot_cpu_data);
	virt_spin_lock_init(cpu_has(&boot_cpu_data, X86_FEATURE_HYPERVISOR));   /* one CPU runs yet */
	read_config(bi);
	machine_exit_set_mode(&boot_config, cpu_has(&boot_cpu_data, X86_FEATURE_HYPERVISOR));

	if (memmap_build(bi, &boot_memmap) < 0)
		config_warn(&boot_config, 0, "memory map: more usable ranges than the allocator tracks; the smallest are left out");
	if (buddy_init(&boot_memmap) < 0)
		panic("buddy_init: no room for the struct page array");
	pcp_set_batch(PCP_BATCH, PCP_HIGH);
	efi_runtime_init(bi->runtime_services);
	acpi_init(bi->acpi_rsdp); /* stores physical addresses only; paging_init maps the tables */
	serial_spcr_result = serial_use_acpi_console(); /* before paging_init: it maps an MMIO UART */

	struct pe_image img;
	if (pe_parse((const uint8_t *)__va(bi->image_base), bi->image_size, &img) < 0)
		panic("kernel_main: our own PE headers do not parse");
	paging_init(bi, &img, boot_config.paging, config_checks_both_modes(&boot_config));
	move_to_final_address(bi, &img, kernel_main_high);
}
