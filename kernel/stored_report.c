/*
 * store_report: the run's summary in at most 8 KiB of JSON, stored through
 * the UEFI runtime services (efi/report_var.c). The next boot of the stick
 * writes it to \faultline\reports\ on the ESP.
 */
#include "kernel/stored_report.h"
#include "kernel/boot_report.h"
#include "cpu/cpufeature.h"
#include "efi/report_var.h"
#include "efi/runtime.h"
#include "base/format.h"
#include "base/json.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/serial.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/init.h"

/* See kernel/stored_report.h. */
void store_report(const struct boot_info *bi, enum config_report_nvram mode)
{
	static char buf[REPORT_VAR_MAX];
	struct json j;
	struct record_totals t = record_totals();
	struct efi_rtc_time now;
	char when[32] = "";
	if (efi_runtime_get_time(&now) == 0)
		format(when, sizeof(when), "%04u-%02u-%02uT%02u:%02u:%02u", now.year, now.month, now.day,
		       now.hour, now.minute, now.second);

	json_begin(&j, buf, sizeof(buf));
	json_str(&j, "type", "stored_report");
	json_u64(&j, "version", 1);
	json_str(&j, "time", when);
	json_str(&j, "firmware", bi->firmware_vendor);
	json_str(&j, "secure_boot", secure_boot_name(bi->secure_boot));
	json_str(&j, "cpu_vendor", boot_cpu_data.x86_vendor_id);
	json_str(&j, "cpu_name", boot_cpu_data.x86_model_id);
	json_u64(&j, "paging_levels", paging_report.levels);
	json_u64(&j, "tsc_hz", tsc_hz);
	json_str(&j, "serial", serial_source() == SERIAL_SPCR ? "spcr" : serial_source() == SERIAL_COM1 ? "com1" : "none");
	json_object_begin(&j, "summary");
	json_u64(&j, "passed", t.passed);
	json_u64(&j, "failed", t.failed);
	json_u64(&j, "skipped", t.skipped);
	json_close(&j);
	const char *names[16];
	uint32_t n = record_failed_names(names, 16);
	json_array_begin(&j, "failed");
	for (uint32_t i = 0; i < n; i++)
		json_str(&j, NULL, names[i]);
	json_close(&j);
	const char *s = json_end(&j);

	uint32_t len = (uint32_t)strlen(s);

	if (mode == REPORT_NVRAM_OFF) {
		kprintf("report: not stored in NVRAM (report_nvram = off)\n");
		return;
	}
	struct report_store_result r;
	switch (efi_store_report(s, len, &r)) {
	case REPORT_STORED:
		if (r.space_known)
			kprintf("report: stored in NVRAM (%u bytes; %llu of %llu bytes of the variable store were free); "
				"the next boot of this stick saves it to \\faultline\\reports\\\n",
				len, r.remaining, r.storage);
		else
			kprintf("report: stored in NVRAM (%u bytes; the firmware has no QueryVariableInfo); "
				"the next boot of this stick saves it to \\faultline\\reports\\\n", len);
		break;
	case REPORT_NO_RUNTIME:
		record_warning("nvram", "no UEFI runtime services: the summary was not stored");
		break;
	case REPORT_NO_ROOM:
		if (r.verdict == NVRAM_TOO_LARGE)
			record_warning("nvram", "the %llu-byte report variable exceeds the firmware's largest variable "
				       "(%llu bytes): not stored", r.counted, r.max_variable);
		else
			record_warning("nvram", "the variable store has %llu of %llu bytes free; storing the %llu-byte "
				       "report would leave %llu, below the %u-byte margin: not stored",
				       r.remaining, r.storage, r.counted, nvram_left_after(r.remaining, r.counted),
				       NVRAM_MIN_RESERVE);
		break;
	case REPORT_QUERY_FAILED:
		record_warning("nvram", "QueryVariableInfo failed with status 0x%llx: the summary was not stored",
			       r.status);
		break;
	case REPORT_SET_FAILED:
		record_warning("nvram", "SetVariable failed with status 0x%llx: the summary was not stored", r.status);
		break;
	}
}
