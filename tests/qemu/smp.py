"""Integration tests of every core (kernel/smpboot.h, checks/check_smp.h,
docs/checks.md "Every core"): QEMU with several CPUs under MTTCG must bring
them all up (or report the one a test hook refuses and go on), in the APIC
mode the CPU model allows, and run the per-core checks on each: the targeted
checks with the CPU in each record, IPIs, function calls, the TSC check and
the TLB coherence checks. Boots under Debian 12's QEMU 7.2 cover -smp 2
without x2APIC, -smp 4 without PCID (the TLB paths with programs that CoW,
unmap, protect and move), -smp 4 in 5-level paging with the refused CPU
(xAPIC: 7.2's TCG has no x2APIC) and `smp = off`. x2APIC needs QEMU 10 from
bookworm-backports (tools/fetch_qemu.sh, docs/qemu.md): -smp 2 with x2APIC
left off by the firmware (faultline switches every CPU to it), -smp 4 with
one CPU at APIC id 256 (OVMF then hands over in x2APIC mode and the MADT
lists that CPU in a type 9 entry), and a CPU model without x2APIC on the
QEMU that could emulate it (xAPIC). Those are skipped, with the reason,
where that QEMU could not be fetched. BIG_CASES (make test-smp4) add -smp 8
in xAPIC (QEMU 7.2) and in x2APIC (QEMU 10), and -smp 72 (more CPUs than one
cpumask word: programs on CPUs above 63). -icount with -smp 2 runs under
QEMU 10 without x2APIC (docs/qemu.md, "-icount with several CPUs").
"""
import qemu_run
from integration import case, base_config, expect_clean_run
from checks import CHECK_NAMES

SMP_CHECKS = ["smp.ipi", "smp.call_function", "smp.tsc_sync", "smp.tlb_invlpg_local", "smp.tlb_shootdown",
              "smp.tlb_ad_cross_cpu", "smp.tlb_global_cr3_reload", "smp.tlb_zap_gather", "smp.tlb_lazy", "smp.tlb_switch_back",
              "smp.cpu_features", "smp.matrix_sample"]
PROGRAMS = ["minflt_count", "read_then_write"]


def smp_problems(run, want_online, want_failed=0, want_mode=None):
    """The common verdict of an SMP boot: a clean run, every check pass or
    skip, the smp record's counts, one online `cpu` record per CPU with its
    topology, the APIC mode the boot record's features imply, and on every
    CPU but the boot CPU the targeted checks and the smp.* checks."""
    problems = []
    expect_clean_run(run, problems)
    checks = run.of_type("check")
    problems += ["check %s on CPU %s: %s (%s)" % (c.get("name"), c.get("cpu"), c.get("result"),
                                                  c.get("detail", "")[:160])
                 for c in checks if c.get("result") not in ("pass", "skip")]
    smp = run.first("smp") or {}
    if smp.get("online") != want_online or smp.get("failed") != want_failed:
        problems.append("smp record %s: want online %d, failed %d" % (smp, want_online, want_failed))
    boot = run.first("boot") or {}
    feature_mode = "x2apic" if boot.get("features", {}).get("x2apic") else "xapic"
    if want_mode and feature_mode != want_mode:
        problems.append("boot features.x2apic %s: the CPU model does not give the %s this case tests" %
                        (boot.get("features", {}).get("x2apic"), want_mode))
    want_mode = want_mode or feature_mode
    if smp.get("apic_mode") != want_mode:
        problems.append("apic_mode %s, want %s (features.x2apic %s)" %
                        (smp.get("apic_mode"), want_mode, boot.get("features", {}).get("x2apic")))
    online = [c for c in run.of_type("cpu") if c.get("online")]
    if sorted(c.get("cpu") for c in online) != list(range(want_online)):
        problems.append("online cpu records %s, want CPUs 0..%d" % ([c.get("cpu") for c in online], want_online - 1))
    for c in online:
        if not all(k in c for k in ("apic_id", "package", "core", "thread")):
            problems.append("cpu record without its topology: %s" % c)
    if len({c.get("apic_id") for c in online}) != len(online):
        problems.append("two online CPUs with one APIC id: %s" % online)
    for cpu in range(1, want_online):
        got = {c.get("name"): c.get("result") for c in checks if c.get("cpu") == cpu}
        for name in CHECK_NAMES + SMP_CHECKS:
            if got.get(name) not in ("pass", "skip"):
                problems.append("CPU %d: check %s %s" % (cpu, name, got.get(name)))
        for name in SMP_CHECKS:
            if got.get(name) != "pass":
                problems.append("CPU %d: %s is %s, want pass" % (cpu, name, got.get(name)))
    cleanup = [c for c in checks if c.get("name") == "smp.cleanup"]
    if want_online > 1 and (len(cleanup) != 1 or cleanup[0].get("result") != "pass"):
        problems.append("smp.cleanup: %s" % cleanup)
    if want_online > 1 and "per-core checks" not in run.log:
        problems.append("no per-core table on the console")
    exits = {r.get("program"): r.get("status") for r in run.of_type("exit")}
    problems += ["%s: exit %s, want 0" % (p, exits.get(p)) for p in PROGRAMS if exits.get(p) != 0]
    return problems


