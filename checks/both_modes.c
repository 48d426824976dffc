/*
 * The bring-up checks in each paging mode (checks/both_modes.h): one pass in
 * the boot mode, then the switch, a pass in the other mode, and the way back
 * with its proof that nothing was left behind.
 */
#include "checks/both_modes.h"
#include "checks/checks.h"
#include "checks/matrix.h"
#include "checks/targeted.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/efi_map.h"
#include "paging/init.h"
#include "paging/mode_switch.h"
#include "paging/verify.h"

/* One pass: the targeted checks, then (with matrix) the matrix, in the running mode, on this CPU. */
static void run_pass(enum config_checks level, uint32_t matrix_sample, bool matrix)
{
	run_checks(level);
	if (matrix)
		run_access_matrix(level, matrix_sample, false);
}

/* The paging_mode.switch record: pass, skip (no LA57) or fail, from err and r. */
static void report_switch(int err, const struct mode_switch_report *r)
{
	char detail[400];
	if (err) {
		format(detail, sizeof(detail), "the %u-level pass is not run: %s", r->to, r->why);
		record_hw_check("paging_mode.switch", err == -ENODEV ? TEST_SKIP : TEST_FAIL, r->to, detail);
		return;
	}
	format(detail, sizeof(detail),
	       "%u-level -> %u-level paging at run time in %llu TSC cycles (%llu ns); trampoline at 0x%llx, "
	       "%u table pages; every kernel address unchanged (%s)", r->from, r->to, r->cycles,
	       tsc_to_ns(r->cycles), r->trampoline, r->tables,
	       r->to == 5 ? "PML5 slot 511 -> the kernel's PML4" : "PML4 entries 256..511 = those under PML5 slot 511");
	record_hw_check("paging_mode.switch", TEST_PASS, r->to, detail);
}

/* The paging_mode.restore record: back in the boot mode, state and tables as before the switch. */
static void report_restore(int err, const struct mode_switch_report *r, const struct machine_state *before)
{
	struct machine_state after;
	struct pgtable_verify v = { 0 };
	pgd_t *roots[2];
	char detail[512];

	machine_state_read(&after);
	uint64_t problems = verify_page_tables(roots, kernel_page_table_roots(roots), &v);
	bool irq_off = !(read_rflags() & X86_EFLAGS_IF);
	bool same = after.cr0 == before->cr0 && after.cr3 == before->cr3 && after.cr4 == before->cr4 &&
		    after.efer == before->efer && after.rflags_ac == before->rflags_ac &&
		    after.free_pages == before->free_pages;
	bool ok = !err && same && irq_off && problems == 0 && pgtable_levels() == (int)r->to;
	if (err)
		format(detail, sizeof(detail), "could not switch back: %s", r->why);
	else
		format(detail, sizeof(detail),
		       "%u-level -> %u-level paging in %llu TSC cycles (%llu ns); CR0 0x%llx->0x%llx CR3 "
		       "0x%llx->0x%llx CR4 0x%llx->0x%llx EFER 0x%llx->0x%llx; interrupts off %d; free frames "
		       "%llu->%llu; kernel tables: %llu tables, %llu problems%s%s", r->from, r->to, r->cycles,
		       tsc_to_ns(r->cycles), before->cr0, after.cr0, before->cr3, after.cr3, before->cr4,
		       after.cr4, before->efer, after.efer, irq_off, before->free_pages, after.free_pages,
		       v.tables, problems, problems ? ": " : "", v.first_problem);
	record_hw_check("paging_mode.restore", ok ? TEST_PASS : TEST_FAIL, (uint32_t)pgtable_levels(), detail);
}

/* See checks/both_modes.h. */
void run_checks_in_paging_modes(enum config_checks level, bool both_modes, uint32_t matrix_sample,
				bool boot_matrix_later)
{
	if (level == CHECKS_NONE)
		return;
	run_pass(level, matrix_sample, !boot_matrix_later);
	if (!both_modes)
		return;

	uint32_t other = pgtable_levels() == 5 ? 4 : 5;
	struct mode_switch_report r;
	struct machine_state before;
	machine_state_read(&before);
	int err = paging_switch_mode(other, &r);
	report_switch(err, &r);
	if (err)
		return;
	kprintf("checks: now in %u-level paging (switched at run time)\n", other);
	run_pass(level, matrix_sample, true);
	err = paging_restore_mode(&r);
	kprintf("checks: back in %d-level paging\n", pgtable_levels());
	report_restore(err, &r, &before);
}
