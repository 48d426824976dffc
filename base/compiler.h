/* Compiler hints, as Linux spells them. */
#ifndef FAULTLINE_COMPILER_H
#define FAULTLINE_COMPILER_H

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* For the few hot paths (the page fault) where a call costs more than the work. */
#ifndef __always_inline   /* glibc's sys/cdefs.h has the same, for host tests */
#define __always_inline inline __attribute__((always_inline))
#endif

#endif
