/*
 * Bringing up the other CPUs (kernel/smpboot.h).
 *
 *   smp_boot_cpus (the boot CPU)
 *     the boot CPU's own pcpu fields (APIC id, topology, features)
 *     madt_read                     the CPUs the firmware lists
 *     trampoline_setup              code, GDT, far pointers, root table + identity 2 MiB
 *     for each enabled CPU, as far as smp = allows:
 *       ap_prepare                  a CPU number, stacks, its struct pcpu
 *       wakeup_secondary_cpu        INIT, 10 ms, STARTUP, 200 us, STARTUP
 *       wait for pcpu.online        or the timeout: INIT, warning, left out
 *       compare its features        check "cpu_features"
 *     one `cpu` record per CPU, one `smp` record, the screen's list
 *
 *   start_secondary (on the AP, called by the trampoline in long mode)
 *     the kernel's CR3, the boot CPU's EFER, CR0, CR4, XCR0, PAT
 *     pcpu_init, idt_load, apic_init_ap, features, topology
 *     pcpu.online = 1, cpu_idle_loop
 */
#include "kernel/smpboot.h"
#include "base/format.h"
#include "base/page_types.h"
#include "base/string.h"
#include "cpu/apic.h"
#include "cpu/cpufeature.h"
#include "cpu/madt.h"
#include "cpu/percpu.h"
#include "cpu/smp.h"
#include "cpu/topology.h"
#include "cpu/trampoline.h"
#include "cpu/x86.h"
#include "fault/idt.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/page.h"
#include "paging/pgtable_types.h"
#include "paging/tlb.h"

#define MSR_IA32_CR_PAT 0x277u

/* The stacks of one AP, in one block: 3 IST stacks, the ring-3 entry stack
 * and the stack its idle loop (and every function it is asked to run) uses. */
#define AP_IDLE_STACK_BYTES (32 * 1024)
#define AP_STACK_BLOCK_BYTES (3 * IST_STACK_BYTES + ENTRY_STACK_BYTES + AP_IDLE_STACK_BYTES)
#define AP_STACK_ORDER 5    /* 128 KiB */
_Static_assert(AP_STACK_BLOCK_BYTES <= (PAGE_SIZE << AP_STACK_ORDER), "AP stacks fit their block");

/* The boot CPU's state every AP copies (read just before the first start). */
static struct {
	uint64_t cr0, cr4, efer, xcr0, pat;
} bsp_state;

/* What became of each CPU the MADT lists, for the records. */
enum ap_outcome { AP_ONLINE, AP_TIMEOUT, AP_APIC_FAILED, AP_LEFT_OUT_SMP, AP_LEFT_OUT_NR_CPUS,
		  AP_NOT_ENABLED, AP_UNREACHABLE, AP_NO_MEMORY };
static const char *const outcome_names[] = {
	"online", "timeout", "apic_mode_failed", "left_out_smp", "left_out_nr_cpus", "not_enabled",
	"unreachable", "no_memory",
};

static struct madt_info madt;
static struct ap_trampoline_header *tr_hdr;
static uint64_t tr_phys;

/* A pcpu flag the AP sets when it cannot run the boot CPU's APIC mode. */
#define AP_CALLIN_APIC_FAILED 2

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0) : "memory");
}

/*
 * The AP's C entry (cpu/trampoline.S calls it in long mode on its idle
 * stack, interrupts off, on the trampoline's root table and GDT). Never
 * returns: ends in the idle loop.
 */
