/*
 * Walking the stack down to its limit (RLIMIT_STACK, measured from the
 * stack's top) for the programs that check where it stops growing
 * (segv_stack_guard with the default limit, segv_stack_rlimit with one they
 * set themselves).
 */
#ifndef FAULTLINE_USER_RT_STACK_LIMIT_H
#define FAULTLINE_USER_RT_STACK_LIMIT_H

#include <stdint.h>

#define RT_RLIMIT_STACK 3

/* RLIMIT_STACK's soft value (prlimit64); 0 if unlimited or unreadable. */
uint64_t rt_stack_limit(void);

/*
 * The end of the stack VMA: the page end above the highest thing exec put
 * there (on Linux the executable's name, AT_EXECFN, 8 bytes below the end;
 * on faultline the AT_RANDOM bytes right at the end).
 */
uintptr_t rt_stack_vm_end(void);

/*
 * Records "setup", then recurses with 64 KiB frames, each page touched from
 * the top down (as a compiler's stack probes would), until within
 * stop_margin of limit_low, the lowest byte the stack may reach; reads it
 * ("limit_reached"), declares the expected kill (SIGSEGV, SEGV_MAPERR at
 * limit_low - 1) and reads that byte. Without reaching the limit after
 * 256 MiB of stack it records a failure instead of exhausting memory.
 * Never returns.
 */
__attribute__((noreturn)) void rt_grow_stack_to(uintptr_t limit_low, uint32_t stop_margin);

#endif
