/*
 * The x86-64 signal frame (kernel/signal_frame.h), after Linux's
 * arch/x86/kernel/signal.c and fpu/signal.c.
 *
 * Where the frame goes (get_sigframe): below the interrupted rsp less the
 * 128-byte red zone, or at the top of the alternate stack for an SA_ONSTACK
 * handler not already on it. First the 512-byte FXSAVE image, 64-byte
 * aligned, then the struct rt_sigframe, placed so that rsp + 8 is 16-byte
 * aligned at the handler's first instruction (as after a call).
 *
 * rt_sigreturn reads the frame at rsp - 8 back: the mask, every general
 * register, rip, rsp, the FPU/SSE state, the alternate stack. What a frame
 * may not restore, as Linux:
 *   rflags        only AC OF DF TF SF ZF AF PF CF RF; IOPL, IF, NT, VM keep
 *                 the kernel's values (and the return path sanitises again);
 *   CS, SS        RPL forced to 3; any CS but the user's, or (with
 *                 UC_STRICT_RESTORE_SS, which every frame the kernel writes
 *                 carries) any SS but the user's, would fault at Linux's
 *                 iretq, which Linux turns into a #GP of the program:
 *                 SIGSEGV, SI_KERNEL. faultline gives that SIGSEGV without
 *                 trying the iretq; without UC_STRICT_RESTORE_SS a bad SS
 *                 becomes the user's, as Linux's force_valid_ss;
 *   rip           non-canonical: the same #GP at iretq on Linux (Intel),
 *                 the same SIGSEGV here, never a fault in ring 0. A kernel
 *                 (canonical) rip is returned to and faults in ring 3;
 *   rsp           anything: the CPU loads it in ring 3 and the program's
 *                 next stack access faults there (#SS: SIGBUS, or #GP).
 *   MXCSR         a bit the CPU refuses: FXRSTOR's #GP is fixed up
 *                 (fault/fpu_restore.h), a bad frame, as Linux.
 * A frame that cannot be read is SIGSEGV (Linux's signal_fault).
 */
#include "kernel/signal_frame.h"
#include "kernel/signal.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "fault/fpu_restore.h"
#include "fault/idt.h"
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "paging/pgtable.h"

#define RED_ZONE_BYTES 128
#define FPSTATE_ALIGN  64

/* The rflags bits a signal frame restores (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF | \
		    X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)

#define MXCSR_DEFAULT      0x1f80u
#define FCW_DEFAULT        0x037fu

static inline void fxsave(struct k_fpstate *fx)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*fx));
}

static inline void fxrstor(const struct k_fpstate *fx)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*fx));
}

/* The FPU/SSE state a handler starts with (Linux's init_fpstate): FCW
 * 0x37f, MXCSR 0x1f80, every register empty and zero. */
static void fpu_reset_user_state(void)
{
	struct k_fpstate fx __attribute__((aligned(16)));
	memset(&fx, 0, sizeof(fx));
	fx.cwd = FCW_DEFAULT;
	fx.mxcsr = MXCSR_DEFAULT;
	fxrstor(&fx);
}

/* Restores the FPU/SSE state from the user's FXSAVE image at buf (0: the
 * initial state). Returns false (state reset) if it cannot be read or the
 * CPU refuses it (an MXCSR bit it does not accept). */
static bool fpu_restore_sig(uint64_t buf)
{
	struct k_fpstate fx __attribute__((aligned(16)));
	if (!buf) {
		fpu_reset_user_state();
		return true;
	}
	/* A reserved MXCSR bit makes FXRSTOR #GP: the CPU decides (fixed up,
	 * never a fault of the kernel), and Linux (since 5.14) fails the
	 * restore then, a bad frame. (QEMU's TCG accepts any MXCSR: so do both
	 * kernels there.) */
	if (copy_from_user(&fx, buf, sizeof(fx)) || fxrstor_checked(&fx)) {
		fpu_reset_user_state();
		return false;
	}
	return true;
}

