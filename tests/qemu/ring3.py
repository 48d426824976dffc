"""Ring-3 integration tests: the project's ring-3 programs (build/user/) on
faultline, and the same binaries on the Linux reference (tools/linux_ref.py,
Debian's cloud kernel in the same QEMU), compared result by result.

How a program must end is read from its name: `segv_*` programs must die by
SIGSEGV, `sigbus_*` by SIGBUS (`sigbus_alignment*` exit with status 0 under
QEMU's TCG, which emulates no #AC), `sigabrt_*` by SIGABRT, `sigterm_*` by
SIGTERM, `oom_*` and `spin_*` by SIGKILL (KILLERS), `umip_*` by SIGSEGV on
faultline on a CPU with UMIP (Linux emulates sgdt & co. there: status 0 on
Linux, a declared deviation) and with status 0 on one without; every other
program must exit with status 0. A program meant to die says
exactly what must kill it before the access (user/rt/killer.h): an
`expect_kill` record with the signal, Linux's si_code name and the fault
address. Its kill record must match it: signal, code (faultline) and address
(faultline, and Linux where its kernel log reported one). A killer without an
`expect_kill` record fails, and so does any program that printed neither a
test record nor an `expect_kill` record ("printed no check"). Every `ring3.*`
test record must pass on faultline; on Linux a faultline-only check says "skip".
"""
import glob
import os
import re

import qemu_run
from integration import case, base_config, expect_clean_run, smp_run

ROOT = qemu_run.ROOT
USER_DIR = os.path.join(ROOT, "build", "user")


def programs(include_oom=False):
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(USER_DIR, "*"))
                   if os.path.isfile(p) and os.access(p, os.X_OK))
    # oom_* and spin_* programs need their own runs (memory size, time limit).
    # bench_* programs are measured by bench/ (bench/test_report.py runs them);
    # mm_fuzz runs with its seeds in tests/qemu/fuzz.py.
    names = [n for n in names if not n.startswith("bench_") and n != "mm_fuzz"]
    return [n for n in names if include_oom or not n.startswith(("oom_", "spin_"))]


# Name prefix -> the signal a program so named must die by. Such a program must
# also say exactly what kills it (an expect_kill record).
KILLERS = {"segv_": "SIGSEGV", "sigbus_": "SIGBUS", "sigabrt_": "SIGABRT", "sigterm_": "SIGTERM",
           "oom_": "SIGKILL", "spin_": "SIGKILL"}
# oom_* programs that survive: the OOM killer must pick another process of theirs.
OOM_SURVIVORS = {"oom_victim", "oom_fork_bomb"}


def cpu_has_umip(run):
    """The UMIP bit of the CPU a faultline run booted on (its boot record)."""
    boot = run.first("boot") or {}
    return bool((boot.get("features") or {}).get("umip"))


def under_tcg(run):
    """QEMU's TCG emulates no alignment checking (#AC): sigbus_* programs exit 0 there."""
    boot = run.first("boot") or {}
    return boot.get("hypervisor") == "TCGTCGTCGTCG"


def expected_end(name, umip=False, tcg=False, linux=False):
    """The end a program's name asks for on this machine. umip_* die by
    SIGSEGV on faultline on a CPU with UMIP; Linux emulates sgdt & co. there
    with made-up values instead, so they exit 0 on Linux."""
    if name.startswith("umip_"):
        return ("kill", "SIGSEGV") if umip and not linux else ("exit", 0)
    if name.startswith("sigbus_alignment") and tcg:
        return ("exit", 0)
    if name in OOM_SURVIVORS:
        return ("exit", 0)
    for prefix, signal in KILLERS.items():
        if name.startswith(prefix):
            return ("kill", signal)
    return ("exit", 0)


def is_run_root(r):
    """Whether an exit or kill record is a `run =` line's own process (its
    parent is the run loop, pid 1), not a child it forked; the Linux
    reference's records carry no ppid and are always the program's own."""
    return r.get("ppid") in (None, 1)


def kill_records(run):
    """program -> its kill record (the last one, if it ran more than once)."""
    return {r.get("program"): r for r in run.of_type("kill") if is_run_root(r)}


