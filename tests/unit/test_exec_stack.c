/*
 * Host tests for kernel/exec_stack.c. Each stack is read back the way a C
 * library's _start reads it: argc at rsp, the argv and envp pointer arrays
 * after it, auxv after envp's NULL, every pointer a user address that is
 * translated into the buffer (and must land inside it). Buffers are exact
 * malloc blocks, so AddressSanitizer sees a write past either end.
 *
 * Then, if musl-gcc is installed, the real thing: a static musl program is
 * compiled, laid out by kernel/elf.c into a forked child exactly as the
 * loader will map it, given a stack built here, and entered at _start; its
 * output shows what musl's startup code made of argv, envp and auxv.
 */
#define _DEFAULT_SOURCE            /* MAP_FIXED_NOREPLACE, fork, pipe */
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "../../kernel/exec_stack.c"
#include "../../kernel/elf.c"

#define STACK_TOP 0x00007ffffffff000ull
#define FILL      0xcc

/* The buffer under test and the user address of its end. */
struct view {
	const uint8_t *buf;
	uint64_t size, top;
};

static int in_view(const struct view *v, uint64_t va, uint64_t len)
{
	return va <= v->top && len <= v->top - va && v->top - va <= v->size;
}

/* The 8-byte word at user address va (0xdead... if outside the buffer). */
static uint64_t word(const struct view *v, uint64_t va)
{
	if (!in_view(v, va, 8))
		return 0xdeadbeefdeadbeefull;
	uint64_t w = 0;
	for (int i = 0; i < 8; i++)
		w |= (uint64_t)v->buf[v->size - (v->top - va) + i] << (8 * i);
	return w;
}

/* The NUL-terminated string at user address va, or 0 if it leaves the buffer. */
static const char *string(const struct view *v, uint64_t va)
{
	if (!in_view(v, va, 1))
		return 0;
	const char *s = (const char *)v->buf + (v->size - (v->top - va));
	if (!memchr(s, 0, v->top - va))
		return 0;
	return s;
}

/* What _start learns: argc, argv[], envp[] and the auxv value of each type. */
struct startup {
	uint64_t argc;
	const char *argv[16];
	uint64_t envc;
	const char *envp[16];
	uint64_t aux[64];           /* value by AT_ type */
	uint32_t aux_seen[64];      /* how many times each type appeared */
	uint32_t auxc;              /* pairs, AT_NULL included */
	int well_formed;
};

static void read_startup(const struct view *v, uint64_t rsp, struct startup *st)
{
	memset(st, 0, sizeof(*st));
	uint64_t p = rsp;
	st->argc = word(v, p);
	p += 8;
	st->well_formed = st->argc < 16;
	for (uint64_t i = 0; st->well_formed && i < st->argc; i++, p += 8)
		st->argv[i] = string(v, word(v, p));
	if (word(v, p) != 0)                 /* argv[argc] == NULL */
		st->well_formed = 0;
	p += 8;
	while (st->well_formed && word(v, p) != 0) {
		if (st->envc == 16)
			st->well_formed = 0;
		else
			st->envp[st->envc++] = string(v, word(v, p));
		p += 8;
	}
	p += 8;
	for (;;) {
		if (!in_view(v, p, 16) || st->auxc == 64) {
			st->well_formed = 0;
			break;
		}
		uint64_t type = word(v, p), val = word(v, p + 8);
		st->auxc++;
		if (type < 64) {
			st->aux[type] = val;
			st->aux_seen[type]++;
		}
		p += 16;
		if (type == AT_NULL)
			break;
	}
}

static const struct exec_auxv_info standard_aux = {
	.phdr = 0x400040, .phent = 56, .phnum = 7, .entry = 0x401056, .hwcap = 0x178bfbff,
	.random = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf },
	.execfn = 0, .sysinfo_ehdr = 0x7fff12345000,
};

static uint8_t *filled(uint64_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	memset(b, FILL, size);
	return b;
}

