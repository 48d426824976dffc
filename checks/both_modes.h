/*
 * The bring-up checks in each paging mode: the targeted checks
 * (checks/checks.h) and the conformance matrix (checks/matrix.h) first in
 * the mode the kernel booted in, then -- when asked for both modes -- once
 * more in the other one, switched to at run time (paging/mode_switch.h) and
 * back before anything else runs.
 *
 * Records around the second pass (docs/records.md, docs/checks.md):
 *   paging_mode.switch   "paging" = the other mode; pass once there, skip
 *                        when the CPU has no LA57 (the 5-level pass is not
 *                        run), fail for any other refusal (nor is it run)
 *   paging_mode.restore  "paging" = the boot mode; pass when CR0, CR3, CR4,
 *                        EFER, interrupts off and free frames are as before
 *                        the switch and the kernel's tables verify
 * Every check record carries "paging": the mode it was made in.
 */
#ifndef FAULTLINE_CHECKS_BOTH_MODES_H
#define FAULTLINE_CHECKS_BOTH_MODES_H

#include <stdbool.h>
#include "lib/config.h"

/*
 * Runs the checks of level (CHECKS_NONE: nothing) in the boot mode and,
 * with both_modes, in the other mode as well; matrix_sample as
 * run_access_matrix's sample (checks/matrix.h). With boot_matrix_later the
 * boot mode's pass leaves the matrix out: the caller runs it once the
 * other CPUs are up, split over all of them (kernel/main.c; the other
 * mode's pass runs before they are started, on this CPU). Same conditions
 * as run_checks(): interrupts off, on the kernel's root, no program
 * running. Returns in the boot mode on the boot root. Cannot fail as a
 * whole: problems are fail records.
 */
void run_checks_in_paging_modes(enum config_checks level, bool both_modes, uint32_t matrix_sample,
				bool boot_matrix_later);

#endif
