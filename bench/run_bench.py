#!/usr/bin/env python3
"""Run the fault-latency benchmark and write the report (docs/bench.md).

Boots faultline (build/faultline.img, tools/qemu_run.py) once with every
workload in build/user/bench_*, optionally runs the same binaries on the Linux
reference machine (tools/linux_ref.py) at the same time, keeps both serial
logs and turns them into one HTML report (bench/report.py).

    bench/run_bench.py                                          faultline, TCG -> build/bench/report.html
    bench/run_bench.py --icount -o report.html                  deterministic (TSC = instructions)
    bench/run_bench.py --linux -o report.html                   faultline and Linux side by side
    bench/run_bench.py --args "--mib 16 --reps 8" --workloads bench_write_first -o r.html
    bench/run_bench.py --scaling --icount                       -> build/bench/scaling.html
    bench/run_bench.py --smp 2 --linux                          -> build/bench/smp2.html

Both machines get a 256 MiB compressed swap device (faultline's `swap =`, Linux's
zram); the workloads in PRESSURE (bench_hotcold) boot apart under their memory
limit (faultline's `mem_limit =`, Linux's faultline.mem_limit= memory.max) and
their records join the main boot's log. --icount applies to both machines.

--scaling measures how the fault cost scales instead: the first-touch
workloads at working sets of 16 MiB to 4 GiB (guest memory 6G), and
bench_many_vmas (the same faults in 1 VMA and in 100 000), with the spread
and the ratio against their goals (docs/bench.md, "Scaling").

--smp N runs the multi-CPU workloads instead (docs/bench.md, "Many CPUs"):
bench_page_fault1/2/3 at 1..N tasks in threads and processes mode and
bench_tlb_shootdown to 0..N-1 target CPUs, on QEMU with N CPUs (MTTCG; under
--icount QEMU runs them one after another), the Linux reference likewise.

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
OUT_DIR = os.path.join(ROOT, "build", "bench")

# --scaling: the working-set sweep (workload -> the classes it times) and the VMA comparison.
SWEEP = {"bench_write_first": ["write-anon"], "bench_read_zero": ["read-zero"],
         "bench_read_then_write": ["read-zero", "cow-zero"]}
SWEEP_MIB = [16, 64, 256, 1024, 4096]
SWEEP_TOUCHED_MIB = 64          # repetitions so that every size touches at least this much
SCALING_VMAS = 100000
SCALING_MEM = "6G"              # the 4 GiB write sweep needs more than 4 GiB of frames
SCALING_ONLY = {"bench_many_vmas"}   # left out of the default run: the VMA half of --scaling
# --smp N (docs/bench.md, "Many CPUs"): the multi-CPU workloads, each at 1..N tasks, on faultline and
# (with --linux) Linux booted with N CPUs; left out of the default run.
SMP_PROGRAMS = ["bench_page_fault1", "bench_page_fault2", "bench_page_fault3", "bench_tlb_shootdown"]
SMP_SCALE = {"bench_page_fault1": "write-anon", "bench_page_fault2": "file-cow",
             "bench_page_fault3": "file-shared-write"}
SMP_MS = 1000                   # the measured window per point (--smp-ms)
SMP_FILE_MIB = 16               # bench_page_fault2/3's file per task (their default)
# Huge pages (docs/bench.md, "Huge pages"): the hugetlb pools of both machines, and
# memory for a 1 GiB page (Linux also needs >= 512 MiB for THP at all).
HUGE_CONFIG = "hugepages_2m = 8\nhugepages_1g = 1\n"
LINUX_HUGE_APPEND = "transparent_hugepage=always hugepagesz=2M hugepages=8 hugepagesz=1G hugepages=1"
HUGE_MEM = "4G"
# Swap (docs/bench.md, "Swap"): bench_swap_in pages its memory out; both machines get a
# compressed-RAM swap device of this size (faultline's swap =, Linux's zram with LZ4).
SWAP_SIZE = "256M"
# Workloads that need memory pressure (docs/bench.md, "Reclaim"), and the limit each runs under:
# they boot apart from the others (faultline's mem_limit =, Linux's faultline.mem_limit= memory.max
# for every program of the boot) and their records are appended to the main run's log.
PRESSURE = {"bench_hotcold": "8M"}


def workloads():
    """Every built bench program but the scaling-only ones, the floor first."""
    names = sorted(n for n in os.listdir(USER_DIR)
                   if n.startswith("bench_") and n not in SCALING_ONLY and n not in SMP_PROGRAMS) \
        if os.path.isdir(USER_DIR) else []
    return sorted(names, key=lambda n: n != "bench_empty_fault")


def sweep_reps(mib):
    """Repetitions at a working set of mib MiB: SWEEP_TOUCHED_MIB worth of touches, at least one."""
    return max(1, SWEEP_TOUCHED_MIB // mib)


def scaling_programs(sizes, vmas):
    """[(program, args)] of a scaling run: every sweep workload at every size, then bench_many_vmas."""
    progs = [(w, "--mib %d --reps %d" % (m, sweep_reps(m))) for w in SWEEP for m in sizes]
    # Its defaults (4 MiB x 4 reps, written and read) touch 8192 slots; fewer VMAs get 1 MiB x 1.
    progs.append(("bench_many_vmas", "--vmas %d" % vmas + ("" if vmas >= 10000 else " --mib 1 --reps 1")))
    return progs


def smp_programs(cpus, ms=SMP_MS, icount=False):
    """[(program, args)] of an --smp run: every SMP program at 1..cpus tasks (--tasks given, so a
    kernel that schedules on fewer CPUs still runs cpus tasks, sharing them). Under -icount the
    windows are a tenth as long (its clock counts instructions: one CPU's worth at a time)."""
    window = max(1, ms // 10) if icount else ms
    progs = [(p, "--tasks %d --ms %d" % (cpus, window)) for p in SMP_PROGRAMS if p in SMP_SCALE]
    progs.append(("bench_tlb_shootdown", "--tasks %d --reps %d" % (cpus, 100 if icount else 500)))
    return progs


def smp_problems(run, cpus):
    """What an --smp run (report.RunData) lacks: a bench_scale point of a workload and mode at
    1..cpus tasks, or a shootdown record at 0..cpus-1 targets. Returns a list of problems."""
    import smp_report
    out = []
    series = smp_report.scale_series(run)
    for program, cls in SMP_SCALE.items():
        for mode in ("threads", "processes"):
            got = set(series.get((program[len("bench_"):], cls, mode), {}))
            missing = [k for k in range(1, cpus + 1) if k not in got]
            if missing:
                out.append("%s %s: no bench_scale record at %s tasks" % (program, mode, ", ".join(map(str, missing))))
    targets = {}
    for p in run.points:
        if p.rec.get("workload") == "tlb_shootdown" and "targets" in p.rec:
            targets.setdefault(str(p.rec.get("class")), set()).add(p.rec["targets"])
    for cls in ("munmap", "mprotect"):
        missing = [t for t in range(cpus) if t not in targets.get(cls, set())]
        if missing:
            out.append("tlb_shootdown/%s: no record at %s targets" % (cls, ", ".join(map(str, missing))))
    return out


def faultline_config(programs, mem_limit=None):
    """The image's own config plus: no bring-up checks, QEMU exit, swap, one run line per (program,
    args); mem_limit (a size) for a pressure boot, the hugetlb pools otherwise."""
    return (qemu_run.read_default_config() + "\n# bench/run_bench.py\nchecks = none\nexit = qemu\n" +
            ("mem_limit = %s\n" % mem_limit if mem_limit else HUGE_CONFIG) + "swap = %s\n" % SWAP_SIZE +
            "".join("run = %s %s\n" % (p, args) for p, args in programs))


def split_pressure(programs):
    """[(program, args)] -> (the ones run without a limit, {limit: [(program, args)]} of PRESSURE's)."""
    plain, pressure = [], {}
    for p, args in programs:
        if p in PRESSURE:
            pressure.setdefault(PRESSURE[p], []).append((p, args))
        else:
            plain.append((p, args))
    return plain, pressure


def scaling_problems(run, sizes, vmas):
    """What a scaling run (report.RunData) lacks: a sweep class at a size, or a
    bench_many_vmas class at 1 or vmas VMAs. Returns a list of problems."""
    out = []
    sweeps = {(c.workload, c.cls): c for c in report.sweep_comparisons(run)}
    for program, classes in SWEEP.items():
        for cls in classes:
            c = sweeps.get((program[len("bench_"):], cls))
            missing = [m for m in sizes if not c or m not in c.points]
            if missing:
                out.append("%s/%s: no bench record at %s MiB" % (program, cls, ", ".join(map(str, missing))))
    counts = {(c.workload, c.cls): set(c.points) for c in report.vma_comparisons(run)}
    for cls in ("write-anon", "read-zero"):
        got = counts.get(("many_vmas", cls), set())
        if got != {1, vmas}:
            out.append("many_vmas/%s: records at %s VMAs, expected 1 and %d" % (cls, sorted(got) or "no", vmas))
    return out


class MergedRun:
    """Several boots of one machine as one: their logs one after the other (the first boot's
    record first, so its tsc_hz is the run's), the worst status, the summed time."""

    def __init__(self, runs):
        self.runs = runs
        self.log = "".join(r.log if r.log.endswith("\n") else r.log + "\n" for r in runs)
        self.seconds = sum(r.seconds for r in runs)
        self.timed_out = any(getattr(r, "timed_out", False) for r in runs)
        bad = [r.status for r in runs if getattr(r, "status", None) != runs[0].status]
        self.status = bad[0] if bad else runs[0].status

    def first(self, t):
        return self.runs[0].first(t)

    def finished(self):
        return all(r.finished() for r in self.runs)


def merge_runs(runs):
    """One boot's result as it is; several merged (MergedRun)."""
    return runs[0] if len(runs) == 1 else MergedRun(runs)


def parse_sizes(text):
    """"16,64,..." -> [16, 64, ...] (at least two, each 1..65536 MiB); raises ValueError."""
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or len(set(sizes)) != len(sizes) or any(m < 1 or m > 65536 for m in sizes):
        raise ValueError("--sizes wants at least two different sizes of 1..65536 MiB, got %r" % text)
    return sorted(sizes)


def main():
    ap = argparse.ArgumentParser(description="Run the fault-latency benchmark, write the HTML report.")
    ap.add_argument("-o", "--output", help="the report to write (default build/bench/report.html, "
                                             "with --scaling build/bench/scaling.html)")
    ap.add_argument("--icount", action="store_true", help="faultline in deterministic mode (-icount)")
    ap.add_argument("--linux", action="store_true", help="also run the Linux reference")
    ap.add_argument("--scaling", action="store_true",
                    help="the scaling measurements: working-set sweep and VMA count (docs/bench.md)")
    ap.add_argument("--sizes", default=",".join(map(str, SWEEP_MIB)),
                    help="--scaling: working sets in MiB (default %(default)s)")
    ap.add_argument("--vmas", type=int, default=SCALING_VMAS,
                    help="--scaling: VMAs for bench_many_vmas (default %(default)s)")
    ap.add_argument("--smp", type=int, metavar="N",
                    help="the multi-CPU workloads (page_fault1/2/3 at 1..N tasks in threads and processes "
                         "mode, TLB shootdown to 0..N-1 CPUs) on machines with N CPUs (docs/bench.md)")
    ap.add_argument("--smp-ms", type=int, default=SMP_MS,
                    help="--smp: the measured window per point in ms (default %(default)s)")
    ap.add_argument("--args", help='arguments for every workload (default "--raw"; not with --scaling)')
    ap.add_argument("--workloads", help="comma-separated bench programs (default: all built; not with --scaling)")
    ap.add_argument("--cpu", default="max", help="QEMU CPU model for both machines (default max)")
    ap.add_argument("--mem", help="guest memory of both machines (default %s, room for the 1 GiB hugetlb "
                                  "page; %s with --scaling)" % (HUGE_MEM, SCALING_MEM))
    ap.add_argument("--logs", default=OUT_DIR, help="where the serial logs go (default build/bench/)")
    ap.add_argument("--timeout", type=int, help="per machine, seconds (default 900; 3600 with --scaling)")
    a = ap.parse_args()

    if a.smp is not None:
        if a.scaling or a.args is not None or a.workloads:
            ap.error("--smp chooses its own workloads and arguments (--smp-ms)")
        if a.smp < 1 or a.smp > 64 or a.smp_ms < 1:
            ap.error("--smp wants 1..64 CPUs and --smp-ms at least 1")
        programs = smp_programs(a.smp, a.smp_ms, a.icount)
    elif a.scaling:
        if a.args is not None or a.workloads:
            ap.error("--scaling chooses its own workloads and arguments (--sizes, --vmas)")
        try:
            sizes = parse_sizes(a.sizes)
        except ValueError as e:
            ap.error(str(e))
        if a.vmas < 1000 or a.vmas > 1000000:
            ap.error("--vmas wants 1000..1000000")
        programs = scaling_programs(sizes, a.vmas)
    else:
        names = a.workloads.split(",") if a.workloads else workloads()
        programs = [(p, "--raw" if a.args is None else a.args) for p in names]
    smp = a.smp or 1
    output = a.output or os.path.join(OUT_DIR, "scaling.html" if a.scaling else
                                      "smp%d.html" % smp if a.smp else "report.html")
    mem = a.mem or (SCALING_MEM if a.scaling else None)
    timeout = a.timeout or (3600 if a.scaling else 900)
    if not programs:
        print("run_bench: no bench programs in build/user (run make)", file=sys.stderr)
        return 2
    missing = sorted({p for p, _args in programs if not os.path.isfile(os.path.join(USER_DIR, p))})
    if missing:
        print("run_bench: not built: %s" % ", ".join(missing), file=sys.stderr)
        return 2
    os.makedirs(a.logs, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    results = {}
    plain, pressure = split_pressure(programs)
    # (limit or None, programs) per boot of each machine, the unlimited one first.
    boots = ([(None, plain)] if plain else []) + sorted(pressure.items())

    def run_faultline():
        # --smp: room on the RAM disk for bench_page_fault2/3's files (one per task).
        extra = "files_max = %d\n" % (SMP_FILE_MIB * smp + 32) if a.smp else ""
        runs = [qemu_run.boot(faultline_config(progs, limit) + extra, cpu=a.cpu, mem=mem or HUGE_MEM,
                              icount=a.icount, timeout=timeout, smp=smp) for limit, progs in boots]
        results["faultline"] = merge_runs(runs)

    def run_linux():
        import linux_ref
        try:
            runs = [linux_ref.run_programs(
                [(os.path.join(USER_DIR, p), args.split()) for p, args in progs],
                cpu=a.cpu, mem=mem or HUGE_MEM, timeout=timeout,
                extra_append="faultline.mem_limit=%s" % limit if limit else LINUX_HUGE_APPEND,
                icount=a.icount, zram=SWAP_SIZE, smp=smp) for limit, progs in boots]
            results["linux"] = merge_runs(runs)
        except linux_ref.LinuxRefError as e:
            results["linux_error"] = str(e)

    threads = [threading.Thread(target=run_faultline)]
    if a.linux:
        threads.append(threading.Thread(target=run_linux))
    # --smp measures how the kernels use every CPU: each machine has the
    # host's cores to itself (one after the other), else each would see the
    # other's load. The other runs go side by side (one CPU each).
    for t in threads:
        t.start()
        if a.smp:
            t.join()
    for t in threads:
        t.join()

    fl_name = ("faultline-scaling" if a.scaling else "faultline-smp%d" % smp if a.smp else "faultline") + \
        ("-icount" if a.icount else "")
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
            path = os.path.join(a.logs, "linux-scaling.log" if a.scaling else
                                "linux-smp%d%s.log" % (smp, "-icount" if a.icount else "") if a.smp else "linux.log")
            with open(path, "w") as f:
                f.write(lx.log)
            specs.append("linux=" + path)
            print("linux: %.0f s, %s, log %s" % (lx.seconds, "finished" if lx.finished() else "NOT finished",
                                                 path))
            if not lx.finished():
                status = 1
            # Under TCG without -icount both guests read the same host TSC, and
            # under -icount both TSCs count instructions of the same virtual
            # clock: either way faultline's calibrated frequency is Linux's too.
            boot = fl.first("boot")
            if boot and boot.get("tsc_hz"):
                overrides["linux"] = int(boot["tsc_hz"])
    runs = [report.load_run(s, overrides) for s in specs]
    with open(output, "w") as f:
        f.write(report.render(runs))
    for r in runs:
        problems = r.problems + (scaling_problems(r, sizes, a.vmas) if a.scaling else []) + \
            (smp_problems(r, smp) if a.smp else [])
        for p in problems:
            print("%s: problem: %s" % (r.name, p))
            status = 1
        for e in r.errors:
            print("%s: %s failed: %s (%s)" % (r.name, e.get("workload"), e.get("what"), e.get("error")))
            status = 1
        for line in report.scaling_lines(r) + report.smp_report.text_lines(r):
            print(line)
    print("wrote %s" % output)
    return status


if __name__ == "__main__":
    sys.exit(main())
