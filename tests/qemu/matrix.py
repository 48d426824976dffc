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
    the default space); matrix_sample = 20011 runs 1 case in 20011. Even so
    every case is enumerated: on Haswell-v4 (4-level, no SMAP, no PKU: 6.1 M
    cases the CPU can run) that takes seconds under TCG, on -cpu max (300 M)
    nearly two minutes. Same verdicts as the default space,
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
