/*
 * The freestanding ring-3 runtime in one include: what a faultline test
 * program needs (see docs/ring3.md).
 *
 *   start.h      rt_start (entry.S has _start), argv, envp, auxv, rt_exit
 *   syscall.h    raw Linux syscalls returning -errno
 *   linux.h      the Linux ABI constants and structures they use
 *   faultline.h  the faultline-only introspection syscall
 *   record.h     test records, queued while measuring, printed after
 *   print.h      immediate output (never inside a measured interval)
 *   killer.h     for programs that are meant to die by a signal
 *   signal.h     handlers, the mask, raise, setjmp/longjmp out of a handler
 *   mm.h         fault counting, small-page mappings, mapped-page probe
 *   pattern.h    fill pages with self-describing words and check them
 *   access.h     single loads and stores the compiler cannot elide
 *   tsc.h        ordered rdtsc / rdtscp
 *   base/string.h, base/format.h  memory/string helpers and the formatter
 *                (shared with the kernel)
 */
#ifndef FAULTLINE_USER_RT_H
#define FAULTLINE_USER_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/format.h"
#include "base/string.h"
#include "user/rt/access.h"
#include "user/rt/faultline.h"
#include "user/rt/huge.h"
#include "user/rt/killer.h"
#include "user/rt/linux.h"
#include "user/rt/mm.h"
#include "user/rt/pattern.h"
#include "user/rt/print.h"
#include "user/rt/record.h"
#include "user/rt/signal.h"
#include "user/rt/start.h"
#include "user/rt/syscall.h"
#include "user/rt/tsc.h"

#endif
