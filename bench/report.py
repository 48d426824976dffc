#!/usr/bin/env python3
"""The fault-latency report: serial logs in, one self-contained HTML file out.

Each input is a log of one run, named on the command line:

    bench/report.py --run faultline=fl.log --run linux=linux.log -o report.html

A faultline log comes from tools/qemu_run.py (or run.sh --log), a Linux one
from tools/linux_ref.py; both hold the records of docs/bench.md, which the
programs print and the kernel (or the Linux reference's init) carries inside
`output` records (docs/records.md): the report reads them from there
(qemu_run.program_records), never from top-level lines, which only the
kernel writes. From each log the report takes the `bench`
records (user-observed latency per workload and fault class), the
`bench_samples` records when the programs ran with --raw (every sample, for
exact CDFs and a check of the in-program statistics), the `bench_kernel`
records (faultline's own per-class timing), and the kernel's `boot` record's tsc_hz to
give nanoseconds next to cycles. A Linux log has no boot record: its tsc_hz
is taken from the kernel's "tsc: Detected N MHz" line when the log has one,
or from --tsc-hz NAME=HZ.

The HTML has no external references (inline CSS and SVG): a summary of p50
per workload and class with ratios against the first run, then per workload
a table per class, the empty-fault floor beside it, the kernel's view, and
log2 histograms and CDFs of every run overlaid. A log from
bench/run_bench.py --scaling (a workload at several --mib; bench_many_vmas's
records with a VMA count) also gets a Scaling section first: p50 per size with
its spread, and many-VMA over one-VMA p50, each against its goal.

Percentiles are nearest-rank, computed as user/bench/stats.c does, so the
numbers recomputed from raw samples equal the programs' own.
"""
import argparse
import html
from fractions import Fraction
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from qemu_run import parse_records, program_records  # noqa: E402  (the one record parser)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smp_report  # noqa: E402  (the Many CPUs section)

HIST_BUCKETS = 48
QUANTILES = [("p50", 5000), ("p90", 9000), ("p99", 9900), ("p999", 9990)]
STAT_FIELDS = ["count", "min", "p50", "p90", "p99", "p999", "max", "mean"]
STAT_LABELS = {"p999": "p99.9"}
FLOOR_KEY = ("empty_fault", "read-zero")   # the cheapest constructible fault (docs/bench.md)
SPREAD_GOAL = Fraction(6, 5)   # working-set sweep: max p50 / min p50 at most 1.2
VMA_GOAL = Fraction(2)         # p50 among many VMAs / p50 in one VMA at most 2
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
LINUX_TSC_LINE = re.compile(r"tsc: (?:Refined TSC clocksource calibration: |Detected )([0-9.]+) MHz")


# ---- statistics (the same definitions as user/bench/stats.c) ----

def quantile(sorted_values, q):
    """Nearest-rank quantile q/10000 of an ascending list; 0 for an empty one."""
    n = len(sorted_values)
    if n == 0:
        return 0
    rank = (q * n + 9999) // 10000
    rank = min(max(rank, 1), n)
    return sorted_values[rank - 1]


def log2_bucket(v):
    """floor(log2(v)) for v > 0, 0 for 0, capped at the last bucket."""
    return min(v.bit_length() - 1, HIST_BUCKETS - 1) if v > 0 else 0


def hist_log2(samples):
    """The log2 histogram of samples, trailing empty buckets dropped."""
    h = [0] * HIST_BUCKETS
    for v in samples:
        h[log2_bucket(v)] += 1
    while h and h[-1] == 0:
        h.pop()
    return h


