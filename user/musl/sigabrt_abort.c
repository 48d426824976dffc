/*
 * sigabrt_abort: abort() ends an ordinary musl program by SIGABRT (musl
 * raises it with tkill while its signals are blocked and unblocks them:
 * the default action, terminate, runs on the return of rt_sigprocmask),
 * not by the SIGSEGV of its last-resort crash instruction. A killer
 * (docs/ring3.md, "Programs meant to die"): it says what must kill it.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	struct sigaction sa;
	int r = sigaction(SIGABRT, NULL, &sa);
	printf("{\"type\":\"test\",\"name\":\"ring3.sigabrt_abort.default_action\",\"result\":\"%s\","
	       "\"detail\":\"sigaction(SIGABRT) query %d, handler %s\"}\n",
	       r == 0 && sa.sa_handler == SIG_DFL ? "pass" : "fail", r, sa.sa_handler == SIG_DFL ? "SIG_DFL" : "set");
	printf("{\"type\":\"expect_kill\",\"program\":\"sigabrt_abort\",\"signal\":\"SIGABRT\",\"code\":\"SI_TKILL\"}\n");
	fflush(stdout);
	abort();
}