/* Where the frame goes (see the top); *fpstate gets the FXSAVE image's
 * address. UINT64_MAX when the alternate stack would overflow. */
static uint64_t get_sigframe(const struct task_struct *t, const struct k_sigaction *ka,
			     const struct pt_regs *regs, uint64_t *fpstate)
{
	bool nested_altstack = on_sig_stack(t, regs->sp), entering_altstack = false;
	uint64_t sp = regs->sp - RED_ZONE_BYTES;
	if ((ka->flags & SA_ONSTACK) && sas_ss_flags(t, sp) == 0) {
		sp = t->sas_ss_sp + t->sas_ss_size;
		entering_altstack = true;
	}
	sp = (sp - sizeof(struct k_fpstate)) & ~(uint64_t)(FPSTATE_ALIGN - 1);
	*fpstate = sp;
	sp = ((sp - sizeof(struct rt_sigframe)) & ~(uint64_t)15) - 8;
	if ((nested_altstack || entering_altstack) && !__on_sig_stack(t, sp))
		return UINT64_MAX;
	return sp;
}

/* The siginfo a handler sees. */
static void fill_siginfo(struct k_siginfo *si, int sig, const struct kernel_siginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = info->code;
	if (info->code == SI_USER || info->code == SI_TKILL || info->code == SI_QUEUE) {
		si->f.kill.pid = info->pid;
		si->f.kill.uid = info->uid;
	} else if (info->code != SI_KERNEL || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
		   sig == SIGFPE || sig == SIGTRAP) {
		si->f.fault.addr = info->addr;   /* 0 for SI_KERNEL faults (#GP) */
	}
}

/* See kernel/signal_frame.h. */
int setup_rt_frame(struct task_struct *t, int sig, const struct kernel_siginfo *info,
		   const struct k_sigaction *ka, k_sigset_t oldset, struct pt_regs *regs)
{
	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;   /* Linux: "x86-64 should always use SA_RESTORER" */
	uint64_t fp_addr;
	uint64_t frame_addr = get_sigframe(t, ka, regs, &fp_addr);
	if (frame_addr == UINT64_MAX)
		return -EFAULT;

	struct k_fpstate fx __attribute__((aligned(16)));
	memset(&fx, 0, sizeof(fx));   /* sw_reserved stays 0: no XSAVE state follows */
	fxsave(&fx);
	if (copy_to_user(fp_addr, &fx, sizeof(fx)))
		return -EFAULT;

	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_sp = t->sas_ss_sp;
	f.uc.uc_stack.ss_flags = (int32_t)t->sas_ss_flags;
	f.uc.uc_stack.ss_size = t->sas_ss_size;
	struct k_sigcontext *sc = &f.uc.uc_mcontext;
	sc->r8 = regs->r8;   sc->r9 = regs->r9;   sc->r10 = regs->r10; sc->r11 = regs->r11;
	sc->r12 = regs->r12; sc->r13 = regs->r13; sc->r14 = regs->r14; sc->r15 = regs->r15;
	sc->di = regs->di;   sc->si = regs->si;   sc->bp = regs->bp;   sc->bx = regs->bx;
	sc->dx = regs->dx;   sc->ax = regs->ax;   sc->cx = regs->cx;   sc->sp = regs->sp;
	sc->ip = regs->ip;
	sc->flags = regs->flags;
	sc->cs = (uint16_t)regs->cs;
	sc->ss = (uint16_t)regs->ss;
	sc->err = t->fault_info.error_code;
	sc->trapno = t->fault_info.trap_nr;
	sc->cr2 = t->fault_info.cr2;
	sc->oldmask = oldset.sig;
	sc->fpstate = fp_addr;
	f.uc.uc_sigmask = oldset;
	if (ka->flags & SA_SIGINFO)
		fill_siginfo(&f.info, sig, info);
	if (copy_to_user(frame_addr, &f, sizeof(f)))
		return -EFAULT;

	fpu_reset_user_state();
	regs->di = (uint64_t)sig;
	regs->ax = 0;            /* for a handler declared without a prototype (varargs) */
	regs->si = frame_addr + offsetof(struct rt_sigframe, info);
	regs->dx = frame_addr + offsetof(struct rt_sigframe, uc);
	regs->ip = ka->handler;
	regs->sp = frame_addr;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->flags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
	return 0;
}

