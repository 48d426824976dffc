/* Host tests for base/signal.c: the names kill and expect_kill records carry. */
#include <string.h>
#include "unit.h"
#include "../../base/signal.c"
#include "../../base/signal_types.h"

TEST(signal_names)
{
	CHECK(strcmp(signal_name(SIGSEGV), "SIGSEGV") == 0);
	CHECK(strcmp(signal_name(SIGABRT), "SIGABRT") == 0);
	CHECK(strcmp(signal_name(SIGTERM), "SIGTERM") == 0);
	CHECK(strcmp(signal_name(SIGCHLD), "SIGCHLD") == 0);
	CHECK(strcmp(signal_name(SIGSYS), "SIGSYS") == 0);
	CHECK(strcmp(signal_name(SIGRTMIN), "SIGRTMIN") == 0);
	CHECK(strcmp(signal_name(SIGRTMIN + 5), "SIGRTMIN+5") == 0);
	CHECK(strcmp(signal_name(SIGRTMAX), "SIGRTMIN+32") == 0);
	CHECK(strcmp(signal_name(0), "SIG?") == 0);
	CHECK(strcmp(signal_name(65), "SIG?") == 0);
	CHECK(strcmp(signal_name(-1), "SIG?") == 0);
	for (int s = 1; s <= _NSIG; s++)
		CHECK(signal_name(s) != NULL && strncmp(signal_name(s), "SIG", 3) == 0 && strcmp(signal_name(s), "SIG?") != 0);
}

TEST(si_code_names)
{
	/* Who sent it: the same name whatever the signal. */
	CHECK(strcmp(si_code_name(SIGABRT, SI_TKILL), "SI_TKILL") == 0);
	CHECK(strcmp(si_code_name(SIGSEGV, SI_TKILL), "SI_TKILL") == 0);
	CHECK(strcmp(si_code_name(SIGTERM, SI_USER), "SI_USER") == 0);
	CHECK(strcmp(si_code_name(SIGUSR1, SI_QUEUE), "SI_QUEUE") == 0);
	CHECK(strcmp(si_code_name(SIGKILL, SI_KERNEL), "SI_KERNEL") == 0);
	/* Why a fault: the value means something only with its signal. */
	CHECK(strcmp(si_code_name(SIGSEGV, 1), "SEGV_MAPERR") == 0);
	CHECK(strcmp(si_code_name(SIGBUS, 1), "BUS_ADRALN") == 0);
	CHECK(strcmp(si_code_name(SIGFPE, 1), "FPE_INTDIV") == 0);
	CHECK(strcmp(si_code_name(SIGTRAP, 2), "TRAP_TRACE") == 0);
	CHECK(strcmp(si_code_name(SIGTERM, 1), "?") == 0);
	CHECK(strcmp(si_code_name(SIGSEGV, 3), "?") == 0);
}

TEST(abi_sizes)
{
	CHECK(sizeof(struct rt_sigframe) == 440);
	CHECK(sizeof(struct k_siginfo) == 128);
	CHECK(sizeof(struct k_sigaction) == 32);
	CHECK(sigmask(SIGKILL) == 0x100 && sigmask(SIGSTOP) == 0x40000 && sigmask(64) == 1ull << 63);
}

UNIT_MAIN(UNIT(signal_names), UNIT(si_code_names), UNIT(abi_sizes))
