/*
 * Targeted checks of who may access what: non-canonical addresses, NX,
 * SMEP, SMAP, protection keys and CR0.WP. Each access is made for real in
 * ring 0 or ring 3 and the exception (vector, error code, CR2) compared with
 * what the SDM says; every control bit a check changes is put back.
 *
 * #PF error codes met here: P 0x1, W 0x2, U 0x4, RSVD 0x8, I/D 0x10, PK 0x20.
 */
#include "checks/targeted.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/record.h"
#include "paging/tlb.h"

/*
 * noncanonical_gp: loads from three non-canonical addresses (the first past
 * the user half, bit 63 alone, the last page before the kernel half), each
 * from ring 0 and from ring 3, raise #GP(0), never #PF.
 */
void check_noncanonical_gp(struct scratch *s)
{
	(void)s;
	const uint64_t shift = __VIRTUAL_MASK_SHIFT;
	const uint64_t addrs[3] = {
		1ull << shift,
		0x8000000000000000ull,
		(~0ull << (shift + 1)) | ((1ull << shift) - PAGE_SIZE),
	};
	uint32_t gp = 0, total = 0;
	char first_bad[160] = "";
	for (int i = 0; i < 3; i++) {
		for (int ring = 0; ring <= 3; ring += 3) {
			struct probe_result r;
			uint64_t v;
			if (ring == 0)
				kernel_read(addrs[i], &v, &r);
			else
				user_run(SNIP_LOAD, addrs[i], 0, &r);
			total++;
			if (probe_is_gp(&r) && !is_canonical(addrs[i])) {
				gp++;
			} else if (!first_bad[0]) {
				char b[96];
				format(first_bad, sizeof(first_bad), "; ring %d load from 0x%llx: %s", ring, addrs[i],
				       probe_str(&r, b, sizeof(b)));
			}
		}
	}
	check_record("noncanonical_gp", gp == total ? TEST_PASS : TEST_FAIL,
		     "%u of %u loads raised #GP(0) (%d-bit addresses; ring 0 and ring 3 at 0x%llx, 0x%llx, 0x%llx)%s",
		     gp, total, (int)shift + 1, addrs[0], addrs[1], addrs[2], first_bad);
}

/*
 * nx_fetch: ring 3 jumping to a user NX page faults with P|U|I/D (0x15);
 * ring 0 calling a supervisor NX page faults with P|I/D (0x11). The same
 * jumps to executable pages run (so the fault is NX and nothing else).
 */
void check_nx_fetch(struct scratch *s)
{
	if (!boot_cpu_has(X86_FEATURE_NX) || !(rdmsr(MSR_EFER) & EFER_NXE)) {
		check_record("nx_fetch", TEST_SKIP, "no NX (CPUID.80000001H:EDX[20] = 0 or EFER.NXE clear)");
		return;
	}
	const uint64_t knx = KERN_VA(7), kx = KERN_VA(8);
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, knx, page_to_phys(f), PAGE_SIZE, PROT_KRO, PG_LEVEL_4K) ||
	    scratch_map(s, kx, page_to_phys(f), PAGE_SIZE, PROT_KEXEC, PG_LEVEL_4K)) {
		check_record("nx_fetch", TEST_FAIL, "could not map the test pages");
		return;
	}
	*(uint8_t *)page_address(f) = 0xc3;   /* ret */

	struct probe_result u_nx, u_x, k_nx, k_x;
	user_run(SNIP_JMP, USER_NX_VA, 0, &u_nx);
	user_run(SNIP_JMP, USER_CODE_VA + SNIP_INT3, 0, &u_x);
	kernel_call(knx, &k_nx);
	kernel_call(kx, &k_x);
	bool ok = probe_is_pf(&u_nx, X86_PF_PROT | X86_PF_USER | X86_PF_INSTR, USER_NX_VA) &&
		  u_x.vector == PROBE_NO_FAULT &&
		  probe_is_pf(&k_nx, X86_PF_PROT | X86_PF_INSTR, knx) && k_x.vector == PROBE_NO_FAULT;
	char b1[96], b2[96], b3[96], b4[96];
	check_record("nx_fetch", ok ? TEST_PASS : TEST_FAIL,
		     "ring 3 jump to NX page: %s (want err 0x15); to an executable page: %s; "
		     "ring 0 call of NX page: %s (want err 0x11); of an executable alias: %s",
		     probe_str(&u_nx, b1, sizeof(b1)), probe_str(&u_x, b2, sizeof(b2)),
		     probe_str(&k_nx, b3, sizeof(b3)), probe_str(&k_x, b4, sizeof(b4)));
	scratch_unmap(s, knx, PAGE_SIZE);
	scratch_unmap(s, kx, PAGE_SIZE);
}

