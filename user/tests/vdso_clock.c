/*
 * vdso_clock: the aux vector names a vDSO (AT_SYSINFO_EHDR), a whole ELF
 * shared object in memory, read-only and executable, whose dynamic symbol
 * table exports __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time,
 * __vdso_getcpu and __vdso_clock_getres (and the names without the prefix)
 * at version LINUX_2.6, found as libcs find them (DT_HASH, DT_VERSYM,
 * DT_VERDEF). Calling them gives the kernel's own time: a vDSO reading lies
 * between two syscall readings of the same clock, gettimeofday and time
 * agree with it. On faultline the calls make no syscall at all (the
 * kernel's syscall count, FL_INTROSPECT_SYSCALLS, stays) and the data page
 * below the vDSO cannot be made writable.
 */
#include "user/rt/rt.h"

RT_PROGRAM(vdso_clock);

#define NR_time          201
#define NR_getcpu        309
#define PT_LOAD          1
#define PT_DYNAMIC       2
#define DT_NULL          0
#define DT_HASH          4
#define DT_STRTAB        5
#define DT_SYMTAB        6
#define DT_VERSYM        0x6ffffff0
#define DT_VERDEF        0x6ffffffc
#define EACCES_          13

struct ehdr { unsigned char ident[16]; uint16_t type, machine; uint32_t version; uint64_t entry, phoff, shoff;
	      uint32_t flags; uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { uint32_t type, flags; uint64_t offset, vaddr, paddr, filesz, memsz, align; };
struct sym { uint32_t name; unsigned char info, other; uint16_t shndx; uint64_t value, size; };
struct verdef { uint16_t version, flags, ndx, cnt; uint32_t hash, aux, next; };
struct verdaux { uint32_t name, next; };

static uintptr_t base;
static const char *strtab;
static const struct sym *symtab;
static const uint16_t *versym;
static const struct verdef *verdef;
static uint32_t nsyms;

/* Reads the vDSO's dynamic section. Returns 0 or a reason. */
static const char *parse(const struct ehdr *eh)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	if (memcmp(eh->ident, magic, 4) != 0 || eh->ident[4] != 2 || eh->type != 3 || eh->machine != 62)
		return "not an x86-64 ELF shared object";
	const struct phdr *ph = (const struct phdr *)((uintptr_t)eh + eh->phoff);
	const uint64_t *dyn = 0;
	base = 0;
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_LOAD && !base)
			base = (uintptr_t)eh + ph[i].offset - ph[i].vaddr;
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_DYNAMIC)
			dyn = (const uint64_t *)(base + ph[i].vaddr);
	if (!base || !dyn)
		return "no PT_LOAD or no PT_DYNAMIC";
	const uint32_t *hash = 0;
	for (; dyn[0] != DT_NULL; dyn += 2) {
		uintptr_t p = base + dyn[1];
		switch (dyn[0]) {
		case DT_HASH:   hash = (const uint32_t *)p; break;
		case DT_STRTAB: strtab = (const char *)p; break;
		case DT_SYMTAB: symtab = (const struct sym *)p; break;
		case DT_VERSYM: versym = (const uint16_t *)p; break;
		case DT_VERDEF: verdef = (const struct verdef *)p; break;
		}
	}
	if (!hash || !strtab || !symtab || !versym || !verdef)
		return "DT_HASH, DT_STRTAB, DT_SYMTAB, DT_VERSYM or DT_VERDEF missing";
	nsyms = hash[1];
	return 0;
}

/* Does version index ndx name version? */
static bool version_is(uint16_t ndx, const char *version)
{
	for (const struct verdef *d = verdef;; d = (const struct verdef *)((uintptr_t)d + d->next)) {
		if ((d->ndx & 0x7fff) == (ndx & 0x7fff)) {
			const struct verdaux *a = (const struct verdaux *)((uintptr_t)d + d->aux);
			return strcmp(strtab + a->name, version) == 0;
		}
		if (!d->next)
			return false;
	}
}

/* The address of a defined function symbol name@version, or 0. */
static void *lookup(const char *name, const char *version)
{
	for (uint32_t i = 0; i < nsyms; i++) {
		const struct sym *s = &symtab[i];
		if ((s->info & 0xf) != 2 || !((s->info >> 4) == 1 || (s->info >> 4) == 2) || !s->shndx)
			continue;
		if (strcmp(strtab + s->name, name) == 0 && version_is(versym[i], version))
			return (void *)(base + s->value);
	}
	return 0;
}

