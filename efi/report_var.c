/*
 * The stored report, both halves (efi/report_var.h): saving it to the ESP in
 * the firmware phase, and storing it from the kernel at the end of a run.
 */
#include "efi/efi.h"
#include "efi/report_var.h"
#include "efi/runtime.h"
#include "base/format.h"
#include "base/string.h"

static EFI_GUID faultline_guid = FAULTLINE_VENDOR_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

static void to_wide(const char *s, CHAR16 *out, uint32_t max)
{
	uint32_t i = 0;
	for (; s[i] && i + 1 < max; i++)
		out[i] = (CHAR16)(uint8_t)s[i];
	out[i] = 0;
}

/* Writes size bytes to path on the boot volume (created or replaced). */
static int write_esp_file(const char *dir, const char *path, const void *bytes, UINTN size)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_HANDLE root = NULL, d = NULL, f = NULL;
	CHAR16 wide[160];
	if (EFI_ERROR(efi_bs->HandleProtocol(efi_image, &loaded_image_guid, (void **)&li)) ||
	    EFI_ERROR(efi_bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs)) ||
	    EFI_ERROR(fs->OpenVolume(fs, &root)))
		return -1;
	to_wide(dir, wide, 160);
	if (!EFI_ERROR(root->Open(root, &d, wide, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE,
				  EFI_FILE_DIRECTORY)))
		d->Close(d);
	to_wide(path, wide, 160);
	int ret = -1;
	if (!EFI_ERROR(root->Open(root, &f, wide, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0))) {
		UINTN n = size;
		if (!EFI_ERROR(f->Write(f, &n, (void *)bytes)) && n == size && !EFI_ERROR(f->Flush(f)))
			ret = 0;
		f->Close(f);
	}
	root->Close(root);
	return ret;
}

/* See efi/report_var.h. */
int efi_save_stored_report(void)
{
	static uint8_t data[REPORT_VAR_MAX];
	CHAR16 name[32];
	to_wide(REPORT_VAR_NAME, name, 32);
	UINTN size = sizeof(data);
	UINT32 attrs = 0;
	EFI_RUNTIME_SERVICES *rt = efi_st->RuntimeServices;
	if (EFI_ERROR(rt->GetVariable(name, &faultline_guid, &attrs, &size, data)) || size == 0)
		return 0;
	EFI_TIME t;
	char path[96];
	if (EFI_ERROR(rt->GetTime(&t, NULL)))
		t = (EFI_TIME){ 0 };
	format(path, sizeof(path), "\\faultline\\reports\\%04u%02u%02u-%02u%02u%02u.json", t.Year, t.Month, t.Day,
	       t.Hour, t.Minute, t.Second);
	if (write_esp_file("\\faultline\\reports", path, data, size) < 0) {
		efi_printf("faultline: could not write the stored report to %s; keeping it", path);
		return -1;
	}
	rt->SetVariable(name, &faultline_guid, 0, 0, NULL); /* delete */
	efi_printf("faultline: the previous run's report is now %s", path);
	return 1;
}

/* See efi/report_var.h. */
enum report_store_outcome efi_store_report(const void *bytes, uint64_t size, struct report_store_result *r)
{
	const uint32_t attrs = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
			       EFI_VARIABLE_RUNTIME_ACCESS;
	CHAR16 name[32];
	to_wide(REPORT_VAR_NAME, name, 32);
	if (size > REPORT_VAR_MAX)
		size = REPORT_VAR_MAX;
	*r = (struct report_store_result){ 0 };
	r->counted = size + (strlen(REPORT_VAR_NAME) + 1) * sizeof(CHAR16);

	struct efi_var_store_info info;
	int64_t q = efi_runtime_query_variable_info(attrs, &info);
	if (q == -1) {
		r->outcome = REPORT_NO_RUNTIME;
		return r->outcome;
	}
	if (q == 0) {
		r->space_known = true;
		r->storage = info.storage;
		r->remaining = info.remaining;
		r->max_variable = info.max_variable;
		r->verdict = nvram_check_space(info.remaining, info.max_variable, r->counted);
		if (r->verdict != NVRAM_FITS) {
			r->outcome = REPORT_NO_ROOM;
			return r->outcome;
		}
	} else if (q != EFI_RUNTIME_UNSUPPORTED) {
		r->status = q;
		r->outcome = REPORT_QUERY_FAILED;
		return r->outcome;
	}
	int64_t s = efi_runtime_set_variable(name, &faultline_guid, attrs, bytes, size);
	r->status = s;
	r->outcome = s == 0 ? REPORT_STORED : s == -1 ? REPORT_NO_RUNTIME : REPORT_SET_FAILED;
	return r->outcome;
}
