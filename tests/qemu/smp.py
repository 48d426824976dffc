"""Integration tests of every core (issue 16; kernel/smpboot.h, checks/check_smp.h,
docs/checks.md "Every core"): QEMU with several CPUs under MTTCG must bring
them all up (or report the one a test hook refuses and go on), in the APIC
mode the CPU model allows, and run the per-core checks on each: the targeted
checks with the CPU in each record, IPIs, function calls, the TSC check and
the TLB coherence checks. Three boots cover -smp 2 without x2APIC, -smp 4 in
5-level paging with the refused CPU (x2APIC where the model has it: QEMU
7.2's TCG has none, so that boot runs xAPIC there and x2APIC on a QEMU that
emulates it), and `smp = off`.
"""
import qemu_run
from integration import case, base_config, expect_clean_run
from checks import CHECK_NAMES

SMP_CHECKS = ["smp.ipi", "smp.call_function", "smp.tsc_sync", "smp.tlb_invlpg_local", "smp.tlb_shootdown",
              "smp.tlb_ad_cross_cpu", "smp.tlb_global_cr3_reload", "smp.cpu_features"]
PROGRAMS = ["minflt_count", "read_then_write"]


def smp_problems(run, want_online, want_failed=0):
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
    want_mode = "x2apic" if boot.get("features", {}).get("x2apic") else "xapic"
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


FAULT_SMP_TESTS = ["same_addresses", "distinct_addresses", "cow_after_dup", "against_munmap"]


@case
def smp_fault_path_every_cpu_at_once():
    """test = fault_smp at -smp 4 (MTTCG): handle_mm_fault on every CPU at once
    in one mm (kernel/fault_smp_test.h): each scenario passes with 4 CPUs, its
    tables verify, and every frame comes back."""
    run = qemu_run.boot(base_config("checks = none", "test = fault_smp", "paging = 4"), smp=4, timeout=600)
    problems = []
    expect_clean_run(run, problems)
    tests = {r.get("name"): r for r in run.of_type("test")}
    checks = tests   # record_check writes test records too
    for name in FAULT_SMP_TESTS:
        r = tests.get("fault_smp." + name)
        if not r:
            problems.append("no record fault_smp.%s" % name)
        elif r.get("result") != "pass":
            problems.append("fault_smp.%s: %s" % (name, r.get("detail")))
        elif not r.get("detail", "").startswith("4 CPUs at once"):
            problems.append("fault_smp.%s did not run on 4 CPUs: %s" % (name, r.get("detail")))
        v = checks.get("fault_smp.%s.verify" % name)
        if not v or v.get("result") != "pass":
            problems.append("fault_smp.%s.verify: %s" % (name, v))
    leak = checks.get("fault_smp.no_frame_leaked")
    if not leak or leak.get("result") != "pass":
        problems.append("fault_smp.no_frame_leaked: %s" % leak)
    return problems