/* Linux's restore_sigcontext: registers and the FPU state from sc. Returns
 * false if the FPU state cannot be read. */
static bool restore_sigcontext(struct pt_regs *regs, const struct k_sigcontext *sc, uint64_t uc_flags)
{
	regs->r8 = sc->r8;   regs->r9 = sc->r9;   regs->r10 = sc->r10; regs->r11 = sc->r11;
	regs->r12 = sc->r12; regs->r13 = sc->r13; regs->r14 = sc->r14; regs->r15 = sc->r15;
	regs->di = sc->di;   regs->si = sc->si;   regs->bp = sc->bp;   regs->bx = sc->bx;
	regs->dx = sc->dx;   regs->ax = sc->ax;   regs->cx = sc->cx;   regs->sp = sc->sp;
	regs->ip = sc->ip;
	regs->cs = (uint64_t)sc->cs | 3;
	regs->ss = (uint64_t)sc->ss | 3;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc->flags & FIX_EFLAGS);
	regs->error_code = UINT64_MAX;   /* orig_ax = -1: no syscall to restart */
	if (!(uc_flags & UC_STRICT_RESTORE_SS) && regs->cs == __USER_CS && regs->ss != __USER_DS)
		regs->ss = __USER_DS;    /* Linux's force_valid_ss: the only valid user SS here */
	return fpu_restore_sig(sc->fpstate);
}

/* The state rt_sigreturn restored, checked before any iretq could try it
 * (see the top): a CS or SS not the user's, or a non-canonical rip, is the
 * #GP Linux's iretq would take, delivered as the program's SIGSEGV. */
static void refuse_bad_return(struct pt_regs *regs)
{
	uint64_t err;
	const char *why;
	if (regs->cs != __USER_CS) {
		err = regs->cs & ~(uint64_t)3;
		why = "rt_sigreturn to a code segment other than the user's (#GP at the return)";
	} else if (regs->ss != __USER_DS) {
		err = regs->ss & ~(uint64_t)3;
		why = "rt_sigreturn to a stack segment other than the user's (#GP at the return)";
	} else if (!is_canonical(regs->ip)) {
		err = 0;
		why = "rt_sigreturn to a non-canonical rip (#GP at the return)";
	} else {
		return;
	}
	regs->vector = X86_TRAP_GP;
	regs->error_code = err;
	force_sig_fault(SIGSEGV, SI_KERNEL, why, 0, regs);
}

/* See fault/syscall.h. Returns the restored rax, so the syscall return keeps it. */
int64_t sys_rt_sigreturn(struct pt_regs *regs)
{
	uint64_t frame = regs->sp - sizeof(uint64_t);   /* the restorer's return popped pretcode */
	struct rt_sigframe f;
	if (!access_ok(frame, sizeof(f)) || copy_from_user(&f, frame, offsetof(struct rt_sigframe, info)))
		goto badframe;
	set_current_blocked(f.uc.uc_sigmask);
	if (!restore_sigcontext(regs, &f.uc.uc_mcontext, f.uc.uc_flags))
		goto badframe;
	(void)do_sigaltstack(&f.uc.uc_stack, NULL, regs->sp);   /* errors ignored, as Linux */
	refuse_bad_return(regs);
	return (int64_t)regs->ax;
badframe:
	force_sig(SIGSEGV, "rt_sigreturn: the signal frame cannot be read");
	return 0;
}