def expectations(run):
    """program -> the expect_kill record it printed (its last one), read from
    inside the output records and attributed to the program the kernel (or
    the Linux init) names."""
    return {r.get("from_program"): r for r in run.program_records("expect_kill")}


def checked_programs(run):
    """The programs that printed at least one test record of their own
    (named ring3.<program>.<check>)."""
    return {r.get("from_program") for r in run.program_records("test")
            if str(r.get("name", "")).startswith("ring3.%s." % r.get("from_program"))}


def as_int(value):
    """An "0x..." address or register string as an int; None if absent or malformed."""
    try:
        return int(str(value), 16)
    except ValueError:
        return None


def kill_mismatch(want, kill, codes=True):
    """What differs between an expect_kill record and a kill record (a list of
    words; empty when they agree). The address is compared when the
    expectation has one and the kill record reports one (the Linux init adds
    "addr" only when the kernel log gave it); the code when codes is true
    (faultline's kill records carry one, the Linux init's do not)."""
    diffs = []
    if kill is None:
        return ["no kill record"]
    if kill.get("signal") != want.get("signal"):
        diffs.append("signal %s, want %s" % (kill.get("signal"), want.get("signal")))
    if codes and kill.get("code") != want.get("code"):
        diffs.append("code %s, want %s" % (kill.get("code"), want.get("code")))
    if "addr" in want and "addr" in kill and as_int(kill["addr"]) != as_int(want["addr"]):
        diffs.append("addr %s, want %s" % (kill["addr"], want["addr"]))
    if "addr" in want and as_int(want["addr"]) is None:
        diffs.append("malformed expected addr %r" % (want["addr"],))
    return diffs


def verdict_problems(run, names, where="", codes=True, umip=False, tcg=False, linux=False):
    """The verdict on how each of names ended in run: the end its name asks
    for, the kill its expect_kill record declared, and at least one check."""
    problems = []
    got, kills, wants, checked = ends(run), kill_records(run), expectations(run), checked_programs(run)
    for n in names:
        end = expected_end(n, umip, tcg, linux)
        if got.get(n) != end:
            problems.append("%s%s ended %s, want %s" % (where, n, got.get(n), end))
        want = wants.get(n)
        if want is not None:
            diffs = kill_mismatch(want, kills.get(n), codes)
            if diffs:
                k = kills.get(n) or {}
                problems.append("%s%s was not killed as it said it must be: %s (kill: %s %s at %s, %s)"
                                % (where, n, "; ".join(diffs), k.get("signal"), k.get("code", ""),
                                   k.get("addr"), k.get("reason", k.get("fault", ""))))
        elif end[0] == "kill":
            problems.append("%s%s did not say what should kill it (no expect_kill record)" % (where, n))
        if want is None and n not in checked:
            problems.append("%s%s printed no check (no test record, no expect_kill record)" % (where, n))
    return problems


def ends(run):
    """program -> ("exit", status) or ("kill", signal), from exit/kill records."""
    out = {}
    for r in run.records:
        if r.get("type") in ("exit", "kill") and not is_run_root(r):
            continue
        if r.get("type") == "exit":
            out[r.get("program")] = ("exit", r.get("status"))
        elif r.get("type") == "kill":
            out[r.get("program")] = ("kill", r.get("signal"))
    return out


def ring3_results(run):
    """name -> result of the programs' own ring3.* test records, read from
    inside the kernel's output records (never from top-level test records,
    which are the kernel's); a name reported twice is a failure if either is."""
    out = {}
    for r in run.program_records("test"):
        name = str(r.get("name", ""))
        if name.startswith("ring3.") and out.get(name) != "fail":
            out[name] = r.get("result") if name not in out or r.get("result") == "fail" else out[name]
    return out


def ring3_detail(run, name):
    """The detail of a program's ring3.* record `name` (its failing one when
    reported twice), so that a verdict that differs says which count moved."""
    found = ""
    for r in run.program_records("test"):
        if r.get("name") == name and (not found or r.get("result") == "fail"):
            found = str(r.get("detail", "")) or found
    return found


