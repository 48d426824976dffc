"""QEMU integration tests: boot the image under OVMF with chosen configs and
CPU models, parse the records, assert. Each case is one test; cases run two
at a time (the CI machine has two cores).

A case is a function taking nothing and returning a list of problems (empty
means pass); it boots through tools/qemu_run.boot().
"""
import concurrent.futures
import os
import sys
import time

import qemu_run

PASSED, FAILED = qemu_run.QEMU_EXIT_PASSED, qemu_run.QEMU_EXIT_FAILED
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def one_cpu_only(reason):
    """Marks a case that make test-smp4 (FAULTLINE_SMP above 1) leaves out,
    reported as skipped with reason: one that boots no faultline whose CPU
    count FAULTLINE_SMP could change (a Linux-reference-only run, which keeps
    its one CPU), so that at -smp 4 it would only repeat make test-qemu."""
    def mark(fn):
        fn.one_cpu_only = reason
        return fn
    return mark


def smp_run():
    """Whether FAULTLINE_SMP boots the cases with more than one CPU (make test-smp4)."""
    smp = os.environ.get("FAULTLINE_SMP")
    return bool(smp) and int(smp.split(",")[0]) > 1


def base_config(*lines):
    return "\n".join(("exit = qemu",) + lines) + "\n"


def expect_clean_run(run, problems, what=""):
    """The common verdict: passed exit, boot and summary records, nothing failed."""
    if run.timed_out:
        tail = [l for l in run.log.split("\n") if l.strip()][-2:]
        problems.append("%stimed out after %.0f s; serial ended with: %s" % (what, run.seconds, " | ".join(tail)[-300:]))
        return
    if run.status != PASSED:
        problems.append("%sQEMU exit status %d, want %d" % (what, run.status, PASSED))
    summary = run.first("summary")
    if not summary:
        problems.append("%sno summary record" % what)
    elif summary.get("failed") != 0:
        fails = [r for r in run.of_type("test") + run.program_records("test") if r.get("result") == "fail"]
        problems.append("%ssummary failed=%s: %s" % (what, summary.get("failed"), fails[:3]))
    if len(run.of_type("summary")) > 1:
        problems.append("%s%d summary records, want one" % (what, len(run.of_type("summary"))))
    if run.of_type("panic"):
        problems.append("%spanic: %s" % (what, run.first("panic")))
    if not run.first("boot"):
        problems.append("%sno boot record" % what)


BOOT_FIELDS = ["firmware", "cpu_vendor", "cpu_family", "cpu_model", "cpu_name", "features",
               "paging_levels", "pcid_in_use", "tsc_hz", "tsc_source", "usable_bytes", "free_frames"]
FEATURES = ["nx", "smep", "smap", "pku", "pcid", "invpcid", "pge", "pdpe1gb", "la57", "invariant_tsc"]


def check_boot_record(run, problems):
    boot = run.first("boot")
    if not boot:
        return None
    for k in BOOT_FIELDS:
        if k not in boot:
            problems.append("boot record lacks %s" % k)
    for f in FEATURES:
        if f not in boot.get("features", {}):
            problems.append("boot features lack %s" % f)
    # PCIDs in use only where the CPU has them (pcid = auto, the default: then always).
    if boot.get("pcid_in_use") not in (True, False) or (boot.get("pcid_in_use") and not boot["features"].get("pcid")):
        problems.append("boot pcid_in_use %r with features.pcid %r" %
                        (boot.get("pcid_in_use"), boot.get("features", {}).get("pcid")))
    return boot


def cpu_case(cpu, expect_features):
    def fn():
        problems = []
        run = qemu_run.boot(base_config(), cpu=cpu)
        expect_clean_run(run, problems)
        boot = check_boot_record(run, problems)
        if boot:
            for f, want in expect_features.items():
                got = boot.get("features", {}).get(f)
                if got != want:
                    problems.append("%s: feature %s is %s, want %s" % (cpu, f, got, want))
        return problems
    fn.__name__ = "boot_cpu_" + cpu.replace("-", "_")
    return case(fn)


