/*
 * segv_in_segv_handler: a fault inside a SIGSEGV handler, with SIGSEGV
 * blocked there (no SA_NODEFER), kills the program by SIGSEGV, as on Linux
 * (a blocked fault signal is forced to its default). Both faults are reads
 * of a non-canonical address: #GP, SI_KERNEL, address 0.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_in_segv_handler);

#define NONCANONICAL 0x8000000000000000ull

static volatile int hits;

static void on_segv(int sig, struct k_siginfo *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	hits++;
	rt_test("first_fault_caught", hits == 1 ? RT_PASS : RT_FAIL, "handler run %d for the first fault", hits);
	rt_expect_kill(SIGSEGV, SI_KERNEL, 0);
	uint64_t v = peek64(NONCANONICAL);
	rt_survived("a second fault inside the SIGSEGV handler (read 0x%lx)", v);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long r = rt_sigaction_set(SIGSEGV, (uint64_t)on_segv, SA_SIGINFO, 0, 0);
	rt_check("sigaction", r == 0, "rt_sigaction(SIGSEGV) %ld", r);
	uint64_t v = peek64(NONCANONICAL);
	rt_test("first_fault", RT_FAIL, "read 0x%llx returned 0x%lx", NONCANONICAL, v);
	return 0;
}
