/*
 * musl_signal_siglongjmp: signals through an unmodified libc (musl-gcc
 * -static). A SIGSEGV handler catches 50 NULL-page reads and leaves each by
 * siglongjmp, which restores the mask (SIGSEGV not left blocked); a SIGBUS
 * handler catches raise(SIGBUS) (si_code SI_TKILL); sigprocmask keeps a
 * raised SIGUSR1 pending (sigpending) until it is unblocked; signal() and
 * SA_RESETHAND; SIGCHLD's default is to ignore; a stack overflow is caught
 * on a sigaltstack and left by siglongjmp. Prints its own test records.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void record(const char *check, int pass, const char *detail)
{
	printf("{\"type\":\"test\",\"name\":\"ring3.musl_signal_siglongjmp.%s\",\"result\":\"%s\",\"detail\":\"%s\"}\n",
	       check, pass ? "pass" : "fail", detail);
	if (!pass)
		failures++;
}

static sigjmp_buf env;
static volatile sig_atomic_t hits, last_code;
static volatile uintptr_t last_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_code = si->si_code;
	last_addr = (uintptr_t)si->si_addr;
	siglongjmp(env, sig);
}

static int segv_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, SIGSEGV);
}

static void segv_loop(void)
{
	struct sigaction sa;
	char detail[200];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	int r = sigaction(SIGSEGV, &sa, NULL);
	int caught = 0, right = 0;
	for (int i = 0; i < 50; i++) {
		volatile uintptr_t addr = (uintptr_t)i * 64;
		if (sigsetjmp(env, 1) == 0) {
			(void)*(volatile int *)addr;
		} else {
			caught++;
			if (last_code == SEGV_MAPERR && last_addr == addr && !segv_blocked())
				right++;
		}
	}
	snprintf(detail, sizeof(detail), "sigaction %d; %d of 50 NULL-page reads caught, %d with SEGV_MAPERR, the address "
		 "and SIGSEGV unblocked after siglongjmp", r, caught, right);
	record("segv_siglongjmp", r == 0 && caught == 50 && right == 50, detail);
}

static void sigbus_raise(void)
{
	struct sigaction sa;
	char detail[160];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	hits = 0;
	int got = sigsetjmp(env, 1);
	if (got == 0)
		raise(SIGBUS);
	snprintf(detail, sizeof(detail), "raise(SIGBUS): handler for signal %d, %d runs, si_code %d (SI_TKILL %d)",
		 got, (int)hits, (int)last_code, SI_TKILL);
	record("sigbus_handler", got == SIGBUS && hits == 1 && last_code == SI_TKILL, detail);
}

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int sig) { (void)sig; usr1++; }
static void on_usr2(int sig) { (void)sig; usr2++; }

static void mask_and_actions(void)
{
	char detail[200];
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	signal(SIGUSR1, on_usr1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	int while_blocked = usr1;
	sigpending(&pending);
	int is_pending = sigismember(&pending, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	snprintf(detail, sizeof(detail), "blocked: %d runs, pending %d; unblocked: %d runs", while_blocked, is_pending,
		 (int)usr1);
	record("sigprocmask_pending", while_blocked == 0 && is_pending == 1 && usr1 == 1, detail);

	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	snprintf(detail, sizeof(detail), "SA_RESETHAND: %d runs, action after %s", (int)usr2,
		 old.sa_handler == SIG_DFL ? "SIG_DFL" : "not SIG_DFL");
	record("sa_resethand", usr2 == 1 && old.sa_handler == SIG_DFL, detail);

	int r = raise(SIGCHLD);
	snprintf(detail, sizeof(detail), "raise(SIGCHLD) with the default action returned %d, still running", r);
	record("sigchld_default_ignored", r == 0, detail);
}

static volatile uintptr_t deepest;

static __attribute__((noinline)) int recurse(int depth)
{
	volatile char frame[2048];
	frame[0] = (char)depth;
	deepest = (uintptr_t)frame;
	if (depth < 0)
		return 0;
	return recurse(depth + 1) + frame[0];
}

static char alt[64 * 1024];

static void stack_overflow(void)
{
	char detail[200];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	int r = sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	hits = 0;
	int got = sigsetjmp(env, 1);
	if (got == 0)
		recurse(0);
	snprintf(detail, sizeof(detail), "sigaltstack %d; overflow: signal %d, %d runs, si_code %d, fault below the "
		 "deepest frame reached: %d", r, got, (int)hits, (int)last_code, last_addr <= deepest);
	record("stack_overflow_altstack", r == 0 && got == SIGSEGV && hits == 1 && last_code == SEGV_MAPERR &&
	       last_addr <= deepest && !segv_blocked(), detail);
}

int main(void)
{
	segv_loop();
	sigbus_raise();
	mask_and_actions();
	stack_overflow();
	return 0;
}