@case
def smp_2_xapic_per_core_checks():
    """-smp 2, a CPU model without x2APIC: xAPIC bring-up, every per-core check on CPU 1."""
    run = qemu_run.boot(base_config("checks = default", *("run = " + p for p in PROGRAMS)),
                        cpu="max,-x2apic", smp=2, timeout=600)
    problems = smp_problems(run, 2)
    tlb = [c for c in run.of_type("check") if c.get("name") == "smp.tlb_shootdown"]
    if tlb and "mm_cpumask 1" not in tlb[0].get("detail", ""):
        problems.append("the shootdown did not find CPU 1 in mm_cpumask: %s" % tlb[0].get("detail"))
    return problems


@case
def smp_2_matrix_sample_skew_fails():
    """The per-core matrix sample can fail: with `test = matrix_sample_skew` CPU 1
    reports one case's error code with W flipped (checks/matrix_sample.c), as a
    CPU whose paging disagrees with the boot CPU's would. Its smp.matrix_sample
    must fail and name the case, the CPU and both outcomes; CPU 0's still
    passes (it is the reference), and nothing else fails."""
    problems = []
    run = qemu_run.boot(base_config("checks = default", "test = matrix_sample_skew"), cpu="max,-x2apic", smp=2,
                        timeout=600)
    samples = {c.get("cpu"): c for c in run.of_type("check") if c.get("name") == "smp.matrix_sample"}
    s0, s1 = samples.get(0, {}), samples.get(1, {})
    if s0.get("result") != "pass":
        problems.append("CPU 0's sample (the reference): %s" % s0)
    d1 = s1.get("detail", "")
    if s1.get("result") != "fail" or "1 outcomes differ from CPU 0's" not in d1 or \
            "first differing case: " not in d1 or "CPU 1 got #PF" not in d1 or "CPU 0 got #PF" not in d1:
        problems.append("CPU 1's sample should fail naming the case and both outcomes: %s" % s1)
    others = [(c.get("name"), c.get("cpu")) for c in run.of_type("check")
              if c.get("result") == "fail" and c.get("name") != "smp.matrix_sample"]
    if others:
        problems.append("other checks failed too: %s" % others)
    if "check smp.matrix_sample on CPU 1 FAILED" not in run.log:
        problems.append("the failure is not on the console")
    return problems


@case
def smp_4_paging5_refused_cpu():
    """-smp 4 in 5-level paging, the first AP refusing to start (test =
    smp_refuse_cpu): a warning, a `cpu` record "timeout", the other two APs
    up as CPUs 1 and 2 with their checks, and the run going on."""
    run = qemu_run.boot(base_config("paging = 5", "checks = default", "test = smp_refuse_cpu",
                                    *("run = " + p for p in PROGRAMS)), cpu="max", smp=4, timeout=600)
    problems = smp_problems(run, 3, want_failed=1)
    boot = run.first("boot") or {}
    if boot.get("paging_levels") != 5:
        problems.append("paging_levels %s, want 5" % boot.get("paging_levels"))
    refused = [c for c in run.of_type("cpu") if c.get("state") == "timeout"]
    if len(refused) != 1 or refused[0].get("trampoline_stage") != 1:
        problems.append("want one CPU timed out in real mode (stage 1): %s" % refused)
    warns = [w for w in run.of_type("warning") if w.get("what") == "smp"]
    if len(warns) != 1 or "did not call in" not in warns[0].get("detail", ""):
        problems.append("want one smp warning about the CPU that did not call in: %s" % warns)
    if any(w.get("what") == "config" for w in run.of_type("warning")):
        problems.append("config warnings: %s" % [w for w in run.of_type("warning") if w.get("what") == "config"])
    return problems


