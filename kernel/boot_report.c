/*
 * boot_report: one {"type":"boot"} record with the firmware, the CPU and its
 * paging features, the paging mode, the TSC, and the memory as the kernel
 * sees it; and the same facts as a few lines for the person at the screen.
 */
#include "kernel/boot_report.h"
#include "base/kernel.h"
#include "cpu/acpi.h"
#include "lib/serial.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "lib/fbcon.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/tlb.h"
#include "paging/buddy.h"
#include "paging/init.h"

/* The paging mode in force now: 5 if CR4.LA57 is set, else 4. */
static uint32_t current_paging_levels(void)
{
	return (read_cr4() & X86_CR4_LA57) ? 5 : 4;
}

/* See kernel/boot_report.h. */
const char *secure_boot_name(uint32_t state)
{
	switch (state) {
	case SECURE_BOOT_OFF:
		return "off";
	case SECURE_BOOT_ON:
		return "on";
	case SECURE_BOOT_SETUP:
		return "setup_mode";
	default:
		return "unknown";
	}
}

/* See kernel/boot_report.h. */
void boot_report(const struct boot_info *bi, const struct memmap *mm)
{
	struct buddy_stats st;
	buddy_get_stats(&st);
	const struct cpuinfo_x86 *c = &boot_cpu_data;

	kprintf("cpu      %s family %u model %u stepping %u%s%s\n", c->x86_model_id, c->x86, c->x86_model,
		c->x86_stepping, cpu_has(c, X86_FEATURE_HYPERVISOR) ? ", hypervisor " : "", c->hypervisor_id);
	kprintf("paging   %u-level, MAXPHYADDR %u, linear %u bits, PCID %s\n", current_paging_levels(),
		c->x86_phys_bits, c->x86_virt_bits, tlb_use_pcid ? "in use" : "not used");
	kprintf("tsc      %llu Hz (%s)\n", tsc_hz, tsc_source);
	kprintf("firmware %s, Secure Boot %s\n", bi->firmware_vendor,
		bi->secure_boot == SECURE_BOOT_SETUP ? "off (setup mode: no platform key)" : secure_boot_name(bi->secure_boot));
	kprintf("memory   %llu MiB usable, %llu frames free, struct page array %llu KiB\n",
		mm->usable_bytes >> 20, st.free_pages, st.mem_map_bytes >> 10);

	struct json *j = record_begin("boot");
	json_str(j, "faultline_version", faultline_version);
	json_str(j, "firmware", bi->firmware_vendor);
	json_hex(j, "firmware_revision", bi->firmware_revision);
	json_hex(j, "uefi_revision", bi->uefi_revision);
	json_str(j, "secure_boot", secure_boot_name(bi->secure_boot));
	cpu_features_json(c, j);
	json_u64(j, "paging_levels", current_paging_levels());
	json_bool(j, "pcid_in_use", tlb_use_pcid);   /* CR4.PCIDE set: dynamic ASIDs (paging/tlb.h) */
	json_hex(j, "page_offset", paging_report.page_offset);
	tsc_json(j);
	json_u64(j, "usable_bytes", mm->usable_bytes);
	json_u64(j, "ram_end", mm->ram_end);
	json_u64(j, "managed_frames", st.managed_pages);
	json_u64(j, "free_frames", st.free_pages);
	json_u64(j, "struct_page_bytes", st.mem_map_bytes);
	json_u64(j, "memmap_regions", bi->region_count);
	json_u64(j, "exit_boot_services_tries", bi->exit_boot_services_tries);
	json_hex(j, "image_base", bi->image_base);
	json_u64(j, "image_size", bi->image_size);
	json_object_begin(j, "framebuffer");
	json_bool(j, "present", fbcon_active());
	json_u64(j, "width", bi->fb.width);
	json_u64(j, "height", bi->fb.height);
	json_u64(j, "stride", bi->fb.stride);
	json_close(j);
	acpi_json(j);
	json_bool(j, "smbios", bi->smbios || bi->smbios3);
	serial_json(j);
	record_end();
}