/* Checks every auxv entry against aux and the result's string addresses. */
static void check_auxv(const struct view *v, const struct startup *st,
		       const struct exec_auxv_info *aux, const struct exec_stack_result *r)
{
	static const uint32_t types[] = {
		AT_SYSINFO_EHDR, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID,
		AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP, AT_CLKTCK,
		AT_PLATFORM, AT_EXECFN, AT_NULL,
	};
	CHECK_EQ_U64(st->auxc, EXEC_AUXV_ENTRIES);
	for (uint32_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		CHECK_EQ_U64(st->aux_seen[types[i]], 1);
	CHECK_EQ_U64(st->aux[AT_SYSINFO_EHDR], aux->sysinfo_ehdr);
	CHECK_EQ_U64(st->aux[AT_PHDR], aux->phdr);
	CHECK_EQ_U64(st->aux[AT_PHENT], aux->phent);
	CHECK_EQ_U64(st->aux[AT_PHNUM], aux->phnum);
	CHECK_EQ_U64(st->aux[AT_PAGESZ], 4096);
	CHECK_EQ_U64(st->aux[AT_BASE], 0);
	CHECK_EQ_U64(st->aux[AT_FLAGS], 0);
	CHECK_EQ_U64(st->aux[AT_ENTRY], aux->entry);
	CHECK_EQ_U64(st->aux[AT_UID], 0);
	CHECK_EQ_U64(st->aux[AT_EUID], 0);
	CHECK_EQ_U64(st->aux[AT_GID], 0);
	CHECK_EQ_U64(st->aux[AT_EGID], 0);
	CHECK_EQ_U64(st->aux[AT_SECURE], 0);
	CHECK_EQ_U64(st->aux[AT_HWCAP], aux->hwcap);
	CHECK_EQ_U64(st->aux[AT_CLKTCK], 100);
	CHECK_EQ_U64(st->aux[AT_RANDOM], r->random);
	CHECK_EQ_U64(st->aux[AT_PLATFORM], r->platform);
	CHECK_EQ_U64(st->aux[AT_EXECFN], r->execfn);
	CHECK_STR(string(v, st->aux[AT_PLATFORM]), "x86_64");
	CHECK(in_view(v, st->aux[AT_RANDOM], 16));
	if (in_view(v, st->aux[AT_RANDOM], 16))
		CHECK(memcmp(v->buf + v->size - (v->top - st->aux[AT_RANDOM]), aux->random, 16) == 0);
}

TEST(prog_n_3_reads_back_like_libc_start)
{
	const char *const argv[] = { "prog", "-n", "3" };
	const char *const envp[] = { "A=1" };
	uint64_t size = 4096;
	uint8_t *buf = filled(size);
	struct exec_stack_result r;
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv, 3, envp, 1, &standard_aux, &r), 0);

	/*
	 * By hand: strings = 16 random + 7 "x86_64" + 5 execfn "prog" + 4 "A=1"
	 * + 5 + 3 + 2 = 42 bytes; tables = argc + 4 argv + 2 envp + 38 auxv
	 * words = 360 bytes; rsp = (top - 42 - 360) & ~15 = top - 0x1a0.
	 */
	CHECK_EQ_U64(r.rsp, STACK_TOP - 0x1a0);
	CHECK_EQ_U64(r.rsp % 16, 0);
	CHECK_EQ_U64(r.bytes_used, 0x1a0);
	CHECK_EQ_U64(r.argv, r.rsp + 8);
	CHECK_EQ_U64(r.envp, r.rsp + 8 + 4 * 8);
	CHECK_EQ_U64(r.auxv, r.rsp + 8 + 6 * 8);
	CHECK_EQ_U64(r.random, STACK_TOP - 16);
	CHECK_EQ_U64(r.platform, STACK_TOP - 23);
	CHECK_EQ_U64(r.execfn, STACK_TOP - 28);
	CHECK_EQ_U64(r.env_end, STACK_TOP - 28);
	CHECK_EQ_U64(r.env_start, STACK_TOP - 32);
	CHECK_EQ_U64(r.arg_end, STACK_TOP - 32);
	CHECK_EQ_U64(r.arg_start, STACK_TOP - 42);

	struct view v = { buf, size, STACK_TOP };
	struct startup st;
	read_startup(&v, r.rsp, &st);
	CHECK(st.well_formed);
	CHECK_EQ_U64(st.argc, 3);
	CHECK_STR(st.argv[0], "prog");
	CHECK_STR(st.argv[1], "-n");
	CHECK_STR(st.argv[2], "3");
	CHECK_EQ_U64(st.envc, 1);
	CHECK_STR(st.envp[0], "A=1");
	check_auxv(&v, &st, &standard_aux, &r);
	CHECK_STR(string(&v, st.aux[AT_EXECFN]), "prog");

	/* Argument strings are contiguous from arg_start, then the environment. */
	CHECK_EQ_U64(word(&v, r.argv), r.arg_start);
	CHECK_EQ_U64(word(&v, r.argv + 8), r.arg_start + 5);
	CHECK_EQ_U64(word(&v, r.argv + 16), r.arg_start + 8);
	CHECK_EQ_U64(word(&v, r.envp), r.env_start);

	/* Padding between auxv and the strings is zeroed; below rsp is untouched. */
	uint64_t tables_end = r.rsp + 360, pad_ok = 1, below_ok = 1;
	for (uint64_t va = tables_end; va < r.arg_start; va++)
		pad_ok &= buf[size - (STACK_TOP - va)] == 0;
	for (uint64_t i = 0; i < size - r.bytes_used; i++)
		below_ok &= buf[i] == FILL;
	CHECK_EQ_U64(r.arg_start - tables_end, 0x1a0 - 360 - 42);
	CHECK(pad_ok);
	CHECK(below_ok);
	free(buf);
}

