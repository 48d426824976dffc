/*
 * Self-checks of the takeover and the test hooks (kernel/selftest.h). Each
 * check reads the machine state back rather than trusting what we wrote.
 */
#include "kernel/selftest.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "fault/panic.h"
#include "lib/record.h"
#include "lib/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"

struct __attribute__((packed)) descriptor_table { uint16_t limit; uint64_t base; };

/* GDT/TSS/IDT really loaded: read back with sgdt/str/sidt and the segment registers. */
static void check_descriptor_tables(void)
{
	struct descriptor_table gdtr, idtr;
	uint16_t tr, cs, ss, ds;
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(tr));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2" : "=r"(cs), "=r"(ss), "=r"(ds));
	record_check("takeover.gdt", gdtr.limit == 8 * 8 - 1 && cs == GDT_KERNEL_CS && ss == GDT_KERNEL_DS &&
		     ds == GDT_KERNEL_DS, "gdtr limit %u, cs 0x%x ss 0x%x ds 0x%x", gdtr.limit, cs, ss, ds);
	record_check("takeover.tss", tr == GDT_TSS && cpu_tss.ist[0] && cpu_tss.ist[1] && cpu_tss.ist[2] &&
		     cpu_tss.rsp[0], "tr 0x%x, rsp0 0x%llx, ist1-3 set", tr, cpu_tss.rsp[0]);
	record_check("takeover.idt", idtr.limit == 256 * 16 - 1, "idtr limit %u base 0x%llx", idtr.limit, idtr.base);
}

/* Interrupts stay off and every 8259 line is masked. */
static void check_interrupts_off(void)
{
	uint64_t flags = read_rflags();
	uint8_t m1 = inb(0x21), m2 = inb(0xa1);
	record_check("takeover.interrupts_off", !(flags & X86_EFLAGS_IF) && m1 == 0xff && m2 == 0xff,
		     "rflags 0x%llx, pic masks 0x%x 0x%x", flags, m1, m2);
}

/* The TSC moves forward and its frequency is plausible (100 MHz .. 10 GHz). */
static void check_tsc(void)
{
	uint64_t prev = rdtsc_ordered(), backwards = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t now = rdtsc_ordered();
		if (now < prev)
			backwards++;
		prev = now;
	}
	record_check("tsc.monotonic", backwards == 0, "%llu backward steps in 10000 reads", backwards);
	record_check("tsc.frequency", tsc_hz >= 100000000ull && tsc_hz <= 10000000000ull,
		     "%llu Hz from %s", tsc_hz, tsc_source);
}

/* The frame allocator holds what the memory map says is usable (within 1 %),
 * less its own struct page array, and its free lists are consistent. */
static void check_frames(const struct memmap *mm)
{
	struct buddy_stats st;
	buddy_get_stats(&st);
	uint64_t free_bytes = st.free_pages * PAGE_SIZE;
	uint64_t expect = mm->usable_bytes - st.mem_map_bytes;
	uint64_t diff = free_bytes > expect ? free_bytes - expect : expect - free_bytes;
	record_check("frames.match_memory_map", expect && diff * 100 <= expect,
		     "free %llu bytes; usable %llu less struct page array %llu", free_bytes,
		     mm->usable_bytes, st.mem_map_bytes);
	uint32_t problems = buddy_check();
	record_check("frames.buddy_consistent", problems == 0, "%u problems in the free lists", problems);
}

/* See kernel/selftest.h. */
void run_selftests(const struct boot_info *bi, const struct memmap *mm)
{
	record_check("boot.handoff", bi->magic == BOOT_INFO_MAGIC && bi->region_count > 0,
		     "%u memory regions, ExitBootServices took %u tries", bi->region_count,
		     bi->exit_boot_services_tries);
	check_descriptor_tables();
	check_interrupts_off();
	check_tsc();
	check_frames(mm);
}

/* See kernel/selftest.h. */
void run_test_hooks(const struct faultline_config *cfg)
{
	for (uint32_t i = 0; i < cfg->test_count; i++) {
		const char *t = cfg->tests[i];
		if (strcmp(t, "ud2") == 0) {
			__asm__ volatile("ud2");
		} else if (strcmp(t, "gp") == 0) {
			volatile uint64_t *bad = (volatile uint64_t *)0x8000000000000000ull;
			(void)*bad;
		} else if (strcmp(t, "de") == 0) {
			__asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx");
		} else if (strcmp(t, "pf") == 0) {
			/* Above anything the firmware or the kernel maps, but canonical. */
			volatile uint64_t *unmapped = (volatile uint64_t *)0x00007ffffff00000ull;
			(void)*unmapped;
		} else if (strcmp(t, "panic") == 0) {
			panic("test hook: deliberate panic");
		} else {
			record_warning("config", "unknown test hook \"%s\" ignored", t);
		}
	}
}
