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

struct file;
struct inode;

/*
 * Opens the program at path (from cwd) for exec: a regular file with an
 * execute bit, else -EACCES (as Linux's do_open_execat); vfs_open's errno
 * for a bad path. Returns 0 with a new reference in *out.
 */
int exec_open(struct inode *cwd, const char *path, struct file **out);

/*
 * Loads the executable open in file into a new mm for t, as Linux's
 * load_elf_binary: headers read through the page cache, each PT_LOAD a
 * private mapping of the file (text demand-paged and shared with every
 * process running it; data copied on the first write; bss anonymous),
 * writes to the file denied while it is mapped (-ETXTBSY here if it is
 * open for writing). Builds the stack with argv and fills *regs for the
 * first entry to ring 3. Returns 0, or a negative errno with *why saying
 * what was wrong (the mm is then freed again). file keeps the caller's
 * reference.
 */
int exec_program(struct task_struct *t, struct file *file,
		 const char *const *argv, uint32_t argc, const char *const *envp, uint32_t envc,
		 struct pt_regs *regs, const char **why);

/* t's /proc/self/exe: the absolute path, links resolved, of the file path
 * (relative to t's working directory) names. */
void exec_set_exe_path(struct task_struct *t, const char *path);

/*
 * execve(2): path names the program in the file system (the stick's
 * programs are /bin/NAME; /faultline/bin/NAME and /usr/bin/NAME name them
 * too, /proc/self/exe the caller's own); argv and envp are copied in (at most STACK_INITIAL_PAGES of
 * strings: -E2BIG beyond). On success the caller's address space is
 * replaced (a vfork parent is released), its other threads are killed and
 * 0 is returned into the new image's registers; on failure nothing changed.
 */
int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp);

/* Drops t's address space (at exit): the last user frees every page,
 * table, VMA and the mm (mmput, paging/mm.h), after CR3 left it. */
void exit_mm(struct task_struct *t);

#endif