def summarize(samples):
    """count, min, p50, p90, p99, p999, max, mean (floor) and hist_log2 of samples."""
    s = sorted(samples)
    n = len(s)
    out = {"count": n, "min": s[0] if n else 0, "max": s[-1] if n else 0,
           "mean": sum(s) // n if n else 0, "hist_log2": hist_log2(s)}
    for name, q in QUANTILES:
        out[name] = quantile(s, q)
    return out


def to_ns(cycles, tsc_hz):
    """cycles of a tsc_hz counter in nanoseconds (None without a frequency)."""
    if not tsc_hz:
        return None
    return cycles * 1e9 / tsc_hz


# ---- reading logs ----

def natural_key(text):
    """A sort key that orders the numbers inside text by value ("16 MiB" before "1024 MiB")."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]


def class_label(rec):
    """The class as the report names it: the record's class, and the VMA count when
    the record has one (bench_many_vmas times one class at two VMA counts); the
    mode and task count (the scaling workloads' task 0, docs/bench.md "Many
    CPUs"); the number of target CPUs (bench_tlb_shootdown)."""
    if "tasks" in rec and "mode" in rec:
        n = rec["tasks"]
        return "%s (%s, %s task%s)" % (rec.get("class"), rec["mode"], n, "" if n == 1 else "s")
    if "targets" in rec:
        n = rec["targets"]
        return "%s (%s target CPU%s)" % (rec.get("class"), n, "" if n == 1 else "s")
    if "vmas" not in rec:
        return str(rec.get("class"))
    n = rec["vmas"]
    return "%s (%s VMA%s)" % (rec.get("class"), n, "" if n == 1 else "s")


class Point:
    """One bench record and its raw samples (None when the program ran without --raw)."""

    def __init__(self, rec, samples):
        self.rec = rec
        self.samples = samples


class RunData:
    """What one log says: bench, bench_kernel and sample records, and the TSC rate.

    A workload may appear at several --mib in one log (a working-set sweep,
    bench/run_bench.py --scaling): its records are then told apart by a
    workload label "WORKLOAD @ N MiB"; records with a VMA count by their
    class label (class_label)."""

    def __init__(self, name, path, text, tsc_hz=None):
        self.name = name
        self.path = path
        self.kernel_records = parse_records(text)
        self.records = program_records(self.kernel_records)   # what the programs printed
        self.points = []       # every bench record in log order, with its samples
        self.kernel_points = []   # every bench_kernel record in log order
        self.swept = set()     # workloads measured at more than one --mib
        self.benches = {}      # (workload label, class label) -> bench record
        self.kernel = {}       # (workload label, class) -> bench_kernel record
        self.samples = {}      # (workload label, class label) -> [sample, ...] in measured order
        self.errors = [r for r in self.records if r.get("type") == "bench_error"]
        # The kernel's own reclaim records (faultline only: program -> record)
        self.reclaim = {str(r.get("program")): r for r in self.kernel_records if r.get("type") == "reclaim"}
        self.problems = []     # what did not add up, shown in the report
        boot = next((r for r in self.kernel_records if r.get("type") == "boot"), None)
        self.tsc_hz, self.tsc_source = None, None
        if tsc_hz:
            self.tsc_hz, self.tsc_source = int(tsc_hz), "given (--tsc-hz or run_bench)"
        elif boot and boot.get("tsc_hz"):
            self.tsc_hz, self.tsc_source = int(boot["tsc_hz"]), "boot record (%s)" % boot.get("tsc_source")
        else:
            m = LINUX_TSC_LINE.search(text)
            if m:
                self.tsc_hz, self.tsc_source = int(float(m.group(1)) * 1e6), "kernel log"
        self.cpu = boot.get("cpu_name") if boot else None
        self._collect()

    def _collect(self):
        sample_sets = {}       # (workload, class) -> [[bench_samples record, ...], ...]
        points_of = {}         # (workload, class) -> [Point, ...] in log order
        for r in self.records:
            t = r.get("type")
            raw_key = (str(r.get("workload")), str(r.get("class")))
            if t == "bench_samples":
                # Each bench record's samples start again at 0: a new set.
                sets = sample_sets.setdefault(raw_key, [])
                if r.get("first") == 0 or not sets:
                    sets.append([])
                sets[-1].append(r)
            elif t == "bench":
                point = Point(r, None)
                self.points.append(point)
                points_of.setdefault(raw_key, []).append(point)
            elif t == "bench_kernel":
                self.kernel_points.append(r)
        # The n-th set of samples of a class belongs to its n-th bench record.
        for raw_key, sets in sample_sets.items():
            points = points_of.get(raw_key, [])
            for point, parts in zip(points, sets):
                point.samples = self._assemble(raw_key, parts)
            if len(sets) > len(points):
                self.problems.append("%s/%s: bench_samples without a bench record" % raw_key)
        mibs = {}
        for p in self.points:
            mibs.setdefault(str(p.rec.get("workload")), set()).add(p.rec.get("mib"))
        self.swept = {w for w, m in mibs.items() if len(m) > 1}
        for p in self.points:
            key = (self.workload_label(p.rec), class_label(p.rec))
            if key in self.benches:
                self.problems.append("%s/%s: more than one bench record; the first is shown" % key)
                continue
            self.benches[key] = p.rec
            if not p.rec.get("count"):
                self.problems.append("%s/%s: no samples (count %s)" % (key[0], key[1], p.rec.get("count")))
            if p.samples is None:
                continue
            self.samples[key] = p.samples
            mine = summarize(p.samples)
            for f in STAT_FIELDS + ["hist_log2"]:
                if p.rec.get(f) != mine[f]:
                    self.problems.append("%s/%s: %s is %s in the record, %s from the raw samples"
                                         % (key[0], key[1], f, p.rec.get(f), mine[f]))
        for r in self.kernel_points:
            self.kernel.setdefault((self.workload_label(r), str(r.get("class"))), r)

    def _assemble(self, key, parts):
        """The samples of consecutive bench_samples records, in order; a gap is a problem."""
        parts.sort(key=lambda r: r.get("first", 0))
        values = []
        for p in parts:
            if p.get("first") != len(values):
                self.problems.append("%s/%s: samples from %s missing" % (key[0], key[1], len(values)))
                break
            values.extend(int(v) for v in p.get("samples", []))
        return values

    def workload_label(self, rec):
        """The workload as the report names it: with its --mib when this run swept it."""
        w = str(rec.get("workload"))
        if w in self.swept and rec.get("mib") is not None:
            return "%s @ %s MiB" % (w, rec["mib"])
        return w

    def workloads(self):
        return sorted({w for w, _c in self.benches})

    def floor(self):
        """The empty-fault floor record of this run, or None."""
        return self.benches.get(FLOOR_KEY)


def load_run(spec, tsc_overrides):
    """NAME=PATH -> RunData; raises ValueError for a bad spec, OSError for a bad file."""
    if "=" not in spec:
        raise ValueError("--run wants NAME=LOG, got %r" % spec)
    name, path = spec.split("=", 1)
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return RunData(name, path, text, tsc_overrides.get(name))


# ---- HTML pieces ----

def esc(x):
    return html.escape(str(x), quote=True)


def fmt_cycles(v):
    return "%d" % v if isinstance(v, int) else esc(v)


def fmt_ns(cycles, hz):
    ns = to_ns(cycles, hz)
    if ns is None:
        return ""
    return "%.0f ns" % ns if ns >= 100 else "%.1f ns" % ns


def ratio(a, b):
    """a / b as text, '' when b is 0 or either is missing."""
    if a is None or b is None or b == 0:
        return ""
    return "%.2f\u00d7" % (a / b)


def is_count(rec):
    """True for a record whose samples count something other than TSC cycles
    (its unit says what: bench_hotcold's "majflt/1000 accesses")."""
    return rec.get("unit", "tsc") != "tsc"


def rec_hz(rec, run):
    """The TSC frequency that turns rec's values into time: the run's, None for a count record."""
    return None if is_count(rec) else run.tsc_hz


def comparable(rec, run):
    """The p50 of a record in the unit runs are compared in: ns when the run
    knows its tsc_hz, else cycles; a count record's own unit. Returns (value, unit)."""
    if is_count(rec):
        return rec["p50"], rec["unit"]
    if run.tsc_hz:
        return to_ns(rec["p50"], run.tsc_hz), "ns"
    return rec["p50"], "cycles"


def svg_histogram(series, width=460, height=200):
    """Grouped bars of log2 histograms as fractions: series = [(label, color, hist)]."""
    used = max([len(h) for _l, _c, h in series] + [1])
    first = min([next((i for i, v in enumerate(h) if v), used) for _l, _c, h in series] + [used])
    first = max(0, min(first, used - 1))
    buckets = list(range(first, used))
    left, bottom, top = 40, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    fracs = [[(h[b] / sum(h)) if b < len(h) and sum(h) else 0 for b in buckets] for _l, _c, h in series]
    peak = max([max(f) for f in fracs if f] + [1e-9])
    group_w = plot_w / max(len(buckets), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    out = ['<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img"><title>log2 histogram</title>' % (width, height, width, height)]
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>'
               % (left, top + plot_h, left + plot_w, top + plot_h))
    out.append('<text x="4" y="%d" font-size="10">%d%%</text>' % (top + 8, round(peak * 100)))
    for gi, b in enumerate(buckets):
        x0 = left + gi * group_w
        for si, (label, color, _h) in enumerate(series):
            f = fracs[si][gi]
            if f <= 0:
                continue
            bh = f / peak * plot_h
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">'
                       '<title>%s: 2^%d..2^%d cycles: %.2f%%</title></rect>'
                       % (x0 + group_w * 0.1 + si * bar_w, top + plot_h - bh, bar_w, bh, color,
                          esc(label), b, b + 1, f * 100))
        if len(buckets) <= 16 or gi % 2 == 0:
            out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">2^%d</text>'
                       % (x0 + group_w / 2, top + plot_h + 14, b))
    out.append('<text x="%d" y="%d" font-size="10">cycles (log2 buckets), share of samples</text>'
               % (left, height - 3))
    out.append("</svg>")
    return "".join(out)


