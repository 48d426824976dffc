/*
 * signal_altstack: sigaltstack, and a stack overflow caught on the
 * alternate stack. Unbounded recursion runs into the stack limit; the
 * SIGSEGV (SEGV_MAPERR) cannot run on the exhausted stack, so its SA_ONSTACK
 * handler runs on the alternate one, where sigaltstack reports SS_ONSTACK
 * and refuses a change (EPERM), and it leaves by longjmp; the program goes
 * on. Also: sigaltstack's errno (too small, bad flags, bad pointer), the
 * old stack read back, and SS_AUTODISARM (the alternate stack is disabled
 * inside the handler and back after rt_sigreturn).
 */
#include "user/rt/rt.h"

RT_PROGRAM(signal_altstack);

#define ALT_SIZE (64 * 1024)
#define BAD_PTR 0x10ul

static uint8_t alt_stack[ALT_SIZE] __attribute__((aligned(16)));
static rt_jmp_buf overflow_jmp;

static volatile int hits, code;
static volatile uint64_t handler_sp, fault_addr, uc_ss_sp, uc_ss_size;
static volatile int uc_ss_flags, onstack_flags;
static volatile long change_inside;

static long sys_sigaltstack(const k_stack_t *ss, k_stack_t *old)
{
	return syscall6(SYS_sigaltstack, (long)ss, (long)old, 0, 0, 0, 0);
}

static void on_segv(int sig, struct k_siginfo *si, void *ucv)
{
	(void)sig;
	struct k_ucontext *uc = ucv;
	volatile uint8_t here = 0;
	k_stack_t now, other = { .ss_sp = (uint64_t)alt_stack, .ss_size = ALT_SIZE };
	hits++;
	code = si->si_code;
	fault_addr = si->f.fault.addr;
	handler_sp = (uint64_t)&here;
	uc_ss_sp = uc->uc_stack.ss_sp;
	uc_ss_size = uc->uc_stack.ss_size;
	uc_ss_flags = uc->uc_stack.ss_flags;
	sys_sigaltstack(0, &now);
	onstack_flags = now.ss_flags;
	change_inside = sys_sigaltstack(&other, 0);
	rt_longjmp(overflow_jmp, 1);
}

static volatile uint64_t depth_limit = ~0ull;   /* never reached: the stack runs out first */

/* Recurses until the stack runs out. */
static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[1024];
	frame[0] = (uint8_t)depth;
	frame[sizeof(frame) - 1] = (uint8_t)depth;
	if (depth == depth_limit)
		return 0;
	return recurse(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

static volatile int usr1_onstack_flags, usr1_hits;

static void on_usr1(int sig, struct k_siginfo *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	k_stack_t now;
	sys_sigaltstack(0, &now);
	usr1_onstack_flags = now.ss_flags | (now.ss_size ? 0x100 : 0);
	usr1_hits++;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	k_stack_t old, ss = { .ss_sp = (uint64_t)alt_stack, .ss_size = MINSIGSTKSZ - 1 };
	long e1 = sys_sigaltstack(&ss, 0);
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 7;
	long e2 = sys_sigaltstack(&ss, 0);
	long e3 = sys_sigaltstack((const k_stack_t *)BAD_PTR, 0);
	long e4 = sys_sigaltstack(0, (k_stack_t *)BAD_PTR);
	long q0 = sys_sigaltstack(0, &old);
	rt_check("sigaltstack_errors", e1 == -ENOMEM && e2 == -EINVAL && e3 == -EFAULT && e4 == -EFAULT && q0 == 0 &&
		 old.ss_flags == SS_DISABLE && old.ss_size == 0, "size %d: %ld, flags 7: %ld, bad new %ld, bad old %ld; "
		 "none set: flags %d size %lu", MINSIGSTKSZ - 1, e1, e2, e3, e4, old.ss_flags, old.ss_size);

	ss.ss_flags = 0;
	long r1 = sys_sigaltstack(&ss, 0);
	long r2 = sys_sigaltstack(0, &old);
	rt_check("sigaltstack_set", r1 == 0 && r2 == 0 && old.ss_sp == (uint64_t)alt_stack && old.ss_size == ALT_SIZE &&
		 old.ss_flags == 0, "set %ld, read back %ld: sp %s, size %lu, flags %d", r1, r2,
		 old.ss_sp == (uint64_t)alt_stack ? "same" : "different", old.ss_size, old.ss_flags);

	long r3 = rt_sigaction_set(SIGSEGV, (uint64_t)on_segv, SA_SIGINFO | SA_ONSTACK, 0, 0);
	if (rt_setjmp(overflow_jmp) == 0) {
		rt_flush();
		recurse(0);
		rt_test("overflow", RT_FAIL, "the recursion returned");
		return 0;
	}
	uint64_t segv = sigmask(SIGSEGV);
	bool was_blocked = (rt_blocked() & segv) != 0;
	rt_sigprocmask(SIG_UNBLOCK, &segv, 0);
	uint64_t lo = (uint64_t)alt_stack, hi = lo + ALT_SIZE;
	rt_check("overflow_caught", r3 == 0 && hits == 1 && code == SEGV_MAPERR && fault_addr < (uint64_t)rt_initial_sp,
		 "sigaction %ld; %d SIGSEGV, si_code %d (want SEGV_MAPERR) at 0x%lx below the stack top", r3, hits, code,
		 fault_addr);
	rt_check("handler_on_altstack", handler_sp >= lo && handler_sp < hi && onstack_flags == SS_ONSTACK &&
		 change_inside == -EPERM && was_blocked, "handler's local at 0x%lx (alternate stack 0x%lx..0x%lx), "
		 "sigaltstack flags there %d (want SS_ONSTACK), change there %ld (want -EPERM), SIGSEGV blocked after "
		 "longjmp %d", handler_sp, lo, hi, onstack_flags, change_inside, was_blocked);
	rt_check("uc_stack", uc_ss_sp == lo && uc_ss_size == ALT_SIZE && uc_ss_flags == 0,
		 "uc_stack: sp %s, size %lu, flags %d", uc_ss_sp == lo ? "the alternate stack" : "other", uc_ss_size,
		 uc_ss_flags);

	/* SS_AUTODISARM: disabled while the handler runs, restored by rt_sigreturn. */
	ss.ss_flags = (int32_t)SS_AUTODISARM;
	long r4 = sys_sigaltstack(&ss, 0);
	rt_sigaction_set(SIGUSR1, (uint64_t)on_usr1, SA_SIGINFO | SA_ONSTACK, 0, 0);
	rt_raise(SIGUSR1);
	sys_sigaltstack(0, &old);
	rt_check("autodisarm", r4 == 0 && usr1_hits == 1 && usr1_onstack_flags == SS_DISABLE &&
		 old.ss_flags == (int32_t)SS_AUTODISARM && old.ss_size == ALT_SIZE,
		 "set %ld; in the handler flags 0x%x (want SS_DISABLE, no size); after it flags 0x%x size %lu", r4,
		 usr1_onstack_flags, old.ss_flags, old.ss_size);
	return 0;
}
