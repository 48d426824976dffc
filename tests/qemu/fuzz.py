"""The memory-syscall fuzzer (user/tests/mm_fuzz.c, docs/ring3.md "Fuzzer").

As QEMU cases (registered by integration.run_all):
  fuzz_mm_faultline        two seeds x 100 000 operations in one boot: each run
                           exits 0, every ring3.mm_fuzz record passes, every
                           frame comes back, the page tables verify, no panic
  fuzz_mm_linux_reference  the same program on the Linux reference machine
                           (tools/linux_ref.py), every shape enabled: the model
                           agrees with Linux

As a command (make fuzz, make fuzz-linux):
  python3 tests/qemu/fuzz.py [--seeds N] [--first S] [--ops M]   faultline, one boot
  python3 tests/qemu/fuzz.py --host [--seeds N] [--first S] [--ops M]   this host's Linux
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import qemu_run  # noqa: E402
from integration import case, base_config, expect_clean_run, one_cpu_only  # noqa: E402

PROGRAM = os.path.join(ROOT, "build", "user", "mm_fuzz")

# Shapes where faultline still differs from Linux (mm_fuzz skip=): remove a
# name when its fix is merged. The fuzzer finds each one with it enabled (and
# the others skipped) at seed 1, operation N:
UNTIL_FIXED = [
]
MAX_WORD = 95   # lib/config.c: the longest word of a run line


def skip_words(shapes):
    """skip= arguments, each at most MAX_WORD characters."""
    words, cur = [], []
    for s in shapes:
        if cur and len("skip=" + ",".join(cur + [s])) > MAX_WORD:
            words.append("skip=" + ",".join(cur))
            cur = []
        cur.append(s)
    if cur:
        words.append("skip=" + ",".join(cur))
    return words


def run_line(seed, ops, skip=UNTIL_FIXED):
    return " ".join(["mm_fuzz", "seed=%d" % seed, "ops=%d" % ops] + skip_words(skip))


def check_faultline_fuzz(run, runs, problems):
    """runs mm_fuzz runs: each exited 0, all records pass, frames and tables checked."""
    expect_clean_run(run, problems)
    exits = [r for r in run.of_type("exit") if r.get("program") == "mm_fuzz"]
    kills = [r for r in run.of_type("kill") if r.get("program") == "mm_fuzz"]
    if kills:
        problems.append("mm_fuzz killed: %s" % kills[0])
    if len(exits) != runs or any(r.get("status") != 0 for r in exits):
        problems.append("mm_fuzz exits %s, want %d with status 0" % ([r.get("status") for r in exits], runs))
    # The kernel's checks are its own records; the program's arrive inside output records.
    tests = [r for r in run.of_type("test") + run.program_records("test")
             if str(r.get("name", "")).startswith(("ring3.mm_fuzz.", "kernel.mm_fuzz."))]
    for r in tests:
        if r.get("result") != "pass":
            problems.append("%s: %s (%s)" % (r.get("name"), r.get("result"), r.get("detail")))
    for name in ("ring3.mm_fuzz.ops", "kernel.mm_fuzz.frames_returned", "kernel.mm_fuzz.verify",
                 "kernel.mm_fuzz.verify_live"):
        n = sum(1 for r in tests if r.get("name") == name and r.get("result") == "pass")
        if n != runs:
            problems.append("%d passing %s records, want %d" % (n, name, runs))


def boot_fuzz(seeds, ops, timeout):
    lines = ["run = " + run_line(s, ops) for s in seeds]
    # 0 would mean the default; one program's run is bounded by the boot's timeout instead
    return qemu_run.boot(base_config("time_limit = 86400", *lines), timeout=timeout)


@case
def fuzz_mm_faultline():
    problems = []
    run = boot_fuzz((1, 2), 100000, timeout=600)
    check_faultline_fuzz(run, 2, problems)
    return problems


@case
@one_cpu_only("only the Linux reference boots (one CPU, whatever FAULTLINE_SMP says)")
def fuzz_mm_linux_reference():
    """The model agrees with Linux: the fuzzer with every shape passes on Debian's kernel."""
    import linux_ref
    try:
        lrun = linux_ref.run_programs([(PROGRAM, ["seed=3", "ops=20000"])], timeout=600)
    except linux_ref.LinuxRefError as e:
        return ["Linux reference could not run: %s" % e]
    problems = []
    if not lrun.finished():
        return ["Linux reference did not finish (timed out: %s)" % lrun.timed_out]
    ends = [r for r in lrun.records if r.get("type") in ("exit", "kill") and r.get("program") == "mm_fuzz"]
    if len(ends) != 1 or ends[0].get("type") != "exit" or ends[0].get("status") != 0:
        problems.append("mm_fuzz on Linux ended %s, want exit 0" % ends)
    tests = [r for r in lrun.program_records("test") if str(r.get("name", "")).startswith("ring3.mm_fuzz.")]
    for r in tests:
        if r.get("result") != "pass":
            problems.append("on Linux %s: %s (%s)" % (r.get("name"), r.get("result"), r.get("detail")))
    if not any(r.get("name") == "ring3.mm_fuzz.ops" for r in tests):
        problems.append("no ring3.mm_fuzz.ops record from Linux")
    return problems


def long_faultline(seeds, ops):
    """make fuzz: every seed in one boot; prints the verdict, returns the exit status."""
    # 20 000 to 60 000 operations per second under TCG (docs/ring3.md): a generous bound
    timeout = 120 + len(seeds) * ops // 2000
    print("fuzz: faultline, seeds %d..%d, %d operations each (%d in all), one boot (timeout %d s)"
          % (seeds[0], seeds[-1], ops, ops * len(seeds), timeout))
    sys.stdout.flush()
    run = boot_fuzz(seeds, ops, timeout)
    problems = []
    check_faultline_fuzz(run, len(seeds), problems)
    for p in problems:
        print("fuzz: FAIL " + p)
    print("fuzz: %s, %d operations in %.0f s" % ("FAIL" if problems else "pass", ops * len(seeds), run.seconds))
    return 1 if problems else 0


def long_host(seeds, ops):
    """make fuzz-linux: the same seeds natively on this host, every shape enabled."""
    failed = 0
    for s in seeds:
        start = time.time()
        proc = subprocess.run([PROGRAM, "seed=%d" % s, "ops=%d" % ops], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace")
        bad = [l for l in proc.stdout.splitlines() if '"result":"fail"' in l]
        ok = proc.returncode == 0 and not bad
        failed += not ok
        print("fuzz-linux: seed %d, %d operations: %s (exit %d, %.0f s)%s"
              % (s, ops, "pass" if ok else "FAIL", proc.returncode, time.time() - start,
                 "".join("\n    " + l for l in bad)))
        sys.stdout.flush()
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", action="store_true", help="run on this host's Linux instead of faultline")
    ap.add_argument("--first", type=int, default=1, help="the first seed (default 1)")
    ap.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    ap.add_argument("--ops", type=int, default=1000000, help="operations per seed (default 1 000 000)")
    a = ap.parse_args()
    seeds = list(range(a.first, a.first + a.seeds))
    return long_host(seeds, a.ops) if a.host else long_faultline(seeds, a.ops)


if __name__ == "__main__":
    sys.exit(main())