@case
def smp_4_no_pcid_tlb_paths():
    """-smp 4 on a CPU model without PCID (-cpu max,-pcid): every per-core TLB
    check on each of the three APs, and programs that break CoW, munmap,
    mprotect and mremap (their flushes through flush_tlb_mm_range) still
    exit 0; smp.cleanup says lazy CPUs were skipped (smp.tlb_lazy on each)."""
    progs = PROGRAMS + ["fork_cow", "munmap_neighbours", "mprotect_split", "mremap_move", "fork_thp_cow"]
    run = qemu_run.boot(base_config("checks = default", *("run = " + p for p in progs)),
                        cpu="max,-pcid", smp=4, timeout=900)
    problems = smp_problems(run, 4)
    boot = run.first("boot") or {}
    if boot.get("features", {}).get("pcid"):
        problems.append("-cpu max,-pcid, yet the boot record says pcid: %s" % boot.get("features"))
    exits = {r.get("program"): r.get("status") for r in run.of_type("exit")}
    problems += ["%s: exit %s, want 0" % (p, exits.get(p)) for p in progs if exits.get(p) != 0]
    for name in ("smp.tlb_zap_gather", "smp.tlb_lazy"):
        cpus = sorted(c.get("cpu") for c in run.of_type("check") if c.get("name") == name and c.get("result") == "pass")
        if cpus != [1, 2, 3]:
            problems.append("%s passed on CPUs %s, want [1, 2, 3]" % (name, cpus))
    cleanup = [c for c in run.of_type("check") if c.get("name") == "smp.cleanup"]
    if cleanup and "lazy CPUs skipped 3" not in cleanup[0].get("detail", ""):
        problems.append("smp.cleanup: want 3 lazy CPUs skipped: %s" % cleanup[0].get("detail"))
    return problems


@case
def smp_off_boot_cpu_only():
    """smp = off on a 2-CPU machine: nothing started, said why, no smp.* checks."""
    run = qemu_run.boot(base_config("checks = none", "smp = off", "run = minflt_count"), smp=2, timeout=300)
    problems = []
    expect_clean_run(run, problems)
    smp = run.first("smp") or {}
    if smp.get("online") != 1 or smp.get("requested") != 1 or smp.get("not_started_because") != "smp = off":
        problems.append("smp record %s: want 1 online, requested 1, not started because smp = off" % smp)
    if [c.get("cpu") for c in run.of_type("cpu")] != [0]:
        problems.append("cpu records %s, want only the boot CPU's" % run.of_type("cpu"))
    if run.of_type("check"):
        problems.append("checks = none, yet %d check records" % len(run.of_type("check")))
    return problems


def x2apic_programs_config():
    return base_config("checks = default", *("run = " + p for p in PROGRAMS))


@case
def smp_2_x2apic_enabled_by_faultline():
    """-smp 2, -cpu max,+x2apic under QEMU 10: OVMF leaves the APICs in xAPIC
    mode (all ids below 255), faultline switches the boot CPU and the AP to
    x2APIC (MSR access, 32-bit ICR destination) and every per-core check
    passes on CPU 1."""
    run = qemu_run.boot(x2apic_programs_config(), cpu="max,+x2apic", smp=2, qemu="backports", timeout=600)
    problems = smp_problems(run, 2, want_mode="x2apic")
    smp = run.first("smp") or {}
    if smp.get("x2apic_from_firmware") is not False:
        problems.append("x2apic_from_firmware %s, want false (OVMF leaves xAPIC on below 255 CPUs)" %
                        smp.get("x2apic_from_firmware"))
    return problems


# -smp 3 CPUs in socket 0 of two 256-core sockets and one more cold-plugged as
# socket 1's first core: APIC ids 0, 1, 2 and 256. QEMU needs an IOMMU with
# interrupt remapping in extended (x2APIC) mode for ids above 255.
APIC_ID_256_SMP = "3,maxcpus=512,sockets=2,cores=256,threads=1"
APIC_ID_256_ARGS = ["-device", "max-x86_64-cpu,socket-id=1,core-id=0,thread-id=0",
                    "-device", "intel-iommu,intremap=on,eim=on"]


