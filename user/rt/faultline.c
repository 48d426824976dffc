/* faultline's introspection syscall (see user/rt/faultline.h). */
#include "user/rt/faultline.h"
#include "user/rt/linux.h"
#include "user/rt/syscall.h"

/* See user/rt/faultline.h. */
long fl_introspect(uint64_t op, uint64_t arg, void *buf, uint64_t len)
{
	return syscall6(SYS_faultline_introspect, (long)op, (long)arg, (long)buf, (long)len, 0, 0);
}

/* See user/rt/faultline.h. */
bool fl_on_faultline(void)
{
	static int known = -1;  /* -1: not asked yet, else 0 or 1 */

	if (known < 0)
		known = fl_introspect(FL_INTROSPECT_PRESENT, 0, 0, 0) >= 0;
	return known == 1;
}

/* See user/rt/faultline.h. */
long fl_describe_va(const void *va, struct fl_pte_info *out)
{
	return fl_introspect(FL_INTROSPECT_PTE, (uint64_t)(uintptr_t)va, out, sizeof(*out));
}

/* See user/rt/faultline.h. */
long fl_progress(uint64_t done, uint64_t total)
{
	if (!fl_on_faultline())
		return -ENOSYS;
	return fl_introspect(FL_INTROSPECT_PROGRESS, done, 0, total);
}
