/*
 * sigterm_raise: raise(SIGTERM) with SIGTERM's default action ends the
 * program by SIGTERM (musl: tkill of its own thread). A killer
 * (docs/ring3.md, "Programs meant to die").
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>

int main(void)
{
	printf("{\"type\":\"expect_kill\",\"program\":\"sigterm_raise\",\"signal\":\"SIGTERM\",\"code\":\"SI_TKILL\"}\n");
	fflush(stdout);
	raise(SIGTERM);
	printf("{\"type\":\"test\",\"name\":\"ring3.sigterm_raise.survived\",\"result\":\"fail\","
	       "\"detail\":\"still running after raise(SIGTERM)\"}\n");
	return 1;
}
