/*
 * The initial stack of a new x86-64 Linux process, as Linux's
 * create_elf_tables leaves it for the program's _start. Pure: it is built in
 * a kernel buffer that stands for the top of the user stack, with every
 * pointer in it a user address. Host-tested by reading it back as libc would.
 *
 * Layout, from stack_top_va downwards:
 *   16 AT_RANDOM bytes | "x86_64\0" (AT_PLATFORM) | execfn string (AT_EXECFN)
 *   | environment strings | argument strings (argv[0] lowest, all contiguous)
 *   | zero padding | auxv (id, value pairs, AT_NULL last) | envp[], NULL
 *   | argv[], NULL | argc  <- rsp, 16-byte aligned
 */
#ifndef FAULTLINE_EXEC_STACK_H
#define FAULTLINE_EXEC_STACK_H

#include <stdint.h>

/* Errors (negated, Linux errno values). */
#define EXEC_E2BIG  7    /* the strings and tables do not fit in the buffer */
#define EXEC_EFAULT 14   /* a NULL string where argc/envc promised one */

/* Auxiliary vector entry types (Linux include/uapi/linux/auxvec.h). */
#define AT_NULL     0
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31
#define AT_SYSINFO_EHDR 33

#define EXEC_AUXV_ENTRIES 19     /* pairs written, AT_NULL included */
#define EXEC_PLATFORM     "x86_64"

/* What the auxiliary vector says about the program (from struct elf_image). */
struct exec_auxv_info {
	uint64_t phdr;           /* AT_PHDR */
	uint64_t phent;          /* AT_PHENT */
	uint64_t phnum;          /* AT_PHNUM */
	uint64_t entry;          /* AT_ENTRY */
	uint64_t hwcap;          /* AT_HWCAP: CPUID.1:EDX, as Linux reports it */
	uint8_t random[16];      /* copied to the stack; AT_RANDOM points at the copy */
	const char *execfn;      /* AT_EXECFN: the executed path; 0: argv[0] (or "" if argc is 0) */
	uint64_t sysinfo_ehdr;   /* AT_SYSINFO_EHDR: the vDSO's ELF header (kernel/vdso.h) */
};

struct exec_stack_result {
	uint64_t rsp;            /* initial rsp: points at argc, 16-byte aligned */
	uint64_t bytes_used;     /* stack_top_va - rsp */
	uint64_t argv;           /* user address of argv[0] (the pointer array) */
	uint64_t envp;           /* user address of envp[0] */
	uint64_t auxv;           /* user address of the first auxv pair */
	uint64_t arg_start, arg_end;  /* argument strings (mm->arg_start/arg_end) */
	uint64_t env_start, env_end;  /* environment strings (mm->env_start/env_end) */
	uint64_t execfn;         /* AT_EXECFN value */
	uint64_t platform;       /* AT_PLATFORM value */
	uint64_t random;         /* AT_RANDOM value */
};

/*
 * Builds the initial stack in buf, whose last byte stands for user address
 * stack_top_va - 1 (bytes below the used part are left untouched). argv has
 * argc strings and envp envc strings. Returns 0 with out filled, -EXEC_E2BIG
 * if the result would not fit in buf_size bytes (or below user address 0),
 * or -EXEC_EFAULT if one of the strings is NULL; buf is unchanged on error.
 */
int exec_build_stack(uint8_t *buf, uint64_t buf_size, uint64_t stack_top_va,
		     const char *const *argv, uint32_t argc,
		     const char *const *envp, uint32_t envc,
		     const struct exec_auxv_info *aux, struct exec_stack_result *out);

#endif
