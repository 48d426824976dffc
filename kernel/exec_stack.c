/*
 * The initial process stack (kernel/exec_stack.h), following Linux's
 * create_elf_tables: strings at the top, then argc, argv[], envp[] and the
 * auxiliary vector laid out upwards from a 16-byte aligned rsp, so that
 * _start finds argc at (%rsp), argv at 8(%rsp), envp after argv's NULL and
 * auxv after envp's NULL.
 *
 * Sizes are worked out first (each step checked against the buffer), then
 * the buffer is written top down; a failure leaves it untouched.
 */
#include "kernel/exec_stack.h"
#include "base/string.h"

#define PAGE_SIZE_BYTES 4096
#define CLOCK_TICKS     100      /* USER_HZ */

/* Stores v little-endian at p (which need not be aligned). */
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Adds len + 1 (a string and its NUL) to *total (which is <= limit).
 * Returns 1, or 0 if that would take the total past limit.
 */
static int add_string(uint64_t *total, const char *s, uint64_t limit)
{
	uint64_t len = strnlen(s, (size_t)limit);
	if (len >= limit || len + 1 > limit - *total)
		return 0;
	*total += len + 1;
	return 1;
}

/* The stack being written: the buffer and the user address of its end. */
struct stack_writer {
	uint8_t *buf;
	uint64_t buf_size;
	uint64_t top_va;
	uint64_t va;             /* lowest address written so far (strings go down) */
};

static uint8_t *at(const struct stack_writer *w, uint64_t va)
{
	return w->buf + (w->buf_size - (w->top_va - va));
}

/* Copies n bytes below the current position. Returns their user address. */
static uint64_t push_bytes(struct stack_writer *w, const void *src, uint64_t n)
{
	w->va -= n;
	memcpy(at(w, w->va), src, (size_t)n);
	return w->va;
}

static uint64_t push_string(struct stack_writer *w, const char *s)
{
	return push_bytes(w, s, strlen(s) + 1);
}

/* See kernel/exec_stack.h. */
int exec_build_stack(uint8_t *buf, uint64_t buf_size, uint64_t stack_top_va,
		     const char *const *argv, uint32_t argc,
		     const char *const *envp, uint32_t envc,
		     const struct exec_auxv_info *aux, struct exec_stack_result *out)
{
	uint64_t limit = buf_size < stack_top_va ? buf_size : stack_top_va;
	if ((argc && !argv) || (envc && !envp))
		return -EXEC_EFAULT;
	for (uint32_t i = 0; i < argc; i++)
		if (!argv[i])
			return -EXEC_EFAULT;
	for (uint32_t i = 0; i < envc; i++)
		if (!envp[i])
			return -EXEC_EFAULT;
	const char *execfn = aux->execfn ? aux->execfn : argc ? argv[0] : "";

	/* Sizes: the string area, then the tables below it. */
	uint64_t strings = sizeof(aux->random);
	if (strings > limit || !add_string(&strings, EXEC_PLATFORM, limit) ||
	    !add_string(&strings, execfn, limit))
		return -EXEC_E2BIG;
	for (uint32_t i = 0; i < envc; i++)
		if (!add_string(&strings, envp[i], limit))
			return -EXEC_E2BIG;
	for (uint32_t i = 0; i < argc; i++)
		if (!add_string(&strings, argv[i], limit))
			return -EXEC_E2BIG;
	uint64_t table_words = 1 + ((uint64_t)argc + 1) + ((uint64_t)envc + 1) + 2 * EXEC_AUXV_ENTRIES;
	uint64_t table_bytes = table_words * 8;
	if (table_bytes > limit - strings)
		return -EXEC_E2BIG;
	uint64_t strings_va = stack_top_va - strings;
	uint64_t rsp = (strings_va - table_bytes) & ~(uint64_t)15;
	if (stack_top_va - rsp > buf_size)
		return -EXEC_E2BIG;

	/* Strings, top down: AT_RANDOM bytes, platform, execfn, envp, argv. */
	struct stack_writer w = { buf, buf_size, stack_top_va, stack_top_va };
	*out = (struct exec_stack_result){ 0 };
	out->random = push_bytes(&w, aux->random, sizeof(aux->random));
	out->platform = push_string(&w, EXEC_PLATFORM);
	out->execfn = push_string(&w, execfn);
	out->env_end = w.va;
	for (uint32_t i = envc; i-- > 0;)
		push_string(&w, envp[i]);
	out->env_start = out->arg_end = w.va;
	for (uint32_t i = argc; i-- > 0;)
		push_string(&w, argv[i]);
	out->arg_start = w.va;

	/* Zero the padding between the tables and the strings. */
	uint64_t tables_end = rsp + table_bytes;
	memset(at(&w, tables_end), 0, (size_t)(w.va - tables_end));

	/* Tables, bottom up: argc, argv[], NULL, envp[], NULL, auxv. */
	uint8_t *p = at(&w, rsp);
	put64(p, argc);
	p += 8;
	out->argv = rsp + 8;
	uint64_t s = out->arg_start;
	for (uint32_t i = 0; i < argc; i++, p += 8) {
		put64(p, s);
		s += strlen(argv[i]) + 1;
	}
	put64(p, 0);
	p += 8;
	out->envp = out->argv + ((uint64_t)argc + 1) * 8;
	for (uint32_t i = 0; i < envc; i++, p += 8) {
		put64(p, s);
		s += strlen(envp[i]) + 1;
	}
	put64(p, 0);
	p += 8;
	out->auxv = out->envp + ((uint64_t)envc + 1) * 8;

	const uint64_t auxv[EXEC_AUXV_ENTRIES][2] = {
		{ AT_SYSINFO_EHDR, aux->sysinfo_ehdr },   /* first, as Linux's ARCH_DLINFO */
		{ AT_PHDR, aux->phdr },
		{ AT_PHENT, aux->phent },
		{ AT_PHNUM, aux->phnum },
		{ AT_PAGESZ, PAGE_SIZE_BYTES },
		{ AT_BASE, 0 },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, aux->entry },
		{ AT_UID, 0 },
		{ AT_EUID, 0 },
		{ AT_GID, 0 },
		{ AT_EGID, 0 },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, out->random },
		{ AT_HWCAP, aux->hwcap },
		{ AT_CLKTCK, CLOCK_TICKS },
		{ AT_PLATFORM, out->platform },
		{ AT_EXECFN, out->execfn },
		{ AT_NULL, 0 },
	};
	for (uint32_t i = 0; i < EXEC_AUXV_ENTRIES; i++, p += 16) {
		put64(p, auxv[i][0]);
		put64(p + 8, auxv[i][1]);
	}

	out->rsp = rsp;
	out->bytes_used = stack_top_va - rsp;
	return 0;
}
