/*
 * The targeted checks (checks/checks.h): the scratch address space they run
 * in, the ring-0 and ring-3 accesses they make through the probes, their
 * records, and run_checks(), which runs them in order and then proves that
 * everything was undone (the "cleanup" check).
 *
 * The checks themselves are in check_tlb.c, check_access.c and
 * check_translation.c; checks/targeted.h has the layout they share.
 */
#include <stdarg.h>

#include "checks/checks.h"
#include "checks/targeted.h"
#include "cpu/cpufeature.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "fault/idt.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "base/string.h"
#include "paging/buddy.h"
#include "paging/efi_map.h"
#include "paging/init.h"
#include "paging/mode_switch.h"
#include "paging/tlb.h"
#include "paging/verify.h"

/* ---- Records ------------------------------------------------------------- */

/* See checks/targeted.h. */
void check_record(const char *name, int result, const char *detail_fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, detail_fmt);
	vformat(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	record_hw_check(name, result, (uint32_t)pgtable_levels(), detail);
	if (result == TEST_FAIL)
		kprintf("check %s FAILED: %s\n", name, detail);
}

/* See checks/targeted.h. */
const char *probe_str(const struct probe_result *r, char *buf, size_t size)
{
	if (r->vector == PROBE_NO_FAULT)
		format(buf, size, "no fault");
	else if (r->vector == X86_TRAP_PF)
		format(buf, size, "#PF err 0x%llx cr2 0x%llx", r->error_code, r->cr2);
	else
		format(buf, size, "%s err 0x%llx at 0x%llx", exception_name(r->vector), r->error_code, r->rip);
	return buf;
}

/* See checks/targeted.h. */
bool hypervisor_is_tcg(void)
{
	return strcmp(boot_cpu_data.hypervisor_id, "TCGTCGTCGTCG") == 0;
}

/* See checks/targeted.h. */
bool probe_is_rsvd_pf(const struct probe_result *r, uint64_t err, uint64_t cr2, bool *p_clear)
{
	if (probe_is_pf(r, err | X86_PF_RSVD | X86_PF_PROT, cr2))
		return true;
	if (hypervisor_is_tcg() && probe_is_pf(r, (err | X86_PF_RSVD) & ~X86_PF_PROT, cr2)) {
		*p_clear = true;
		return true;
	}
	return false;
}

/* ---- The scratch space ---------------------------------------------------- */

/* See checks/targeted.h. */
struct page *scratch_alloc(struct scratch *s, uint32_t order)
{
	if (s->nblocks == SCRATCH_MAX_BLOCKS)
		return NULL;
	struct page *p = alloc_pages(order);
	if (!p)
		return NULL;
	memset(page_address(p), 0, PAGE_SIZE << order);
	s->blocks[s->nblocks] = p;
	s->orders[s->nblocks] = (uint8_t)order;
	s->nblocks++;
	return p;
}

/* See checks/targeted.h. */
int scratch_map(struct scratch *s, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, int leaf_level)
{
	return map_range(s->pgd, va, pa, size, __pgprot(prot), leaf_level);
}

/* See checks/targeted.h. */
void scratch_unmap(struct scratch *s, uint64_t va, uint64_t size)
{
	unmap_range(s->pgd, va, size);
	flush_tlb_all();
}

/* See checks/targeted.h. */
uint64_t *scratch_pte(struct scratch *s, uint64_t va)
{
	return (uint64_t *)walk_pte(s->pgd, va, false, NULL);
}

/* See checks/targeted.h. */
int scratch_walk(struct scratch *s, uint64_t va, uint64_t *entries[5])
{
	return walk_path(s->pgd, va, entries);
}

/* See checks/targeted.h. */
void scratch_set_entry(uint64_t *entry, uint64_t val)
{
	__atomic_store_n(entry, val, __ATOMIC_SEQ_CST);
	flush_tlb_all();
}

/* The ring-3 code page: every snippet of targeted.h at its offset, int3 elsewhere. */
static void write_user_code(uint8_t *code)
{
	static const uint8_t load[]  = { 0x48, 0x8b, 0x03 };   /* mov (%rbx), %rax */
	static const uint8_t store[] = { 0x48, 0x89, 0x03 };   /* mov %rax, (%rbx) */
	static const uint8_t jmp[]   = { 0xff, 0xe3 };         /* jmp *%rbx */
	memset(code, 0xcc, PAGE_SIZE);                          /* int3 */
	memcpy(code + SNIP_LOAD, load, sizeof(load));
	memcpy(code + SNIP_STORE, store, sizeof(store));
	memcpy(code + SNIP_JMP, jmp, sizeof(jmp));
	code[SNIP_RET] = 0xc3;                                  /* ret */
}

/*
 * Gives the scratch space back: the kernel's CR3 reloaded, every TLB entry
 * dropped (the checks made global ones), the user half unmapped with its
 * tables, the root and every frame block freed.
 */
