/*
 * The x86-64 Linux signal ABI, byte for byte: what rt_sigaction, sigaltstack
 * and rt_sigprocmask take, the siginfo a handler gets, and the frame the
 * kernel writes on the user stack to run a handler and that rt_sigreturn
 * reads back (arch/x86/include/uapi/asm/sigcontext.h, asm/ucontext.h,
 * arch/x86/include/asm/sigframe.h). Pure: the kernel (kernel/signal.c,
 * fault/signal_frame.c) and ring-3 tests (which run on Linux too, so a
 * layout mistake fails there) include the same definitions.
 */
#ifndef FAULTLINE_SIGNAL_TYPES_H
#define FAULTLINE_SIGNAL_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "base/signal.h"

/* The kernel's sigset_t: one bit per signal, bit sig - 1. rt_sigaction's and
 * rt_sigprocmask's sigsetsize must be its size. */
typedef struct { uint64_t sig; } k_sigset_t;
#define SIGSET_SIZE 8
#define sigmask(sig) (UINT64_C(1) << ((sig) - 1))

/* Handler values. */
#define SIG_DFL 0
#define SIG_IGN 1

/* sa_flags (include/uapi/asm-generic/signal-defs.h, x86's SA_RESTORER). */
#define SA_NOCLDSTOP  0x00000001u
#define SA_NOCLDWAIT  0x00000002u
#define SA_SIGINFO    0x00000004u
#define SA_UNSUPPORTED 0x00000400u
#define SA_EXPOSE_TAGBITS 0x00000800u
#define SA_RESTORER   0x04000000u
#define SA_ONSTACK    0x08000000u
#define SA_RESTART    0x10000000u
#define SA_NODEFER    0x40000000u
#define SA_RESETHAND  0x80000000u
/* The flags Linux keeps (UAPI_SA_FLAGS); others are dropped, so a program can
 * see in the old action which ones this kernel knows. */
#define SA_KNOWN_FLAGS (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | \
			SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER)

/* rt_sigprocmask's how. */
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* sigaltstack. */
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1u << 31)
#define SS_FLAG_BITS  SS_AUTODISARM
#define MINSIGSTKSZ   2048

/* struct sigaction as the rt_sigaction syscall takes it (not libc's). */
struct k_sigaction {
	uint64_t handler;      /* SIG_DFL, SIG_IGN or the handler's address */
	uint64_t flags;        /* SA_*; Linux's unsigned long */
	uint64_t restorer;     /* with SA_RESTORER: where the handler returns (calls rt_sigreturn) */
	k_sigset_t mask;       /* blocked while the handler runs */
};
_Static_assert(sizeof(struct k_sigaction) == 32, "struct sigaction of rt_sigaction is 32 bytes");

typedef struct {
	uint64_t ss_sp;
	int32_t ss_flags;
	uint32_t pad;
	uint64_t ss_size;
} k_stack_t;
_Static_assert(sizeof(k_stack_t) == 24 && offsetof(k_stack_t, ss_size) == 16, "stack_t");

/* siginfo_t, 128 bytes; the union at 16. Fields for the kinds faultline sends. */
struct k_siginfo {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad0;
	union {
		struct { uint32_t pid, uid; } kill;          /* SI_USER, SI_TKILL */
		struct { uint64_t addr; } fault;              /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
		uint8_t bytes[112];
	} f;
};
_Static_assert(sizeof(struct k_siginfo) == 128 && offsetof(struct k_siginfo, f) == 16, "siginfo_t");

/* The FXSAVE image (struct fxregs_state / struct _fpstate_64): 512 bytes. */
struct k_fpstate {
	uint16_t cwd, swd, twd, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint32_t st_space[32];
	uint32_t xmm_space[64];
	uint32_t reserved2[12];
	uint32_t sw_reserved[12];   /* Linux's fpx_sw_bytes; all 0 without XSAVE */
};
_Static_assert(sizeof(struct k_fpstate) == 512 && offsetof(struct k_fpstate, mxcsr) == 24 &&
	       offsetof(struct k_fpstate, xmm_space) == 160, "struct _fpstate_64");

/* struct sigcontext (64-bit), 256 bytes: uc_mcontext. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t di, si, bp, bx, dx, ax, cx, sp, ip;
	uint64_t flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;           /* user address of a struct k_fpstate, 0: no FPU state */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct k_sigcontext) == 256 && offsetof(struct k_sigcontext, ip) == 128 &&
	       offsetof(struct k_sigcontext, cs) == 144 && offsetof(struct k_sigcontext, err) == 152 &&
	       offsetof(struct k_sigcontext, fpstate) == 184, "struct sigcontext");

/* uc_flags. */
#define UC_FP_XSTATE         0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4

/* The kernel's struct ucontext (libc's ucontext_t starts the same). */
struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	k_stack_t uc_stack;
	struct k_sigcontext uc_mcontext;
	k_sigset_t uc_sigmask;
};
_Static_assert(sizeof(struct k_ucontext) == 304 && offsetof(struct k_ucontext, uc_mcontext) == 40 &&
	       offsetof(struct k_ucontext, uc_sigmask) == 296, "struct ucontext");

/*
 * struct rt_sigframe: what the handler finds at its rsp. pretcode is the
 * return address (sa_restorer), so the handler's `ret` runs the restorer,
 * which calls rt_sigreturn with rsp just past it (rsp - 8 is the frame).
 * The FXSAVE area lies above it, 64-byte aligned, named by
 * uc.uc_mcontext.fpstate.
 */
struct rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	struct k_siginfo info;
};
_Static_assert(sizeof(struct rt_sigframe) == 440, "struct rt_sigframe");

#endif
