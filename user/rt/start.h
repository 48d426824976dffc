/*
 * Process start-up for freestanding ring-3 programs: what _start found on
 * the initial stack, and the program's entry contract.
 *
 * A program defines main(); rt_start (called by _start) records argc, argv,
 * envp and the auxiliary vector, faults in the top RT_STACK_PREFAULT bytes
 * of stack (so a later measured interval does not pay for stack growth),
 * calls main, prints any records still pending, and exits the whole process
 * with main's return value.
 */
#ifndef FAULTLINE_USER_START_H
#define FAULTLINE_USER_START_H

#include <stdint.h>

#define RT_STACK_PREFAULT (128u * 1024u)

int main(int argc, char **argv, char **envp);

extern int rt_argc;
extern char **rt_argv;
extern char **rt_envp;
extern const uint64_t *rt_auxv;   /* (type, value) pairs, ends with AT_NULL */
extern const uint64_t *rt_initial_sp;  /* rsp at _start: points at argc */

/* Returns the value of auxiliary vector entry type, or 0 if there is none. */
uint64_t rt_getauxval(uint64_t type);

/* Prints pending records, then ends the process with status; never returns. */
__attribute__((noreturn)) void rt_exit(int status);

#endif
