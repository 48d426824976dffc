#!/usr/bin/env python3
"""Run the fault-latency benchmark and write the report (docs/bench.md).

Boots faultline (build/faultline.img, tools/qemu_run.py) once with every
workload in build/user/bench_*, optionally runs the same binaries on the Linux
reference machine (tools/linux_ref.py) at the same time, keeps both serial
logs and turns them into one HTML report (bench/report.py).

    bench/run_bench.py -o build/bench/report.html               faultline, TCG
    bench/run_bench.py --icount -o report.html                  deterministic (TSC = instructions)
    bench/run_bench.py --linux -o report.html                   faultline and Linux side by side
    bench/run_bench.py --args "--mib 16 --reps 8" --workloads bench_write_first -o r.html

Build first (`make`): the image must contain the bench programs.
"""
import argparse
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402
import report  # noqa: E402

USER_DIR = os.path.join(ROOT, "build", "user")


def workloads():
    """Every built bench program, the floor first."""
    names = sorted(n for n in os.listdir(USER_DIR) if n.startswith("bench_")) if os.path.isdir(USER_DIR) else []
    return sorted(names, key=lambda n: n != "bench_empty_fault")


def faultline_config(programs, args):
    """The image's own config plus: no bring-up checks, QEMU exit, one run line per program."""
    return (qemu_run.read_default_config() + "\n# bench/run_bench.py\nchecks = none\nexit = qemu\n" +
            "".join("run = %s %s\n" % (p, args) for p in programs))


def main():
    ap = argparse.ArgumentParser(description="Run the fault-latency benchmark, write the HTML report.")
    ap.add_argument("-o", "--output", required=True, help="the report to write")
    ap.add_argument("--icount", action="store_true", help="faultline in deterministic mode (-icount)")
    ap.add_argument("--linux", action="store_true", help="also run the Linux reference")
    ap.add_argument("--args", default="--raw", help='arguments for every workload (default "--raw")')
    ap.add_argument("--workloads", help="comma-separated bench programs (default: all built)")
    ap.add_argument("--cpu", default="max", help="QEMU CPU model for both machines (default max)")
    ap.add_argument("--mem", default="1G", help="faultline guest memory (default 1G)")
    ap.add_argument("--logs", default=os.path.join(ROOT, "build", "bench"),
                    help="where the serial logs go (default build/bench/)")
    ap.add_argument("--timeout", type=int, default=900, help="per machine, seconds")
    a = ap.parse_args()

    programs = a.workloads.split(",") if a.workloads else workloads()
    if not programs:
        print("run_bench: no bench programs in build/user (run make)", file=sys.stderr)
        return 2
    missing = [p for p in programs if not os.path.isfile(os.path.join(USER_DIR, p))]
    if missing:
        print("run_bench: not built: %s" % ", ".join(missing), file=sys.stderr)
        return 2
    os.makedirs(a.logs, exist_ok=True)
    words = a.args.split()
    results = {}

    def run_faultline():
        results["faultline"] = qemu_run.boot(faultline_config(programs, a.args), cpu=a.cpu, mem=a.mem,
                                             icount=a.icount, timeout=a.timeout)

    def run_linux():
        import linux_ref
        try:
            results["linux"] = linux_ref.run_programs([(os.path.join(USER_DIR, p), words) for p in programs],
                                                      cpu=a.cpu, timeout=a.timeout)
        except linux_ref.LinuxRefError as e:
            results["linux_error"] = str(e)

    threads = [threading.Thread(target=run_faultline)]
    if a.linux:
        threads.append(threading.Thread(target=run_linux))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    fl_name = "faultline-icount" if a.icount else "faultline"
    specs, overrides, status = [], {}, 0
    fl = results["faultline"]
    path = os.path.join(a.logs, fl_name + ".log")
    with open(path, "w") as f:
        f.write(fl.log)
    specs.append("%s=%s" % (fl_name, path))
    print("%s: %.0f s, QEMU status %d%s, log %s" % (fl_name, fl.seconds, fl.status,
                                                  " (timed out)" if fl.timed_out else "", path))
    if fl.timed_out or fl.status != qemu_run.QEMU_EXIT_PASSED:
        status = 1
    if a.linux:
        if "linux_error" in results:
            print("linux: %s" % results["linux_error"], file=sys.stderr)
            status = 1
        else:
            lx = results["linux"]
            path = os.path.join(a.logs, "linux.log")
            with open(path, "w") as f:
                f.write(lx.log)
            specs.append("linux=" + path)
            print("linux: %.0f s, %s, log %s" % (lx.seconds, "finished" if lx.finished() else "NOT finished",
                                                 path))
            if not lx.finished():
                status = 1
            # Under TCG without -icount both guests read the same host TSC, so
            # faultline's calibrated frequency is Linux's too.
            boot = fl.first("boot")
            if not a.icount and boot and boot.get("tsc_hz"):
                overrides["linux"] = int(boot["tsc_hz"])
    runs = [report.load_run(s, overrides) for s in specs]
    with open(a.output, "w") as f:
        f.write(report.render(runs))
    for r in runs:
        for p in r.problems:
            print("%s: problem: %s" % (r.name, p))
            status = 1
        for e in r.errors:
            print("%s: %s failed: %s (%s)" % (r.name, e.get("workload"), e.get("what"), e.get("error")))
            status = 1
    print("wrote %s" % a.output)
    return status


if __name__ == "__main__":
    sys.exit(main())