def cdf_points(samples=None, hist=None):
    """[(cycles, cumulative fraction)]: exact from samples, else at histogram bucket tops."""
    if samples:
        s = sorted(samples)
        n = len(s)
        step = max(1, n // 400)          # at most ~400 points per curve
        pts = [(s[i], (i + 1) / n) for i in range(0, n, step)]
        if pts[-1][0] != s[-1] or pts[-1][1] != 1.0:
            pts.append((s[-1], 1.0))
        return pts
    total = sum(hist or [])
    pts, acc = [], 0
    for b, c in enumerate(hist or []):
        acc += c
        if c:
            pts.append((2 ** (b + 1) - 1, acc / total))
    return pts


def svg_cdf(series, width=460, height=200):
    """Step CDFs on a log2 x axis: series = [(label, color, points)]."""
    xs = [x for _l, _c, pts in series for x, _y in pts]
    if not xs:
        xs = [1]
    lo = math.floor(math.log2(max(min(xs), 1)))
    hi = math.ceil(math.log2(max(max(xs), 2))) + (1 if min(xs) == max(xs) else 0)
    hi = max(hi, lo + 1)
    left, bottom, top = 40, 30, 10
    plot_w, plot_h = width - left - 24, height - bottom - top

    def px(v):
        return left + (math.log2(max(v, 1)) - lo) / (hi - lo) * plot_w

    def py(f):
        return top + plot_h - f * plot_h

    out = ['<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img"><title>CDF</title>' % (width, height, width, height)]
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>'
               % (left, top, plot_w, plot_h))
    for f in (0.5, 0.9, 1.0):
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>'
                   '<text x="4" y="%.1f" font-size="10">%g</text>'
                   % (left, py(f), left + plot_w, py(f), py(f) + 3, f))
    for e in range(lo, hi + 1):
        if hi - lo <= 16 or (e - lo) % 2 == 0:
            out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">2^%d</text>'
                       % (px(2 ** e), top + plot_h + 14, e))
    for label, color, pts in series:
        if not pts:
            continue
        d = ["M%.1f,%.1f" % (px(pts[0][0]), py(0))]
        prev_y = 0
        for x, y in pts:
            d.append("L%.1f,%.1f L%.1f,%.1f" % (px(x), py(prev_y), px(x), py(y)))
            prev_y = y
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="1.5"><title>%s</title></path>'
                   % (" ".join(d), color, esc(label)))
    out.append('<text x="%d" y="%d" font-size="10">cycles (log2 axis), cumulative share</text>'
               % (left, height - 3))
    out.append("</svg>")
    return "".join(out)


CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1200px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.4em 0 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.ns { color: #666; font-size: 0.85em; display: block; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.legend span { display: inline-block; margin-right: 1.2em; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.problem { color: #a00; } .note { color: #555; font-size: 0.9em; }
.met { color: #070; font-weight: bold; } .notmet { color: #a00; font-weight: bold; }
"""


def legend(runs):
    return '<div class="legend">%s</div>' % "".join(
        '<span><span class="swatch" style="background:%s"></span>%s</span>'
        % (COLORS[i % len(COLORS)], esc(r.name)) for i, r in enumerate(runs))


def class_table(runs, key):
    """One table: a row per run with the record's statistics (cycles, and ns
    when known), minor faults, the empty bracket, the floor and ratios."""
    base = next((r for r in runs if key in r.benches), None)
    head = ["run"] + [STAT_LABELS.get(f, f) for f in STAT_FIELDS] + \
           ["minflt", "empty bracket", "floor p50", "p50 / floor", "p50 vs %s" % esc(base.name if base else "")]
    rows = ['<table><tr>%s</tr>' % "".join('<th%s>%s</th>' % (' class="l"' if i == 0 else "", esc(h))
                                            for i, h in enumerate(head))]
    for run in runs:
        rec = run.benches.get(key)
        if not rec:
            rows.append('<tr><td class="l">%s</td><td colspan="%d" class="l">no record</td></tr>'
                        % (esc(run.name), len(head) - 1))
            continue
        cells = ['<td class="l">%s</td>' % esc(run.name)]
        for f in STAT_FIELDS:
            v = rec.get(f, "")
            ns = fmt_ns(v, rec_hz(rec, run)) if f != "count" and isinstance(v, int) else ""
            cells.append("<td>%s%s</td>" % (fmt_cycles(v), '<span class="ns">%s</span>' % ns if ns else ""))
        cells.append("<td>%s</td>" % esc(rec.get("minflt", "")))
        cells.append("<td>%s</td>" % esc(rec.get("empty_bracket", "")))
        floor = None if is_count(rec) else run.floor()
        cells.append("<td>%s</td>" % (fmt_cycles(floor["p50"]) if floor else ""))
        cells.append("<td>%s</td>" % (ratio(rec["p50"], floor["p50"]) if floor else ""))
        if base is run or base is None:
            cells.append("<td>1.00\u00d7</td>")
        else:
            a, ua = comparable(rec, run)
            b, ub = comparable(base.benches[key], base)
            cells.append("<td>%s</td>" % (ratio(a, b) + (" (%s)" % ua) if ua == ub else "units differ"))
        rows.append("<tr>%s</tr>" % "".join(cells))
    rows.append("</table>")
    return "".join(rows)


def kernel_table(runs, workload):
    """The bench_kernel records of workload, every run that has them."""
    rows = []
    for run in runs:
        for (w, c), rec in sorted(run.kernel.items()):
            if w != workload:
                continue
            n = rec.get("count") or 0
            clear = rec.get("clear_cycles", 0)
            rows.append("<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%s</td><td>%s%s</td>"
                        "<td>%s%s</td><td>%s%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                            esc(run.name), esc(c), esc(n),
                            fmt_cycles(rec.get("min")), ' <span class="ns">%s</span>' % fmt_ns(rec.get("min", 0), run.tsc_hz),
                            fmt_cycles(rec.get("mean")), ' <span class="ns">%s</span>' % fmt_ns(rec.get("mean", 0), run.tsc_hz),
                            fmt_cycles(rec.get("max")), ' <span class="ns">%s</span>' % fmt_ns(rec.get("max", 0), run.tsc_hz),
                            esc(rec.get("min_max", "")), (clear // n) if n else "", esc(rec.get("pgtables", ""))))
    if not rows:
        return ""
    head = ["run", "kernel class", "count", "min", "mean", "max", "min/max over", "clear cycles / fault",
            "page tables"]
    return ("<h3>Kernel view (faultline: handler entry to return, per class)</h3><table><tr>%s</tr>%s</table>"
            % ("".join('<th%s>%s</th>' % (' class="l"' if i < 2 else "", esc(h)) for i, h in enumerate(head)),
               "".join(rows)))


# ---- scaling: the working-set sweep and the VMA count (run_bench.py --scaling) ----

class Comparison:
    """p50s of one (workload, class) at several settings of one parameter, and
    the largest over the smallest (sweep) or many over one (VMAs) against a goal.
    points: {setting: bench record}; kernel: {setting: bench_kernel record}."""

    def __init__(self, workload, cls, points, kernel, ratio, goal):
        self.workload, self.cls = workload, cls
        self.points, self.kernel = points, kernel
        self.ratio, self.goal = ratio, goal      # ratio: a Fraction, or None when it cannot be had

    def verdict(self):
        """"met", "not met", or "incomplete" (a setting missing or a p50 of 0)."""
        if self.ratio is None:
            return "incomplete"
        return "met" if self.ratio <= self.goal else "not met"


def p50_ratio(top, bottom):
    """top's p50 over bottom's as a Fraction; None if either is missing or bottom's is 0."""
    if not top or not bottom or not bottom.get("p50"):
        return None
    return Fraction(top["p50"], bottom["p50"])


def sweep_comparisons(run):
    """Every (workload, class) the run measured at more than one --mib (records
    without vmas), as Comparisons of max p50 / min p50 against SPREAD_GOAL."""
    groups, kernel = {}, {}
    for p in run.points:
        r = p.rec
        if "vmas" not in r:
            groups.setdefault((str(r.get("workload")), str(r.get("class"))), {}).setdefault(r.get("mib"), r)
    for r in run.kernel_points:
        kernel.setdefault((str(r.get("workload")), str(r.get("class")), r.get("mib")), r)
    out = []
    for (w, c), points in sorted(groups.items(), key=lambda i: natural_key("%s %s" % i[0])):
        if len(points) < 2:
            continue
        by_p50 = sorted(points.values(), key=lambda r: r.get("p50", 0))
        out.append(Comparison(w, c, points, {m: kernel.get((w, c, m)) for m in points},
                              p50_ratio(by_p50[-1], by_p50[0]), SPREAD_GOAL))
    return out


def vma_comparisons(run):
    """Every (workload, class) with records at several VMA counts, as Comparisons
    of the largest count's p50 over the 1-VMA p50 against VMA_GOAL."""
    groups = {}
    for p in run.points:
        r = p.rec
        if "vmas" in r:
            groups.setdefault((str(r.get("workload")), str(r.get("class"))), {}).setdefault(r["vmas"], r)
    out = []
    for (w, c), points in sorted(groups.items()):
        most = max(points)
        ratio = p50_ratio(points[most], points.get(1)) if most > 1 else None
        out.append(Comparison(w, c, points, {}, ratio, VMA_GOAL))
    return out


def fmt_ratio(r):
    return "%.3f\u00d7" % r if r is not None else "n/a"


def fmt_goal(goal):
    return "\u2264 %.2f\u00d7" % goal


def verdict_cell(comp):
    v = comp.verdict()
    return '<td class="l %s">%s</td>' % ({"met": "met", "not met": "notmet"}.get(v, "problem"), v)


def p50_cell(rec, run, kernel=None):
    """A table cell: the record's p50 (ns under it), the kernel's mean beside it."""
    if not rec:
        return "<td></td>"
    ns = fmt_ns(rec["p50"], run.tsc_hz)
    extra = '<span class="ns">%s</span>' % ns if ns else ""
    if kernel and kernel.get("mean") is not None:
        extra += '<span class="ns">kernel mean %s</span>' % esc(kernel["mean"])
    return '<td title="count %s">%s%s</td>' % (esc(rec.get("count")), fmt_cycles(rec["p50"]), extra)


def scaling_section(runs):
    """The Scaling section: the working-set sweep and the VMA comparison of
    every run that has them, with the goals; '' when no run has either."""
    sweeps = [(r, c) for r in runs for c in sweep_comparisons(r)]
    vmas = [(r, c) for r in runs for c in vma_comparisons(r)]
    if not sweeps and not vmas:
        return ""
    out = ['<h2 id="scaling">Scaling</h2>',
           '<p class="note">p50 of the user-observed latency (cycles; ns and the kernel handler\'s mean '
           "for the same class and size underneath). A goal is met when the ratio is at most the "
           "goal (docs/bench.md, \"Scaling\").</p>"]
    if sweeps:
        sizes = sorted({m for _r, c in sweeps for m in c.points}, key=natural_key)
        out.append("<h3>Working set: p50 per --mib, spread = max p50 / min p50</h3><table><tr>"
                   '<th class="l">run</th><th class="l">workload</th><th class="l">class</th>%s'
                   '<th>spread</th><th>goal</th><th class="l">verdict</th></tr>'
                   % "".join("<th>%s MiB</th>" % esc(m) for m in sizes))
        for run, c in sweeps:
            out.append('<tr><td class="l">%s</td><td class="l">%s</td><td class="l">%s</td>%s'
                       "<td>%s</td><td>%s</td>%s</tr>" % (
                           esc(run.name), esc(c.workload), esc(c.cls),
                           "".join(p50_cell(c.points.get(m), run, c.kernel.get(m)) for m in sizes),
                           fmt_ratio(c.ratio), fmt_goal(c.goal), verdict_cell(c)))
        out.append("</table>")
    if vmas:
        out.append("<h3>VMA count: p50 with many VMAs / p50 with one</h3><table><tr>"
                   '<th class="l">run</th><th class="l">workload</th><th class="l">class</th>'
                   '<th>1 VMA</th><th>VMAs</th><th>many VMAs</th><th>ratio</th><th>goal</th>'
                   '<th class="l">verdict</th></tr>')
        for run, c in vmas:
            most = max(c.points)
            out.append('<tr><td class="l">%s</td><td class="l">%s</td><td class="l">%s</td>%s<td>%s</td>%s'
                       "<td>%s</td><td>%s</td>%s</tr>" % (
                           esc(run.name), esc(c.workload), esc(c.cls), p50_cell(c.points.get(1), run),
                           esc(most) if most > 1 else "", p50_cell(c.points[most] if most > 1 else None, run),
                           fmt_ratio(c.ratio), fmt_goal(c.goal), verdict_cell(c)))
        out.append("</table>")
    return "".join(out)


def scaling_lines(run):
    """The Scaling section of one run as plain text lines (for the console)."""
    lines = []
    for c in sweep_comparisons(run):
        lines.append("%s %s/%s p50 by MiB: %s; spread %s (goal %s): %s" % (
            run.name, c.workload, c.cls,
            ", ".join("%s: %s" % (m, c.points[m].get("p50")) for m in sorted(c.points, key=natural_key)),
            fmt_ratio(c.ratio), fmt_goal(c.goal), c.verdict()))
    for c in vma_comparisons(run):
        lines.append("%s %s/%s p50 by VMAs: %s; ratio %s (goal %s): %s" % (
            run.name, c.workload, c.cls,
            ", ".join("%s: %s" % (v, c.points[v].get("p50")) for v in sorted(c.points)),
            fmt_ratio(c.ratio), fmt_goal(c.goal), c.verdict()))
    return lines


def clearing_per_fault(run, workload, rec):
    """The kernel's mean page-clearing cycles per fault of rec's workload and
    class (its bench_kernel record), 0 if none were recorded: what the p50
    "without clearing" takes away. For bench_reclaim's `reclaim` class, the
    zram compression cycles per page of the program's reclaim record."""
    if workload == "reclaim" and rec.get("class") == "reclaim":
        r = run.reclaim.get("bench_reclaim") or {}
        return r.get("comp_cycles_per_page") or 0
    k = run.kernel.get((workload, rec.get("class")))
    if not k or not k.get("count") or not k.get("clear_cycles"):
        return 0
    return k["clear_cycles"] // k["count"]


def fill_name(cls):
    """What a class's kernel "clear" cycles are: a swap-in's decompression, a
    same-filled swap-in's word fill, a reclaim's compression, any other
    fault's page clearing."""
    if cls == "swap-in-same-filled":
        return "fill"
    if cls == "reclaim":
        return "compression"
    return "decompression" if str(cls).startswith("swap-in") else "clearing"


RECLAIM_COLUMNS = [("pgscan", "scanned"), ("pgsteal", "reclaimed"), ("pswpout", "swapped out"),
                   ("pswpin", "swapped in"), ("refaults", "refaults"),
                   ("compression_ratio_x100", "compression ratio x100"),
                   ("comp_cycles_per_page", "compression cycles / page"),
                   ("decomp_cycles_per_page", "decompression cycles / page")]


def reclaim_table(runs):
    """The kernel's reclaim records (docs/records.md) of the programs that
    reclaimed or swapped, every run that has them; "" if none did."""
    rows = []
    for run in runs:
        for prog, r in sorted(run.reclaim.items()):
            if not (r.get("pgscan") or r.get("pswpout") or r.get("pswpin")):
                continue
            rows.append("<tr><td class=\"l\">%s</td><td class=\"l\">%s</td>%s</tr>" % (
                esc(run.name), esc(prog),
                "".join("<td>%s</td>" % esc("" if r.get(k) is None else r.get(k)) for k, _ in RECLAIM_COLUMNS)))
    if not rows:
        return ""
    head = '<th class="l">run</th><th class="l">program</th>' + "".join(
        "<th>%s</th>" % esc(label) for _, label in RECLAIM_COLUMNS)
    return ("<h2>Reclaim and swap (the kernel's reclaim records)</h2><table><tr>%s</tr>%s</table>"
            % (head, "".join(rows)))


def summary_table(runs, keys):
    """p50 of every (workload, class) per run, with the ratio to the first run."""
    head = "<tr><th class=\"l\">workload</th><th class=\"l\">class</th>%s%s</tr>" % (
        "".join("<th>%s p50</th>" % esc(r.name) for r in runs),
        "".join("<th>%s / %s</th>" % (esc(r.name), esc(runs[0].name)) for r in runs[1:]))
    rows = [head]
    for key in keys:
        cells = ["<td class=\"l\">%s</td><td class=\"l\">%s</td>" % (esc(key[0]), esc(key[1]))]
        for run in runs:
            rec = run.benches.get(key)
            if rec:
                ns = fmt_ns(rec["p50"], rec_hz(rec, run))
                clear = clearing_per_fault(run, key[0], rec)
                cells.append("<td>%d%s%s</td>" % (
                    rec["p50"], '<span class="ns">%s</span>' % ns if ns else "",
                    '<span class="ns">%d without %s</span>' % (
                        rec["p50"] - clear,
                        fill_name(key[1])) if clear else ""))
            else:
                cells.append("<td></td>")
        for run in runs[1:]:
            a, b = run.benches.get(key), runs[0].benches.get(key)
            if a and b:
                va, ua = comparable(a, run)
                vb, ub = comparable(b, runs[0])
                cells.append("<td>%s</td>" % ((ratio(va, vb) + " (%s)" % ua) if ua == ub else "units differ"))
            else:
                cells.append("<td></td>")
        rows.append("<tr>%s</tr>" % "".join(cells))
    return "<table>%s</table>" % "".join(rows)


def render(runs):
    """The whole report for runs (a list of RunData) as one HTML string."""
    keys = sorted({k for r in runs for k in r.benches},
                  key=lambda k: (k[0] != FLOOR_KEY[0], natural_key(k[0]), k != FLOOR_KEY, natural_key(k[1])))
    workloads = sorted({w for w, _c in keys}, key=lambda w: (w != FLOOR_KEY[0], natural_key(w)))
    out = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<title>faultline fault-latency report</title><style>%s</style></head><body>" % CSS,
           "<h1>Fault latency</h1>"]
    out.append("<table><tr><th class=\"l\">run</th><th class=\"l\">log</th><th class=\"l\">CPU</th>"
               "<th>tsc_hz</th><th class=\"l\">tsc_hz from</th><th>bench records</th></tr>")
    for r in runs:
        out.append("<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%s</td>"
                   "<td class=\"l\">%s</td><td>%d</td></tr>" % (
                       esc(r.name), esc(r.path), esc(r.cpu or ""), esc(r.tsc_hz or "unknown"),
                       esc(r.tsc_source or "(cycles only)"), len(r.benches)))
    out.append("</table>")
    out.append('<p class="note">Latencies are user-observed: TSC cycles around the one instruction '
               "that faults, less the fastest empty bracket, one sample per fault (docs/bench.md). "
               "Percentiles are nearest-rank. Ratios compare ns when both runs know tsc_hz, else cycles. "
               "The floor is the run's empty_fault/read-zero p50: the cheapest fault a program can make.</p>")
    for r in runs:
        for p in r.problems:
            out.append('<p class="problem">%s: %s</p>' % (esc(r.name), esc(p)))
        for e in r.errors:
            out.append('<p class="problem">%s: %s failed: %s (%s)</p>'
                       % (esc(r.name), esc(e.get("workload")), esc(e.get("what")), esc(e.get("error"))))
    out.append(scaling_section(runs))
    out.append(smp_report.section(runs, COLORS))
    out.append("<h2>Summary: p50 per workload and class</h2>")
    out.append(summary_table(runs, keys))
    out.append(reclaim_table(runs))
    for w in workloads:
        out.append('<h2 id="%s">%s</h2>' % (esc(re.sub(r"[^A-Za-z0-9_-]+", "-", w)), esc(w)))
        for key in [k for k in keys if k[0] == w]:
            units = sorted({r.benches[key]["unit"] for r in runs if key in r.benches and is_count(r.benches[key])})
            out.append("<h3>%s / %s%s</h3>" % (esc(w), esc(key[1]), " (%s)" % esc(", ".join(units)) if units else ""))
            out.append(class_table(runs, key))
            hist_series, cdf_series = [], []
            for i, r in enumerate(runs):
                rec = r.benches.get(key)
                if not rec:
                    continue
                color = COLORS[i % len(COLORS)]
                hist = r.samples and key in r.samples and hist_log2(r.samples[key]) or rec.get("hist_log2", [])
                hist_series.append((r.name, color, hist))
                cdf_series.append((r.name, color, cdf_points(r.samples.get(key), rec.get("hist_log2"))))
            out.append(legend([r for r in runs if key in r.benches]))
            out.append('<div class="charts">%s%s</div>' % (svg_histogram(hist_series), svg_cdf(cdf_series)))
        out.append(kernel_table(runs, w))
    out.append("</body></html>\n")
    return "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fault-latency report from serial logs (docs/bench.md).")
    ap.add_argument("--run", action="append", default=[], metavar="NAME=LOG", required=True,
                    help="a run's name and its serial log (repeatable; the first is the baseline)")
    ap.add_argument("--tsc-hz", action="append", default=[], metavar="NAME=HZ",
                    help="TSC frequency of a run whose log does not say it")
    ap.add_argument("-o", "--output", required=True, help="the HTML file to write")
    a = ap.parse_args(argv)
    overrides = {}
    for spec in a.tsc_hz:
        name, _, hz = spec.partition("=")
        if not hz.isdigit():
            ap.error("--tsc-hz wants NAME=HZ, got %r" % spec)
        overrides[name] = int(hz)
    try:
        runs = [load_run(spec, overrides) for spec in a.run]
    except (ValueError, OSError) as e:
        print("report.py: %s" % e, file=sys.stderr)
        return 2
    if len({r.name for r in runs}) != len(runs):
        print("report.py: run names must differ", file=sys.stderr)
        return 2
    with open(a.output, "w") as f:
        f.write(render(runs))
    for r in runs:
        print("%s: %d bench records, %d kernel records, %s%s" % (
            r.name, len(r.benches), len(r.kernel),
            "tsc_hz %s" % r.tsc_hz if r.tsc_hz else "no tsc_hz",
            "; %d problems" % len(r.problems) if r.problems else ""))
        for p in r.problems:
            print("  problem: %s" % p)
    print("wrote %s" % a.output)
    return 1 if any(r.problems for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
