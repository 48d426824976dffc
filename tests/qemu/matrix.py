"""Paging conformance matrix integration tests (checks/matrix.c): boot with
`checks = default` on several CPU models and read the matrix's records.

Each boot must run the matrix to the end (a matrix.cleanup record that
passes), report all six groups (leaf 4k/2m/1g x CPL 0/3), run cases in every
group the CPU can do, and skip exactly for the features the boot record says
are absent (pdpe1gb, smep, smap, pku). Mismatches must be zero -- except
those of the two kinds QEMU's TCG is known to get wrong (docs/checks.md,
"Conformance matrix"), which the kernel itself reports as known deviations
under TCG (the group passes, its detail says so) and as failures anywhere
else. Any mismatch of kind "other" fails.
"""
import re

import qemu_run
from integration import case, base_config, expect_clean_run

GROUPS = ["matrix.%s.cpl%d" % (leaf, cpl) for leaf in ("4k", "2m", "1g") for cpl in (0, 3)]

# Mismatch kinds QEMU TCG (7.2 and later) produces; see docs/checks.md.
KNOWN_TCG_DEVIATIONS = {"rsvd-without-P", "A-on-ending-entry"}

# Boot-record feature -> the words of its skip reason in a group's detail.
SKIP_WORDS = {"pdpe1gb": "1 GiB leaf: no pdpe1gb", "smep": "SMEP: no smep",
              "smap": "SMAP: no smap", "pku": "PKE: no pku"}

DETAIL_RE = re.compile(r"^(\d+) combinations run \(([^)]*)\), (\d+) mismatches(?: \(([^)]*)\))?; "
                       r"(\d+) skipped(?: \(([^)]*)\))?; ([45])-level walks")


def parse_group(detail):
    """detail -> dict(ran, mismatches, kinds{name: n}, skipped, skips{words: n}, levels), or None."""
    m = DETAIL_RE.match(detail or "")
    if not m:
        return None

    def pairs(text):
        out = {}
        for part in (text or "").split("; "):
            if part:
                words, _, n = part.rpartition(": ")
                out[words] = int(n)
        return out
    return {"ran": int(m.group(1)), "mismatches": int(m.group(3)), "kinds": pairs(m.group(4)),
            "skipped": int(m.group(5)), "skips": pairs(m.group(6)), "levels": int(m.group(7))}


def matrix_checks(run, paging=None):
    """name -> matrix check record (of the pass in paging-level paging, if given)."""
    return {r.get("name"): r for r in run.of_type("check") if str(r.get("name", "")).startswith("matrix.")
            and (paging is None or r.get("paging") == paging)}


def check_matrix_run(run, problems, want_levels=None, paging=None):
    """The verdicts of one boot with checks = default (of its pass in paging-level
    paging, if given); returns the names of tolerated failures."""
    checks = matrix_checks(run, paging)
    boot = run.first("boot") or {}
    features = boot.get("features", {})
    tolerated = []
    cleanup = checks.get("matrix.cleanup")
    if not cleanup:
        problems.append("no matrix.cleanup record: the matrix did not finish")
    elif cleanup.get("result") != "pass":
        problems.append("matrix.cleanup: %s" % cleanup.get("detail"))
    for name in GROUPS:
        rec = checks.get(name)
        if not rec:
            problems.append("no %s record" % name)
            continue
        g = parse_group(rec.get("detail"))
        if not g:
            problems.append("%s: unreadable detail %r" % (name, rec.get("detail")))
            continue
        if want_levels and g["levels"] != want_levels:
            problems.append("%s ran %d-level walks, want %d" % (name, g["levels"], want_levels))
        if name.startswith("matrix.1g") and not features.get("pdpe1gb", False):
            # Every 1 GiB case is ruled out by the first reason; no other reason is counted.
            if rec.get("result") != "skip" or g["ran"] or set(g["skips"]) != {SKIP_WORDS["pdpe1gb"]}:
                problems.append("%s: no pdpe1gb, want a skip with nothing run: %s" % (name, rec))
            continue
        for feature, words in SKIP_WORDS.items():
            if feature == "pdpe1gb" and not name.startswith("matrix.1g"):
                continue
            absent = not features.get(feature, False)
            if absent and words not in g["skips"]:
                problems.append("%s: %s absent but no skip says so (%s)" % (name, feature, rec.get("detail")))
            if not absent and words in g["skips"]:
                problems.append("%s: skips for %s although the CPU has it" % (name, feature))
        if g["ran"] == 0:
            problems.append("%s ran no combination: %s" % (name, rec.get("detail")))
        unexplained = g["kinds"].get("other", 0)
        if unexplained:
            problems.append("%s: %d mismatches of no known kind: %s" % (name, unexplained, rec.get("detail")))
        elif g["mismatches"]:
            if set(g["kinds"]) <= KNOWN_TCG_DEVIATIONS and "known QEMU TCG deviation" in rec.get("detail", ""):
                tolerated.append(name)
            else:
                problems.append("%s: %s" % (name, rec.get("detail")))
        if (rec.get("result") == "fail") != (unexplained > 0):
            problems.append("%s: result %s with %d unexplained mismatches" % (name, rec.get("result"), unexplained))
    if any(checks.get(n, {}).get("result") == "fail" for n in GROUPS) and not run.of_type("check_mismatch"):
        problems.append("failed groups but no check_mismatch record")
    for r in run.of_type("check_mismatch"):
        for k in ("group", "kinds", "case", "expected", "got"):
            if k not in r:
                problems.append("check_mismatch record lacks %s: %s" % (k, r))
                break
    return tolerated