@case
def smp_4_x2apic_apic_id_256():
    """4 CPUs under QEMU 10, one at APIC id 256: OVMF must hand over in
    x2APIC mode (x2apic_from_firmware), the MADT lists that CPU in a type 9
    (x2APIC) entry, and it comes up, takes IPIs and passes its per-core
    checks like the others."""
    run = qemu_run.boot(x2apic_programs_config(), cpu="max,+x2apic", smp=APIC_ID_256_SMP, qemu="backports",
                        extra_args=APIC_ID_256_ARGS, timeout=900)
    problems = smp_problems(run, 4, want_mode="x2apic")
    smp = run.first("smp") or {}
    if smp.get("x2apic_from_firmware") is not True:
        problems.append("x2apic_from_firmware %s, want true (an APIC id above 254)" % smp.get("x2apic_from_firmware"))
    high = [c for c in run.of_type("cpu") if c.get("apic_id") == 256]
    if len(high) != 1 or not high[0].get("online") or high[0].get("madt_x2apic") is not True \
            or high[0].get("package") != 1 or high[0].get("cpuid_apic_id") != 256:
        problems.append("want CPU with APIC id 256 online, from a MADT x2APIC entry, in package 1: %s" % high)
    low = [c for c in run.of_type("cpu") if c.get("apic_id") in (1, 2)]
    if any(c.get("madt_x2apic") is not False for c in low):
        problems.append("APIC ids 1, 2 not from local APIC (type 0) entries: %s" % low)
    return problems


@case
def smp_2_cpu_model_without_x2apic():
    """-smp 2 with -cpu qemu64 (no x2APIC in its CPUID) under QEMU 10, which
    does emulate x2APIC for other models: faultline must stay in xAPIC mode
    and bring the AP up through the memory-mapped registers."""
    run = qemu_run.boot(x2apic_programs_config(), cpu="qemu64", smp=2, qemu="backports", timeout=600)
    return smp_problems(run, 2, want_mode="xapic")


BIG_CASES = []   # make test-smp4 (integration.run_all(smp_big=True)); not in make test


def big_case(fn):
    BIG_CASES.append(fn)
    return fn


@big_case
def smp_8_xapic():
    """-smp 8 under Debian 12's QEMU 7.2 (xAPIC): all 8 CPUs up, per-core checks on each."""
    run = qemu_run.boot(x2apic_programs_config(), cpu="max", smp=8, timeout=1500)
    return smp_problems(run, 8, want_mode="xapic")


@big_case
def smp_8_x2apic():
    """-smp 8 with -cpu max,+x2apic under QEMU 10: all 8 CPUs up in x2APIC mode, per-core checks on each."""
    run = qemu_run.boot(x2apic_programs_config(), cpu="max,+x2apic", smp=8, qemu="backports", timeout=1500)
    return smp_problems(run, 8, want_mode="x2apic")


BEYOND_64 = 72   # more CPUs than one cpumask word; QEMU 7.2's q35 takes up to 288 (xAPIC ids up to 254)


@big_case
def smp_72_cpus_beyond_one_mask_word():
    """-smp 72 under Debian 12's QEMU 7.2 (MTTCG, xAPIC), checks = none:
    NR_CPUS is 512, so every CPU comes up and none is left out; programs
    run on CPUs above 63: sched_affinity pins itself to each of the 72 in
    turn (getcpu names each, its masks are 16 bytes: CPUs 64..71 in the
    second word) and ends on CPU 71, smp_parallel's threads run at once.
    About 5 minutes on 2 host cores (most of it OVMF and the bring-up of 72
    virtual CPUs), so it is in make test-smp4, not make test."""
    from ring3 import check_faultline_run
    n = BEYOND_64
    names = ["sched_affinity", "smp_parallel"]
    problems = []
    run = qemu_run.boot(base_config("checks = none", *("run = " + p for p in names)), cpu="max", smp=n,
                        mem="512M", timeout=1500)
    expect_clean_run(run, problems)
    check_faultline_run(run, names, problems)
    smp = run.first("smp") or {}
    if smp.get("online") != n or smp.get("left_out") != 0 or smp.get("failed") != 0 or smp.get("madt_enabled") != n:
        problems.append("smp record %s: want %d online, none failed or left out" % (smp, n))
    online = sorted(c.get("cpu") for c in run.of_type("cpu") if c.get("online"))
    if online != list(range(n)):
        problems.append("online cpu records %s, want CPUs 0..%d" % (online, n - 1))
    tests = {r.get("name"): r for r in run.program_records("test")}
    tour = tests.get("ring3.sched_affinity.every_cpu") or {}
    want = "ran on %d of the %d allowed CPUs, the highest %d" % (n, n, n - 1)
    if tour.get("result") != "pass" or not tour.get("detail", "").startswith(want):
        problems.append("sched_affinity.every_cpu %s, want pass with %r" % (tour, want))
    online_cpus = tests.get("ring3.sched_affinity.online_cpus") or {}
    if online_cpus.get("result") != "pass" or "16 bytes, %d CPUs" % n not in online_cpus.get("detail", ""):
        problems.append("sched_affinity.online_cpus %s, want a 16-byte mask of %d CPUs" % (online_cpus, n))
    high_exits = [r for r in run.of_type("exit") if (r.get("cpu") or 0) >= 64]
    if not high_exits:
        problems.append("no exit record on a CPU above 63: %s" % [(r.get("program"), r.get("cpu"))
                                                                   for r in run.of_type("exit")])
    together = tests.get("ring3.smp_parallel.together") or {}
    if together.get("result") != "pass":
        problems.append("smp_parallel.together %s, want pass" % together)
    return problems


