/*
 * Changing the paging mode (4 <-> 5 levels). CR4.LA57 cannot change in long
 * mode, so every change goes through the trampoline of paging/la57_switch.S:
 * a copy on a page below 4 GiB, identity-mapped in the tables on both sides,
 * that leaves long mode, flips CR4.LA57, loads the new root and comes back.
 *
 * paging_init uses it once at boot, when the firmware's mode is not the one
 * wanted. paging_switch_mode uses it at run time, so the bring-up checks can
 * run in the other mode too, with every kernel address unchanged:
 *
 *   K = the PML4-format table that holds the whole kernel half: in 4-level
 *       mode the kernel's root itself, in 5-level mode the table under PML5
 *       slot 511 (which needs the direct map at the 4-level base, see
 *       page_offset_base() in paging/layout.h)
 *   4-level root: entries 256..511 = K's;  5-level root: slot 511 -> K
 *   both: slot 0 -> one shared chain of tables mapping the trampoline page
 *         at its own address, nothing else in the user half
 *
 * While switched, init_top_pgt is the root of the running mode (so scratch
 * address spaces copy the right kernel half) and pgtable_l5_enabled() says
 * the running mode; paging_restore_mode puts the boot root and mode back and
 * frees every page the switch took. Interrupts must stay off throughout; the
 * TSC and the PIT (kernel/watchdog.c) are not touched.
 */
#ifndef FAULTLINE_PAGING_MODE_SWITCH_H
#define FAULTLINE_PAGING_MODE_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

/* ---- The trampoline (boot and run time) --------------------------------- */

/*
 * A zeroed page below 4 GiB, for CR3 roots and code the 32-bit part of the
 * trampoline must reach; as_table marks it PG_pgtable. Pages above 4 GiB met
 * on the way are given back. Returns its physical address, 0 if none.
 */
uint64_t alloc_page_below_4g(bool as_table);

/*
 * Copies the trampoline to a fresh page below 4 GiB and patches its far jump
 * for that copy. The caller identity-maps the page (executable, writable) in
 * the tables on both sides. Returns the page's physical address, 0 if none.
 */
uint64_t la57_trampoline_install(void);

/* Gives the trampoline page back. */
void la57_trampoline_free(uint64_t phys);

/*
 * Runs the installed trampoline: leaves long mode, loads cr3 (below 4 GiB)
 * and cr4 (LA57 as wanted, PCIDE clear), returns in the new mode. The
 * current CR3 and cr3 must both map the trampoline page at its own address
 * and the caller and its stack at their current addresses.
 */
void la57_trampoline_call(uint64_t trampoline, uint64_t cr3, uint64_t cr4);

/* ---- Switching at run time ---------------------------------------------- */

/* What a run-time switch did (for the records). */
struct mode_switch_report {
	uint32_t from, to;              /* paging levels before and after */
	uint64_t cycles;                /* TSC cycles the trampoline took */
	uint64_t trampoline;            /* its physical page */
	uint32_t tables;                /* pages the switch took (roots, identity chain) */
	char why[192];                  /* why it could not, when it returns an error */
};

/*
 * Switches the CPU to `levels`-level paging (4 or 5) from the mode it runs in
 * now, every kernel address unchanged (see the top of this file). Returns 0,
 * or, with nothing changed and r->why saying why (checked in this order):
 *   -EINVAL  a switch is already in force
 *   -EBUSY   interrupts are on, or other CPUs are online
 *   -EINVAL  levels is not 4 or 5, or the mode running now
 *   -ENODEV  5 levels asked on a CPU without LA57
 *   -EINVAL  a kernel mapping lies outside K (the direct map at the
 *            5-level base)
 *   -ENOMEM  no page below 4 GiB for the roots and the trampoline
 *   -EIO     the trampoline came back without the new mode (state restored)
 */
int paging_switch_mode(uint32_t levels, struct mode_switch_report *r);

/*
 * Back to the boot mode, the boot root and the CR4 of before the switch;
 * frees every page the switch took and flushes the TLB. Returns 0, or
 * -EINVAL (r->why) if no switch is in force.
 */
int paging_restore_mode(struct mode_switch_report *r);

/* True between a successful paging_switch_mode and paging_restore_mode. */
bool paging_mode_switched(void);

#endif
