"""Ring-3 integration tests: the project's ring-3 programs (build/user/) on
faultline, and the same binaries on the Linux reference (tools/linux_ref.py,
Debian's cloud kernel in the same QEMU), compared result by result.

What each program must do is read from its name: `segv_*` programs must die
by SIGSEGV, `oom_*` programs by SIGKILL after an `oom` record, every other
program must exit with status 0. Every `ring3.*` test record must pass on
faultline; on Linux a faultline-only check says "skip".
"""
import glob
import os

import qemu_run
from integration import case, base_config, expect_clean_run

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


def expected_end(name):
    if name.startswith("segv_"):
        return ("kill", "SIGSEGV")
    if name.startswith(("oom_", "spin_")):
        return ("kill", "SIGKILL")
    return ("exit", 0)


def ends(run):
    """program -> ("exit", status) or ("kill", signal), from exit/kill records."""
    out = {}
    for r in run.records:
        if r.get("type") == "exit":
            out[r.get("program")] = ("exit", r.get("status"))
        elif r.get("type") == "kill":
            out[r.get("program")] = ("kill", r.get("signal"))
    return out


def ring3_results(run):
    return {r["name"]: r.get("result") for r in run.of_type("test")
            if str(r.get("name", "")).startswith("ring3.")}


def check_faultline_run(run, names, problems):
    got = ends(run)
    for n in names:
        if got.get(n) != expected_end(n):
            problems.append("%s ended %s, want %s" % (n, got.get(n), expected_end(n)))
    results = ring3_results(run)
    if not results:
        problems.append("no ring3 test records at all")
    for name, result in sorted(results.items()):
        if result != "pass":
            detail = next((r.get("detail") for r in run.of_type("test") if r.get("name") == name), "")
            problems.append("%s: %s (%s)" % (name, result, detail))
    for n in names:
        for check in ("verify_live", "frames_returned", "verify"):
            key = "kernel.%s.%s" % (n, check)
            res = next((r.get("result") for r in run.of_type("test") if r.get("name") == key), None)
            if res != "pass":
                problems.append("%s: %s" % (key, res))


def faultline_case(paging, cpu="max"):
    def fn():
        names = programs()
        problems = []
        run = qemu_run.boot(base_config("paging = " + paging, *["run = " + n for n in names]),
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
    run = qemu_run.boot(base_config("run = oom_touch", "run = minflt_count"), mem="256M", timeout=600)
    expect_clean_run(run, problems)
    oom = run.first("oom")
    if not oom or oom.get("program") != "oom_touch":
        problems.append("no oom record for oom_touch: %s" % oom)
    got = ends(run)
    if got.get("oom_touch") != ("kill", "SIGKILL"):
        problems.append("oom_touch ended %s, want SIGKILL" % (got.get("oom_touch"),))
    if got.get("minflt_count") != ("exit", 0):
        problems.append("the program after the OOM ended %s, want exit 0" % (got.get("minflt_count"),))
    results = ring3_results(run)
    if results.get("ring3.oom_touch.mmap_larger_than_ram") != "pass":
        problems.append("mmap larger than RAM did not succeed")
    return problems


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
    for n in names:
        if lends.get(n) != expected_end(n):
            problems.append("on Linux %s ended %s, want %s (the test program is wrong)"
                            % (n, lends.get(n), expected_end(n)))
        if fends.get(n) != lends.get(n):
            problems.append("%s ended %s on faultline, %s on Linux" % (n, fends.get(n), lends.get(n)))
    lres = {r["name"]: r.get("result") for r in lrun.of_type("test") if str(r.get("name", "")).startswith("ring3.")}
    fres = ring3_results(frun)
    for name in sorted(set(lres) | set(fres)):
        l, f = lres.get(name), fres.get(name)
        if l == "skip":
            if f != "pass":
                problems.append("%s: faultline-only check is %s on faultline" % (name, f))
        elif l != f:
            problems.append("%s: %s on Linux, %s on faultline" % (name, l, f))
    if len(lres) < len(names):
        problems.append("only %d ring3 records from Linux for %d programs" % (len(lres), len(names)))
    return problems


@case
def ring3_time_limit_kills_a_spinning_program():
    problems = []
    run = qemu_run.boot(base_config("time_limit = 2", "run = spin_forever", "run = minflt_count"), timeout=300)
    expect_clean_run(run, problems)
    got = ends(run)
    kill = next((r for r in run.of_type("kill") if r.get("program") == "spin_forever"), None)
    if not kill or kill.get("signal") != "SIGKILL" or "time limit" not in kill.get("reason", ""):
        problems.append("spin_forever not killed by the time limit: %s" % kill)
    if got.get("minflt_count") != ("exit", 0):
        problems.append("the program after it ended %s, want exit 0" % (got.get("minflt_count"),))
    return problems