# Programs on every CPU (docs/ARCHITECTURE.md "Every CPU"): threads
# and processes of one run spread over the CPUs under the big kernel lock.
SMP_PROGRAMS = ["smp_parallel", "threads_futex", "fork_cow", "pipe_fork", "fork_wait", "signal_mask",
                "signal_segv_handler", "musl_signal_siglongjmp", "sched_affinity", "oom_victim",
                "signal_while_faulting"]


def smp_programs_case(n):
    def fn():
        from ring3 import check_faultline_run
        problems = []
        run = qemu_run.boot(base_config("checks = none", *("run = " + p for p in SMP_PROGRAMS)),
                            smp=n, mem="256M", timeout=900)
        expect_clean_run(run, problems)
        check_faultline_run(run, SMP_PROGRAMS, problems)
        smp = run.first("smp") or {}
        if smp.get("online") != n:
            problems.append("smp record %s: want %d online" % (smp, n))
        together = [r for r in run.program_records("test") if r.get("name") == "ring3.smp_parallel.together"]
        if not together or together[0].get("result") != "pass":
            problems.append("smp_parallel never saw its %d threads on %d CPUs at once: %s" % (n, n, together))
        # Records say where a process ended: more than one CPU across the run.
        cpus = {r.get("cpu") for r in run.of_type("exit") + run.of_type("kill")}
        if None in cpus or len(cpus) < 2:
            problems.append("exit/kill records name CPUs %s, want at least two different ones" % sorted(map(str, cpus)))
        return problems
    fn.__name__ = "smp_%d_programs_on_every_cpu" % n
    fn.__doc__ = ("-smp %d (MTTCG), smp = auto: smp_parallel sees its threads run at once on different CPUs, and "
                  "ring-3 programs with threads, fork, pipes, signals and the OOM killer pass with their "
                  "per-program checks" % n)
    return case(fn)


smp_programs_case(2)
smp_programs_case(4)


# -icount with several CPUs (docs/qemu.md "-icount with several CPUs"): one
# host thread runs the CPUs in turn. QEMU 7.2 gives the first CPU the whole
# budget up to the next timer and the others none while it never halts (a
# program's tasks on CPU 1 never run); QEMU 10 aborts at the first x2APIC
# timer MSR access ("Bad icount read"). qemu_command takes QEMU 10 and hides
# x2APIC: the scaling workload then runs on both CPUs to its end.
ICOUNT_SMP_RUN = "bench_page_fault1 --tasks 2 --ms 5 --warmup-ms 1 --mib 1"