static void scratch_teardown(struct scratch *s)
{
	if (read_cr3() != s->saved_cr3)
		write_cr3(s->saved_cr3);
	flush_tlb_all();
	if (s->pgd) {
		free_pgtables(s->pgd, 0, TASK_SIZE_MAX + PAGE_SIZE);
		pgtable_free_page(NULL, s->pgd_phys);
		s->pgd = NULL;
	}
	for (uint32_t i = 0; i < s->nblocks; i++)
		__free_pages(s->blocks[i], s->orders[i]);
	s->nblocks = 0;
}

/*
 * Builds the scratch space (root, kernel half, the fixed user pages) and
 * loads it into CR3. Returns 0, or -ENOMEM with everything given back.
 */
static int scratch_setup(struct scratch *s)
{
	memset(s, 0, sizeof(*s));
	s->saved_cr3 = read_cr3();
	s->pgd_phys = pgtable_alloc_page(NULL);
	if (!s->pgd_phys)
		return -ENOMEM;
	s->pgd = (pgd_t *)__va(s->pgd_phys);
	memset(s->pgd, 0, PAGE_SIZE);
	for (uint32_t i = PTRS_PER_PGD / 2; i < PTRS_PER_PGD; i++)
		s->pgd[i] = init_top_pgt[i];

	struct page *code = scratch_alloc(s, 0), *stack = scratch_alloc(s, 0);
	struct page *data = scratch_alloc(s, 0), *nx = scratch_alloc(s, 0);
	if (!code || !stack || !data || !nx)
		goto err;
	write_user_code(page_address(code));
	*(uint64_t *)page_address(data) = USER_DATA_PATTERN;
	memset(page_address(nx), 0xcc, PAGE_SIZE);
	s->user_data = data;
	if (scratch_map(s, USER_CODE_VA, page_to_phys(code), PAGE_SIZE, PROT_UCODE, PG_LEVEL_4K) ||
	    scratch_map(s, USER_STACK_VA, page_to_phys(stack), PAGE_SIZE, PROT_UDATA, PG_LEVEL_4K) ||
	    scratch_map(s, USER_DATA_VA, page_to_phys(data), PAGE_SIZE, PROT_UDATA, PG_LEVEL_4K) ||
	    scratch_map(s, USER_NX_VA, page_to_phys(nx), PAGE_SIZE, PROT_UDATA & ~_PAGE_RW, PG_LEVEL_4K))
		goto err;
	write_cr3(s->pgd_phys);
	return 0;
err:
	scratch_teardown(s);
	return -ENOMEM;
}

/* ---- Accesses -------------------------------------------------------------- */

/* One ring-0 access for probe_kernel: do_read/do_read_stac/do_write/do_call act on addr with val. */
struct kaccess {
	uint64_t addr;
	uint64_t val;
};

static void do_read(void *arg)
{
	struct kaccess *a = arg;
	a->val = *(volatile uint64_t *)(uintptr_t)a->addr;
}

static void do_read_stac(void *arg)
{
	struct kaccess *a = arg;
	uint64_t v;
	__asm__ volatile("stac; movq (%1), %0; clac" : "=r"(v) : "r"(a->addr) : "memory");
	a->val = v;
}

static void do_write(void *arg)
{
	struct kaccess *a = arg;
	*(volatile uint64_t *)(uintptr_t)a->addr = a->val;
}

static void do_call(void *arg)
{
	struct kaccess *a = arg;
	((void (*)(void))(uintptr_t)a->addr)();
}

/*
 * Runs fn on a in ring 0. A fault between STAC and CLAC would leave
 * RFLAGS.AC set (the probe resumes without restoring RFLAGS): clear it.
 */
static bool kernel_probe(void (*fn)(void *), struct kaccess *a, struct probe_result *r)
{
	bool faulted = probe_kernel(fn, a, r);
	if (boot_cpu_has(X86_FEATURE_SMAP))
		__asm__ volatile("clac" ::: "memory");
	return faulted;
}

/* See checks/targeted.h. */
bool kernel_read(uint64_t addr, uint64_t *val, struct probe_result *r)
{
	struct kaccess a = { addr, 0 };
	bool faulted = kernel_probe(do_read, &a, r);
	*val = faulted ? 0 : a.val;
	return faulted;
}

/* See checks/targeted.h. */
bool kernel_read_stac(uint64_t addr, uint64_t *val, struct probe_result *r)
{
	struct kaccess a = { addr, 0 };
	bool faulted = kernel_probe(do_read_stac, &a, r);
	*val = faulted ? 0 : a.val;
	return faulted;
}

/* See checks/targeted.h. */
bool kernel_write(uint64_t addr, uint64_t val, struct probe_result *r)
{
	struct kaccess a = { addr, val };
	return kernel_probe(do_write, &a, r);
}

