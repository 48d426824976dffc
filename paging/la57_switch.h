/*
 * The LA57 trampoline's symbols (paging/la57_switch.S), for the code that
 * copies and patches it (paging/mode_switch.c). The trampoline itself is
 * called through its copy, la57_trampoline_call.
 */
#ifndef FAULTLINE_LA57_SWITCH_H
#define FAULTLINE_LA57_SWITCH_H

#include <stdint.h>

/* The trampoline's code, start to end, position-independent but for the ljmp. */
extern char la57_switch_start[], la57_switch_end[];

/* [0]: offset of the ljmp's 32-bit target in the code; [1]: offset of the
 * 64-bit code it must jump to. */
extern const uint32_t la57_switch_ljmp_offset[2];

#endif
