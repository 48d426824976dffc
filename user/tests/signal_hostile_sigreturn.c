/*
 * signal_hostile_sigreturn: a handler rewrites its signal frame the way an
 * attacker would and returns (rt_sigreturn). The kernel must never run the
 * program with a kernel code or stack segment, IOPL 3 or a non-canonical
 * rip, and must never fault in ring 0 doing it; each case must end as it
 * does on Linux, where the program gets a SIGSEGV it can catch:
 *   CS = 0x08 or 0x10 (kernel selectors on both), SS = 0x10
 *                                  SIGSEGV, SI_KERNEL (#GP at the return)
 *   rip = 0xffffffff80000000       SIGSEGV, SEGV_MAPERR at that address
 *                                  (fetched in ring 3)
 *   rip = 0x8000000000000000       SIGSEGV, SI_KERNEL
 *   rsp = 0x8000000000000000, rip at a push
 *                                  SIGBUS (#SS) or SIGSEGV (#GP: QEMU), SI_KERNEL,
 *                                  on the alternate stack (the frame cannot go on rsp)
 *   rflags |= IOPL 3               ignored: rflags keep IOPL 0 and `cli` is #GP
 *   fpstate = a kernel address     SIGSEGV, SI_KERNEL (the frame cannot be read)
 *   MXCSR with reserved bits       SIGSEGV, SI_KERNEL where the CPU refuses
 *                                  them (FXRSTOR's #GP: a bad frame, as Linux
 *                                  since 5.14); QEMU's TCG accepts any MXCSR,
 *                                  and there both kernels return normally
 * On faultline the kernel's checks after the program (integrity, page
 * tables, frames) show nothing else changed.
 */
#include "user/rt/rt.h"

RT_PROGRAM(signal_hostile_sigreturn);

#define KERNEL_RIP   0xffffffff80000000ull
#define NONCANONICAL 0x8000000000000000ull
#define IOPL3        0x3000ul
#define ALT_SIZE     (64 * 1024)

enum mode { CS_08, CS_10, SS_10, RIP_KERNEL, RIP_NONCANONICAL, RSP_NONCANONICAL, IOPL, FPSTATE_KERNEL, MXCSR_RESERVED };

/* hostile_landing: a push, which with a non-canonical rsp faults in ring 3. */
void hostile_landing(void);
void probe_cli(void);
void probe_ldmxcsr_reserved(void);
__asm__(".text\n"
	".globl hostile_landing\nhostile_landing: pushq $0\n ud2\n"
	".globl probe_cli\nprobe_cli: cli\n ret\n"
	".globl probe_ldmxcsr_reserved\nprobe_ldmxcsr_reserved: pushq $-0xe080\n ldmxcsr (%rsp)\n"
	" addq $8, %rsp\n ret\n");

static uint8_t alt_stack[ALT_SIZE] __attribute__((aligned(16)));
static rt_jmp_buf jb;
static volatile enum mode mode;

struct outcome {
	int sig, code;
	uint64_t addr, uc_ip, uc_sp, uc_cs;
};
static volatile struct outcome got;

static void on_fatal(int sig, struct k_siginfo *si, void *ucv)
{
	struct k_ucontext *uc = ucv;
	got.sig = sig;
	got.code = si->si_code;
	got.addr = si->f.fault.addr;
	got.uc_ip = uc->uc_mcontext.ip;
	got.uc_sp = uc->uc_mcontext.sp;
	got.uc_cs = uc->uc_mcontext.cs;
	rt_longjmp(jb, 1);
}

/* SIGUSR1: rewrite the frame for this mode, then return into it. */
static void on_usr1(int sig, struct k_siginfo *si, void *ucv)
{
	(void)sig, (void)si;
	struct k_sigcontext *sc = &((struct k_ucontext *)ucv)->uc_mcontext;
	switch (mode) {
	case CS_08:            sc->cs = 0x08; break;
	case CS_10:            sc->cs = 0x10; break;
	case SS_10:            sc->ss = 0x10; break;
	case RIP_KERNEL:       sc->ip = KERNEL_RIP; break;
	case RIP_NONCANONICAL: sc->ip = NONCANONICAL; break;
	case RSP_NONCANONICAL: sc->sp = NONCANONICAL; sc->ip = (uint64_t)hostile_landing; break;
	case IOPL:             sc->flags |= IOPL3; break;
	case FPSTATE_KERNEL:   sc->fpstate = KERNEL_RIP; break;
	case MXCSR_RESERVED:   ((struct k_fpstate *)sc->fpstate)->mxcsr = 0xffff0000u | 0x1f80u; break;
	}
}

/* Runs one mode: 0 if the program came back from the handler normally,
 * 1 if a fatal-signal handler caught what followed (in got). */
static int run_mode(enum mode m)
{
	uint64_t none = 0;
	memset((void *)&got, 0, sizeof(got));
	mode = m;
	if (rt_setjmp(jb) == 0) {
		rt_raise(SIGUSR1);
		return 0;
	}
	rt_sigprocmask(SIG_SETMASK, &none, 0);
	return 1;
}

static uint64_t read_flags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static uint32_t read_mxcsr(void)
{
	uint32_t m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m;
}