def verdict_mismatch(name, lrun, l, frun, f, suffix=""):
    """One problem line for a check whose verdicts differ, with both details."""
    return "%s: %s on Linux (%s), %s on faultline (%s)%s" % (
        name, l, ring3_detail(lrun, name)[:300], f, ring3_detail(frun, name)[:300], suffix)


# Killer programs whose kill record must name a specific cause (words of its reason),
# so that they prove the path they were written for, not any SIGSEGV.
KILL_REASONS = {
    "segv_growsdown_min_addr": "below mmap_min_addr",
    "segv_stack_guard": "limit",          # the stack limit or guard gap, never "no mapping"
}


def check_faultline_run(run, names, problems):
    umip, tcg = cpu_has_umip(run), under_tcg(run)
    problems.extend(verdict_problems(run, names, umip=umip, tcg=tcg))
    for n, words in KILL_REASONS.items():
        if n not in names:
            continue
        kill = next((r for r in run.of_type("kill") if r.get("program") == n), None)
        if kill is None or words not in kill.get("reason", ""):
            problems.append("%s: kill reason %r, want one with %r"
                            % (n, kill.get("reason") if kill else None, words))
    # No LDT at all: the LDT selector is refused with #GP (error code 0x4),
    # where a live LDT left at base 0 would have been read (#PF at 0).
    kill = next((r for r in run.of_type("kill") if r.get("program") == "segv_ldt_selector"), None)
    if "segv_ldt_selector" in names and (not kill or kill.get("vector") != 13 or kill.get("error_code") != "0x4"):
        problems.append("segv_ldt_selector: want #GP with error code 0x4 (no LDT), got %s" % kill)
    results = ring3_results(run)
    if not results:
        problems.append("no ring3 test records at all")
    for name, result in sorted(results.items()):
        if result != "pass":
            detail = next((r.get("detail") for r in run.program_records("test") if r.get("name") == name), "")
            problems.append("%s: %s (%s)" % (name, result, detail))
    for n in names:
        for check in ("verify_live", "vma", "frames_returned", "verify", "buddy", "slab", "integrity"):
            key = "kernel.%s.%s" % (n, check)
            res = next((r.get("result") for r in run.of_type("test") if r.get("name") == key), None)
            if res != "pass":
                problems.append("%s: %s" % (key, res))


def faultline_case(paging, cpu="max"):
    def fn():
        names = programs()
        problems = []
        # A small 2 MiB hugetlb pool, so hugetlb_mmap maps from it (1 GiB pages
        # need more memory: ring3_huge_pages).
        run = qemu_run.boot(base_config("paging = " + paging, "hugepages_2m = 2", *["run = " + n for n in names]),
                            cpu=cpu, timeout=600)
        expect_clean_run(run, problems)
        check_faultline_run(run, names, problems)
        return problems
    fn.__name__ = "ring3_programs_paging%s_%s" % (paging, cpu.replace("-", "_"))
    return case(fn)


faultline_case("5")
faultline_case("4")
faultline_case("4", cpu="qemu64")


@case
def ring3_oom_kernel_survives():
    problems = []
    run = qemu_run.boot(base_config("run = oom_touch", "run = minflt_count", "run = oom_victim", "run = oom_fork_bomb"), mem="256M",
                        timeout=600)
    expect_clean_run(run, problems)
    ooms = run.of_type("oom")
    oom = ooms[0] if ooms else None
    if not oom or oom.get("program") != "oom_touch" or oom.get("victim") != "oom_touch":
        problems.append("no oom record for oom_touch choosing itself: %s" % oom)
    # oom_victim's parent asks for memory while its child holds more: the child dies.
    picked = [r for r in ooms if r.get("program") == "oom_victim"]
    if not picked or any(r.get("victim_pid") == r.get("pid") for r in picked):
        problems.append("the OOM killer did not pick oom_victim's bigger child over the faulting parent: %s"
                        % picked)
    problems.extend(verdict_problems(run, ["oom_touch", "minflt_count", "oom_victim", "oom_fork_bomb"]))
    results = ring3_results(run)
    if results.get("ring3.oom_touch.mmap_larger_than_ram") != "pass":
        problems.append("mmap larger than RAM did not succeed")
    return problems


