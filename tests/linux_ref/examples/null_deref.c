/*
 * Example ring-3 program for the Linux reference: reads through a NULL
 * pointer, so the kernel must kill it with SIGSEGV (a kill record).
 */
#include <stdio.h>

int main(void)
{
	volatile int *volatile p = NULL;
	printf("null_deref: reading address 0\n");
	fflush(stdout);
	return *p;
}
