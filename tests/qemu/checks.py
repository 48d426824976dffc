"""Integration tests of the targeted bring-up checks (checks/checks.h,
docs/checks.md): boot with `checks = default` on several CPU models and
assert that every check reported exactly once, none failed, and exactly the
checks the model cannot run were skipped -- both as this file expects for
the model under QEMU TCG and as the boot record's features imply. `checks =
none` must run none of them.
"""
import qemu_run
from integration import case, base_config, expect_clean_run
from matrix import check_matrix_run

CHECK_NAMES = [
    "accessed_dirty", "invlpg", "cr3_reload_global", "pcid", "invpcid",
    "pages_2m", "pages_1g", "noncanonical_gp", "nx_fetch", "smep", "smap",
    "pku", "cr0_wp", "reserved_bits", "maxphyaddr", "la57", "reclaim_young", "cleanup",
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


def check_records(run, problems, paging=None):
    """name -> record of the targeted checks (of the pass in paging-level
    paging, if given); every name exactly once, no other undotted name.
    Dotted names ("matrix.*", "paging_mode.*", "smp.*") belong to other
    families of checks and are left to their own tests; only the boot CPU's
    records count (the per-core ones: tests/qemu/smp.py)."""
    recs = [r for r in run.of_type("check") if "." not in str(r.get("name", ""))
            and (paging is None or r.get("paging") == paging) and r.get("cpu", 0) == 0]
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


# ---- Both paging modes (checks_paging = both; docs/checks.md) ----------------

# Where a kernel that switches modes keeps its direct map, in 4- and 5-level mode.
PAGE_OFFSET_SWITCHABLE = "0xffff888000000000"


def expect_targeted_pass(run, problems, cpu, paging):
    """The targeted checks of the pass in paging-level paging: each once, none
    failed, the model's expected skips, la57 through 5 levels in a 5-level pass."""
    by_name = check_records(run, problems, paging)
    for name, r in sorted(by_name.items()):
        if r.get("result") == "fail":
            problems.append("%d-level pass: check %s failed: %s" % (paging, name, r.get("detail")))
    skipped = {n for n, r in by_name.items() if r.get("result") == "skip"}
    if skipped != EXPECTED_SKIPS[cpu]:
        problems.append("%d-level pass: skipped %s, want %s" % (paging, sorted(skipped), sorted(EXPECTED_SKIPS[cpu])))
    la57 = by_name.get("la57", {}).get("detail", "")
    if paging == 5 and "through 5 levels" not in la57:
        problems.append("5-level pass without the high-address part of la57: %s" % la57)


def mode_records(run):
    """(index in run.records, record) of paging_mode.* checks and of every check by mode."""
    out = {"switch": [], "restore": [], 4: [], 5: []}
    for i, r in enumerate(run.records):
        if r.get("type") != "check":
            continue
        name = str(r.get("name", ""))
        if name.startswith("paging_mode."):
            out[name.split(".", 1)[1]].append((i, r))
        elif r.get("paging") in (4, 5):
            out[r["paging"]].append((i, r))
        else:
            out.setdefault("no_paging", []).append((i, r))
    return out


def both_modes_case(cpu, paging, mem="1G"):
    """checks = default with checks_paging = both, booted in paging-level mode on
    -cpu max: the targeted checks and the matrix pass in both modes, the other
    mode's records lie between paging_mode.switch and paging_mode.restore, and
    a program afterwards runs in the booted mode (segv_noncanonical: #GP in
    4-level, #PF in 5-level). With 8G the image, the kernel's root and most
    frames lie above 4 GiB, where the trampoline cannot reach them."""
    other = 5 if paging == 4 else 4

    def fn():
        problems = []
        run = qemu_run.boot(base_config("checks = default", "checks_paging = both", "paging = %d" % paging,
                                        "run = segv_noncanonical"), cpu=cpu, mem=mem, timeout=300)
        expect_clean_run(run, problems)
        boot = run.first("boot") or {}
        if boot.get("paging_levels") != paging or boot.get("page_offset") != PAGE_OFFSET_SWITCHABLE:
            problems.append("boot: paging_levels %s page_offset %s, want %d and %s" %
                            (boot.get("paging_levels"), boot.get("page_offset"), paging, PAGE_OFFSET_SWITCHABLE))
        recs = mode_records(run)
        for stray in recs.get("no_paging", []):
            problems.append("check record without a paging mode: %s" % stray[1])
        if len(recs["switch"]) != 1 or len(recs["restore"]) != 1:
            problems.append("want one paging_mode.switch and one paging_mode.restore, got %d and %d" %
                            (len(recs["switch"]), len(recs["restore"])))
            return problems
        (i_sw, sw), (i_re, re_) = recs["switch"][0], recs["restore"][0]
        if sw.get("result") != "pass" or sw.get("paging") != other:
            problems.append("paging_mode.switch: %s" % sw)
        if re_.get("result") != "pass" or re_.get("paging") != paging:
            problems.append("paging_mode.restore: %s" % re_)
        if any(not i_sw < i < i_re for i, _ in recs[other]):
            problems.append("%d-level check records outside the switch..restore window" % other)
        # After the restore only the per-core checks (the other CPUs start after
        # both modes' passes, in the booted mode: docs/checks.md "Every core").
        if any(i > i_sw and not (i > i_re and (r.get("cpu") or r.get("name", "").startswith("smp.")))
               for i, r in recs[paging]):
            problems.append("%d-level check records of the boot CPU after the switch" % paging)
        for levels in (paging, other):
            expect_targeted_pass(run, problems, cpu, levels)
            check_matrix_run(run, problems, want_levels=levels, paging=levels)
        kills = [k for k in run.of_type("kill") if k.get("program") == "segv_noncanonical"]
        want_vector = 13 if paging == 4 else 14
        if len(kills) != 1 or kills[0].get("vector") != want_vector:
            problems.append("segv_noncanonical after the checks: %s, want one kill with vector %d "
                            "(%d-level paging)" % (kills, want_vector, paging))
        return problems
    fn.__name__ = "checks_both_modes_%s_paging%d_%s" % (cpu.replace("-", "_"), paging, mem)
    return case(fn)


both_modes_case("max", 4, mem="8G")
both_modes_case("max", 5)


@case
def checks_both_modes_qemu64_skips_5_level():
    """On a CPU without LA57 the 5-level pass is one skip that says why; the
    4-level pass runs as usual and nothing else claims 5-level paging."""
    problems = []
    run = qemu_run.boot(base_config("checks = default", "checks_paging = both", "run = segv_noncanonical"),
                        cpu="qemu64", timeout=300)
    expect_clean_run(run, problems)
    recs = mode_records(run)
    sw = [r for _, r in recs["switch"]]
    if len(sw) != 1 or sw[0].get("result") != "skip" or sw[0].get("paging") != 5 or \
            "LA57" not in sw[0].get("detail", ""):
        problems.append("want one paging_mode.switch skip (5-level, no LA57), got %s" % sw)
    if recs["restore"]:
        problems.append("paging_mode.restore without a switch: %s" % recs["restore"])
    if recs[5]:
        problems.append("5-level check records on a CPU without LA57: %s" % [r.get("name") for _, r in recs[5]])
    expect_targeted_pass(run, problems, "qemu64", 4)
    check_matrix_run(run, problems, want_levels=4, paging=4)
    kills = [k for k in run.of_type("kill") if k.get("program") == "segv_noncanonical"]
    if len(kills) != 1 or kills[0].get("vector") != 13:
        problems.append("segv_noncanonical: %s, want one kill with vector 13" % kills)
    return problems