/* smep: ring 0 calling a `ret` in a user page faults with P|I/D (0x11). */
void check_smep(struct scratch *s)
{
	(void)s;
	if (!boot_cpu_has(X86_FEATURE_SMEP)) {
		check_record("smep", TEST_SKIP, "no SMEP (CPUID.(EAX=07H,ECX=0):EBX[7] = 0)");
		return;
	}
	uint64_t cr4 = read_cr4();
	const uint64_t target = USER_CODE_VA + SNIP_RET;
	struct probe_result r;
	kernel_call(target, &r);
	bool ok = (cr4 & X86_CR4_SMEP) && probe_is_pf(&r, X86_PF_PROT | X86_PF_INSTR, target);
	char b[96];
	check_record("smep", ok ? TEST_PASS : TEST_FAIL, "CR4.SMEP %d; ring 0 call of a user page: %s (want err 0x11)",
		     (cr4 & X86_CR4_SMEP) != 0, probe_str(&r, b, sizeof(b)));
}

/*
 * smap: ring 0 reading a user page without RFLAGS.AC faults with P only
 * (0x1: a supervisor read), writing with P|W (0x3); with STAC the read
 * succeeds and returns what the page holds.
 */
void check_smap(struct scratch *s)
{
	(void)s;
	if (!boot_cpu_has(X86_FEATURE_SMAP)) {
		check_record("smap", TEST_SKIP, "no SMAP (CPUID.(EAX=07H,ECX=0):EBX[20] = 0)");
		return;
	}
	uint64_t cr4 = read_cr4(), v_plain, v_stac;
	struct probe_result rd, wr, st;
	kernel_read(USER_DATA_VA, &v_plain, &rd);
	kernel_write(USER_DATA_VA, 0, &wr);
	kernel_read_stac(USER_DATA_VA, &v_stac, &st);
	bool ac_clear = !(read_rflags() & X86_EFLAGS_AC);
	bool ok = (cr4 & X86_CR4_SMAP) && probe_is_pf(&rd, X86_PF_PROT, USER_DATA_VA) &&
		  probe_is_pf(&wr, X86_PF_PROT | X86_PF_WRITE, USER_DATA_VA) &&
		  st.vector == PROBE_NO_FAULT && v_stac == USER_DATA_PATTERN && ac_clear &&
		  *(uint64_t *)page_address(s->user_data) == USER_DATA_PATTERN;
	char b1[96], b2[96], b3[96];
	check_record("smap", ok ? TEST_PASS : TEST_FAIL,
		     "CR4.SMAP %d; ring 0 read of a user page: %s (want err 0x1); write: %s (want err 0x3); "
		     "read with STAC: %s, value 0x%llx (want 0x%llx); AC clear after %d",
		     (cr4 & X86_CR4_SMAP) != 0, probe_str(&rd, b1, sizeof(b1)), probe_str(&wr, b2, sizeof(b2)),
		     probe_str(&st, b3, sizeof(b3)), v_stac, USER_DATA_PATTERN, ac_clear);
}

#define PKU_TEST_KEY 5u
#define PKRU_AD(key) (1u << (2 * (key)))       /* access disable */
#define PKRU_WD(key) (1u << (2 * (key) + 1))   /* write disable */

/*
 * pku: with CR4.PKE set and a user page tagged with key 5, ring 3 reads and
 * writes it while PKRU allows; with AD(5) both fault with PK (read 0x25,
 * write 0x27) while a key-0 page stays readable; with WD(5) reads work and
 * writes fault (0x27). CR4 and PKRU are restored.
 */