X86_PF_INSTR = 0x10   # page-fault error code: instruction fetch


def kill_differences(frun, lrun, names):
    """Where Linux's kernel log reported a fault (the init's kill record has
    "addr" / "error_code"), faultline's kill of the same program must report
    the same, relative to what each program expected: the address each
    machine's program declared (mappings lie elsewhere on each), the error
    code as it is, and the faulting instruction (rip) unless it was a fetch
    from the faulting page. Every killer that declared an address on
    Linux must have had one reported there, unless its kill carries none
    (SI_KERNEL: #GP, SIGKILL)."""
    problems = []
    fk, lk, fw, lw = kill_records(frun), kill_records(lrun), expectations(frun), expectations(lrun)
    for n in names:
        lkill, fkill, lwant, fwant = lk.get(n), fk.get(n), lw.get(n), fw.get(n)
        if not lkill or not fkill or not lwant or not fwant:
            continue
        if lwant.get("code") != fwant.get("code"):
            problems.append("%s expected %s on Linux, %s on faultline" % (n, lwant.get("code"), fwant.get("code")))
        if "addr" in lwant and lwant.get("code") != "SI_KERNEL" and lwant.get("signal") == "SIGSEGV" \
                and "addr" not in lkill:
            problems.append("%s: Linux's kernel log did not report the fault address (kill: %s)" % (n, lkill))
        if "error_code" in lkill and as_int(lkill["error_code"]) != as_int(fkill.get("error_code")):
            problems.append("%s: error code %s on Linux, %s on faultline"
                            % (n, lkill["error_code"], fkill.get("error_code")))
        # The same instruction faulted (the binaries are not PIE), unless it was the fetch itself.
        fetch = (as_int(lkill.get("error_code")) or 0) & X86_PF_INSTR
        if "ip" in lkill and not fetch and as_int(lkill["ip"]) != as_int(fkill.get("rip")):
            problems.append("%s: faulting instruction at %s on Linux, %s on faultline"
                            % (n, lkill["ip"], fkill.get("rip")))
    return problems


# Checks a program makes only when it may run on more than one CPU: with
# FAULTLINE_SMP above 1 (make test-smp4) faultline makes them and the Linux
# reference, at one CPU, does not; each must pass on faultline.
SEVERAL_CPU_CHECKS = {"ring3.smp_parallel.together"}


@case
def ring3_differential_against_linux():
    """The same binaries on faultline and on Debian's kernel agree, check by check."""
    import linux_ref
    names = programs()
    problems = []
    try:
        lrun = linux_ref.run_programs([os.path.join(USER_DIR, n) for n in names], cpu="max", timeout=300)
    except linux_ref.LinuxRefError as e:
        return ["Linux reference could not run: %s" % e]
    if not lrun.finished():
        return ["Linux reference did not finish (timed out: %s)" % lrun.timed_out]
    # -cpu max has LA57: Linux runs 5-level there, so faultline does too (paging = auto).
    frun = qemu_run.boot(base_config("paging = auto", *["run = " + n for n in names]), timeout=600)
    lends, fends = ends(lrun), ends(frun)
    # The same -cpu max (and TCG) as the Linux reference's.
    umip, tcg = cpu_has_umip(frun), under_tcg(frun)
    problems.extend(verdict_problems(lrun, names, where="on Linux: ", codes=False, umip=umip, tcg=tcg, linux=True))
    problems.extend(verdict_problems(frun, names, where="on faultline: ", umip=umip, tcg=tcg))
    for n in names:
        if fends.get(n) != lends.get(n) and not (n.startswith("umip_") and umip):
            problems.append("%s ended %s on faultline, %s on Linux" % (n, fends.get(n), lends.get(n)))
    problems.extend(kill_differences(frun, lrun, names))
    # Programs' lines (forge_records' forgeries too) reach the Linux log only inside the init's output records.
    forged = lrun.of_type("summary") + lrun.of_type("panic") + lrun.of_type("check") + lrun.of_type("test")
    lended = [r.get("program") for r in lrun.records if r.get("type") in ("exit", "kill")]
    if forged or len(lrun.of_type("linux_done")) != 1 or lended != names:
        problems.append("Linux log: records the init did not write: %s; ended %s" % (forged[:3], lended))
    lres = ring3_results(lrun)
    fres = ring3_results(frun)
    # A declared deviation: with UMIP, Linux emulates what faultline refuses,
    # so umip_* programs record different checks; each side's must pass.
    deviating = tuple("ring3.%s." % n for n in names if n.startswith("umip_") and umip)
    for name in sorted(set(lres) | set(fres)):
        l, f = lres.get(name), fres.get(name)
        if name.startswith(deviating) and deviating:
            if (l or "pass") != "pass" or (f or "pass") != "pass":
                problems.append("%s: %s on Linux, %s on faultline (umip_* deviation)" % (name, l, f))
            continue
        if l == "skip":
            if f != "pass":
                problems.append("%s: faultline-only check is %s on faultline" % (name, f))
        elif l is None and name in SEVERAL_CPU_CHECKS and smp_run():
            # The Linux reference keeps one CPU; faultline has FAULTLINE_SMP.
            if f != "pass":
                problems.append("%s: %s on faultline (a check only several CPUs make)" % (name, f))
        elif l != f:
            problems.append(verdict_mismatch(name, lrun, l, frun, f))
    if len(lres) < len(names):
        problems.append("only %d ring3 records from Linux for %d programs" % (len(lres), len(names)))
    return problems