/* See checks/targeted.h. */
bool kernel_call(uint64_t addr, struct probe_result *r)
{
	struct kaccess a = { addr, 0 };
	return kernel_probe(do_call, &a, r);
}

/* See checks/targeted.h. Interrupts stay off in ring 3 (IF clear). */
bool user_run(uint64_t snip, uint64_t rbx, uint64_t rax, struct probe_result *r)
{
	struct pt_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.ip = USER_CODE_VA + snip;
	regs.cs = __USER_CS;
	regs.flags = X86_EFLAGS_FIXED;
	regs.sp = USER_STACK_VA + PAGE_SIZE - 16;
	regs.ss = __USER_DS;
	regs.bx = rbx;
	regs.ax = rax;
	return probe_user(&regs, r);
}

/* ---- The run ---------------------------------------------------------------- */

struct targeted_check {
	const char *name;
	void (*run)(struct scratch *s);
};

/* In this order; the CR4 toggle of la57 last, as it is the one that can take the machine down. */
static const struct targeted_check targeted_checks[] = {
	{ "accessed_dirty",    check_accessed_dirty },
	{ "invlpg",            check_invlpg },
	{ "cr3_reload_global", check_cr3_reload_global },
	{ "pcid",              check_pcid },
	{ "invpcid",           check_invpcid },
	{ "pages_2m",          check_pages_2m },
	{ "pages_1g",          check_pages_1g },
	{ "noncanonical_gp",   check_noncanonical_gp },
	{ "nx_fetch",          check_nx_fetch },
	{ "smep",              check_smep },
	{ "smap",              check_smap },
	{ "pku",               check_pku },
	{ "cr0_wp",            check_cr0_wp },
	{ "reserved_bits",     check_reserved_bits },
	{ "maxphyaddr",        check_maxphyaddr },
	{ "la57",              check_la57 },
	{ "reclaim_young",     check_reclaim_young },
};
#define TARGETED_CHECK_COUNT (sizeof(targeted_checks) / sizeof(targeted_checks[0]))

/* See checks/targeted.h. */
void machine_state_read(struct machine_state *m)
{
	m->cr0 = read_cr0();
	m->cr3 = read_cr3();
	m->cr4 = read_cr4();
	m->efer = rdmsr(MSR_EFER);
	m->rflags_ac = read_rflags() & X86_EFLAGS_AC;
	m->free_pages = nr_free_pages();
}

/*
 * The "cleanup" check: control registers, free frames and the kernel's tables
 * as before. In a paging mode switched to at run time the verifier waits for
 * the switch back (paging_mode.restore): the kernel's other roots (efi_pgd,
 * the boot root) are in the boot mode's format and cannot be walked now.
 */
static void check_cleanup(const struct machine_state *before)
{
	struct machine_state after;
	machine_state_read(&after);
	struct pgtable_verify v = { 0 };
	pgd_t *roots[2];
	char tables[200];
	uint64_t problems = 0;
	if (paging_mode_switched()) {
		format(tables, sizeof(tables), "kernel tables: verified after the switch back (paging_mode.restore)");
	} else {
		problems = verify_page_tables(roots, kernel_page_table_roots(roots), &v);
		format(tables, sizeof(tables), "kernel tables: %llu problems%s%s", problems,
		       problems ? ": " : "", v.first_problem);
	}
	bool ok = after.cr0 == before->cr0 && after.cr3 == before->cr3 && after.cr4 == before->cr4 &&
		  after.efer == before->efer && !after.rflags_ac && after.free_pages == before->free_pages &&
		  problems == 0;
	check_record("cleanup", ok ? TEST_PASS : TEST_FAIL,
		     "CR0 0x%llx->0x%llx CR3 0x%llx->0x%llx CR4 0x%llx->0x%llx EFER 0x%llx->0x%llx AC %d; "
		     "free frames %llu->%llu; %s",
		     before->cr0, after.cr0, before->cr3, after.cr3, before->cr4, after.cr4, before->efer,
		     after.efer, after.rflags_ac != 0, before->free_pages, after.free_pages, tables);
}

/* See checks/checks.h. */
void run_checks(enum config_checks level)
{
	if (level == CHECKS_NONE)
		return;
	struct machine_state before;
	machine_state_read(&before);
	struct record_totals t0 = record_totals();

	static struct scratch s;
	if (scratch_setup(&s) < 0) {
		for (uint32_t i = 0; i < TARGETED_CHECK_COUNT; i++)
			check_record(targeted_checks[i].name, TEST_FAIL, "no memory for the scratch address space");
	} else {
		for (uint32_t i = 0; i < TARGETED_CHECK_COUNT; i++)
			targeted_checks[i].run(&s);
		scratch_teardown(&s);
	}
	check_cleanup(&before);

	struct record_totals t1 = record_totals();
	kprintf("checks: %u passed, %u failed, %u skipped\n", t1.passed - t0.passed, t1.failed - t0.failed,
		t1.skipped - t0.skipped);
}
