/*
 * signal_segv_handler: a program catches its own SIGSEGV and carries on,
 * as fault-handling programs do (an exception-table style fixup: the
 * handler moves the saved rip past the faulting load and sets rax; the
 * kernel's rt_sigreturn makes that the program's state). Checked: the
 * siginfo (signal, si_code, si_addr) and sigcontext (trapno, err, cr2) of
 * a NULL read, a write to a read-only page, a read of a kernel address and
 * of a non-canonical one; that SIGSEGV is blocked inside the handler and
 * not after; that every general register, xmm0 and MXCSR come back as they
 * were at the fault, except what the handler changed in the frame; that
 * the handler starts with the initial FPU state and finds the interrupted
 * one in the frame's FXSAVE area; 100 faults in a row.
 */
#include "user/rt/rt.h"

RT_PROGRAM(signal_segv_handler);

#define FAULTED 0xfa17fa17fa17fa17ull
#define KERNEL_ADDR 0xffffffff80000000ull
#define NONCANONICAL 0x8000000000000000ull

/* A load that may fault; a handler resumes at probe_read_resume with rax set. */
uint64_t probe_read(uint64_t addr);
uint64_t probe_write(uint64_t addr, uint64_t val);
extern const char probe_read_fault[], probe_read_resume[], probe_write_fault[], probe_write_resume[];

/* probe_regs(addr, out): every general register but rsp and rdi, xmm0 and
 * MXCSR set to known values, a load from addr (probe_regs_fault), then at
 * probe_regs_resume all of them stored to out[0..17] in pt order:
 * rax rbx rcx rdx rsi rbp r8..r15 xmm0 mxcsr rdi. */
void probe_regs(uint64_t addr, uint64_t *out);
extern const char probe_regs_fault[], probe_regs_resume[];
#define REG_PATTERN(i) (0x0101010101010101ull * (i) ^ 0x5a00000000000000ull)
#define TEST_MXCSR 0x7f80u   /* round toward zero, exceptions masked */

__asm__(
	".text\n"
	".globl probe_read, probe_read_fault, probe_read_resume\n"
	"probe_read:\n"
	"probe_read_fault: movq (%rdi), %rax\n"
	"probe_read_resume: ret\n"
	".globl probe_write, probe_write_fault, probe_write_resume\n"
	"probe_write: xorl %eax, %eax\n"
	"probe_write_fault: movq %rsi, (%rdi)\n"
	"probe_write_resume: ret\n"
	".globl probe_regs, probe_regs_fault, probe_regs_resume\n"
	"probe_regs:\n"
	"  pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"  pushq %rsi\n"                      /* out */
	"  subq $8, %rsp\n"
	"  stmxcsr (%rsp)\n"                  /* the caller's MXCSR, restored at the end */
	"  pushq $0x7f80; ldmxcsr (%rsp); addq $8, %rsp\n"
	"  movabsq $0x5b01010101010101, %rax; movq %rax, %xmm0\n"
	"  movabsq $0x5a00000000000000, %rax\n"
	"  movabsq $0x5b01010101010101, %rbx\n"
	"  movabsq $0x5802020202020202, %rcx\n"
	"  movabsq $0x5903030303030303, %rdx\n"
	"  movabsq $0x5e04040404040404, %rsi\n"
	"  movabsq $0x5f05050505050505, %rbp\n"
	"  movabsq $0x5c06060606060606, %r8\n"
	"  movabsq $0x5d07070707070707, %r9\n"
	"  movabsq $0x5208080808080808, %r10\n"
	"  movabsq $0x5309090909090909, %r11\n"
	"  movabsq $0x500a0a0a0a0a0a0a, %r12\n"
	"  movabsq $0x510b0b0b0b0b0b0b, %r13\n"
	"  movabsq $0x560c0c0c0c0c0c0c, %r14\n"
	"  movabsq $0x570d0d0d0d0d0d0d, %r15\n"
	"probe_regs_fault: cmpq $0, (%rdi)\n"
	"probe_regs_resume:\n"
	"  pushq %rdi\n"
	"  movq 16(%rsp), %rdi\n"             /* out (above the pushed rdi and the saved MXCSR) */
	"  movq %rax, 0(%rdi); movq %rbx, 8(%rdi); movq %rcx, 16(%rdi); movq %rdx, 24(%rdi)\n"
	"  movq %rsi, 32(%rdi); movq %rbp, 40(%rdi); movq %r8, 48(%rdi); movq %r9, 56(%rdi)\n"
	"  movq %r10, 64(%rdi); movq %r11, 72(%rdi); movq %r12, 80(%rdi); movq %r13, 88(%rdi)\n"
	"  movq %r14, 96(%rdi); movq %r15, 104(%rdi); movq %xmm0, 112(%rdi)\n"
	"  stmxcsr 120(%rdi); popq %rax; movq %rax, 128(%rdi)\n"
	"  ldmxcsr (%rsp); addq $8, %rsp\n"
	"  popq %rsi\n"
	"  popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n"
	"  ret\n");