/* A caught SIGSEGV with si_code code (and si_addr addr). */
static void expect_segv(const char *check, enum mode m, int code, uint64_t addr, const char *what)
{
	int caught = run_mode(m);
	rt_check(check, caught && got.sig == SIGSEGV && got.code == code && got.addr == addr,
		 "%s: %s, signal %d si_code %d si_addr 0x%lx; saved rip 0x%lx cs 0x%lx (want SIGSEGV, si_code %d, "
		 "si_addr 0x%lx)", what, caught ? "caught" : "returned normally", got.sig, got.code, got.addr,
		 got.uc_ip, got.uc_cs, code, addr);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	k_stack_t ss = { .ss_sp = (uint64_t)alt_stack, .ss_size = ALT_SIZE };
	long r0 = syscall6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
	long r1 = rt_sigaction_set(SIGSEGV, (uint64_t)on_fatal, SA_SIGINFO | SA_ONSTACK, 0, 0);
	long r2 = rt_sigaction_set(SIGBUS, (uint64_t)on_fatal, SA_SIGINFO | SA_ONSTACK, 0, 0);
	long r3 = rt_sigaction_set(SIGUSR1, (uint64_t)on_usr1, SA_SIGINFO, 0, 0);
	rt_check("setup", r0 == 0 && r1 == 0 && r2 == 0 && r3 == 0, "sigaltstack %ld, sigaction %ld %ld %ld",
		 r0, r1, r2, r3);

	expect_segv("kernel_cs_08", CS_08, SI_KERNEL, 0, "CS 0x08 in the frame");
	expect_segv("kernel_cs_10", CS_10, SI_KERNEL, 0, "CS 0x10 in the frame");
	expect_segv("kernel_ss_10", SS_10, SI_KERNEL, 0, "SS 0x10 in the frame");
	expect_segv("kernel_rip", RIP_KERNEL, SEGV_MAPERR, KERNEL_RIP, "rip 0xffffffff80000000 in the frame");
	expect_segv("noncanonical_rip", RIP_NONCANONICAL, SI_KERNEL, 0, "rip 0x8000000000000000 in the frame");
	expect_segv("fpstate_kernel", FPSTATE_KERNEL, SI_KERNEL, 0, "fpstate 0xffffffff80000000 in the frame");

	int caught = run_mode(RSP_NONCANONICAL);
	uint64_t lo = (uint64_t)alt_stack;
	(void)lo;
	rt_check("noncanonical_rsp", caught && (got.sig == SIGBUS || got.sig == SIGSEGV) && got.code == SI_KERNEL &&
		 got.uc_sp == NONCANONICAL && got.uc_ip == (uint64_t)hostile_landing,
		 "rsp 0x8000000000000000, rip at a push: %s, signal %d si_code %d, saved rsp 0x%lx, saved rip %s "
		 "(want SIGBUS or SIGSEGV, SI_KERNEL, on the alternate stack)", caught ? "caught" : "returned",
		 got.sig, got.code, got.uc_sp, got.uc_ip == (uint64_t)hostile_landing ? "the push" : "elsewhere");

	caught = run_mode(IOPL);
	uint64_t flags = read_flags();
	int cli_caught = 0;
	if (!caught) {
		memset((void *)&got, 0, sizeof(got));
		if (rt_setjmp(jb) == 0)
			probe_cli();
		else
			cli_caught = 1;
		uint64_t none = 0;
		rt_sigprocmask(SIG_SETMASK, &none, 0);
	}
	rt_check("iopl_ignored", !caught && (flags & IOPL3) == 0 && cli_caught && got.sig == SIGSEGV &&
		 got.code == SI_KERNEL, "IOPL 3 in the frame: %s, rflags after 0x%lx (IOPL %lu), cli then %s "
		 "(signal %d si_code %d; want #GP: SIGSEGV SI_KERNEL)", caught ? "caught a signal" : "returned",
		 flags, (flags & IOPL3) >> 12, cli_caught ? "caught" : "ran", got.sig, got.code);

	/* Does this CPU refuse such an MXCSR (ldmxcsr: #GP)? */
	int cpu_refuses = 0;
	uint32_t saved_mxcsr = read_mxcsr();
	memset((void *)&got, 0, sizeof(got));
	if (rt_setjmp(jb) == 0)
		probe_ldmxcsr_reserved();
	else
		cpu_refuses = got.sig == SIGSEGV;
	uint64_t none = 0;
	rt_sigprocmask(SIG_SETMASK, &none, 0);
	__asm__ volatile("ldmxcsr %0" : : "m"(saved_mxcsr));
	if (cpu_refuses) {
		expect_segv("mxcsr_reserved", MXCSR_RESERVED, SI_KERNEL, 0, "MXCSR 0xffff1f80 in the frame's FPU state");
	} else {
		caught = run_mode(MXCSR_RESERVED);
		rt_check("mxcsr_reserved", !caught, "MXCSR 0xffff1f80 in the frame's FPU state, a CPU that accepts it "
			 "(ldmxcsr did not fault: an emulator): %s (want a normal return)",
			 caught ? "caught a signal" : "returned normally");
	}
	uint32_t mxcsr = read_mxcsr();
	rt_check("fpu_after_mxcsr_case", (mxcsr & 0xffbfu) == 0x1f80u, "MXCSR 0x%x afterwards (want 0x1f80 in its "
		 "defined bits: the SIGSEGV handler's initial state, or the frame's where the CPU took it)", mxcsr);
	__asm__ volatile("ldmxcsr %0" : : "m"(saved_mxcsr));
	return 0;
}
