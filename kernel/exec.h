/*
 * exec: a static Linux ELF executable into a fresh address space, with
 * Linux's initial stack (kernel/exec_stack.c), ready to enter ring 3.
 */
#ifndef FAULTLINE_EXEC_H
#define FAULTLINE_EXEC_H

#include <stdint.h>
#include "base/ptrace.h"
#include "base/process.h"

/* The top of the initial stack and the default mmap window: 47-bit user
 * addresses in both paging modes, as Linux's DEFAULT_MAP_WINDOW (a program
 * reaches above 2^47 in 5-level mode only by asking for it with a hint). */
#define DEFAULT_MAP_WINDOW ((1ull << 47) - PAGE_SIZE)
#define STACK_TOP          DEFAULT_MAP_WINDOW
#define STACK_INITIAL_PAGES 32

/*
 * Loads file (size bytes) into a new mm for t, builds the stack with argv,
 * and fills *regs for the first entry to ring 3. Returns 0, or a negative
 * errno with *why saying what was wrong (the mm is then freed again).
 */
int exec_program(struct task_struct *t, const uint8_t *file, uint64_t size,
		 const char *const *argv, uint32_t argc, struct pt_regs *regs, const char **why);

/* Frees every page, table, VMA and the mm of t (after it ended). */
void exit_mm(struct task_struct *t);

/* A new empty address space: no VMAs, a pgd sharing the kernel half, the
 * mmap layout of a program. NULL if out of memory. mm_free() gives back its
 * VMAs, pages, page-table pages and the mm itself. */
struct mm_struct *mm_alloc(void);
void mm_free(struct mm_struct *mm);

#endif