TEST(no_arguments_and_explicit_execfn)
{
	uint64_t size = 1024;
	uint8_t *buf = filled(size);
	struct exec_stack_result r;
	/* argc 0, no environment, no execfn: AT_EXECFN is an empty string. */
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, 0, 0, 0, 0, &standard_aux, &r), 0);
	/* strings 16 + 7 + 1 = 24; tables 1 + 1 + 1 + 38 words = 328; 352 is aligned. */
	CHECK_EQ_U64(r.bytes_used, 352);
	struct view v = { buf, size, STACK_TOP };
	struct startup st;
	read_startup(&v, r.rsp, &st);
	CHECK(st.well_formed);
	CHECK_EQ_U64(st.argc, 0);
	CHECK_EQ_U64(st.envc, 0);
	CHECK_EQ_U64(word(&v, r.rsp + 8), 0);      /* argv[0] == NULL */
	CHECK_EQ_U64(word(&v, r.rsp + 16), 0);     /* envp[0] == NULL */
	CHECK_EQ_U64(r.arg_start, r.arg_end);
	CHECK_EQ_U64(r.env_start, r.env_end);
	check_auxv(&v, &st, &standard_aux, &r);
	CHECK_STR(string(&v, st.aux[AT_EXECFN]), "");

	/* An explicit execfn is its own string, distinct from argv[0]. */
	struct exec_auxv_info aux = standard_aux;
	aux.execfn = "/bin/true";
	const char *const argv[] = { "true" };
	memset(buf, FILL, size);
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv, 1, 0, 0, &aux, &r), 0);
	read_startup(&v, r.rsp, &st);
	CHECK(st.well_formed);
	CHECK_STR(st.argv[0], "true");
	CHECK_STR(string(&v, st.aux[AT_EXECFN]), "/bin/true");
	CHECK_EQ_U64(r.execfn, STACK_TOP - 23 - 10);
	free(buf);
}

