/*
 * In-kernel self-checks run at every boot, each one a test record, and the
 * developer hooks that integration tests ask for with "test = NAME".
 */
#ifndef FAULTLINE_SELFTEST_H
#define FAULTLINE_SELFTEST_H

#include "base/bootinfo.h"
#include "lib/config.h"
#include "paging/memmap.h"

/* Checks the takeover (GDT, TSS, IDT, PIC, interrupts), the TSC and the frame allocator. */
void run_selftests(const struct boot_info *bi, const struct memmap *mm);

/*
 * Runs the deliberate-failure hooks the config asks for: "ud2" (#UD), "gp"
 * (non-canonical load, #GP), "de" (divide by zero), "pf" (kernel read of an
 * unmapped address), "panic" (invariant panic). Each ends the run through
 * die()/panic(); unknown names give a warning.
 */
void run_test_hooks(const struct faultline_config *cfg);

#endif