cpu_case("max", {"nx": True, "la57": True, "pdpe1gb": True})
cpu_case("qemu64", {"nx": True, "la57": False, "smep": False, "pcid": False})
cpu_case("Haswell-v4", {"nx": True, "smep": True, "la57": False, "pdpe1gb": False})
cpu_case("EPYC", {"nx": True, "pdpe1gb": True, "la57": False, "smap": True})


def paging_case(cpu, paging, want_levels, want_warning):
    def fn():
        problems = []
        run = qemu_run.boot(base_config("paging = " + paging), cpu=cpu)
        expect_clean_run(run, problems)
        boot = run.first("boot") or {}
        if boot.get("paging_levels") != want_levels:
            problems.append("paging_levels %s, want %s" % (boot.get("paging_levels"), want_levels))
        warned = any(w.get("what") == "paging" for w in run.of_type("warning"))
        if warned != want_warning:
            problems.append("paging warning %s, want %s" % (warned, want_warning))
        names = {t.get("name"): t.get("result") for t in run.of_type("test")}
        for t in ("paging.levels", "paging.control_bits", "paging.kernel_layout", "paging.verify_boot",
                  "paging.verify_after_high_mapping", "efi.runtime_get_time", "paging.verify_after_efi_call"):
            if names.get(t) != "pass":
                problems.append("%s: %s" % (t, names.get(t)))
        want_high = "pass" if want_levels == 5 else "skip"
        if names.get("paging.la57_high_address") != want_high:
            problems.append("paging.la57_high_address %s, want %s" % (names.get("paging.la57_high_address"), want_high))
        return problems
    fn.__name__ = "paging_%s_%s" % (paging, cpu.replace("-", "_"))
    return case(fn)


paging_case("max", "5", 5, False)
paging_case("max", "4", 4, False)
paging_case("max", "auto", 5, False)
paging_case("qemu64", "5", 4, True)
paging_case("Haswell-v4", "auto", 4, False)


def memory_case(mem, low, high):
    def fn():
        problems = []
        run = qemu_run.boot(base_config(), mem=mem)
        expect_clean_run(run, problems)
        boot = run.first("boot") or {}
        usable = boot.get("usable_bytes", 0)
        if not low <= usable <= high:
            problems.append("-m %s: usable_bytes %d not in [%d, %d]" % (mem, usable, low, high))
        return problems
    fn.__name__ = "boot_memory_" + mem
    return case(fn)


memory_case("128M", 64 << 20, 128 << 20)
memory_case("4G", 3 << 30, 4 << 30)
memory_case("6G", 5 << 30, 6 << 30)   # the 5-level root must come from below 4 GiB: alloc_page_below


@case
def boot_8G_image_above_4G():
    """-m 8G: the firmware loads the image at its preferred base, 0x140000000
    (5 GiB), so the takeover, relocation and LA57 switch run from above 4 GiB."""
    problems = []
    run = qemu_run.boot(base_config(), mem="8G")
    expect_clean_run(run, problems)
    boot = run.first("boot") or {}
    base = int(boot.get("image_base", "0x0"), 16)
    if base < (1 << 32):
        problems.append("image_base 0x%x is below 4 GiB: the test does not cover a high load" % base)
    usable = boot.get("usable_bytes", 0)
    if not (7 << 30) <= usable <= (8 << 30):
        problems.append("usable_bytes %d not in [7 GiB, 8 GiB]" % usable)
    return problems


