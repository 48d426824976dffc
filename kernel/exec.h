/*
 * exec: a static Linux ELF executable into a fresh address space, with
 * Linux's initial stack (kernel/exec_stack.c), ready to enter ring 3.
 */
#ifndef FAULTLINE_EXEC_H
#define FAULTLINE_EXEC_H

#include <stdint.h>
#include "base/ptrace.h"
#include "base/process.h"

/* The stack pages exec fills with argv, envp and auxv (below STACK_TOP,
 * paging/mm.h). */
#define STACK_INITIAL_PAGES 32

/*
 * Loads file (size bytes) into a new mm for t, builds the stack with argv,
 * and fills *regs for the first entry to ring 3. Returns 0, or a negative
 * errno with *why saying what was wrong (the mm is then freed again).
 */
int exec_program(struct task_struct *t, const uint8_t *file, uint64_t size,
		 const char *const *argv, uint32_t argc, const char *const *envp, uint32_t envc,
		 struct pt_regs *regs, const char **why);

/*
 * execve(2): path /bin/NAME or /faultline/bin/NAME names a program on the
 * stick; argv and envp are copied in (at most STACK_INITIAL_PAGES of
 * strings: -E2BIG beyond). On success the caller's address space is
 * replaced (a vfork parent is released), its other threads are killed and
 * 0 is returned into the new image's registers; on failure nothing changed.
 */
int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp);

/* Drops t's address space (at exit): the last user frees every page,
 * table, VMA and the mm (mmput, paging/mm.h), after CR3 left it. */
void exit_mm(struct task_struct *t);

#endif