def expect_run_with_tolerated(run, problems, tolerated):
    """The run must be clean: the kernel itself passes groups whose mismatches are
    all known TCG deviations (tolerated lists them, for the record)."""
    expect_clean_run(run, problems)


def matrix_case(cpu, paging="auto", want_levels=None):
    def fn():
        problems = []
        run = qemu_run.boot(base_config("checks = default", "paging = " + paging), cpu=cpu, timeout=300)
        tolerated = check_matrix_run(run, problems, want_levels)
        expect_run_with_tolerated(run, problems, tolerated)
        return problems
    fn.__name__ = "matrix_default_%s_paging%s" % (cpu.replace("-", "_"), paging)
    return case(fn)


matrix_case("max", want_levels=5)
matrix_case("max", paging="4", want_levels=4)
matrix_case("qemu64", want_levels=4)
matrix_case("Haswell-v4", want_levels=4)
matrix_case("EPYC", want_levels=4)


@case
def matrix_full_space_sampled_Haswell():
    """checks = full runs the full space (A, D, RFLAGS.AC, keys 0/1/15 on top of
    the default space); matrix_sample = 20011 runs 1 case in 20011 (the
    enumerator counts the blocks of cases in between without building them:
    access_model_enumerate_every), on Haswell-v4 (4-level, no SMAP, no PKU:
    6.1 M cases the CPU can run). Same verdicts as the default space,
    and the cleanup record names the full space and the stride."""
    problems = []
    run = qemu_run.boot(base_config("checks = full", "checks_paging = booted", "matrix_sample = 20011"),
                        cpu="Haswell-v4", timeout=300)
    tolerated = check_matrix_run(run, problems, 4)
    expect_run_with_tolerated(run, problems, tolerated)
    detail = (matrix_checks(run).get("matrix.cleanup") or {}).get("detail", "")
    m = re.search(r"ran (\d+) cases in \d+ ms: 1 in (\d+) of the (\d+) this CPU can do of the (\w+) space's (\d+)",
                  detail)
    if not m:
        problems.append("matrix.cleanup detail unreadable: %r" % detail)
    else:
        ran, stride, runnable, space, total = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), int(m.group(5))
        if space != "full" or stride != 20011:
            problems.append("want the full space 1 in 20011, got the %s space 1 in %d" % (space, stride))
        if total <= 11919360:      # the default space of both modes together
            problems.append("the full space's 4-level part should be far larger than the default one: %d"
                            % total)
        if ran != (runnable + stride - 1) // stride:
            problems.append("ran %d cases, want ceil(%d / %d)" % (ran, runnable, stride))
    return problems


@case
def matrix_checks_none_runs_nothing():
    problems = []
    run = qemu_run.boot(base_config("checks = none"), timeout=300)
    expect_clean_run(run, problems)
    if matrix_checks(run) or run.of_type("check_mismatch"):
        problems.append("checks = none, yet matrix records: %s" % sorted(matrix_checks(run)))
    return problems


# ---- The matrix on every CPU (checks/matrix.h, matrix_parallel) -------------------------

PARALLEL_CONFIG = ("checks = full", "checks_paging = booted", "matrix_sample = 20011")
CLEANUP_RE = re.compile(r"ran (\d+) cases in \d+ ms: 1 in (\d+) of the (\d+) .*; on (\d+) CPUs?$")


def group_verdicts(run):
    """name -> (result, detail) of the six group records and the case count of matrix.cleanup."""
    checks = matrix_checks(run)
    out = {n: (checks.get(n, {}).get("result"), checks.get(n, {}).get("detail")) for n in GROUPS}
    m = CLEANUP_RE.search((checks.get("matrix.cleanup") or {}).get("detail", ""))
    out["cases"] = int(m.group(1)) if m else None
    out["cpus"] = int(m.group(4)) if m else None
    return out


