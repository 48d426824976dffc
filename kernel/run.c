/*
 * run_programs: every `run =` line of the config, in order, each program in
 * its own address space. Around each run the kernel checks what a program
 * must never be able to change: after it ends (exit or kill) every frame it
 * used is free again, the page tables pass the verifier, and the descriptor
 * tables, control registers and kernel text are as before (kernel/integrity.h).
 */
#include "base/process.h"
#include "cpu/percpu.h"
#include "fault/entry.h"
#include "kernel/run.h"
#include "kernel/bench_screen.h"
#include "base/bootinfo.h"
#include "lib/config.h"
#include "kernel/exec.h"
#include "kernel/console_file.h"
#include "fs/inode.h"
#include "kernel/integrity.h"
#include "kernel/user_records.h"
#include "kernel/watchdog.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "paging/fault_stats.h"
#include "fault/uaccess.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/progress.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/efi_map.h"
#include "paging/init.h"
#include "paging/mm_types.h"
#include "paging/slab.h"
#include "paging/verify.h"
#include "paging/vma.h"

static struct task_struct task;
static uint32_t next_pid = 1;
static uint32_t cfg_time_limit;

/* SYSCALL/SYSRET set-up: EFER.SCE, the entry point, selectors, the flag mask.
 * (Its stack is this CPU's pcpu top_of_stack, set by pcpu_init.) */
static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 8) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)entry_SYSCALL_64);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_IF | X86_EFLAGS_IOPL |
				  X86_EFLAGS_AC | X86_EFLAGS_NT);
}

/* See base/process.h. */
void do_exit(int32_t code)
{
	current->end = TASK_EXITED;
	current->exit_code = code;
	struct json *j = record_begin("exit");
	json_str(j, "program", current->comm);
	json_i64(j, "status", code);
	record_end();
	return_to_kernel(&current->kctx, TASK_EXITED);
}

/* See base/process.h. */
void force_sig_fault(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs)
{
	current->end = TASK_KILLED;
	current->exit_code = sig;
	kprintf("%s: killed by %s at 0x%llx (rip 0x%llx): %s\n", current->comm, signal_name(sig), addr, regs->ip, reason);
	struct json *j = record_begin("kill");
	json_str(j, "program", current->comm);
	json_str(j, "signal", signal_name(sig));
	json_u64(j, "signo", (uint64_t)sig);
	json_str(j, "code", si_code_name(sig, code));
	json_hex(j, "addr", addr);
	json_hex(j, "rip", regs->ip);
	json_hex(j, "error_code", regs->error_code);
	json_u64(j, "vector", regs->vector);
	json_str(j, "reason", reason);
	record_end();
	return_to_kernel(&current->kctx, TASK_KILLED);
}

/* Finds the loaded file called name. */
static const struct boot_file *find_file(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (strcmp(bi->files[i].name, name) == 0)
			return &bi->files[i];
	return NULL;
}

/* The check record kernel.<prog>.<what> for a structure's self-check (lib/check_result.h). */
static void record_structure_check(const char *prog, const char *what, uint64_t problems,
				   const struct check_result *cr)
{
	char test[160];
	format(test, sizeof(test), "kernel.%s.%s", prog, what);
	record_check(test, problems == 0, "%llu problems%s%s", problems, problems ? ": " : "", cr->first);
}