typedef int (*gettime_fn)(int, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static int64_t ns(const struct timespec *t) { return t->tv_sec * 1000000000L + t->tv_nsec; }

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	const struct ehdr *eh = (const struct ehdr *)rt_getauxval(AT_SYSINFO_EHDR);
	if (!rt_check("auxv", eh != 0 && ((uintptr_t)eh & (PAGE_SIZE - 1)) == 0,
		      "AT_SYSINFO_EHDR is 0x%lx (want a page-aligned address)", (uintptr_t)eh))
		return 0;
	const char *why = parse(eh);
	if (!rt_check("elf", why == 0, "the vDSO at 0x%lx: %s", (uintptr_t)eh, why ? why : "ok"))
		return 0;
	static const char *const names[] = { "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
					     "__vdso_getcpu", "__vdso_clock_getres", "clock_gettime", "gettimeofday",
					     "time", "getcpu" };
	uint32_t found = 0;
	const char *missing = "";
	for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (lookup(names[i], "LINUX_2.6"))
			found++;
		else
			missing = names[i];
	}
	rt_check("symbols", found == sizeof(names) / sizeof(names[0]),
		 "%u of %zu functions found at version LINUX_2.6 (missing: %s)", found, sizeof(names) / sizeof(names[0]),
		 missing);
	gettime_fn cgt = (gettime_fn)lookup("__vdso_clock_gettime", "LINUX_2.6");
	gtod_fn gtod = (gtod_fn)lookup("__vdso_gettimeofday", "LINUX_2.6");
	time_fn tm = (time_fn)lookup("__vdso_time", "LINUX_2.6");
	getcpu_fn gc = (getcpu_fn)lookup("__vdso_getcpu", "LINUX_2.6");
	gettime_fn res = (gettime_fn)lookup("__vdso_clock_getres", "LINUX_2.6");
	if (!cgt || !gtod || !tm || !gc || !res)
		return 0;

	long before_calls = fl_introspect(FL_INTROSPECT_SYSCALLS, 0, 0, 0);
	struct timespec a, b, c, r = { 9, 9 };
	struct timeval tv;
	long t_vdso;
	unsigned cpu = 999, node = 999;
	sys_clock_gettime(CLOCK_MONOTONIC, &a);
	long after_first = fl_introspect(FL_INTROSPECT_SYSCALLS, 0, 0, 0);
	int rv = 0;
	for (int i = 0; i < 100; i++)
		rv |= cgt(CLOCK_MONOTONIC, &b);
	int rg = gtod(&tv, 0);
	t_vdso = tm(0);
	long rc = gc(&cpu, &node, 0);
	int rr = res(CLOCK_MONOTONIC, &r);
	long after_vdso = fl_introspect(FL_INTROSPECT_SYSCALLS, 0, 0, 0);
	sys_clock_gettime(CLOCK_MONOTONIC, &c);
	rt_check("monotonic", rv == 0 && ns(&a) <= ns(&b) && ns(&b) <= ns(&c),
		 "syscall %ld.%09ld <= vDSO %ld.%09ld <= syscall %ld.%09ld (vDSO returned %d)", a.tv_sec, a.tv_nsec,
		 b.tv_sec, b.tv_nsec, c.tv_sec, c.tv_nsec, rv);
	struct timespec rt1, rt2;
	sys_clock_gettime(CLOCK_REALTIME, &rt1);
	int rv2 = cgt(CLOCK_REALTIME, &b);
	sys_clock_gettime(CLOCK_REALTIME, &rt2);
	long syst = syscall6(NR_time, 0, 0, 0, 0, 0, 0);
	rt_check("realtime", rv2 == 0 && ns(&rt1) <= ns(&b) && ns(&b) <= ns(&rt2) && rg == 0 &&
		 tv.tv_sec >= rt1.tv_sec - 1 && tv.tv_sec <= rt2.tv_sec && t_vdso >= tv.tv_sec - 1 && t_vdso <= syst,
		 "REALTIME syscall %ld.%09ld <= vDSO %ld.%09ld <= %ld.%09ld; gettimeofday %d: %ld.%06ld; time %ld "
		 "(syscall %ld)", rt1.tv_sec, rt1.tv_nsec, b.tv_sec, b.tv_nsec, rt2.tv_sec, rt2.tv_nsec, rg, tv.tv_sec,
		 tv.tv_usec, t_vdso, syst);
	unsigned scpu = 999;
	syscall6(NR_getcpu, (long)&scpu, 0, 0, 0, 0, 0);
	rt_check("getcpu_getres", rc == 0 && cpu < 1024 && node < 1024 && rr == 0 && r.tv_sec == 0 && r.tv_nsec == 1,
		 "getcpu %ld: cpu %u node %u (syscall: cpu %u); clock_getres %d: %ld.%09ld", rc, cpu, node, scpu, rr,
		 r.tv_sec, r.tv_nsec);
	if (!fl_on_faultline()) {
		rt_test("no_syscalls", RT_SKIP, "needs faultline's syscall count");
		rt_test("mapping", RT_SKIP, "needs faultline's page-table introspection");
		rt_test("vvar_read_only", RT_SKIP, "Linux's data pages lie elsewhere below its vDSO");
		return 0;
	}
	rt_check("no_syscalls", after_first - before_calls == 2 && after_vdso == after_first + 1,
		 "syscalls counted: %ld, then %ld after one clock_gettime syscall (want +2: it and the count query), "
		 "%ld after 104 vDSO calls (want +1: only the count query)", before_calls, after_first, after_vdso);
	struct fl_pte_info pi;
	long d = fl_describe_va(eh, &pi);
	rt_check("mapping", d == 0 && (pi.flags & FL_PTE_PRESENT) && (pi.flags & FL_PTE_USER) &&
		 !(pi.flags & FL_PTE_WRITE) && !(pi.flags & FL_PTE_NX),
		 "the vDSO's first page: present %d user %d write %d nx %d (want 1 1 0 0)", !!(pi.flags & FL_PTE_PRESENT),
		 !!(pi.flags & FL_PTE_USER), !!(pi.flags & FL_PTE_WRITE), !!(pi.flags & FL_PTE_NX));
	long mp = sys_mprotect((void *)((uintptr_t)eh - PAGE_SIZE), PAGE_SIZE, PROT_READ | PROT_WRITE);
	rt_check("vvar_read_only", mp == -EACCES_, "mprotect(PROT_WRITE) of the data page below it: %ld (want -EACCES)",
		 mp);
	return 0;
}