def exception_case(hook, vector, extra_check=None, screen=False):
    """screen: boot with a screendump (the verdict then is the summary record's,
    not QEMU's status) and check the QR code of the summary on it (qr_screen.py)."""
    def fn():
        problems = []
        run = qemu_run.boot(base_config("test = " + hook), screendump=screen)
        if not screen and run.status != FAILED:
            problems.append("exit status %d, want %d (failure)" % (run.status, FAILED))
        panic = run.first("panic")
        if not panic:
            problems.append("no panic record")
        else:
            if vector is not None and panic.get("vector") != vector:
                problems.append("panic vector %s, want %s" % (panic.get("vector"), vector))
            if extra_check:
                extra_check(panic, problems)
        if vector is not None:
            for word in ("RIP", "CR2", "CR3", "CR4", "EFER", "RAX", "R15", "backtrace"):
                if word not in run.log:
                    problems.append("dump lacks %s" % word)
        summary = run.first("summary")
        if not summary or summary.get("failed", 0) < 1:
            problems.append("summary does not count the failure: %s" % summary)
        if screen and panic:
            import qr_screen
            qr_screen.check(run, problems, panic=panic)
        return problems
    fn.__name__ = "exception_" + hook
    return case(fn)


exception_case("ud2", 6)
exception_case("gp", 13)
exception_case("de", 0)
exception_case("pf", 14, lambda p, probs: None if "!P" in p.get("error_decoded", "")
               else probs.append("page-fault decode wrong: %s" % p.get("error_decoded")))
exception_case("panic", None, lambda p, probs: None if p.get("reason") == "invariant"
               else probs.append("panic reason %s" % p.get("reason")), screen=True)


MM_ATOMIC_CASES = ["mremap_move", "mremap_grow_in_place", "mremap_fixed_over_mapping", "mremap_fixed_across_tables",
                   "mremap_fixed_keeps_empty_table", "mremap_fixed_shrink",
                   "mmap_fixed_over_populated", "munmap_split", "mprotect_split", "madvise_dontneed",
                   "madvise_hugepage_middle", "brk_grow", "brk_shrink", "mmap_populate",
                   "thp_munmap_middle", "thp_mprotect_middle", "thp_madvise_dontneed_middle", "thp_mremap_move",
                   "thp_mmap_populate", "fork_thp", "fork_dup_mm", "mremap_shmem_fixed_across_tables",
                   "mremap_shmem_dontunmap", "check_catches_lost_page", "no_frame_leaked"]
# Cases whose call allocates, so some injection point must have been tried.
MM_ATOMIC_INJECTED = ["mremap_move", "mremap_fixed_over_mapping", "mremap_fixed_across_tables",
                      "mremap_fixed_keeps_empty_table", "mremap_fixed_shrink",
                      "mmap_fixed_over_populated", "munmap_split", "mprotect_split", "brk_grow", "mmap_populate",
                      "thp_munmap_middle", "thp_mprotect_middle", "thp_mremap_move", "thp_mmap_populate",
                      "fork_thp", "fork_dup_mm", "mremap_shmem_fixed_across_tables", "mremap_shmem_dontunmap"]


def mm_atomic_case(mem, paging):
    def fn():
        """test = fail_alloc: every mm call is all-or-nothing when its Nth allocation fails."""
        problems = []
        run = qemu_run.boot(base_config("test = fail_alloc", "paging = " + paging), mem=mem)
        expect_clean_run(run, problems)
        tests = {r.get("name"): r for r in run.of_type("test")}
        for name in MM_ATOMIC_CASES:
            r = tests.get("mm_atomic." + name)
            if not r:
                problems.append("no record mm_atomic.%s" % name)
            elif r.get("result") != "pass":
                problems.append("mm_atomic.%s: %s" % (name, r.get("detail")))
            elif name in MM_ATOMIC_INJECTED and r.get("detail", "").startswith("0 allocations"):
                problems.append("mm_atomic.%s tried no injection point: %s" % (name, r.get("detail")))
        return problems
    fn.__name__ = "mm_atomic_fail_alloc_%s_paging%s" % (mem, paging)
    return case(fn)


mm_atomic_case("1G", "4")
mm_atomic_case("128M", "5")


@case
def config_broken_lines_warn_and_go_on():
    problems = []
    cfg = base_config("pagin = 4", "paging = 6", "checks = sometimes", "run = nosuchprogram",
                      "run = ../escape", "just some words")
    run = qemu_run.boot(cfg)
    expect_clean_run(run, problems)
    warnings = run.of_type("warning")
    text = " ".join(str(w) for w in warnings)
    for needle in ("line 2", "pagin", "line 3", "line 4", "nosuchprogram", "line 6", "line 7"):
        if needle not in text:
            problems.append("no warning mentions %r (warnings: %s)" % (needle, text[:400]))
    return problems