TEST(rsp_is_aligned_for_any_top_and_any_string_lengths)
{
	/* Every combination of top misalignment and string length parity. */
	static const char long_arg[] = "0123456789abcdef";
	uint32_t bad = 0, runs = 0;
	for (uint64_t mis = 0; mis < 16; mis++) {
		for (uint32_t len = 0; len < 16; len++) {
			char arg[17];
			memcpy(arg, long_arg, len);
			arg[len] = 0;
			const char *const argv[] = { "p", arg };
			const char *const envp[] = { arg, "B=2" };
			uint64_t top = STACK_TOP - mis, size = 1024;
			uint8_t *buf = filled(size);
			struct exec_stack_result r;
			runs++;
			if (exec_build_stack(buf, size, top, argv, 2, envp, 2, &standard_aux, &r) != 0) {
				bad++;
				free(buf);
				continue;
			}
			struct view v = { buf, size, top };
			struct startup st;
			read_startup(&v, r.rsp, &st);
			/* 45 table words, then at most 15 bytes of padding before the strings. */
			if (r.rsp % 16 || r.rsp + r.bytes_used != top || !st.well_formed ||
			    st.argc != 2 || !st.argv[1] || strcmp(st.argv[1], arg) ||
			    st.envc != 2 || !st.envp[1] || strcmp(st.envp[1], "B=2") ||
			    st.aux[AT_RANDOM] != top - 16 ||
			    r.arg_start - r.rsp < 8 * 45 || r.arg_start - r.rsp > 8 * 45 + 15)
				bad++;
			free(buf);
		}
	}
	CHECK_EQ_U64(runs, 256);
	CHECK_EQ_U64(bad, 0);
}

TEST(exactly_fitting_buffer)
{
	const char *const argv[] = { "prog", "-n", "3" };
	const char *const envp[] = { "A=1", "HOME=/", "PATH=/bin" };
	for (uint64_t mis = 0; mis < 16; mis += 5) {
		uint64_t top = STACK_TOP - mis;
		struct exec_stack_result big, r;
		uint8_t *buf = filled(4096);
		CHECK_EQ_U64(exec_build_stack(buf, 4096, top, argv, 3, envp, 3, &standard_aux, &big), 0);
		free(buf);

		/* Exactly bytes_used: same stack, and every byte of it written. */
		uint64_t need = big.bytes_used;
		buf = filled(need);
		CHECK_EQ_U64(exec_build_stack(buf, need, top, argv, 3, envp, 3, &standard_aux, &r), 0);
		CHECK_EQ_U64(r.rsp, big.rsp);
		struct view v = { buf, need, top };
		struct startup st;
		read_startup(&v, r.rsp, &st);
		CHECK(st.well_formed);
		CHECK_STR(st.envp[2], "PATH=/bin");
		check_auxv(&v, &st, &standard_aux, &r);
		free(buf);

		/* One byte less: E2BIG, and the buffer is left as it was. */
		buf = filled(need - 1);
		CHECK_EQ_U64(exec_build_stack(buf, need - 1, top, argv, 3, envp, 3, &standard_aux, &r),
			     (uint64_t)-EXEC_E2BIG);
		uint32_t untouched = 1;
		for (uint64_t i = 0; i < need - 1; i++)
			untouched &= buf[i] == FILL;
		CHECK(untouched);
		free(buf);
	}
}

TEST(too_big_or_bad_input_is_refused)
{
	uint64_t size = 4096;
	uint8_t *buf = filled(size);
	struct exec_stack_result r;

	/* One huge argument; one huge environment string; too many pointers. */
	char *huge = malloc(10000);
	memset(huge, 'x', 9999);
	huge[9999] = 0;
	const char *const argv_huge[] = { "prog", huge };
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_huge, 2, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	const char *const envp_huge[] = { huge };
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_huge, 1, envp_huge, 1, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	struct exec_auxv_info aux = standard_aux;
	aux.execfn = huge;
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_huge, 1, 0, 0, &aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	/* A string exactly as long as the buffer cannot fit with its NUL. */
	huge[size] = 0;
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_huge, 2, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	static const char *many[600];
	for (uint32_t i = 0; i < 600; i++)
		many[i] = "";
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, many, 600, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, many, 1, many, 600, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	uint32_t untouched = 1;
	for (uint64_t i = 0; i < size; i++)
		untouched &= buf[i] == FILL;
	CHECK(untouched);

	/* A stack top so low that the stack would go below address 0. */
	CHECK_EQ_U64(exec_build_stack(buf, size, 300, 0, 0, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_E2BIG);
	CHECK_EQ_U64(exec_build_stack(buf, size, 352, 0, 0, 0, 0, &standard_aux, &r), 0);
	CHECK_EQ_U64(r.rsp, 0);

	/* NULL where a string was promised. */
	const char *const argv_null[] = { "prog", 0 };
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_null, 2, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_EFAULT);
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, 0, 1, 0, 0, &standard_aux, &r),
		     (uint64_t)-EXEC_EFAULT);
	CHECK_EQ_U64(exec_build_stack(buf, size, STACK_TOP, argv_null, 1, argv_null + 1, 1, &standard_aux, &r),
		     (uint64_t)-EXEC_EFAULT);
	free(huge);
	free(buf);
}

