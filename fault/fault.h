/* The x86 half of the page-fault path (Linux arch/x86/mm/fault.c). */
#ifndef FAULTLINE_FAULT_H
#define FAULTLINE_FAULT_H

#include "fault/ptrace.h"

/* Vector 14. Returns to retry the access, kills the program, or panics. */
void exc_page_fault(struct pt_regs *regs);

/* The stack limit for programs (Linux's default RLIMIT_STACK: 8 MiB); the
 * guard gap below a stack is STACK_GUARD_GAP (paging/vma.h). */
#define STACK_LIMIT_BYTES (8ull << 20)

#endif
