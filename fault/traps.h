/* exception_dispatch: the C side of every exception entry (fault/entry.S). */
#ifndef FAULTLINE_TRAPS_H
#define FAULTLINE_TRAPS_H

#include <stdint.h>
#include "base/ptrace.h"

extern uint64_t spurious_interrupts;

void exception_dispatch(struct pt_regs *regs);

#endif