static void __attribute__((noreturn)) start_secondary(void *arg)
{
	struct pcpu *p = arg;
	write_cr3(init_top_pgt_phys);
	wrmsr(MSR_EFER, bsp_state.efer);
	write_cr0(bsp_state.cr0);
	write_cr4(bsp_state.cr4);
	if (bsp_state.cr4 & X86_CR4_OSXSAVE)
		xsetbv0(bsp_state.xcr0);
	if (boot_cpu_has(X86_FEATURE_PAT))
		wrmsr(MSR_IA32_CR_PAT, bsp_state.pat);
	pcpu_init(p->cpu);
	idt_load();
	struct cpuinfo_x86 c;
	cpu_detect(&c);
	p->features = c.features;
	tlb_pcid_cpu_init(tlb_use_pcid);   /* PCIDs as on the boot CPU (CR3 holds init_top_pgt: low bits 0) */
	cpu_topology_detect(&p->topo);
	if (!apic_init_ap()) {
		__atomic_store_n(&p->online, AP_CALLIN_APIC_FAILED, __ATOMIC_RELEASE);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	__atomic_store_n(&p->online, 1, __ATOMIC_RELEASE);
	cpu_idle_loop();
}

/*
 * Copies the trampoline to its page and builds its header, GDT and root
 * table (cpu/trampoline.h). Returns false if the code does not fit below
 * the header (a build problem).
 */
static bool trampoline_setup(uint64_t phys)
{
	uint64_t code_len = (uint64_t)(ap_trampoline_end - ap_trampoline_start);
	if (code_len > AP_TR_HDR)
		return false;
	uint8_t *base = (uint8_t *)__va(phys);
	memset(base, 0, AP_TRAMPOLINE_PAGES * PAGE_SIZE);
	memcpy(base, ap_trampoline_start, code_len);
	tr_phys = phys;
	tr_hdr = (struct ap_trampoline_header *)(base + AP_TR_HDR);
	tr_hdr->gdt[0] = 0;
	tr_hdr->gdt[AP_TR_SEL_CODE32 / 8] = 0x00cf9a000000ffffull;   /* 32-bit code, flat */
	tr_hdr->gdt[AP_TR_SEL_DATA / 8] = 0x00cf92000000ffffull;     /* data, flat */
	tr_hdr->gdt[AP_TR_SEL_CODE64 / 8] = 0x00af9a000000ffffull;   /* 64-bit code */
	tr_hdr->gdt_limit = sizeof(tr_hdr->gdt) - 1;
	tr_hdr->gdt_base = (uint32_t)(phys + AP_TR_GDT);
	tr_hdr->far32_offset = (uint32_t)(phys + ap_trampoline_offsets[0]);
	tr_hdr->far32_selector = AP_TR_SEL_CODE32;
	tr_hdr->far64_offset = (uint32_t)(phys + ap_trampoline_offsets[1]);
	tr_hdr->far64_selector = AP_TR_SEL_CODE64;

	/* Page 1: the kernel's top level, and slot 0 -> a chain down to one
	 * 2 MiB identity leaf at 0 (executable: the code runs there). */
	uint64_t *root = (uint64_t *)(base + PAGE_SIZE);
	memcpy(root, init_top_pgt, PAGE_SIZE);
	uint64_t table_flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
	uint64_t *level = root;
	for (int l = pgtable_levels(), page = 2; l > 2; l--, page++) {
		uint64_t next = phys + (uint64_t)page * PAGE_SIZE;
		level[0] = next | table_flags;
		level = (uint64_t *)(base + (uint64_t)page * PAGE_SIZE);
	}
	level[0] = 0 | table_flags | _PAGE_DIRTY | _PAGE_PSE;   /* the pmd's 2 MiB leaf */
	tr_hdr->cr3 = (uint32_t)(phys + PAGE_SIZE);
	uint64_t cr4 = X86_CR4_PAE;
	if (pgtable_levels() == 5)
		cr4 |= X86_CR4_LA57;     /* must be set before paging: it cannot change in long mode */
	tr_hdr->cr4 = (uint32_t)cr4;
	tr_hdr->efer = (uint32_t)(bsp_state.efer & ~EFER_LMA) | (uint32_t)EFER_LME;
	return true;
}

/* Frees an AP's stacks again (it did not come up). */
static void ap_free_stacks(struct pcpu *p, struct page *stacks)
{
	__free_pages(stacks, AP_STACK_ORDER);
	p->ist_top[0] = p->ist_top[1] = p->ist_top[2] = p->entry_top = 0;
}

/* Gives the AP cpu its stacks and a fresh struct pcpu. Returns the stack
 * block, NULL without memory. */
static struct page *ap_prepare(uint32_t cpu, uint32_t apic_id)
{
	struct page *stacks = alloc_pages(AP_STACK_ORDER);
	if (!stacks)
		return NULL;
	uint64_t b = (uint64_t)(uintptr_t)page_address(stacks);
	/* Written once in full (matrix): under QEMU TCG a frame the
	 * firmware ran code from keeps those stale translations until a store
	 * overlaps them, and until then every store to its page takes QEMU's slow
	 * self-modifying-code path -- an AP whose idle stack sat on such a frame
	 * ran the conformance matrix 25 times slower than the boot CPU. */
	memset((void *)(uintptr_t)b, 0, PAGE_SIZE << AP_STACK_ORDER);
	struct pcpu *p = &pcpu_area[cpu];
	memset(p, 0, sizeof(*p));
	p->cpu = cpu;
	p->apic_id = apic_id;
	/* An empty page list with the boot CPU's batch (paging/buddy.h): the
	 * faults an AP handles pop frames from its own list. */
	p->pcp = (struct per_cpu_pages){ .head = PFN_NONE, .batch = PCP_BATCH, .high = PCP_HIGH };
	pcp_high_elsewhere += PCP_HIGH;
	for (int i = 0; i < 3; i++)
		p->ist_top[i] = b + (uint64_t)(i + 1) * IST_STACK_BYTES;
	p->entry_top = b + 3 * IST_STACK_BYTES + ENTRY_STACK_BYTES;
	tr_hdr->stack = b + AP_STACK_BLOCK_BYTES;
	tr_hdr->entry = (uint64_t)(uintptr_t)start_secondary;
	tr_hdr->arg = (uint64_t)(uintptr_t)p;
	tr_hdr->stage = 0;
	return stacks;
}

/*
 * INIT, then two STARTUP IPIs naming the trampoline's page (SDM Vol. 3A
 * 9.4.4.1; Linux's wakeup_secondary_cpu_via_init). Returns false if an IPI
 * could not be delivered (xAPIC delivery status stuck).
 */
static bool wakeup_secondary_cpu(uint32_t apic_id)
{
	bool ok = apic_send_ipi(apic_id, APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT);
	if (apic_mode == APIC_MODE_XAPIC)
		ok &= apic_send_ipi(apic_id, APIC_DM_INIT | APIC_INT_LEVELTRIG);   /* de-assert (not in x2APIC) */
	tsc_delay_us(10000);
	uint32_t vector = (uint32_t)(tr_phys >> PAGE_SHIFT);
	for (int i = 0; i < 2 && ok; i++) {
		ok &= apic_send_ipi(apic_id, APIC_DM_STARTUP | vector);
		tsc_delay_us(200);
	}
	return ok;
}

/* Waits up to AP_CALLIN_TIMEOUT_MS for p->online; returns its value (0: never called in)
 * and the microseconds it took in *us. */
static uint32_t wait_callin(struct pcpu *p, uint64_t start, uint64_t *us)
{
	uint64_t limit = tsc_hz / 1000 * AP_CALLIN_TIMEOUT_MS;
	uint32_t v;
	while (!(v = __atomic_load_n(&p->online, __ATOMIC_ACQUIRE)) && rdtsc() - start < limit)
		cpu_relax();
	*us = tsc_to_ns(rdtsc() - start) / 1000;
	return v;
}

/* The check "cpu_features": the AP's CPUID features are the boot CPU's. With
 * checks = none (as_check false) no check record: a difference is a warning
 * (the cpu record's features_match says it too). */
static void check_cpu_features(const struct pcpu *p, bool as_check)
{
	uint64_t diff = p->features ^ boot_cpu_data.features;
	if (!as_check) {
		if (diff)
			record_warning("smp", "CPU %u (APIC id %u) features 0x%llx differ from the boot CPU's 0x%llx",
				       p->cpu, p->apic_id, p->features, boot_cpu_data.features);
		return;
	}
	char detail[400];
	int n = format(detail, sizeof(detail), "CPU %u (APIC id %u) features 0x%llx, boot CPU 0x%llx",
		       p->cpu, p->apic_id, p->features, boot_cpu_data.features);
	for (uint32_t f = 0; f < X86_FEATURE_COUNT && n < (int)sizeof(detail) - 40; f++)
		if ((diff >> f) & 1)
			n += format(detail + n, sizeof(detail) - (size_t)n, "; %s %s", cpu_feature_name(f),
				    (p->features >> f) & 1 ? "only here" : "missing here");
	record_hw_check_cpu("smp.cpu_features", diff ? TEST_FAIL : TEST_PASS, (uint32_t)pgtable_levels(), p->cpu, detail);
}

/* One `cpu` record: an online CPU (p) or one that is not (p NULL, why). */
static void cpu_record(const struct pcpu *p, const struct madt_cpu *m, enum ap_outcome why, uint64_t callin_us,
		       uint32_t stage)
{
	struct json *j = record_begin("cpu");
	if (p)
		json_u64(j, "cpu", p->cpu);
	else
		json_null(j, "cpu");
	json_u64(j, "apic_id", p ? p->apic_id : m->apic_id);
	json_bool(j, "online", why == AP_ONLINE);
	json_str(j, "state", outcome_names[why]);
	json_bool(j, "bsp", p && p->cpu == 0);
	if (m) {
		json_u64(j, "acpi_uid", m->acpi_uid);
		json_bool(j, "madt_x2apic", m->x2apic_entry);
		json_bool(j, "online_capable", (m->flags & ACPI_MADT_ONLINE_CAPABLE) != 0);
	}
	if (p && why == AP_ONLINE) {
		json_u64(j, "package", p->topo.package);
		json_u64(j, "core", p->topo.core);
		json_u64(j, "thread", p->topo.thread);
		json_hex(j, "topology_leaf", p->topo.source);
		json_u64(j, "cpuid_apic_id", p->topo.apic_id);
		json_bool(j, "features_match", p->features == boot_cpu_data.features);
	}
	if (p && p->cpu != 0)
		json_u64(j, "callin_us", callin_us);
	if (why == AP_TIMEOUT)
		json_u64(j, "trampoline_stage", stage);
	record_end();
	if (p && why == AP_ONLINE)
		kprintf("cpu %u: APIC id %u, package %u core %u thread %u%s\n", p->cpu, p->apic_id, p->topo.package,
			p->topo.core, p->topo.thread, p->cpu == 0 ? " (boot CPU)" : "");
	else
		kprintf("cpu (APIC id %u): %s\n", m ? m->apic_id : 0, outcome_names[why]);
}

/* The boot CPU's own fields: it is CPU 0, online from the start. */
static void bsp_init(void)
{
	struct pcpu *p = this_cpu_ptr();
	p->apic_id = apic_mode != APIC_MODE_NONE ? read_apic_id() : 0;
	p->features = boot_cpu_data.features;
	cpu_topology_detect(&p->topo);
	p->online = 1;
	bsp_state.cr0 = read_cr0();
	bsp_state.cr4 = read_cr4() & ~X86_CR4_PCIDE;   /* PCIDE needs CR3[11:0] = 0 first: tlb_pcid_cpu_init sets it */
	bsp_state.efer = rdmsr(MSR_EFER);
	bsp_state.xcr0 = (bsp_state.cr4 & X86_CR4_OSXSAVE) ? xgetbv0() : 0;
	bsp_state.pat = boot_cpu_has(X86_FEATURE_PAT) ? rdmsr(MSR_IA32_CR_PAT) : 0;
}

/* Starts the AP listed as m (as CPU number nr_cpu_ids), its features compared
 * as a check record when checks (config checks not none). Returns what became of it. */
static enum ap_outcome start_one(const struct madt_cpu *m, bool refuse, bool checks)
{
	if (apic_mode == APIC_MODE_XAPIC && m->apic_id > 0xfe)
		return AP_UNREACHABLE;   /* an 8-bit destination cannot name it */
	uint32_t cpu = nr_cpu_ids;
	struct page *stacks = ap_prepare(cpu, m->apic_id);
	if (!stacks)
		return AP_NO_MEMORY;
	struct pcpu *p = &pcpu_area[cpu];
	tr_hdr->refuse = refuse;
	nr_cpu_ids++;
	/* Before the CPU can set its bit in a mask: the scans of base/cpumask.h
	 * reach its word from now on. */
	__atomic_store_n(&nr_cpumask_words, (nr_cpu_ids + 63) / 64, __ATOMIC_SEQ_CST);
	uint64_t start = rdtsc(), us = 0;
	bool sent = wakeup_secondary_cpu(m->apic_id);
	uint32_t v = sent ? wait_callin(p, start, &us) : 0;
	if (v == 1) {
		cpu_record(p, m, AP_ONLINE, us, 0);
		check_cpu_features(p, checks);
		return AP_ONLINE;
	}
	/* Not (properly) up: park it in wait-for-SIPI and take its number back. */
	uint32_t stage = tr_hdr->stage;
	apic_send_ipi(m->apic_id, APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT);
	tsc_delay_us(10000);
	p->online = 0;
	nr_cpu_ids--;
	ap_free_stacks(p, stacks);
	enum ap_outcome why = v == AP_CALLIN_APIC_FAILED ? AP_APIC_FAILED : AP_TIMEOUT;
	record_warning("smp", "CPU with APIC id %u %s (%s); trampoline stage %u (0 never started, 1 real mode, "
		       "2 protected mode, 3 long mode); left out, the run goes on",
		       m->apic_id, why == AP_TIMEOUT ? "did not call in within its timeout" :
		       "could not run the boot CPU's APIC mode", sent ? "IPIs sent" : "an IPI was not delivered",
		       stage);
	cpu_record(NULL, m, why, us, stage);
	return why;
}

/* See kernel/smpboot.h. */
void smp_boot_cpus(const struct faultline_config *cfg, const struct boot_info *bi)
{
	bsp_init();
	struct pcpu *bsp = this_cpu_ptr();
	uint32_t want = cfg->smp == CONFIG_SMP_AUTO ? NR_CPUS : cfg->smp;
	madt_read(&madt);
	uint32_t enabled = 0, counts[8] = { 0 };
	bool refuse = config_has_test(cfg, "smp_refuse_cpu");
	const char *why_not = NULL;
	if (want <= 1)
		why_not = "smp = off";
	else if (apic_mode == APIC_MODE_NONE)
		why_not = "no local APIC";
	else if (!madt.present)
		why_not = "no ACPI MADT";
	else if (!bi->ap_trampoline_phys || bi->ap_trampoline_pages < AP_TRAMPOLINE_PAGES)
		why_not = "no frames below 1 MiB for the start-up trampoline";
	else if (!tsc_hz)
		why_not = "no TSC frequency for the start-up delays";
	else if (!trampoline_setup(bi->ap_trampoline_phys))
		why_not = "the trampoline code is larger than its page's code area";

	cpu_record(bsp, NULL, AP_ONLINE, 0, 0);
	for (uint32_t i = 0; i < madt.count; i++) {
		const struct madt_cpu *m = &madt.cpus[i];
		if (m->apic_id == bsp->apic_id) {
			enabled++;
			continue;
		}
		enum ap_outcome o = AP_NOT_ENABLED;
		if (m->flags & ACPI_MADT_ENABLED) {
			enabled++;
			if (why_not || nr_cpu_ids >= want)
				o = AP_LEFT_OUT_SMP;
			else if (nr_cpu_ids >= NR_CPUS)
				o = AP_LEFT_OUT_NR_CPUS;
			else {
				o = start_one(m, refuse, cfg->checks != CHECKS_NONE);
				refuse = false;           /* the hook refuses one CPU only */
				counts[o]++;
				continue;
			}
		}
		counts[o]++;
		if (o != AP_LEFT_OUT_SMP || !why_not)
			cpu_record(NULL, m, o, 0, 0);
	}
	if (counts[AP_LEFT_OUT_NR_CPUS])
		record_warning("smp", "%u CPUs left out: faultline has room for %u (NR_CPUS)", counts[AP_LEFT_OUT_NR_CPUS],
			       NR_CPUS);
	if (why_not && enabled > 1 && want > 1)
		record_warning("smp", "%u other CPUs not started: %s", enabled - 1, why_not);

	struct json *j = record_begin("smp");
	json_str(j, "apic_mode", apic_mode == APIC_MODE_X2APIC ? "x2apic" : apic_mode == APIC_MODE_XAPIC ? "xapic"
												 : "none");
	json_bool(j, "x2apic_from_firmware", apic_x2apic_from_firmware);
	if (cfg->smp == CONFIG_SMP_AUTO)
		json_str(j, "requested", "auto");
	else
		json_u64(j, "requested", cfg->smp);
	json_u64(j, "madt_cpus", madt.count);
	json_u64(j, "madt_enabled", enabled);
	json_u64(j, "online", num_online_cpus());
	json_u64(j, "failed", counts[AP_TIMEOUT] + counts[AP_APIC_FAILED] + counts[AP_UNREACHABLE] +
				   counts[AP_NO_MEMORY]);
	json_u64(j, "left_out", counts[AP_LEFT_OUT_SMP] + counts[AP_LEFT_OUT_NR_CPUS]);
	if (why_not)
		json_str(j, "not_started_because", why_not);
	if (bi->ap_trampoline_phys)
		json_hex(j, "trampoline", bi->ap_trampoline_phys);
	json_str(j, "spinlocks", virt_spin_lock_on ? "test_and_set" : "ticket");   /* cpu/spinlock.h */
	record_end();
	kprintf("smp: %u of %u CPUs online (%s)\n", num_online_cpus(), enabled ? enabled : 1,
		apic_mode == APIC_MODE_X2APIC ? "x2APIC" : "xAPIC");
}