@case
def smp_2_icount_tasks_on_both_cpus():
    """-icount shift=0,sleep=off with -smp 2: the QEMU command is QEMU 10's
    with a CPU model without x2APIC (QEMU 7.2 is refused), and
    bench_page_fault1 runs threads and processes at 1 and 2 tasks to its
    end, the 2-task points with a task faulting on each CPU and every write
    a fault."""
    problems = []
    cmd = qemu_run.qemu_command("img", "vars", smp=2, icount=True)
    cpu = cmd[cmd.index("-cpu") + 1]
    if cpu != "max,-x2apic" or "-icount" not in cmd or "-accel" in cmd or \
            not cmd[0].startswith(qemu_run.QEMU_CACHE):
        problems.append("-icount -smp 2 command: want QEMU 10's, -cpu max,-x2apic, no MTTCG: %s" % cmd)
    try:
        qemu_run.qemu_command("img", "vars", smp=2, icount=True, qemu="system")
        problems.append("-icount -smp 2 on QEMU 7.2 was not refused")
    except ValueError:
        pass
    run = qemu_run.boot(base_config("checks = none", "run = " + ICOUNT_SMP_RUN), smp=2, icount=True,
                        timeout=600)
    expect_clean_run(run, problems)
    exits = {r.get("program"): r.get("status") for r in run.of_type("exit")}
    if exits.get("bench_page_fault1") != 0:
        problems.append("bench_page_fault1: exit %s, want 0" % exits.get("bench_page_fault1"))
    smp = run.first("smp") or {}
    if smp.get("online") != 2 or smp.get("apic_mode") != "xapic":
        problems.append("smp record %s: want 2 online in xAPIC mode" % smp)
    points = {(r.get("mode"), r.get("tasks")): r for r in run.program_records("bench_scale")}
    for mode in ("threads", "processes"):
        for k in (1, 2):
            r = points.get((mode, k))
            if not r:
                problems.append("no bench_scale point %s at %d tasks" % (mode, k))
                continue
            if len(r.get("per_task", [])) != k or not all(n > 0 for n in r["per_task"]):
                problems.append("%s, %d tasks: a task did not fault in the window: %s" % (mode, k, r.get("per_task")))
            if k == 2 and (r.get("cpus_used") != 2 or sorted(r.get("task_cpu", [])) != [0, 1]):
                problems.append("%s, 2 tasks: want one on each CPU: cpus_used %s, task_cpu %s" %
                                (mode, r.get("cpus_used"), r.get("task_cpu")))
            if mode == "threads" and r.get("minflt_run") != r.get("writes_run"):
                problems.append("%s, %d tasks: minflt_run %s != writes_run %s" %
                                (mode, k, r.get("minflt_run"), r.get("writes_run")))
    errors = run.program_records("bench_error")
    if errors:
        problems.append("bench_error records: %s" % errors[:2])
    return problems


@case
def smp_2_getcpu_without_rdtscp():
    """-smp 2 with -cpu qemu64 (no RDTSCP, no RDPID): the vDSO's getcpu reads
    each CPU's number from the limit of its GDT's CPUNODE segment (LSL, as
    Linux without RDPID), so it agrees with the getcpu syscall on every CPU;
    it once answered the boot CPU's number everywhere (smp_parallel.getcpu
    failed and its threads never looked to run together)."""
    names = ["smp_parallel", "vdso_clock"]
    run = qemu_run.boot(base_config("checks = none", *("run = " + p for p in names)), cpu="qemu64", smp=2,
                        timeout=300)
    problems = []
    expect_clean_run(run, problems)
    from ring3 import check_faultline_run
    check_faultline_run(run, names, problems)
    return problems


@case
def smp_off_programs_on_the_boot_cpu():
    """smp = off on a 2-CPU machine: smp_parallel runs one thread on CPU 0 (one
    CPU allowed: no "together" record), every record says CPU 0."""
    run = qemu_run.boot(base_config("checks = none", "smp = off", "run = smp_parallel", "run = fork_cow"), smp=2,
                        timeout=300)
    problems = []
    expect_clean_run(run, problems)
    together = [r for r in run.program_records("test") if r.get("name") == "ring3.smp_parallel.together"]
    if together:
        problems.append("smp_parallel.together %s, want none (one CPU)" % together)
    mem = [r for r in run.program_records("test") if r.get("name") == "ring3.smp_parallel.memory"]
    if not mem or mem[0].get("result") != "pass":
        problems.append("smp_parallel.memory %s, want pass" % mem)
    cpus = {r.get("cpu") for r in run.of_type("exit") + run.of_type("kill")}
    if cpus != {0}:
        problems.append("exit/kill records name CPUs %s, want only 0" % sorted(map(str, cpus)))
FAULT_SMP_TESTS = ["same_addresses", "distinct_addresses", "cow_after_dup", "against_munmap", "thp_shared_after_fork",
                   "hugetlb_pool"]


@case
def smp_fault_path_every_cpu_at_once():
    """test = fault_smp at -smp 4 (MTTCG): handle_mm_fault on every CPU at once
    in one mm (kernel/fault_smp_test.h): each scenario passes with 4 CPUs, its
    tables verify, and every frame comes back."""
    run = qemu_run.boot(base_config("checks = none", "test = fault_smp", "paging = 4", "hugepages_2m = 8"), smp=4,
                        timeout=600)
    problems = []
    expect_clean_run(run, problems)
    fault_smp_problems(run, 4, problems)
    return problems