static const uint64_t want_regs[14] = {
	0x5a00000000000000ull, 0x5b01010101010101ull, 0x5802020202020202ull, 0x5903030303030303ull,
	0x5e04040404040404ull, 0x5f05050505050505ull, 0x5c06060606060606ull, 0x5d07070707070707ull,
	0x5208080808080808ull, 0x5309090909090909ull, 0x500a0a0a0a0a0a0aull, 0x510b0b0b0b0b0b0bull,
	0x560c0c0c0c0c0c0cull, 0x570d0d0d0d0d0d0dull,
};

struct seen {
	int hits, sig, code;
	uint64_t addr, trapno, err, cr2, blocked;
	uint64_t sp, fpstate, fx_xmm0, fx_mxcsr, mxcsr_in_handler;
	bool regs_in_frame_ok;
};
static volatile struct seen seen;

static uint64_t read_mxcsr(void)
{
	uint32_t m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m;
}

static void on_segv(int sig, struct k_siginfo *si, void *ucv)
{
	struct k_ucontext *uc = ucv;
	struct k_sigcontext *sc = &uc->uc_mcontext;
	seen.hits++;
	seen.sig = sig;
	seen.code = si->si_code;
	seen.addr = si->f.fault.addr;
	seen.trapno = sc->trapno;
	seen.err = sc->err;
	seen.cr2 = sc->cr2;
	seen.blocked = rt_blocked();
	seen.sp = (uint64_t)ucv;
	seen.mxcsr_in_handler = read_mxcsr();
	seen.fpstate = sc->fpstate;
	if (sc->fpstate) {
		const struct k_fpstate *fx = (const struct k_fpstate *)sc->fpstate;
		seen.fx_xmm0 = (uint64_t)fx->xmm_space[0] | (uint64_t)fx->xmm_space[1] << 32;
		seen.fx_mxcsr = fx->mxcsr;
	}
	/* Clobber what the frame must restore. */
	__asm__ volatile("pxor %%xmm0, %%xmm0; pushq $0x1f80; ldmxcsr (%%rsp); addq $8, %%rsp" : : : "xmm0", "memory");
	if (sc->ip == (uint64_t)probe_read_fault) {
		sc->ip = (uint64_t)probe_read_resume;
		sc->ax = FAULTED;
	} else if (sc->ip == (uint64_t)probe_write_fault) {
		sc->ip = (uint64_t)probe_write_resume;
		sc->ax = FAULTED;
	} else if (sc->ip == (uint64_t)probe_regs_fault) {
		const uint64_t got[14] = { sc->ax, sc->bx, sc->cx, sc->dx, sc->si, sc->bp, sc->r8, sc->r9,
					   sc->r10, sc->r11, sc->r12, sc->r13, sc->r14, sc->r15 };
		seen.regs_in_frame_ok = memcmp(got, want_regs, sizeof(got)) == 0;
		sc->ip = (uint64_t)probe_regs_resume;
		sc->r12 = 0x1234;   /* a change the program must see */
	} else {
		rt_test("unexpected_fault", RT_FAIL, "SIGSEGV at rip 0x%lx, addr 0x%lx", sc->ip, si->f.fault.addr);
		rt_exit(1);
	}
}

