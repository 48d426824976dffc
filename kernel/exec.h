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
		 const char *const *argv, uint32_t argc, struct pt_regs *regs, const char **why);

/* Frees every page, table, VMA and the mm of t (after it ended): mmput
 * (paging/mm.h), then the slab caches shrunk. */
void exit_mm(struct task_struct *t);

#endif