def fault_smp_problems(run, n, problems):
    """Adds to problems what test = fault_smp's records in run say is wrong:
    a scenario missing, failed or not run on n CPUs, a verifier record not
    passing, frames leaked."""
    tests = {r.get("name"): r for r in run.of_type("test")}   # record_check writes test records too
    for name in FAULT_SMP_TESTS:
        r = tests.get("fault_smp." + name)
        if not r:
            problems.append("no record fault_smp.%s" % name)
        elif r.get("result") != "pass":
            problems.append("fault_smp.%s: %s" % (name, r.get("detail")))
        elif not r.get("detail", "").startswith("%d CPUs at once" % n):
            problems.append("fault_smp.%s did not run on %d CPUs: %s" % (name, n, r.get("detail")))
        v = tests.get("fault_smp.%s.verify" % name)
        if not v or v.get("result") != "pass":
            problems.append("fault_smp.%s.verify: %s" % (name, v))
    leak = tests.get("fault_smp.no_frame_leaked")
    if not leak or leak.get("result") != "pass":
        problems.append("fault_smp.no_frame_leaked: %s" % leak)


# PCID (paging/tlb.h): dynamic ASIDs and per-mm TLB generations.
# QEMU's TCG (7.2 and 10.0 alike) implements neither PCID nor INVPCID
# ("TCG doesn't support requested feature: CPUID.01H:ECX.pcid"), so under
# QEMU these runs take the generation path with one ASID slot (the CR3 load
# of every switch flushes); the PCID path itself is covered by the host
# model (tests/unit/test_tlb_asid.c) and on hardware by the same cases.
PCID_PROGRAMS = ["asid_reuse_procs", "fork_cow", "munmap_neighbours", "mprotect_split", "mremap_move", "pipe_fork"]


def pcid_problems(run, progs, want_in_use):
    """A clean run, every program exit 0 with its checks passed, and the boot
    record's pcid_in_use as wanted (None: as its features.pcid says)."""
    from ring3 import check_faultline_run
    problems = []
    expect_clean_run(run, problems)
    check_faultline_run(run, progs, problems)
    boot = run.first("boot") or {}
    if want_in_use is None:
        want_in_use = bool(boot.get("features", {}).get("pcid"))
    if boot.get("pcid_in_use") is not want_in_use:
        problems.append("boot pcid_in_use %r, want %r (features.pcid %r)" %
                        (boot.get("pcid_in_use"), want_in_use, boot.get("features", {}).get("pcid")))
    if any(w.get("what") == "config" for w in run.of_type("warning")):
        problems.append("config warnings: %s" % [w for w in run.of_type("warning") if w.get("what") == "config"])
    return problems


def pcid_case(n, pcid):
    def fn():
        run = qemu_run.boot(base_config("checks = none", "pcid = " + pcid, *("run = " + p for p in PCID_PROGRAMS)),
                            smp=n, mem="256M", timeout=900)
        return pcid_problems(run, PCID_PROGRAMS, False if pcid == "off" else None)
    fn.__name__ = "smp_%d_pcid_%s_asid_reuse" % (n, pcid)
    fn.__doc__ = ("-smp %d, -cpu max, pcid = %s: nine processes alive at once (more than the six ASID slots per "
                  "CPU) that CoW, mmap, mprotect, mremap and munmap at the same addresses and yield after each "
                  "step read only their own values, with the TLB-path programs; the boot record's pcid_in_use "
                  "is %s" % (n, pcid, "false" if pcid == "off" else "features.pcid (false under TCG)"))
    return case(fn)


pcid_case(1, "auto")
pcid_case(4, "auto")
pcid_case(2, "off")
# Threads of one process faulting at once (user/musl/threadrace_*.c,
# docs/ring3.md "Threads faulting at once"): first touches of disjoint and of the
# same anonymous pages, THP regions, CoW after fork with threads on both sides,
# shared and private file pages, and munmap/mprotect/MADV_DONTNEED while other
# threads fault. Every check is one any correct kernel passes, so faultline must
# pass them all and Linux 6.1 with several CPUs must agree record by record.
THREADRACE_PROGRAMS = ["threadrace_anon", "threadrace_file", "threadrace_cow", "threadrace_unmap", "threadrace_mmsys"]