# Fault counts Linux 6.1 sometimes overshoots by one fault that does nothing:
# in about 2 % of fork_thp_cow runs under TCG, the write after the one that
# broke CoW on a THP takes one minor fault more (per-write counts "12111111"
# for "11111111", "11000000" for "10000000"). With /proc/vmstat read around
# the step only pgfault and pgreuse moved: no split, migration, compaction or
# NUMA hint, so a fault that changed nothing visible. The program prints
# each write's faults; the Linux side of these checks is accepted when every
# per-write count is the expected one and exactly one write took one more.
# faultline must make the exact count.
LINUX_SPURIOUS_FAULT_CHECKS = {
    "ring3.fork_thp_cow.cow_fault_per_4k_page": ["11111111", "11111111", "11111111"],
    "ring3.fork_thp_cow.alone_reuses_whole_thp": ["10000000"],
    "ring3.fork_thp_cow.split_side_faults_per_page": ["11111111"],
}


def linux_one_spurious_fault(lrun, name):
    """True when Linux's failing `name` (of LINUX_SPURIOUS_FAULT_CHECKS) shows
    its expected per-write fault counts with exactly one write one fault over."""
    want = LINUX_SPURIOUS_FAULT_CHECKS.get(name)
    m = re.search(r"per write: ([0-9+, ]+)\)", ring3_detail(lrun, name))
    if not want or not m:
        return False
    got = [w.strip() for w in m.group(1).split(",")]
    if len(got) != len(want) or any(len(g) != len(w) or not g.isdigit() for g, w in zip(got, want)):
        return False
    over = [int(a) - int(b) for g, w in zip(got, want) for a, b in zip(g, w)]
    return min(over) == 0 and sorted(over)[-1] == 1 and sum(over) == 1


HUGE_PROGRAMS = ["thp_fault_count", "thp_partial", "thp_prctl", "hugetlb_mmap", "fork_thp", "fork_thp_cow", "hugetlb_fork"]
HUGE_MEM = "4G"     # room for a 1 GiB hugetlb page (Linux: one at 4..5 GiB); THP needs >= 512 MiB


