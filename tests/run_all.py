#!/usr/bin/env python3
"""make test: the layering check, the host unit tests (with the differential's
verdict rules, tests/qemu/test_verdicts.py), then the QEMU integration tests.

Prints every failure with its reason and closes with one line
"N passed, N failed" (folders of the layering check, unit-test checks,
integration cases). Exits 1 if anything failed. FAULTLINE_TESTS=layers runs
only the layering check (tools/check_layers.py, also runnable alone);
FAULTLINE_TESTS=hw-variety only the machine-variety boots (make test-hw-variety);
FAULTLINE_TESTS=smp the QEMU suite plus the big SMP cases (make test-smp4,
with FAULTLINE_SMP=4: every case boots with that many CPUs). QEMU cases that
cannot run here (the QEMU they need is not there) are counted as skipped,
with the reason, and the closing line then ends ", N skipped".
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "tools"))


def run_unit_tests():
    """Builds and runs every tests/unit/test_*.c; returns (passed, failed)."""
    passed = failed = 0
    sources = sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "test_*.c")))
    only = [n.strip() for n in os.environ.get("FAULTLINE_UNIT", "").split(",") if n.strip()]
    if only:   # make test-unit T=vma,buddy
        sources = [s for s in sources if os.path.basename(s)[len("test_"):-2] in only]
        if not sources:
            print("unit: no tests/unit/test_<name>.c for T=%s" % ",".join(only))
            return 0, 1
    bins = []
    for src in sources:   # one build each: a test that fails to build must not hide the others
        b = "build/host/" + os.path.basename(src)[:-2]
        build = subprocess.run(["make", "--no-print-directory", "-C", ROOT, b], capture_output=True, text=True)
        if build.returncode != 0:
            print(build.stdout + build.stderr)
            print("unit: %s does not build" % b)
            failed += 1
        else:
            bins.append(b)
    for b in bins:
        proc = subprocess.run([os.path.join(ROOT, b)], capture_output=True, text=True, timeout=600, cwd=ROOT)
        out = proc.stdout + proc.stderr
        m = re.search(r"(\d+) passed, (\d+) failed", out)
        if not m:
            print(out)
            print("unit: %s printed no result line (exit %d)" % (b, proc.returncode))
            failed += 1
            continue
        p, f = int(m.group(1)), int(m.group(2))
        if proc.returncode != 0 and f == 0:
            f = 1  # crashed or sanitizer report after the tally
        if f:
            print(out)
        print("unit: %-28s %5d passed, %d failed" % (os.path.basename(b), p, f))
        passed += p
        failed += f
    return passed, failed


def run_python_suite(path):
    """Runs a python test file that closes with "N passed, N failed"."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, path)], capture_output=True, text=True,
                          timeout=1200, cwd=ROOT)
    out = proc.stdout + proc.stderr
    m = re.findall(r"(\d+) passed, (\d+) failed", out)
    if not m:
        print(out)
        print("%s: no result line (exit %d)" % (path, proc.returncode))
        return 0, 1
    p, f = int(m[-1][0]), int(m[-1][1])
    if proc.returncode != 0 and f == 0:
        f = 1
    if f:
        print(out)
    print("%s: %d passed, %d failed" % (path, p, f))
    return p, f


def main():
    only = os.environ.get("FAULTLINE_TESTS", "")
    lp = lf = 0
    if only in ("", "unit", "layers"):   # one result per folder: no include from a layer above
        lp, lf = run_python_suite("tools/check_layers.py")
    if only in ("", "unit"):   # the differential's verdict rules (tests/qemu/ring3.py)
        vp, vf = run_python_suite("tests/qemu/test_verdicts.py")
        lp, lf = lp + vp, lf + vf
    up, uf = (0, 0) if only in ("qemu", "layers", "hw-variety", "smp") else run_unit_tests()
    qp = qf = qs = 0
    if only not in ("unit", "layers"):
        import integration
        qp, qf, qs = integration.run_all(hw_variety=(only == "hw-variety"), smp_big=(only == "smp"))
    bp = bf = 0
    if only in ("", "bench"):
        bp, bf = run_python_suite("bench/test_report.py")
        fp, ff = run_python_suite("bench/test_fleet.py")   # the fleet page (bench/fleet.py)
        bp, bf = bp + fp, bf + ff
    passed, failed = lp + up + qp + bp, lf + uf + qf + bf
    print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % qs if qs else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