TEST(unaligned_buffer_pointer)
{
	/* The buffer itself need not be aligned; only the user addresses are. */
	const char *const argv[] = { "prog", "-n", "3" };
	const char *const envp[] = { "A=1" };
	uint8_t *block = filled(4096 + 3);
	struct exec_stack_result r;
	CHECK_EQ_U64(exec_build_stack(block + 3, 4096, STACK_TOP, argv, 3, envp, 1, &standard_aux, &r), 0);
	struct view v = { block + 3, 4096, STACK_TOP };
	struct startup st;
	read_startup(&v, r.rsp, &st);
	CHECK(st.well_formed);
	CHECK_EQ_U64(r.rsp, STACK_TOP - 0x1a0);
	CHECK_STR(st.argv[2], "3");
	check_auxv(&v, &st, &standard_aux, &r);
	free(block);
}

/* ---- a real musl _start, if musl-gcc is installed ---- */

static const char probe_source[] =
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <sys/auxv.h>\n"
	"__thread int t = 5;\n"
	"int main(int argc, char **argv, char **envp) {\n"
	"	printf(\"argc=%d\", argc);\n"
	"	for (int i = 0; i < argc; i++) printf(\" [%s]\", argv[i]);\n"
	"	for (char **e = envp; *e; e++) printf(\" {%s}\", *e);\n"
	"	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);\n"
	"	printf(\" A=%s execfn=%s platform=%s pagesz=%lu random=%02x..%02x tls=%d hwcap=%lx\\n\",\n"
	"	       getenv(\"A\"), (char *)getauxval(AT_EXECFN), (char *)getauxval(AT_PLATFORM),\n"
	"	       getauxval(AT_PAGESZ), r[0], r[15], t, getauxval(AT_HWCAP));\n"
	"	return 42;\n"
	"}\n";

static const char probe_expected[] =
	"argc=3 [prog] [-n] [3] {A=1} A=1 execfn=prog platform=x86_64 pagesz=4096 "
	"random=a0..af tls=5 hwcap=178bfbff\n";

#define CHILD_ADDRESS_BUSY 99      /* the child could not map the image where it goes */

/*
 * In the forked child: maps img's segments as the kernel loader will (file
 * bytes, zero tail, bss, then the segment's protection), builds the stack at
 * the top of a fresh mapping and jumps to the entry point. Never returns.
 */
static void run_image_in_child(const struct elf_image *img, const uint8_t *file)
{
	alarm(10);
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segments[i];
		uint64_t len = ((s->memsz_end + 0xfff) & ~0xfffull) - s->vaddr;
		void *at = mmap((void *)(uintptr_t)s->vaddr, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (at != (void *)(uintptr_t)s->vaddr)
			_exit(CHILD_ADDRESS_BUSY);
		memcpy(at, file + s->file_offset, s->filesz_end - s->vaddr);
		int prot = ((s->prot & ELF_PROT_READ) ? PROT_READ : 0) |
			   ((s->prot & ELF_PROT_WRITE) ? PROT_WRITE : 0) |
			   ((s->prot & ELF_PROT_EXEC) ? PROT_EXEC : 0);
		if (mprotect(at, len, prot) != 0)
			_exit(98);
	}
	uint64_t stack_size = 1 << 20;
	uint8_t *stack = mmap(0, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		_exit(97);
	const char *const argv[] = { "prog", "-n", "3" };
	const char *const envp[] = { "A=1" };
	struct exec_auxv_info aux = standard_aux;
	aux.phdr = img->phdr_addr;
	aux.phent = img->phent;
	aux.phnum = img->phnum;
	aux.entry = img->entry;
	struct exec_stack_result r;
	if (exec_build_stack(stack, stack_size, (uint64_t)(uintptr_t)stack + stack_size,
			     argv, 3, envp, 1, &aux, &r) != 0)
		_exit(96);
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%edx, %%edx\n\t"      /* no rtld_fini for atexit */
			 "jmp *%1"
			 : : "D"(r.rsp), "S"(img->entry) : "rdx", "memory");
	__builtin_unreachable();
}