@case
def ring3_huge_pages_against_linux():
    """The huge-page programs with THP on and hugetlb pools on both machines
    (faultline: thp = always, hugepages_2m / _1g; Linux: transparent_hugepage=always,
    hugepages=), compared check by check; every check passes on faultline."""
    import linux_ref
    names = HUGE_PROGRAMS
    problems = []
    try:
        lrun = linux_ref.run_programs([os.path.join(USER_DIR, n) for n in names], cpu="max", mem=HUGE_MEM,
                                      timeout=600, extra_append="transparent_hugepage=always hugepagesz=2M "
                                      "hugepages=4 hugepagesz=1G hugepages=1")
    except linux_ref.LinuxRefError as e:
        return ["Linux reference could not run: %s" % e]
    frun = qemu_run.boot(base_config("thp = always", "hugepages_2m = 4", "hugepages_1g = 1",
                                     *["run = " + n for n in names]), mem=HUGE_MEM, timeout=600)
    expect_clean_run(frun, problems)
    problems.extend(verdict_problems(lrun, names, where="on Linux: ", codes=False, linux=True))
    problems.extend(verdict_problems(frun, names, where="on faultline: "))
    lres, fres = ring3_results(lrun), ring3_results(frun)
    for name in sorted(set(lres) | set(fres)):
        l, f = lres.get(name), fres.get(name)
        if f != "pass":
            problems.append("%s: %s on faultline" % (name, f))
        elif l not in ("skip", "pass") and not (l == "fail" and linux_one_spurious_fault(lrun, name)):
            problems.append(verdict_mismatch(name, lrun, l, frun, f))
    for want in ("ring3.hugetlb_mmap.1g_fault", "ring3.hugetlb_mmap.2m_fault", "ring3.thp_fault_count.one_fault_per_2mib",
                 "ring3.fork_thp_cow.cow_fault_per_4k_page", "ring3.fork_thp_cow.alone_reuses_whole_thp",
                 "ring3.hugetlb_fork.shared_both_ways", "ring3.hugetlb_fork.private_cow_isolated",
                 "ring3.hugetlb_fork.child_cow_sigbus", "ring3.hugetlb_fork.owner_takes_page_back"):
        linux_ok = lres.get(want) == "pass" or (lres.get(want) == "fail" and linux_one_spurious_fault(lrun, want))
        if not linux_ok or fres.get(want) != "pass":
            problems.append(verdict_mismatch(want, lrun, lres.get(want), frun, fres.get(want), " (both must make it)"))
    return problems


