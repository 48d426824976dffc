/*
 * user_cpu_state: the CPU state a program starts and runs with is a plain
 * user's: RFLAGS has IOPL 0, IF 1, NT 0, AC 0 at the start, after a system
 * call and after a page fault; popf at CPL 3 can neither raise IOPL nor
 * clear IF (the CPU ignores both); DS, ES, FS and GS hold the null selector
 * at the start, as Linux's start_thread leaves them.
 */
#include "user/rt/rt.h"

RT_PROGRAM(user_cpu_state);

#define RFLAGS_IF   (1ul << 9)
#define RFLAGS_IOPL (3ul << 12)
#define RFLAGS_NT   (1ul << 14)
#define RFLAGS_AC   (1ul << 18)

static uint64_t rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

/* Records whether f is a plain user RFLAGS. */
static void check_flags(const char *check, const char *when, uint64_t f)
{
	rt_check(check, (f & (RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)) == 0 && (f & RFLAGS_IF),
		 "RFLAGS 0x%lx %s: IOPL %lu, IF %lu, NT %lu, AC %lu (expected 0, 1, 0, 0)", f, when,
		 (f >> 12) & 3, (f >> 9) & 1, (f >> 14) & 1, (f >> 18) & 1);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint16_t ds, es, fs, gs;

	__asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
			 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	rt_check("null_data_selectors", ds == 0 && es == 0 && fs == 0 && gs == 0,
		 "ds 0x%x es 0x%x fs 0x%x gs 0x%x at the start (expected all 0)", ds, es, fs, gs);

	check_flags("rflags_at_start", "at the start", rflags());
	sys_getpid();
	check_flags("rflags_after_syscall", "after getpid", rflags());
	long addr = rt_map_small_pages(PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (addr < 0) {
		rt_test("rflags_after_page_fault", RT_FAIL, "mmap failed: %ld", addr);
	} else {
		poke8(addr, 1);
		check_flags("rflags_after_page_fault", "after a page fault", rflags());
	}

	/* popf asking for IOPL 3 and IF 0: at CPL 3 with IOPL 0 the CPU keeps both. */
	uint64_t want = (rflags() | RFLAGS_IOPL) & ~RFLAGS_IF, got;
	__asm__ volatile("pushfq; pushq %1; popfq; pushfq; popq %0; popfq" : "=r"(got) : "r"(want) : "memory", "cc");
	rt_check("popf_cannot_raise_iopl", (got & RFLAGS_IOPL) == 0 && (got & RFLAGS_IF),
		 "popf of 0x%lx gave 0x%lx: IOPL %lu, IF %lu (expected 0, 1)", want, got, (got >> 12) & 3,
		 (got >> 9) & 1);
	return 0;
}
