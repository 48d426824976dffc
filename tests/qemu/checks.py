"""Integration tests of the targeted bring-up checks (checks/checks.h,
docs/checks.md): boot with `checks = default` on several CPU models and
assert that every check reported exactly once, none failed, and exactly the
checks the model cannot run were skipped -- both as this file expects for
the model under QEMU TCG and as the boot record's features imply. `checks =
none` must run none of them.
"""
import qemu_run
from integration import case, base_config, expect_clean_run

CHECK_NAMES = [
    "accessed_dirty", "invlpg", "cr3_reload_global", "pcid", "invpcid",
    "pages_2m", "pages_1g", "noncanonical_gp", "nx_fetch", "smep", "smap",
    "pku", "cr0_wp", "reserved_bits", "maxphyaddr", "la57", "cleanup",
]

# What each model lacks under TCG. pcid/invpcid: TCG implements neither.
# la57 on a CPU without it: the reserved-bit #GP is not attempted under TCG
# (QEMU 7.2 hangs on that CR4 write instead of raising #GP).
EXPECTED_SKIPS = {
    "max": {"pcid", "invpcid"},
    "qemu64": {"pcid", "invpcid", "pages_1g", "smep", "smap", "pku", "la57"},
    "Haswell-v4": {"pcid", "invpcid", "pages_1g", "smap", "pku", "la57"},
    "EPYC": {"pcid", "invpcid", "pku", "la57"},
}


def skips_from_features(boot):
    """The checks that must skip, from the boot record's features."""
    f = boot.get("features", {})
    tcg = boot.get("hypervisor") == "TCGTCGTCGTCG"
    want = set()
    for check, feature in (("pcid", "pcid"), ("invpcid", "invpcid"), ("pages_1g", "pdpe1gb"),
                           ("nx_fetch", "nx"), ("smep", "smep"), ("smap", "smap"), ("pku", "pku")):
        if not f.get(feature):
            want.add(check)
    if not f.get("la57") and tcg:
        want.add("la57")
    if boot.get("maxphyaddr", 0) >= 52:
        want.add("maxphyaddr")
    return want


def check_records(run, problems):
    """name -> record of the targeted checks; every name exactly once, no
    other undotted name. Dotted names ("matrix.*") belong to other families
    of checks and are left to their own tests."""
    recs = [r for r in run.of_type("check") if "." not in str(r.get("name", ""))]
    by_name = {}
    for r in recs:
        name = r.get("name")
        if name in by_name:
            problems.append("check %s reported twice" % name)
        by_name[name] = r
        if r.get("result") not in ("pass", "fail", "skip"):
            problems.append("check %s: result %r" % (name, r.get("result")))
        if not r.get("detail"):
            problems.append("check %s has no detail" % name)
    for name in CHECK_NAMES:
        if name not in by_name:
            problems.append("no %s check record" % name)
    for name in sorted(set(by_name) - set(CHECK_NAMES)):
        problems.append("unexpected check record %s" % name)
    return by_name


def checks_case(cpu, paging="auto"):
    def fn():
        problems = []
        run = qemu_run.boot(base_config("checks = default", "paging = " + paging), cpu=cpu)
        expect_clean_run(run, problems)
        by_name = check_records(run, problems)
        for name, r in sorted(by_name.items()):
            if r.get("result") == "fail":
                problems.append("check %s failed: %s" % (name, r.get("detail")))
        skipped = {n for n, r in by_name.items() if r.get("result") == "skip"}
        if skipped != EXPECTED_SKIPS[cpu]:
            problems.append("%s: skipped %s, want %s" % (cpu, sorted(skipped), sorted(EXPECTED_SKIPS[cpu])))
        boot = run.first("boot")
        if boot and skipped != skips_from_features(boot):
            problems.append("%s: skipped %s, but the features say %s" %
                            (cpu, sorted(skipped), sorted(skips_from_features(boot))))
        summary = run.first("summary") or {}
        if summary.get("skipped", 0) < len(skipped):
            problems.append("summary skipped=%s does not count the %d skipped checks" %
                            (summary.get("skipped"), len(skipped)))
        la57 = by_name.get("la57", {})
        if boot and boot.get("paging_levels") == 5 and "through 5 levels" not in la57.get("detail", ""):
            problems.append("5-level run without the high-address part of la57: %s" % la57.get("detail"))
        return problems
    fn.__name__ = "checks_default_%s_paging%s" % (cpu.replace("-", "_"), paging)
    return case(fn)


checks_case("max")
checks_case("max", paging="4")
checks_case("qemu64")
checks_case("Haswell-v4")
checks_case("EPYC")


@case
def checks_none_runs_nothing():
    problems = []
    run = qemu_run.boot(base_config("checks = none"))
    expect_clean_run(run, problems)
    if run.of_type("check"):
        problems.append("checks = none, yet %d check records" % len(run.of_type("check")))
    return problems