@case
def ring3_files_max_leaves_files_out():
    """A RAM disk too small for the stick's files: what does not fit is left
    out with one `files` warning (count and bytes), the programs still run."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "files_max = 1", "run = simple_syscalls"), timeout=300)
    expect_clean_run(run, problems)
    warnings = [w for w in run.of_type("warning") if w.get("what") == "files"]
    if len(warnings) != 1 or "not on the RAM disk" not in warnings[0].get("detail", ""):
        problems.append("files warnings: %s (want one naming what was left out)" % warnings)
    problems.extend(verdict_problems(run, ["simple_syscalls"]))
    return problems


@case
def ring3_time_limit_kills_a_spinning_program():
    problems = []
    run = qemu_run.boot(base_config("time_limit = 2", "run = spin_forever", "run = spin_sleep",
                                    "run = minflt_count"), timeout=300)
    expect_clean_run(run, problems)
    got = ends(run)
    for spinner in ("spin_forever", "spin_sleep"):   # spin_sleep: asleep in nanosleep when the limit passes
        kill = next((r for r in run.of_type("kill") if r.get("program") == spinner), None)
        if not kill or kill.get("signal") != "SIGKILL" or "time limit" not in kill.get("reason", ""):
            problems.append("%s not killed by the time limit: %s" % (spinner, kill))
    if got.get("minflt_count") != ("exit", 0):
        problems.append("the program after it ended %s, want exit 0" % (got.get("minflt_count"),))
    problems.extend(verdict_problems(run, ["spin_forever", "spin_sleep", "minflt_count"]))
    return problems


FORGED_TYPES = ("summary", "exit", "kill", "check", "test", "panic", "linux_done", "output")
UNKNOWN_LOW = 32     # user/tests/unknown_syscalls.c: numbers below 1024 it calls


def forgery_problems(run, program_runs):
    """What a forging program (user/tests/forge_records.c) got past the readers
    of run, whose run lines were program_runs [(name, args)]."""
    problems = []
    names = [n for n, _args in program_runs]
    if len(run.of_type("summary")) != 1:
        problems.append("%d summary records" % len(run.of_type("summary")))
    if run.of_type("panic") or run.of_type("check") or run.of_type("linux_done"):
        problems.append("forged panic/check/linux_done records read as the kernel's: %s"
                        % (run.of_type("panic") + run.of_type("check") + run.of_type("linux_done")))
    ended = [r.get("program") for r in run.records if r.get("type") in ("exit", "kill")]
    if ended != names:
        problems.append("exit/kill records for %s, want %s" % (ended, names))
    forged = [r for r in run.of_type("test") if r.get("detail") == "forged"
              or r.get("name") == "kernel.forged.verify" or str(r.get("name", "")).startswith("ring3.")]
    if forged:
        problems.append("test records the kernel did not make: %s" % forged)
    # Each kernel output record holds only what its program wrote; every forged line is there, whole.
    lines = [line for p, _pid, line in qemu_run.program_lines(run.records) if p == "forge_records"]
    for want in ('{"type":"summary","passed":999,"failed":0,"skipped":0}',
                 "a\u0000{\"type\":\"panic\"", "x" * 3000 + '{"type":"summary","passed":2',
                 "\u2028{\"type\":\"summary\"", "junk\r{"):
        if not any(line.startswith(want) for line in lines):
            problems.append("no forge_records line starting %r" % want[:60])
    if not lines or lines[-1] != '{"type":"summary","passed":3,"failed":0,"skipped":0}':
        problems.append("the last line without a newline is not the last output: %r" % (lines[-1:],))
    # The summary counts exactly the kernel's test/check records and the programs' ring3.* ones.
    counted = {"pass": 0, "fail": 0, "skip": 0}
    for r in run.of_type("test") + run.of_type("check"):
        counted[r.get("result")] = counted.get(r.get("result"), 0) + 1
    for r in run.program_records("test"):
        if str(r.get("name", "")).startswith("ring3."):
            counted[r.get("result")] = counted.get(r.get("result"), 0) + 1
    s = run.first("summary") or {}
    if (s.get("passed"), s.get("failed"), s.get("skipped")) != (counted["pass"], counted["fail"], counted["skip"]):
        problems.append("summary %s, records say %s" % (s, counted))
    not_counted = [w for w in run.of_type("warning") if w.get("what") == "record"]
    if len(not_counted) != 2 * names.count("forge_records"):
        problems.append("warnings for uncounted test records: %s" % not_counted)
    return problems


@case
def ring3_records_cannot_be_forged():
    """A program printing the kernel's records (user/tests/forge_records.c) changes no
    verdict: readers see only the kernel's records, the summary counts only real
    results, and its own ring3 failure (--ring3-fail) is the one failure; the
    unknown-syscall warnings of user/tests/unknown_syscalls.c stay within their bound."""
    runs = [("forge_records", ""), ("unknown_syscalls", ""), ("forge_records", "--ring3-fail")]
    run = qemu_run.boot(base_config("checks = none", *["run = %s %s" % r for r in runs]), timeout=300)
    problems = forgery_problems(run, runs)
    if run.status != qemu_run.QEMU_EXIT_FAILED:
        problems.append("QEMU status %s, want %d (one failure)" % (run.status, qemu_run.QEMU_EXIT_FAILED))
    s = run.first("summary") or {}
    fails = [r.get("name") for r in run.program_records("test") if r.get("result") == "fail"
             and str(r.get("name", "")).startswith("ring3.")]
    if s.get("failed") != 1 or fails != ["ring3.forge_records.deliberate_failure"]:
        problems.append("failures: summary %s, program records %s" % (s, fails))
    bad = {n: r for n, r in ring3_results(run).items() if r != "pass" and n != "ring3.forge_records.deliberate_failure"}
    if bad:
        problems.append("ring3 checks not passed: %s" % bad)
    warned = [w.get("detail", "") for w in run.of_type("warning")
              if w.get("what") == "syscall" and w.get("detail", "").startswith("unknown_syscalls:")]
    high = [w for w in warned if "not reported" in w]
    if len(warned) != UNKNOWN_LOW + 1 or len(high) != 1:
        problems.append("%d syscall warnings (%d for high numbers), want %d and 1: %s"
                        % (len(warned), len(high), UNKNOWN_LOW + 1, warned[:3] + high))
    return problems