def parallel_problems(run, want_cpus, problems):
    """The parallel run's own records: matrix.parallel passes; the matrix_parallel
    record has every CPU with a non-empty slice, slices adding up to the run's
    cases, and a speed-up (reported, never asserted beyond > 0)."""
    par = [c for c in run.of_type("check") if c.get("name") == "matrix.parallel"]
    if len(par) != 1 or par[0].get("result") != "pass":
        problems.append("want one passing matrix.parallel check, got %s" % par)
    recs = run.of_type("matrix_parallel")
    if len(recs) != 1:
        problems.append("want one matrix_parallel record, got %d" % len(recs))
        return
    r = recs[0]
    if r.get("cpus") != want_cpus or sorted(r.get("slice_cpus", [])) != list(range(want_cpus)):
        problems.append("matrix_parallel: cpus %s slice_cpus %s, want every one of %d CPUs" %
                        (r.get("cpus"), r.get("slice_cpus"), want_cpus))
    cases = r.get("slice_cases", [])
    if len(cases) != want_cpus or any(n <= 0 for n in cases) or sum(cases) != r.get("cases"):
        problems.append("matrix_parallel: a CPU without cases, or slices not adding up: %s" % r)
    if max(cases or [0]) - min(cases or [0]) > 1:
        problems.append("slices dealt unevenly (one by one they differ by at most 1): %s" % cases)
    busy = r.get("slice_busy_cycles", [])
    if not (r.get("wall_cycles", 0) > 0 and r.get("busy_cycles", 0) > 0 and r.get("speedup_x100", 0) > 0 and
            len(busy) == want_cpus and all(b > 0 for b in busy) and sum(busy) == r.get("busy_cycles")):
        problems.append("matrix_parallel: wall/busy cycles or speed-up not sane: %s" % r)
    if r.get("lost") != 0:
        problems.append("matrix_parallel: lost slices: %s" % r)


def compare_with_reference(ref, par, problems, ref_name):
    a, b = group_verdicts(ref), group_verdicts(par)
    for name in GROUPS + ["cases"]:
        if a.get(name) != b.get(name):
            problems.append("%s: %s in the %s run, %s in the parallel one" % (name, a.get(name), ref_name,
                                                                                b.get(name)))
    if a.get("cases") is None:
        problems.append("the %s run's matrix.cleanup is unreadable" % ref_name)


@case
def matrix_parallel_smp2_same_as_smp1():
    """checks = full (parallel by default, matrix_parallel = auto) at -smp 2 runs
    the same cases with the same verdicts as at -smp 1: the six group records
    (cases run, mismatches by kind, skips, result) are equal, as is the number
    of cases; every CPU ran a slice and the speed-up record is there. This
    fails if a slice dropped or repeated cases (the counts would differ), if a
    CPU's probes disagreed with the boot CPU's (the mismatch counts would), or
    if a CPU never ran its share. Haswell-v4: 4-level, no SMAP or PKU, so the
    run is short. The slice split itself is host-tested (test_matrix_slice)."""
    problems = []
    ref = qemu_run.boot(base_config(*PARALLEL_CONFIG), cpu="Haswell-v4", smp=1, timeout=300)
    par = qemu_run.boot(base_config(*PARALLEL_CONFIG), cpu="Haswell-v4", smp=2, timeout=600)
    for run in (ref, par):
        tolerated = check_matrix_run(run, problems, 4)
        expect_run_with_tolerated(run, problems, tolerated)
    compare_with_reference(ref, par, problems, "-smp 1")
    if group_verdicts(ref).get("cpus") != 1 or group_verdicts(par).get("cpus") != 2:
        problems.append("matrix.cleanup CPUs: %s and %s, want 1 and 2" %
                        (group_verdicts(ref).get("cpus"), group_verdicts(par).get("cpus")))
    if ref.of_type("matrix_parallel"):
        problems.append("a matrix_parallel record at -smp 1")
    parallel_problems(par, 2, problems)
    return problems


@case
def matrix_parallel_smp4_same_as_serial():
    """At -smp 4 the parallel run equals the serial one forced by
    `matrix_parallel = off` on the same machine (which runs on CPU 0 alone and
    writes no matrix_parallel record): same group records, same case count;
    every one of the 4 CPUs ran a non-empty slice, the slices add up, the
    speed-up is reported."""
    problems = []
    ref = qemu_run.boot(base_config(*PARALLEL_CONFIG, "matrix_parallel = off"), cpu="Haswell-v4", smp=4,
                        timeout=600)
    par = qemu_run.boot(base_config(*PARALLEL_CONFIG, "matrix_parallel = on"), cpu="Haswell-v4", smp=4,
                        timeout=900)
    for run in (ref, par):
        tolerated = check_matrix_run(run, problems, 4)
        expect_run_with_tolerated(run, problems, tolerated)
    compare_with_reference(ref, par, problems, "serial")
    if group_verdicts(ref).get("cpus") != 1 or group_verdicts(par).get("cpus") != 4:
        problems.append("matrix.cleanup CPUs: %s and %s, want 1 and 4" %
                        (group_verdicts(ref).get("cpus"), group_verdicts(par).get("cpus")))
    if ref.of_type("matrix_parallel") or [c for c in ref.of_type("check") if c.get("name") == "matrix.parallel"]:
        problems.append("matrix_parallel = off, yet a parallel record")
    parallel_problems(par, 4, problems)
    return problems