void check_pku(struct scratch *s)
{
	if (!boot_cpu_has(X86_FEATURE_PKU)) {
		check_record("pku", TEST_SKIP, "no protection keys (CPUID.(EAX=07H,ECX=0):ECX[3] = 0)");
		return;
	}
	const uint64_t va = USER_PKEY_VA;
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, va, page_to_phys(f), PAGE_SIZE, PROT_UDATA, PG_LEVEL_4K)) {
		check_record("pku", TEST_FAIL, "could not map the test page");
		return;
	}
	uint64_t *pte = scratch_pte(s, va);
	scratch_set_entry(pte, (*pte & ~_PAGE_PKEY_MASK) | ((uint64_t)PKU_TEST_KEY << _PAGE_BIT_PKEY_BIT0));

	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | X86_CR4_PKE);
	uint32_t pkru0 = rdpkru();
	uint32_t allow = pkru0 & ~(PKRU_AD(PKU_TEST_KEY) | PKRU_WD(PKU_TEST_KEY));
	struct probe_result rd_ok, wr_ok, rd_ad, wr_ad, other_ad, rd_wd, wr_wd;
	wrpkru(allow);
	user_run(SNIP_LOAD, va, 0, &rd_ok);
	user_run(SNIP_STORE, va, 0x1111, &wr_ok);
	wrpkru(allow | PKRU_AD(PKU_TEST_KEY));
	user_run(SNIP_LOAD, va, 0, &rd_ad);
	user_run(SNIP_STORE, va, 0x2222, &wr_ad);
	user_run(SNIP_LOAD, USER_DATA_VA, 0, &other_ad);
	wrpkru(allow | PKRU_WD(PKU_TEST_KEY));
	user_run(SNIP_LOAD, va, 0, &rd_wd);
	user_run(SNIP_STORE, va, 0x3333, &wr_wd);
	wrpkru(pkru0);
	uint32_t pkru_back = rdpkru();
	write_cr4(cr4);
	flush_tlb_all();

	const uint64_t U = X86_PF_PROT | X86_PF_USER | X86_PF_PK;
	uint64_t stored = *(uint64_t *)page_address(f);
	bool ok = rd_ok.vector == PROBE_NO_FAULT && wr_ok.vector == PROBE_NO_FAULT && stored == 0x1111 &&
		  probe_is_pf(&rd_ad, U, va) && probe_is_pf(&wr_ad, U | X86_PF_WRITE, va) &&
		  other_ad.vector == PROBE_NO_FAULT && rd_wd.vector == PROBE_NO_FAULT &&
		  probe_is_pf(&wr_wd, U | X86_PF_WRITE, va) && pkru_back == pkru0 && read_cr4() == cr4;
	char b[7][64];
	check_record("pku", ok ? TEST_PASS : TEST_FAIL,
		     "key %u, PKRU 0x%x; allowed: read %s, write %s; AD: read %s (want 0x25), write %s (want 0x27), "
		     "key-0 page %s; WD: read %s, write %s (want 0x27); value 0x%llx",
		     PKU_TEST_KEY, pkru0, probe_str(&rd_ok, b[0], 64), probe_str(&wr_ok, b[1], 64),
		     probe_str(&rd_ad, b[2], 64), probe_str(&wr_ad, b[3], 64), probe_str(&other_ad, b[4], 64),
		     probe_str(&rd_wd, b[5], 64), probe_str(&wr_wd, b[6], 64), stored);
	scratch_unmap(s, va, PAGE_SIZE);
}

/*
 * cr0_wp: a ring-0 write to a read-only supervisor page faults with P|W
 * (0x3) while CR0.WP = 1, succeeds with WP = 0, and faults again once WP is
 * restored.
 */
void check_cr0_wp(struct scratch *s)
{
	const uint64_t va = KERN_VA(9);
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, va, page_to_phys(f), PAGE_SIZE, PROT_KRO, PG_LEVEL_4K)) {
		check_record("cr0_wp", TEST_FAIL, "could not map the test page");
		return;
	}
	uint64_t cr0 = read_cr0();
	struct probe_result wp1, wp0, again;
	kernel_write(va, 0x1111, &wp1);
	write_cr0(cr0 & ~X86_CR0_WP);
	flush_tlb_all();
	kernel_write(va, 0x2222, &wp0);
	write_cr0(cr0);
	flush_tlb_all();
	kernel_write(va, 0x3333, &again);
	uint64_t seen = *(uint64_t *)page_address(f);
	const uint64_t err = X86_PF_PROT | X86_PF_WRITE;
	bool ok = (cr0 & X86_CR0_WP) && read_cr0() == cr0 && probe_is_pf(&wp1, err, va) &&
		  wp0.vector == PROBE_NO_FAULT && seen == 0x2222 && probe_is_pf(&again, err, va);
	char b1[96], b2[96], b3[96];
	check_record("cr0_wp", ok ? TEST_PASS : TEST_FAIL,
		     "ring 0 write to a read-only page: WP=1 %s (want err 0x3); WP=0 %s, page holds 0x%llx "
		     "(want 0x2222); WP=1 again %s; CR0 restored %d",
		     probe_str(&wp1, b1, sizeof(b1)), probe_str(&wp0, b2, sizeof(b2)), seen,
		     probe_str(&again, b3, sizeof(b3)), read_cr0() == cr0);
	scratch_unmap(s, va, PAGE_SIZE);
}