def threadrace_faultline_run(n, problems, cpu="max", extra=()):
    """Boots faultline with n CPUs (QEMU model cpu, more config lines extra)
    running THREADRACE_PROGRAMS; adds to problems what is wrong with it (a
    clean run, every ring3 record pass, exit 0, the kernel's checks after each
    program, n CPUs online). Returns the run."""
    from ring3 import check_faultline_run
    run = qemu_run.boot(base_config("checks = none", *extra, *("run = " + p for p in THREADRACE_PROGRAMS)),
                        smp=n, mem="512M", timeout=1500, cpu=cpu)
    expect_clean_run(run, problems)
    check_faultline_run(run, THREADRACE_PROGRAMS, problems)
    smp = run.first("smp") or {}
    if smp.get("online") != n:
        problems.append("smp record %s: want %d online" % (smp, n))
    # threadrace_mmsys maps only private anonymous memory: on several CPUs
    # every memory syscall of it runs without the big kernel lock
    # (kernel/mm_syscall_lock.h), which its exit record counts.
    ex = [r for r in run.of_type("exit") if r.get("program") == "threadrace_mmsys"]
    if not ex or not ex[0].get("mm_syscalls_unlocked") or ex[0].get("mm_syscalls_locked", 0) != 0:
        problems.append("threadrace_mmsys exit record %s: want mm_syscalls_unlocked > 0 and "
                        "mm_syscalls_locked 0 (its memory syscalls off the big kernel lock)" % (ex[:1],))
    return run


@case
def smp_4_ticket_spinlocks_without_hypervisor_bit():
    """-smp 4, -cpu max,-hypervisor: with no hypervisor bit in CPUID the
    spinlocks and the big kernel lock are ticket locks (as on hardware; under a
    hypervisor they are taken test-and-set, cpu/spinlock.h), and the locking
    tests pass that way too: test = fault_smp and the threadrace programs."""
    problems = []
    run = threadrace_faultline_run(4, problems, cpu="max,-hypervisor",
                                   extra=("test = fault_smp", "hugepages_2m = 8"))
    smp = run.first("smp") or {}
    if smp.get("spinlocks") != "ticket":
        problems.append("smp record says spinlocks %s, want ticket" % smp.get("spinlocks"))
    fault_smp_problems(run, 4, problems)
    return problems


@case
def smp_2_threadrace_programs():
    """-smp 2 (MTTCG): threads of one process faulting at once on both CPUs -
    every threadrace_* check passes and each program exits 0."""
    problems = []
    threadrace_faultline_run(2, problems)
    return problems


@case
def smp_4_threadrace_against_linux():
    """-smp 4 (MTTCG) on both: the threadrace_* programs pass every check on
    faultline, and on Linux 6.1 with 4 CPUs (THP on, as faultline's default,
    so that the THP race is checked on both) the same binaries end the same
    way and record the same checks with the same verdicts."""
    import os
    import linux_ref
    from ring3 import USER_DIR, ring3_results, verdict_problems, ends
    names = THREADRACE_PROGRAMS
    problems = []
    try:
        lrun = linux_ref.run_programs([os.path.join(USER_DIR, n) for n in names], cpu="max", mem="1G", smp=4,
                                      timeout=900, extra_append="transparent_hugepage=always")
    except linux_ref.LinuxRefError as e:
        return ["Linux reference could not run: %s" % e]
    if not lrun.finished():
        return ["Linux reference did not finish (timed out: %s)" % lrun.timed_out]
    if "-smp" not in lrun.command or lrun.command[lrun.command.index("-smp") + 1] != "4":
        problems.append("Linux reference did not boot with -smp 4: %s" % lrun.command)
    frun = threadrace_faultline_run(4, problems)
    problems.extend(verdict_problems(lrun, names, where="on Linux: ", codes=False, linux=True))
    lends, fends = ends(lrun), ends(frun)
    for n in names:
        if fends.get(n) != lends.get(n):
            problems.append("%s ended %s on faultline, %s on Linux" % (n, fends.get(n), lends.get(n)))
    lres, fres = ring3_results(lrun), ring3_results(frun)
    for name in sorted(set(lres) | set(fres)):
        if lres.get(name) != fres.get(name):
            detail = next((r.get("detail") for r in lrun.program_records("test") if r.get("name") == name), "")
            problems.append("%s: %s on Linux, %s on faultline (Linux: %s)" % (name, lres.get(name), fres.get(name),
                                                                              detail))
    for n in names:
        if not any(k.startswith("ring3.%s." % n) for k in lres):
            problems.append("%s: no records from Linux" % n)
    return problems
