#!/usr/bin/env python3
"""The fault-latency report: serial logs in, one self-contained HTML file out.

Each input is a log of one run, named on the command line:

    bench/report.py --run faultline=fl.log --run linux=linux.log -o report.html

A faultline log comes from tools/qemu_run.py (or run.sh --log), a Linux one
from tools/linux_ref.py; both hold the records of docs/bench.md, one JSON
object per line among other text. From each log the report takes the `bench`
records (user-observed latency per workload and fault class), the
`bench_samples` records when the programs ran with --raw (every sample, for
exact CDFs and a check of the in-program statistics), the `bench_kernel`
records (faultline's own per-class timing), and the `boot` record's tsc_hz to
give nanoseconds next to cycles. A Linux log has no boot record: its tsc_hz
is taken from the kernel's "tsc: Detected N MHz" line when the log has one,
or from --tsc-hz NAME=HZ.

The HTML has no external references (inline CSS and SVG): a summary of p50
per workload and class with ratios against the first run, then per workload
a table per class, the empty-fault floor beside it, the kernel's view, and
log2 histograms and CDFs of every run overlaid.

Percentiles are nearest-rank, computed as user/bench/stats.c does, so the
numbers recomputed from raw samples equal the programs' own.
"""
import argparse
import html
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from qemu_run import parse_records  # noqa: E402  (the one record parser)

HIST_BUCKETS = 48
QUANTILES = [("p50", 5000), ("p90", 9000), ("p99", 9900), ("p999", 9990)]
STAT_FIELDS = ["count", "min", "p50", "p90", "p99", "p999", "max", "mean"]
STAT_LABELS = {"p999": "p99.9"}
FLOOR_KEY = ("empty_fault", "read-zero")   # the cheapest constructible fault (docs/bench.md)
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

class RunData:
    """What one log says: bench, bench_kernel and sample records, and the TSC rate."""

    def __init__(self, name, path, text, tsc_hz=None):
        self.name = name
        self.path = path
        self.records = parse_records(text)
        self.benches = {}      # (workload, class) -> bench record
        self.kernel = {}       # (workload, class) -> bench_kernel record
        self.samples = {}      # (workload, class) -> [sample, ...] in measured order
        self.errors = [r for r in self.records if r.get("type") == "bench_error"]
        self.problems = []     # what did not add up, shown in the report
        boot = next((r for r in self.records if r.get("type") == "boot"), None)
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
        chunks = {}
        for r in self.records:
            t = r.get("type")
            key = (str(r.get("workload")), str(r.get("class")))
            if t == "bench":
                if key in self.benches:
                    self.problems.append("%s/%s: more than one bench record; the first is shown" % key)
                    continue
                self.benches[key] = r
            elif t == "bench_kernel":
                self.kernel.setdefault(key, r)
            elif t == "bench_samples":
                chunks.setdefault(key, []).append(r)
        for key, parts in chunks.items():
            parts.sort(key=lambda r: r.get("first", 0))
            values, expected = [], 0
            for p in parts:
                if p.get("first") != expected:
                    self.problems.append("%s/%s: samples from %s missing" % (key[0], key[1], expected))
                    break
                values.extend(int(v) for v in p.get("samples", []))
                expected = len(values)
            self.samples[key] = values
        for key, rec in self.benches.items():
            if key in self.samples:
                mine = summarize(self.samples[key])
                for f in STAT_FIELDS + ["hist_log2"]:
                    if rec.get(f) != mine[f]:
                        self.problems.append("%s/%s: %s is %s in the record, %s from the raw samples"
                                             % (key[0], key[1], f, rec.get(f), mine[f]))

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


def comparable(rec, run):
    """The p50 of a record in the unit runs are compared in: ns when the run
    knows its tsc_hz, else cycles. Returns (value, unit)."""
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
            ns = fmt_ns(v, run.tsc_hz) if f != "count" and isinstance(v, int) else ""
            cells.append("<td>%s%s</td>" % (fmt_cycles(v), '<span class="ns">%s</span>' % ns if ns else ""))
        cells.append("<td>%s</td>" % esc(rec.get("minflt", "")))
        cells.append("<td>%s</td>" % esc(rec.get("empty_bracket", "")))
        floor = run.floor()
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
                ns = fmt_ns(rec["p50"], run.tsc_hz)
                cells.append("<td>%d%s</td>" % (rec["p50"], '<span class="ns">%s</span>' % ns if ns else ""))
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
                  key=lambda k: (k[0] != FLOOR_KEY[0], k[0], k != FLOOR_KEY, k[1]))
    workloads = sorted({w for w, _c in keys}, key=lambda w: (w != FLOOR_KEY[0], w))
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
    out.append("<h2>Summary: p50 per workload and class</h2>")
    out.append(summary_table(runs, keys))
    for w in workloads:
        out.append('<h2 id="%s">%s</h2>' % (esc(w), esc(w)))
        for key in [k for k in keys if k[0] == w]:
            out.append("<h3>%s / %s</h3>" % (esc(w), esc(key[1])))
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