/* The per-program checks after it ended. */
static void check_after_program(const char *name, uint64_t free_before, uint64_t fs_before)
{
	char test[160];
	kmem_cache_shrink_all();
	/* What the file system keeps (page cache, inodes of files the program
	 * made) stays: it is counted out, not leaked. */
	uint64_t fs_after = fs_pages_held();
	uint64_t free_after = nr_free_pages() + fs_after - fs_before;
	format(test, sizeof(test), "kernel.%s.frames_returned", name);
	record_check(test, free_after == free_before, "free frames %llu before, %llu after (%llu kept by files, %llu before)",
		     free_before, free_after, fs_after, fs_before);
	struct pgtable_verify v;
	pgd_t *roots[2];
	uint64_t problems = verify_page_tables(roots, kernel_page_table_roots(roots), &v);
	format(test, sizeof(test), "kernel.%s.verify", name);
	record_check(test, problems == 0, "%llu tables, %llu PG_pgtable pages; %llu problems%s%s",
		     v.tables, v.pgtable_pages, problems, problems ? ": " : "", v.first_problem);
	struct check_result cr;
	record_structure_check(name, "buddy", buddy_check(&cr), &cr);
	record_structure_check(name, "slab", kmem_cache_check_all(&cr), &cr);
	integrity_check_after(name);
}

/* Runs one program to its end. */
static void run_one(const struct config_run *run, const struct boot_info *bi)
{
	const char *name = run->argv[0];
	const struct boot_file *f = find_file(bi, name);
	if (!f || f->status != FILE_LOADED)
		return; /* already reported as a program warning */

	kmem_cache_shrink_all();
	uint64_t free_before = nr_free_pages(), fs_before = fs_pages_held();
	memset(&task, 0, sizeof(task));
	strlcpy(task.comm, name, sizeof(task.comm));
	task.pid = next_pid++;
	const char *argv[CONFIG_MAX_ARGS];
	for (uint32_t i = 0; i < run->argc; i++)
		argv[i] = run->argv[i];

	static struct pt_regs regs;
	const char *why = "";
	int err = task_files_init(&task);
	if (!err)
		err = exec_program(&task, (const uint8_t *)__va(f->phys), f->size, argv, run->argc, &regs, &why);
	else
		why = "no memory for its descriptor table";
	if (err) {
		record_warning("exec", "%s: cannot run: %s (%d)", name, why, err);
		if (task.files)
			exit_files(&task);
		check_after_program(name, free_before, fs_before);
		return;
	}
	kprintf("run: %s (pid %u)\n", name, task.pid);
	user_output_begin(name, task.pid);
	fault_stats_reset();
	current = &task;
	task.start_tsc = rdtsc();
	write_cr3(__pa(task.mm->pgd));
	load_user_segments();
	watchdog_arm(cfg_time_limit);
	enter_user(&regs, &task.kctx);
	watchdog_disarm();
	load_kernel_data_segments();
	user_output_end();

	/* Back from the program (exit or kill): check its tables before they go. */
	struct pgtable_verify v;
	pgd_t *roots[3];
	uint32_t nroots = kernel_page_table_roots(roots);
	roots[nroots++] = task.mm->pgd;
	uint64_t problems = verify_page_tables(roots, nroots, &v);
	char test[160];
	format(test, sizeof(test), "kernel.%s.verify_live", name);
	record_check(test, problems == 0, "%llu tables, %llu leaves; %llu problems%s%s", v.tables, v.leaves,
		     problems, problems ? ": " : "", v.first_problem);
	struct check_result cr;
	record_structure_check(name, "vma", vma_check(task.mm, &cr), &cr);
	write_cr3(init_top_pgt_phys);
	current = NULL;
	exit_mm(&task);
	exit_files(&task);
	check_after_program(name, free_before, fs_before);
}

/* See base/process.h. */
void run_programs(const struct faultline_config *cfg, const struct boot_info *bi)
{
	if (!cfg->run_count)
		return;
	syscall_init();
	cfg_time_limit = cfg->time_limit;
	uaccess_smap = (read_cr4() & X86_CR4_SMAP) != 0;
	integrity_baseline(); /* everything above is final until the last program ends */
	progress_begin("programs", cfg->run_count);
	for (uint32_t i = 0; i < cfg->run_count; i++) {
		progress_step(i, cfg->runs[i].argv[0]);
		run_one(&cfg->runs[i], bi);
		bench_screen_program_end();
	}
	progress_end();
	bench_screen_summary();
}
