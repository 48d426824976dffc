/*
 * die() and panic(): see base/panic.h. The dump goes to the console (serial
 * and screen) for people and as one panic record for machines. Re-entry (a
 * fault while dumping) is caught and cut short so the run still ends.
 */
#include <stdarg.h>
#include "base/panic.h"
#include "fault/idt.h"
#include "cpu/x86.h"
#include "base/kernel.h"
#include "base/format.h"
#include "base/string.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "paging/pgtable_types.h"

static int panicking;
static panic_exit_t panic_exit;
static char message[160];

/* See base/panic.h. */
const char *panic_message(void)
{
	return message;
}

/* See base/panic.h. */
void panic_register_exit(panic_exit_t exit)
{
	panic_exit = exit;
}

/* See base/panic.h. */
void decode_pf_error(uint64_t code, char *buf, uint64_t size)
{
	format(buf, size, "0x%llx [%s %s %s%s%s%s%s]", code,
	       (code & X86_PF_PROT) ? "P(protection)" : "!P(not-present)",
	       (code & X86_PF_WRITE) ? "W(write)" : "R(read)",
	       (code & X86_PF_USER) ? "U(user)" : "S(supervisor)",
	       (code & X86_PF_RSVD) ? " RSVD" : "",
	       (code & X86_PF_INSTR) ? " I/D(fetch)" : "",
	       (code & X86_PF_PK) ? " PK" : "",
	       (code & X86_PF_SHSTK) ? " SS" : "");
}

/* Prints up to 16 return addresses by following saved frame pointers. Only
 * frames inside the kernel's own stacks and image are followed. */
static void backtrace(uint64_t ip, uint64_t bp)
{
	kprintf("backtrace (frame pointers):\n  %016llx\n", ip);
	for (int depth = 0; depth < 16 && bp && (bp & 7) == 0; depth++) {
		if (!kernel_address_readable(bp, 16))
			break;
		uint64_t *frame = (uint64_t *)(uintptr_t)bp;
		uint64_t ret = frame[1];
		if (!ret)
			break;
		kprintf("  %016llx\n", ret);
		if (frame[0] <= bp)
			break; /* frames grow upwards in memory; anything else is corrupt */
		bp = frame[0];
	}
}

/* Ends the run after the dump: the record, the summary and the registered
 * exit; without one, the CPU halts with interrupts off. */
static void __attribute__((noreturn)) end_run(void)
{
	record_count_failure();
	record_summary();
	if (panic_exit)
		panic_exit();
	for (;;) {
		cli();
		hlt();
	}
}

/* See base/panic.h. */
void die(const char *why, struct pt_regs *regs)
{
	if (panicking++) {
		kprintf("\n*** nested exception (%s) while panicking; stopping\n", why);
		end_run();
	}
	uint64_t cr0 = read_cr0(), cr2 = read_cr2(), cr3 = read_cr3(), cr4 = read_cr4();
	uint64_t efer = rdmsr(MSR_EFER);
	char err[128];
	if (regs->vector == X86_TRAP_PF)
		decode_pf_error(regs->error_code, err, sizeof(err));
	else
		format(err, sizeof(err), "0x%llx", regs->error_code);

	format(message, sizeof(message), "exception %llu (%s) at rip 0x%llx in %s mode", regs->vector, why, regs->ip,
	       (regs->cs & 3) ? "user" : "kernel");
	kprintf("\n*** KERNEL PANIC: unexpected exception %llu (%s) in %s mode\n",
		regs->vector, why, (regs->cs & 3) ? "user" : "kernel");
	kprintf("error code %s\n", err);
	kprintf("RIP %04llx:%016llx  RFLAGS %016llx\n", regs->cs, regs->ip, regs->flags);
	kprintf("RSP %04llx:%016llx\n", regs->ss, regs->sp);
	kprintf("CR0 %016llx  CR2 %016llx  CR3 %016llx\n", cr0, cr2, cr3);
	kprintf("CR4 %016llx  EFER %016llx\n", cr4, efer);
	kprintf("RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n", regs->ax, regs->bx, regs->cx, regs->dx);
	kprintf("RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n", regs->si, regs->di, regs->bp, regs->r8);
	kprintf("R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n", regs->r9, regs->r10, regs->r11, regs->r12);
	kprintf("R13 %016llx  R14 %016llx  R15 %016llx\n", regs->r13, regs->r14, regs->r15);
	backtrace(regs->ip, regs->bp);

	struct json *j = record_begin("panic");
	json_str(j, "reason", "exception");
	json_u64(j, "vector", regs->vector);
	json_str(j, "name", why);
	json_hex(j, "error_code", regs->error_code);
	if (regs->vector == X86_TRAP_PF)
		json_str(j, "error_decoded", err);
	json_hex(j, "rip", regs->ip);
	json_hex(j, "cs", regs->cs);
	json_hex(j, "rflags", regs->flags);
	json_hex(j, "rsp", regs->sp);
	json_hex(j, "ss", regs->ss);
	json_hex(j, "cr0", cr0);
	json_hex(j, "cr2", cr2);
	json_hex(j, "cr3", cr3);
	json_hex(j, "cr4", cr4);
	json_hex(j, "efer", efer);
	json_hex(j, "image_base", kernel_image_base);
	record_end();
	end_run();
}

/* See base/panic.h. */
void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (panicking++) {
		kprintf("\n*** nested panic: %s\n", msg);
		end_run();
	}
	uint64_t bp;
	__asm__ volatile("movq %%rbp, %0" : "=r"(bp));
	strlcpy(message, msg, sizeof(message));
	kprintf("\n*** KERNEL PANIC: %s\n", msg);
	backtrace((uint64_t)(uintptr_t)__builtin_return_address(0), bp);
	struct json *j = record_begin("panic");
	json_str(j, "reason", "invariant");
	json_str(j, "message", msg);
	json_hex(j, "image_base", kernel_image_base);
	record_end();
	end_run();
}