/* One faulting read, the handler's observations. */
static uint64_t fault_read(uint64_t addr)
{
	memset((void *)&seen, 0, sizeof(seen));
	return probe_read(addr);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long r = rt_sigaction_set(SIGSEGV, (uint64_t)on_segv, SA_SIGINFO, 0, 0);
	rt_check("sigaction", r == 0, "rt_sigaction(SIGSEGV, SA_SIGINFO | SA_RESTORER) returned %ld", r);

	uint64_t v = fault_read(0);
	rt_check("null_read", v == FAULTED && seen.hits == 1 && seen.sig == SIGSEGV && seen.code == SEGV_MAPERR &&
		 seen.addr == 0, "read of 0x0: returned 0x%lx, %d handler calls, signal %d, si_code %d, si_addr 0x%lx "
		 "(want SIGSEGV SEGV_MAPERR 0x0 once)", v, seen.hits, seen.sig, seen.code, seen.addr);
	rt_check("null_read_sigcontext", seen.trapno == 14 && (seen.err & 7) == 4 && seen.cr2 == 0,
		 "trapno %lu, err 0x%lx, cr2 0x%lx (want 14, user read of a non-present page, 0)",
		 seen.trapno, seen.err, seen.cr2);
	rt_check("blocked_in_handler", (seen.blocked & sigmask(SIGSEGV)) && !(rt_blocked() & sigmask(SIGSEGV)),
		 "mask in the handler 0x%lx, after it 0x%lx (SIGSEGV blocked only inside)", seen.blocked, rt_blocked());
	rt_check("frame_on_stack", seen.sp < (uint64_t)rt_initial_sp && (seen.sp & 15) == 0,
		 "ucontext at 0x%lx: on the stack (initial rsp 0x%lx), 16-byte aligned (the frame's return "
		 "address 8 below it, as after a call)", seen.sp, (uint64_t)rt_initial_sp);

	long page = rt_map_small_pages(PAGE_SIZE, PROT_READ);
	v = 0;
	memset((void *)&seen, 0, sizeof(seen));
	if (page > 0 && probe_read(page) == 0)   /* mapped (the zero page): the write is a protection fault */
		v = probe_write(page + 40, 7);
	rt_check("write_readonly", page > 0 && v == FAULTED && seen.code == SEGV_ACCERR && seen.addr == (uint64_t)page + 40 &&
		 (seen.err & 7) == 7 && seen.cr2 == (uint64_t)page + 40,
		 "write to a read-only page: si_code %d, si_addr 0x%lx (page 0x%lx + 40), err 0x%lx, cr2 0x%lx",
		 seen.code, seen.addr, page, seen.err, seen.cr2);

	v = fault_read(KERNEL_ADDR);
	rt_check("kernel_addr", v == FAULTED && seen.code == SEGV_MAPERR && seen.addr == KERNEL_ADDR &&
		 (seen.err & 5) == 5, "read of 0x%llx: si_code %d, si_addr 0x%lx, err 0x%lx (want SEGV_MAPERR, the "
		 "address, a user protection fault)", KERNEL_ADDR, seen.code, seen.addr, seen.err);

	v = fault_read(NONCANONICAL);
	rt_check("noncanonical", v == FAULTED && seen.code == SI_KERNEL && seen.addr == 0 && seen.trapno == 13,
		 "read of 0x%llx: si_code %d, si_addr 0x%lx, trapno %lu (want SI_KERNEL, 0, #GP 13)",
		 NONCANONICAL, seen.code, seen.addr, seen.trapno);

	uint64_t out[17];
	memset((void *)&seen, 0, sizeof(seen));
	memset(out, 0, sizeof(out));
	probe_regs(0, out);
	uint32_t bad = 0;
	for (int i = 0; i < 14; i++)
		if (out[i] != (i == 10 ? 0x1234 : want_regs[i]))
			bad |= 1u << i;
	rt_check("registers_restored", bad == 0 && seen.regs_in_frame_ok && out[16] == 0,
		 "registers after the handler: mismatch mask 0x%x (bit i: rax rbx rcx rdx rsi rbp r8..r15), "
		 "frame held them: %d, rdi 0x%lx", bad, seen.regs_in_frame_ok, out[16]);
	rt_check("fpu_restored", out[14] == want_regs[1] && (out[15] & 0xffff) == TEST_MXCSR,
		 "xmm0 0x%lx (want 0x%lx), MXCSR 0x%lx (want 0x%x) after a handler that cleared them",
		 out[14], want_regs[1], out[15], TEST_MXCSR);
	rt_check("fpu_frame", seen.fpstate && (seen.fpstate & 63) == 0 && seen.fx_xmm0 == want_regs[1] &&
		 seen.fx_mxcsr == TEST_MXCSR && seen.mxcsr_in_handler == 0x1f80,
		 "fpstate 0x%lx (64-byte aligned), its xmm0 0x%lx, its MXCSR 0x%lx; MXCSR in the handler 0x%lx (want 0x1f80)",
		 seen.fpstate, seen.fx_xmm0, seen.fx_mxcsr, seen.mxcsr_in_handler);

	int ok = 0;
	for (int i = 0; i < 100; i++)
		if (fault_read(i * 8) == FAULTED && seen.hits == 1)
			ok++;
	rt_check("hundred_faults", ok == 100 && !(rt_blocked() & sigmask(SIGSEGV)),
		 "%d of 100 faults caught, mask after 0x%lx", ok, rt_blocked());
	return 0;
}