@case
def config_missing_uses_defaults():
    problems = []
    import subprocess
    import tempfile
    import shutil
    with tempfile.TemporaryDirectory() as wd:
        img = qemu_run.prepare_image(wd)
        subprocess.run(["mdel", "-i", qemu_run.esp(img), "::/faultline.cfg"], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        run = qemu_run.boot(image=img)
    expect_clean_run(run, problems)
    if not any("not found" in str(w) for w in run.of_type("warning")):
        problems.append("no warning about the missing config")
    return problems


@case
def config_hostile_bytes():
    problems = []
    import random
    rnd = random.Random(1234)
    junk = bytes(rnd.randrange(256) for _ in range(40000))
    run = qemu_run.boot("exit = qemu\n" + junk.decode("latin-1"))
    # A config of junk still boots and ends with a verdict; warnings say why.
    if run.timed_out or run.status not in (PASSED,):
        problems.append("status %d after a junk config" % run.status)
    if not run.of_type("warning"):
        problems.append("no warnings for a junk config")
    if run.of_type("panic"):
        problems.append("panic on a junk config")
    return problems


class Skip(Exception):
    """Raised by a case that cannot run here; str() says why. The runner
    counts it as skipped, neither passed nor failed."""


def run_case(fn):
    """Runs one case: (name, problems, seconds, skip reason or None). A case
    needing a QEMU that is not there (qemu_run.QemuUnavailable) or raising
    Skip is skipped with the reason."""
    start = time.time()
    skipped = None
    try:
        if smp_run() and getattr(fn, "one_cpu_only", None):
            raise Skip("not at FAULTLINE_SMP=%s: %s" % (os.environ.get("FAULTLINE_SMP"), fn.one_cpu_only))
        problems = fn()
    except (Skip, qemu_run.QemuUnavailable) as e:
        problems, skipped = [], str(e)
    except Exception as e:  # a harness error is a failure, not a crash of the runner
        problems = ["harness error: %r" % e]
    return fn.__name__, problems, time.time() - start, skipped


def run_all(hw_variety=False, smp_big=False):
    """Runs the cases (FAULTLINE_CASES: those whose names contain one of its
    comma-separated words); hw_variety: only the machine-variety cases of
    tests/qemu/hw_variety.py (make test-hw-variety), which make test leaves
    out; smp_big: the whole suite plus the big SMP cases of tests/qemu/smp.py
    (-smp 8, x2APIC at 8 CPUs and above APIC id 254: make test-smp4, which
    also boots every case with FAULTLINE_SMP=4). Returns (passed, failed,
    skipped)."""
    if hw_variety:
        import hw_variety as suite
        passed, failed, skipped, names = run_cases(suite.CASES, with_names=True)
        problems = suite.fleet_page(names)
        print("qemu: %s %-40s %s" % ("FAIL" if problems else "pass", "hw_variety_fleet_page",
                                     "\n        ".join([suite.LOG_DIR + "/fleet.html"] + problems)))
        return passed + (not problems), failed + bool(problems), skipped
    import ring3  # noqa: F401  (registers the ring-3 cases)
    import checks  # noqa: F401  (registers the targeted-check cases)
    import matrix  # noqa: F401  (registers the conformance-matrix cases)
    import screen  # noqa: F401  (registers the screen case)
    import fuzz  # noqa: F401  (registers the mm fuzzer cases)
    import secureboot  # noqa: F401  (registers the Secure Boot cases)
    import realpc  # noqa: F401  (registers the real-PC cases: NVRAM, SPCR, reset)
    import busybox  # noqa: F401  (registers Debian's busybox running shell scripts)
    import smp  # noqa: F401  (registers the SMP cases: bring-up, per-core checks)
    import mm_selftests  # noqa: F401  (registers Linux's mm selftests and bash-static against Linux)
    import reclaim  # noqa: F401  (registers the memory-pressure cases)
    import swap  # noqa: F401  (registers the swap cases)
    if smp_big:
        return run_cases(CASES + smp.BIG_CASES)
    return run_cases(CASES)


def run_cases(all_cases, with_names=False):
    """Runs all_cases (filtered by FAULTLINE_CASES) FAULTLINE_JOBS (2) at a
    time, printing a line per case; returns (passed, failed, skipped), and
    the names of the cases run when with_names."""
    only = os.environ.get("FAULTLINE_CASES")
    cases = [c for c in all_cases if not only or any(o in c.__name__ for o in only.split(","))]
    passed = failed = skipped = 0
    workers = int(os.environ.get("FAULTLINE_JOBS", "2"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for name, problems, secs, skip in pool.map(run_case, cases):
            if skip is not None:
                skipped += 1
                print("qemu: skip %-40s (%.0f s)\n        %s" % (name, secs, skip))
            elif problems:
                failed += 1
                print("qemu: FAIL %-40s (%.0f s)" % (name, secs))
                for p in problems:
                    print("        " + p)
            else:
                passed += 1
                print("qemu: pass %-40s (%.0f s)" % (name, secs))
            sys.stdout.flush()
    if with_names:
        return passed, failed, skipped, [c.__name__ for c in cases]
    return passed, failed, skipped


@case
def stored_report_survives_to_next_boot():
    """The end-of-run summary goes to a UEFI NV variable; the next boot writes it
    to \\faultline\\reports\\ on the ESP and deletes the variable (writable OVMF
    variable store kept across boots, the file read back with mtools)."""
    import json
    import shutil
    import subprocess
    import tempfile
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    problems = []

    def reports(img):
        out = subprocess.run(["mdir", "-b", "-i", qemu_run.esp(img), "::/faultline/reports"],
                             capture_output=True, text=True, env=env).stdout
        return sorted(l.strip() for l in out.splitlines() if l.strip().endswith(".json"))

    with tempfile.TemporaryDirectory() as wd:
        img = qemu_run.prepare_image(wd, base_config())
        vars_fd = os.path.join(wd, "vars.fd")
        shutil.copyfile(qemu_run.OVMF_VARS, vars_fd)
        first = qemu_run.boot(image=img, vars_file=vars_fd)
        expect_clean_run(first, problems, "boot 1: ")
        if "stored in NVRAM" not in first.log:
            problems.append("boot 1 did not store its report")
        if reports(img):
            problems.append("reports before any second boot: %s" % reports(img))
        second = qemu_run.boot(image=img, vars_file=vars_fd)
        expect_clean_run(second, problems, "boot 2: ")
        files = reports(img)
        if len(files) != 1:
            return problems + ["after boot 2: %d report files, want 1 (%s)" % (len(files), files)]
        text = subprocess.run(["mtype", "-i", qemu_run.esp(img), files[0]], capture_output=True,
                              text=True, env=env).stdout
        try:
            rep = json.loads(text)
        except ValueError:
            return problems + ["the stored report is not JSON: %r" % text[:200]]
        want = first.first("summary") or {}
        got = rep.get("summary", {})
        if rep.get("type") != "stored_report" or got.get("passed") != want.get("passed") or got.get("failed") != 0:
            problems.append("stored report %s does not match boot 1's summary %s" % (rep, want))
        if rep.get("secure_boot") != (first.first("boot") or {}).get("secure_boot"):
            problems.append("stored report's secure_boot %r is not boot 1's" % rep.get("secure_boot"))
        if len(text) > 8192:
            problems.append("stored report is %d bytes (limit 8192)" % len(text))
        third = qemu_run.boot(image=img, vars_file=vars_fd)
        expect_clean_run(third, problems, "boot 3: ")
        if len(reports(img)) != 2:
            problems.append("after boot 3: %d report files, want 2 (one per earlier run)" % len(reports(img)))
    return problems