/*
 * Parses the program at path, runs it in a child and checks its output and
 * exit status. Returns 0, or 1 if its addresses were taken in this process
 * (a note is printed; nothing is counted).
 */
static int run_real_program(const char *path, uint16_t want_type)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != 0);
	if (!f)
		return 0;
	static uint8_t file[1 << 20];
	size_t size = fread(file, 1, sizeof(file), f);
	fclose(f);
	struct elf_image img;
	CHECK_EQ_U64(elf_parse(file, size, 0x00007ffffffff000ull, &img), 0);
	CHECK_EQ_U64(img.type, want_type);
	if (img.error)
		return 0;

	int out[2];
	CHECK_EQ_U64(pipe(out), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		run_image_in_child(&img, file);
	}
	close(out[1]);
	char text[512];
	size_t got = 0;
	ssize_t n;
	while ((n = read(out[0], text + got, sizeof(text) - 1 - got)) > 0)
		got += (size_t)n;
	text[got] = 0;
	close(out[0]);
	int status = 0;
	CHECK_EQ_U64(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_ADDRESS_BUSY) {
		printf("  note: %s: its load address is in use in this process, not run\n", path);
		return 1;
	}
	CHECK(WIFEXITED(status));
	CHECK_EQ_U64(WEXITSTATUS(status), 42);
	CHECK_STR(text, probe_expected);
	return 0;
}

TEST(musl_start_reads_the_stack)
{
	if (system("command -v musl-gcc >/dev/null 2>&1") != 0) {
		printf("  note: musl-gcc not found, real _start check skipped\n");
		return;
	}
	char dir[64], cmd[2048], path[256];
	snprintf(dir, sizeof(dir), "/tmp/faultline_stack_%d", (int)getpid());
	CHECK_EQ_U64(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/p.c", dir);
	FILE *src = fopen(path, "w");
	CHECK(src != 0);
	if (!src)
		return;
	fputs(probe_source, src);
	fclose(src);

	snprintf(cmd, sizeof(cmd), "musl-gcc -static -O2 %s/p.c -o %s/static", dir, dir);
	CHECK_EQ_U64(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/static", dir);
	run_real_program(path, ELF_ET_EXEC);

	/* Static PIE, linked by hand with musl's self-relocating rcrt1.o. */
	snprintf(cmd, sizeof(cmd),
		 "L=$(sed -n 's|.*-specs \"\\(.*\\)/musl-gcc.specs\".*|\\1|p' \"$(command -v musl-gcc)\") && "
		 "musl-gcc -fPIE -pie -nostartfiles -O2 \"$L/rcrt1.o\" \"$L/crti.o\" "
		 "\"$(musl-gcc -print-file-name=crtbeginS.o)\" %s/p.c "
		 "\"$(musl-gcc -print-file-name=crtendS.o)\" \"$L/crtn.o\" "
		 "-Wl,-static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -o %s/spie", dir, dir);
	CHECK_EQ_U64(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/spie", dir);
	run_real_program(path, ELF_ET_DYN);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_U64(system(cmd), 0);
}

UNIT_MAIN(
	UNIT(prog_n_3_reads_back_like_libc_start),
	UNIT(no_arguments_and_explicit_execfn),
	UNIT(rsp_is_aligned_for_any_top_and_any_string_lengths),
	UNIT(exactly_fitting_buffer),
	UNIT(too_big_or_bad_input_is_refused),
	UNIT(unaligned_buffer_pointer),
	UNIT(musl_start_reads_the_stack),
)
