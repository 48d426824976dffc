/*
 * startup_state: the process starts the way the System V x86-64 ABI and
 * Linux's ELF loader promise. At _start rsp is 16-byte aligned and points
 * at argc; argv and envp are NULL-terminated arrays of strings; the
 * auxiliary vector gives AT_PAGESZ 4096, AT_ENTRY = _start, AT_PHDR/PHENT/
 * PHNUM describing this program's own headers (a PT_LOAD among them), and
 * AT_RANDOM pointing at 16 readable bytes. Initialised data holds its
 * values and .bss is zero.
 */
#include "user/rt/rt.h"

RT_PROGRAM(startup_state);

/* ELF program header (Elf64_Phdr) and the types we look for. */
struct elf_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
#define PT_LOAD 1

void _start(void);

static volatile uint64_t initialised[4] = { 0x1122334455667788ul, 1, 2, 3 };
static volatile uint64_t zeroed[1024];

int main(int argc, char **argv, char **envp)
{
	/* Data and bss, before anything writes them. */
	uint32_t bss_nonzero = 0;
	for (uint32_t i = 0; i < 1024; i++)
		if (zeroed[i])
			bss_nonzero++;
	rt_check("data_and_bss", initialised[0] == 0x1122334455667788ul && initialised[3] == 3 &&
			 bss_nonzero == 0,
		 ".data word 0x%lx (expected 0x1122334455667788), %u of 1024 .bss words not zero",
		 (uint64_t)initialised[0], bss_nonzero);

	uintptr_t sp = (uintptr_t)rt_initial_sp;
	rt_check("stack_aligned", (sp & 15) == 0 && rt_initial_sp[0] == (uint64_t)argc,
		 "rsp at _start 0x%lx (must be 16-byte aligned), [rsp] = %lu, argc %d",
		 sp, rt_initial_sp[0], argc);

	uint32_t envc = 0;
	while (envp[envc])
		envc++;
	rt_check("argv_envp", argc >= 1 && argv[0] != 0 && argv[argc] == 0 &&
			 (uintptr_t)argv == sp + 8 && (char **)envp == argv + argc + 1,
		 "argc %d, argv at rsp+%ld, argv[argc] %s, %u environment strings right after",
		 argc, (long)((uintptr_t)argv - sp), argv[argc] ? "not NULL" : "NULL", envc);

	uint64_t pagesz = rt_getauxval(AT_PAGESZ), entry = rt_getauxval(AT_ENTRY);
	rt_check("auxv_pagesz_entry", pagesz == 4096 && entry == (uint64_t)(uintptr_t)&_start,
		 "AT_PAGESZ %lu (expected 4096), AT_ENTRY 0x%lx (expected _start 0x%lx)",
		 pagesz, entry, (uint64_t)(uintptr_t)&_start);

	uint64_t phdr = rt_getauxval(AT_PHDR), phent = rt_getauxval(AT_PHENT), phnum = rt_getauxval(AT_PHNUM);
	uint32_t loads = 0, text_covered = 0;
	if (phdr && phent == sizeof(struct elf_phdr) && phnum > 0 && phnum < 64) {
		const struct elf_phdr *ph = (const struct elf_phdr *)phdr;
		for (uint64_t i = 0; i < phnum; i++) {
			if (ph[i].p_type != PT_LOAD)
				continue;
			loads++;
			if ((uint64_t)(uintptr_t)&main >= ph[i].p_vaddr &&
			    (uint64_t)(uintptr_t)&main < ph[i].p_vaddr + ph[i].p_memsz)
				text_covered++;
		}
	}
	rt_check("auxv_phdr", loads > 0 && text_covered == 1,
		 "AT_PHDR 0x%lx, AT_PHENT %lu (expected %zu), AT_PHNUM %lu: %u PT_LOAD, %u covering main",
		 phdr, phent, sizeof(struct elf_phdr), phnum, loads, text_covered);

	uint64_t random = rt_getauxval(AT_RANDOM);
	uint64_t random_or = 0;
	if (random)
		random_or = peek64(random) | peek64(random + 8);
	rt_check("auxv_random", random != 0 && random_or != 0,
		 "AT_RANDOM 0x%lx, its 16 bytes %s", random, random_or ? "not all zero" : "all zero or absent");
	return 0;
}
