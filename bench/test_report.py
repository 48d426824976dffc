#!/usr/bin/env python3
"""Tests of the fault-latency report (bench/report.py), and of the benchmark
itself on faultline: run as `python3 bench/test_report.py`; the last line is
`N passed, N failed` and the exit status is non-zero when anything failed.

Synthetic logs check the percentile and histogram math against direct
computations, the cross-check of in-program statistics against raw samples,
the HTML (well-formed, one histogram and one CDF per workload and class, every
workload present), the ratios between runs, and the scaling section (working-set
sweep and VMA count against their goals, bench/run_bench.py --scaling's plan).
InChromium opens a report in headless Chromium (bench/chromium.py) and checks
that every chart laid out and painted the bars and curves the logs call for and
that the page loads nothing from outside; it also shows that broken copies of
the report fail those checks. Without chromium (tools/deps.sh installs it) that
is a failure, not a skip. When build/faultline.img exists,
test_deterministic_on_faultline boots it twice in deterministic mode (QEMU
-icount) with small workloads, bench_many_vmas among them, and requires
identical bench records; test_smp_workloads_on_faultline boots it with two
CPUs and runs the multi-CPU workloads (docs/bench.md, "Many CPUs") briefly.
ManyCpus checks their section of the report on synthetic logs."""
import collections
import html
import html.parser
import json
import os
import random
import re
import struct
import sys
import tempfile
import threading
import unittest
import zlib
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import chromium  # noqa: E402
import png_read  # noqa: E402
import qr_summary  # noqa: E402
import report  # noqa: E402

IMAGE = os.path.join(ROOT, "build", "faultline.img")
WORKLOADS = ["bench_empty_fault", "bench_write_first", "bench_read_zero", "bench_read_then_write",
             "bench_random_first", "bench_stride_pt", "bench_dontneed_refault", "bench_mprotect_upgrade"]
FAULTING_CLASSES = {"read-zero", "write-anon", "write-anon+pt", "cow-zero"}


# ---- synthetic logs ----

def bench_record(workload, cls, samples, **extra):
    """A bench record as the programs write it, statistics from report.summarize."""
    s = report.summarize(samples)
    rec = {"type": "bench", "workload": workload, "class": cls}
    rec.update({k: s[k] for k in report.STAT_FIELDS})
    rec.update({"unit": "tsc", "empty_bracket": 20, "minflt": len(samples), "hist_log2": s["hist_log2"],
                "pages": len(samples), "mib": 1, "reps": 1})
    rec.update(extra)
    return rec


def sample_records(workload, cls, samples, per=200):
    return [{"type": "bench_samples", "workload": workload, "class": cls, "first": i,
             "samples": samples[i:i + per]} for i in range(0, len(samples), per)]


def output_records(line, program="bench_x", pid=1, piece=700):
    """The kernel's output records carrying one line a program printed
    (kernel/user_records.c): one record, or parts of at most piece characters."""
    pieces = [line[i:i + piece] for i in range(0, len(line), piece)] or [""]
    out = []
    for k, text in enumerate(pieces):
        rec = {"type": "output", "program": program, "pid": pid}
        if len(pieces) > 1:
            rec["part"] = k
        rec["line"] = text
        if k < len(pieces) - 1:
            rec["partial"] = True
        out.append(json.dumps(rec, separators=(",", ":")))
    return out


def make_log(records, tsc_hz=None, noise=True):
    """Serial-log text: optional boot record (the kernel's), the programs'
    records inside output records, human text between records."""
    lines = ["BdsDxe: loading Boot0001", "faultline: taking over"] if noise else []
    if tsc_hz:
        lines.append(json.dumps({"type": "boot", "tsc_hz": tsc_hz, "tsc_source": "cpuid15",
                                 "cpu_name": "Test CPU"}))
    for r in records:
        lines += output_records(json.dumps(r, separators=(",", ":")))
        if noise:
            lines.append("run: something happened {not json")
    return "\n".join(lines) + "\n"


def nearest_rank_direct(values, q):
    """The smallest sample v with at least q/10000 of all samples <= v, by counting."""
    n = len(values)
    for v in sorted(set(values)):
        if sum(1 for x in values if x <= v) * 10000 >= q * n:
            return v
    return None


class HtmlChecker(html.parser.HTMLParser):
    """Counts tags and checks every non-void element is closed in order."""
    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self):
        super().__init__()
        self.stack, self.counts, self.errors, self.h2 = [], {}, [], []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)
        self._in_h2 = tag == "h2"

    def handle_startendtag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data)


def check_html(text):
    p = HtmlChecker()
    p.feed(text)
    p.close()
    if p.stack:
        p.errors.append("unclosed: %s" % p.stack)
    return p


# ---- the tests ----

class Percentiles(unittest.TestCase):
    def test_worked_examples(self):
        one_to_100 = list(range(1, 101))
        s = report.summarize(one_to_100)
        self.assertEqual((s["min"], s["p50"], s["p90"], s["p99"], s["p999"], s["max"], s["mean"]),
                         (1, 50, 90, 99, 100, 100, 50))
        s = report.summarize(list(range(1000, 0, -1)))          # 1..1000, reversed
        self.assertEqual((s["p50"], s["p90"], s["p99"], s["p999"]), (500, 900, 990, 999))
        self.assertEqual(report.summarize([7])["p999"], 7)
        self.assertEqual(report.summarize([])["p50"], 0)
        self.assertEqual(report.summarize([3, 4])["mean"], 3)      # floor(7/2)

    def test_against_direct_computation(self):
        rng = random.Random(12)
        for n in list(range(1, 40)) + [999, 1000, 1001, 4096]:
            values = [rng.choice([rng.randrange(50), rng.randrange(1 << 20)]) for _ in range(n)]
            s = sorted(values)
            for _name, q in report.QUANTILES:
                self.assertEqual(report.quantile(s, q), nearest_rank_direct(values, q), (n, q))

    def test_log2_buckets(self):
        self.assertEqual([report.log2_bucket(v) for v in (0, 1, 2, 3, 4, 7, 8, 4096, 8191)],
                         [0, 0, 1, 1, 2, 2, 3, 12, 12])
        self.assertEqual(report.log2_bucket(1 << 60), report.HIST_BUCKETS - 1)
        self.assertEqual(report.hist_log2([0, 1, 5, 5, 6, 8]), [2, 0, 3, 1])
        self.assertEqual(report.hist_log2([]), [])

    def test_ns(self):
        self.assertEqual(report.to_ns(3000, 3_000_000_000), 1000.0)
        self.assertIsNone(report.to_ns(3000, None))


class Logs(unittest.TestCase):
    def test_records_and_raw_cross_check(self):
        samples = [random.Random(3).randrange(100, 5000) for _ in range(450)]
        text = make_log([bench_record("write_first", "write-anon", samples)] +
                        sample_records("write_first", "write-anon", samples), tsc_hz=2_000_000_000)
        run = report.RunData("a", "a.log", text)
        self.assertEqual(run.tsc_hz, 2_000_000_000)
        self.assertEqual(run.samples[("write_first", "write-anon")], samples)
        self.assertEqual(run.problems, [])

    def test_only_records_inside_output_records_count(self):
        samples = list(range(1, 101))
        text = make_log([bench_record("read_zero", "read-zero", samples)])
        # a bench record on a line of its own is not a program's (only the kernel writes such lines)
        text += json.dumps(bench_record("forged", "read-zero", [1])) + "\n"
        # a line of one pid split in parts, interleaved with another pid's line, is joined again
        a = output_records(json.dumps(bench_record("split", "c", samples)), pid=7, piece=50)
        b = output_records(json.dumps(bench_record("other", "c", samples)), pid=8)
        text += "\n".join(a[:2] + b + a[2:]) + "\n"
        run = report.RunData("a", "a.log", text)
        self.assertEqual(sorted(k[0] for k in run.benches), ["other", "read_zero", "split"])
        self.assertEqual(run.problems, [])

    def test_disagreeing_record_is_a_problem(self):
        samples = list(range(1, 101))
        rec = bench_record("read_zero", "read-zero", samples)
        rec["p90"] = 91
        run = report.RunData("a", "a.log", make_log([rec] + sample_records("read_zero", "read-zero", samples)))
        self.assertEqual(len(run.problems), 1)
        self.assertIn("p90", run.problems[0])

    def test_missing_sample_chunk_is_a_problem(self):
        samples = list(range(600))
        chunks = sample_records("w", "c", samples)
        del chunks[1]
        run = report.RunData("a", "a.log", make_log([bench_record("w", "c", samples)] + chunks))
        self.assertTrue(any("missing" in p for p in run.problems))

    def test_linux_tsc_line_and_override(self):
        text = "[    0.000000] tsc: Detected 2994.376 MHz processor\n" + make_log([], noise=False)
        self.assertEqual(report.RunData("l", "l", text).tsc_hz, 2994376000)
        self.assertEqual(report.RunData("l", "l", text, tsc_hz=123).tsc_hz, 123)
        self.assertIsNone(report.RunData("l", "l", make_log([])).tsc_hz)


def two_runs(tmp, hz_a=1_000_000_000, hz_b=1_000_000_000, factor=2):
    """Writes two synthetic logs (b's samples = a's * factor); returns their paths."""
    rng = random.Random(5)
    recs_a, recs_b = [], []
    for workload, cls in [("empty_fault", "read-zero"), ("empty_fault", "no-fault"),
                          ("write_first", "write-anon"), ("stride_pt", "write-anon+pt"),
                          ("stride_pt", "write-anon")]:
        a = [rng.randrange(400, 600) if cls != "write-anon+pt" else rng.randrange(900, 1100) for _ in range(300)]
        b = [v * factor for v in a]
        recs_a += [bench_record(workload, cls, a)] + sample_records(workload, cls, a)
        recs_b += [bench_record(workload, cls, b)]           # b without raw samples: CDF from histogram
    recs_a.append({"type": "bench_kernel", "workload": "write_first", "class": "write-anon", "count": 300,
                   "min": 380, "mean": 400, "max": 450, "min_max": "run", "clear_cycles": 30000,
                   "pgtables": 0, "unit": "tsc", "hist_log2": [0, 0, 0, 0, 0, 0, 0, 0, 300]})
    pa, pb = os.path.join(tmp, "a.log"), os.path.join(tmp, "b.log")
    with open(pa, "w") as f:
        f.write(make_log(recs_a, tsc_hz=hz_a))
    with open(pb, "w") as f:
        f.write(make_log(recs_b, tsc_hz=hz_b))
    return pa, pb


class Html(unittest.TestCase):
    def render(self, **kw):
        with tempfile.TemporaryDirectory() as tmp:
            pa, pb = two_runs(tmp, **kw)
            out = os.path.join(tmp, "r.html")
            status = report.main(["--run", "fl=" + pa, "--run", "linux=" + pb, "-o", out])
            self.assertEqual(status, 0)
            with open(out) as f:
                return f.read()

    def test_well_formed_with_every_workload_and_chart(self):
        text = self.render()
        p = check_html(text)
        self.assertEqual(p.errors, [])
        self.assertEqual(p.counts.get("svg"), 2 * 5)       # a histogram and a CDF per workload/class
        for w in ("empty_fault", "write_first", "stride_pt"):
            self.assertIn(w, p.h2)
        self.assertNotIn("http://", text.replace('xmlns="http://www.w3.org/2000/svg"', ""))
        self.assertIn("Kernel view", text)
        self.assertIn("ns</span>", text)

    def test_p50_without_clearing_from_the_kernel_record(self):
        # Run a's write_first/write-anon has a bench_kernel record with 30000
        # clear cycles over 300 faults: its summary cell also shows p50 - 100.
        with tempfile.TemporaryDirectory() as tmp:
            pa, _ = two_runs(tmp)
            run = report.load_run("fl=" + pa, {})
            p50 = run.benches[("write_first", "write-anon")]["p50"]
        text = self.render()
        start = text.index("<th>fl p50</th>")
        summary = text[start:text.index("</table>", start)]
        self.assertIn("%d without clearing" % (p50 - 100), summary)
        self.assertEqual(summary.count("without clearing"), 1)   # not for Linux, not for read-zero

    def test_ratios_in_ns(self):
        # b's cycles are twice a's at the same tsc_hz: every ratio is 2.00.
        text = self.render()
        self.assertIn("2.00\u00d7 (ns)", text)
        self.assertNotIn("units differ", text)
        # Same cycles, b's TSC twice as fast: b takes half the time.
        text = self.render(hz_b=2_000_000_000, factor=1)
        self.assertIn("0.50\u00d7 (ns)", text)
        self.assertNotIn("2.00\u00d7 (ns)", text)

    def test_ratios_without_frequency(self):
        with tempfile.TemporaryDirectory() as tmp:
            pa, pb = two_runs(tmp, hz_a=None, hz_b=None, factor=3)
            runs = [report.load_run("a=" + pa, {}), report.load_run("b=" + pb, {})]
            text = report.render(runs)
            self.assertIn("3.00\u00d7 (cycles)", text)
            runs = [report.load_run("a=" + pa, {"a": 10**9}), report.load_run("b=" + pb, {})]
            self.assertIn("units differ", report.render(runs))

    def test_floor_ratio(self):
        with tempfile.TemporaryDirectory() as tmp:
            pa, _pb = two_runs(tmp)
            run = report.load_run("a=" + pa, {})
            floor = run.floor()["p50"]
            wa = run.benches[("write_first", "write-anon")]["p50"]
            self.assertIn(report.ratio(wa, floor), report.render([run]))
        self.assertEqual(report.ratio(3, 2), "1.50\u00d7")
        self.assertEqual(report.ratio(3, 0), "")

    def test_pressure_classes_beside_linux(self):
        # The swap and reclaim classes (docs/bench.md, "Swap", "Reclaim") of both
        # machines: each in the summary with Linux's p50 beside faultline's, swap-in
        # "without decompression" from faultline's kernel record only, and the
        # hot/cold count class in its own unit (no ns, no floor, ratio in that unit).
        rng = random.Random(15)
        classes = [("swap_in", "swap-in"), ("swap_in", "swap-in-same-filled"),
                   ("reclaim", "reclaim"), ("reclaim", "reclaim-file")]
        recs_f, recs_l = [], []
        for workload, cls in classes:
            a = [rng.randrange(1000, 1200) for _ in range(64)]
            recs_f.append(bench_record(workload, cls, a))
            recs_l.append(bench_record(workload, cls, [v * 7 for v in a]))
        recs_f.append(bench_record("hotcold", "hotcold", [111, 111, 112, 111], unit="majflt/1000 accesses"))
        recs_l.append(bench_record("hotcold", "hotcold", [111, 116, 113, 113], unit="majflt/1000 accesses"))
        for cls, fill in (("swap-in", 800), ("swap-in-same-filled", 500)):
            recs_f.append({"type": "bench_kernel", "workload": "swap_in", "class": cls, "count": 64,
                           "min": 900, "mean": 1000, "max": 1100, "min_max": "run", "clear_cycles": 64 * fill,
                           "pgtables": 0, "unit": "tsc", "hist_log2": [0] * 10 + [64]})
        reclaim = {"type": "reclaim", "program": "bench_reclaim", "pgscan": 2048, "pgsteal": 2048,
                   "pswpin": 0, "pswpout": 64, "refaults": 0, "compression_ratio_x100": 347,
                   "comp_cycles_per_page": 300, "decomp_cycles_per_page": None}
        with tempfile.TemporaryDirectory() as tmp:
            pf, pl = os.path.join(tmp, "f.log"), os.path.join(tmp, "l.log")
            with open(pf, "w") as f:   # the kernel's reclaim record is a top-level line
                f.write(make_log(recs_f, tsc_hz=10**9) + json.dumps(reclaim) + "\n")
            with open(pl, "w") as f:
                f.write(make_log(recs_l, tsc_hz=10**9))
            runs = [report.load_run("faultline=" + pf, {}), report.load_run("linux=" + pl, {})]
        text = report.render(runs)
        self.assertEqual(check_html(text).errors, [])
        start = text.index("<th>faultline p50</th>")
        summary = text[start:text.index("</table>", start)]
        rows = {}
        for row in summary.split("<tr>")[1:]:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            rows[(re.sub("<[^>]+>", "", cells[0]), re.sub("<[^>]+>", "", cells[1]))] = cells[2:]
        for key in classes + [("hotcold", "hotcold")]:
            self.assertIn(key, rows)
            fl, lx, ratio_cell = rows[key]
            self.assertTrue(fl and lx, key)   # both machines' p50 in the row
        p50 = runs[0].benches[("swap_in", "swap-in")]["p50"]
        self.assertIn("%d without decompression" % (p50 - 800), rows[("swap_in", "swap-in")][0])
        self.assertEqual(summary.count("without decompression"), 1)
        p50 = runs[0].benches[("swap_in", "swap-in-same-filled")]["p50"]
        self.assertIn("%d without fill" % (p50 - 500), rows[("swap_in", "swap-in-same-filled")][0])
        self.assertEqual(summary.count("without clearing"), 0)
        self.assertIn("7.00\u00d7 (ns)", rows[("reclaim", "reclaim-file")][2])
        p50 = runs[0].benches[("reclaim", "reclaim")]["p50"]   # zram's compression from the reclaim record
        self.assertIn("%d without compression" % (p50 - 300), rows[("reclaim", "reclaim")][0])
        self.assertEqual(summary.count("without compression"), 1)
        self.assertIn("Reclaim and swap", text)
        self.assertIn("<td>347</td><td>300</td><td></td>", text)
        fl, lx, ratio_cell = rows[("hotcold", "hotcold")]
        self.assertNotIn("ns", fl + lx)
        self.assertEqual(ratio_cell, "%s (majflt/1000 accesses)" % report.ratio(113, 111))
        self.assertIn("hotcold / hotcold (majflt/1000 accesses)", text)

    def test_bad_arguments(self):
        self.assertEqual(report.main(["--run", "nolog", "-o", "/dev/null"]), 2)
        self.assertEqual(report.main(["--run", "x=/nonexistent/log", "-o", "/dev/null"]), 2)


# ---- in a browser ----

# For every svg.chart of the page: the h3 it sits under, its title, its size
# as declared and as laid out (page coordinates), its bars (rects that are
# filled) and its curves (paths), each with its colour and box.
CHART_GEOMETRY_JS = r"""
(() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  return {viewport_width: innerWidth, page_height: document.documentElement.scrollHeight,
    charts: Array.from(document.querySelectorAll('svg.chart')).map(svg => {
      let h = svg.parentElement;
      while (h && h.tagName !== 'H3') h = h.previousElementSibling;
      const title = svg.querySelector('title');
      return {heading: h ? h.textContent : '', title: title ? title.textContent : '', box: box(svg),
        declared: [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))],
        bars: Array.from(svg.querySelectorAll('rect')).filter(r => getComputedStyle(r).fill !== 'none')
                .map(r => ({colour: getComputedStyle(r).fill, box: box(r)})),
        curves: Array.from(svg.querySelectorAll('path')).map(p => ({colour: getComputedStyle(p).stroke,
                box: box(p), length: p.getTotalLength(), points: (p.getAttribute('d').match(/L/g) || []).length / 2}))};
    })};
})()
"""


def css_rgb(hex_colour):
    """'#1f77b4' -> 'rgb(31, 119, 180)', as getComputedStyle spells it."""
    return "rgb(%d, %d, %d)" % tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def rgb_tuple(css):
    """'rgb(31, 119, 180)' -> (31, 119, 180)."""
    return tuple(int(v) for v in css[css.index("(") + 1:-1].split(","))


def inside(inner, outer, slack=0.5):
    """Whether box inner = [x, y, w, h] lies within box outer."""
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and
            inner[0] + inner[2] <= outer[0] + outer[2] + slack and inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def expected_series(runs):
    """{"workload / class": [(run name, css colour, non-empty histogram buckets)]}
    as the logs say, in the report's run order and colours."""
    out = {}
    for i, run in enumerate(runs):
        for key, rec in run.benches.items():
            buckets = sum(1 for v in rec.get("hist_log2", []) if v)
            out.setdefault("%s / %s" % key, []).append((run.name, css_rgb(report.COLORS[i % len(report.COLORS)]),
                                                        buckets))
    return out


def count_pixels(colours, colour, distance):
    """How many pixels of a screenshot (colours: a Counter of its (r, g, b)
    pixels) are within distance (RGB, Euclidean) of colour."""
    return sum(n for c, n in colours.items()
               if (c[0] - colour[0]) ** 2 + (c[1] - colour[1]) ** 2 + (c[2] - colour[2]) ** 2 <= distance ** 2)


def screenshot_colours(browser, page, box):
    """A function that returns a Counter of the (r, g, b) pixels of box on the
    page, taking the screenshot on its first call only."""
    taken = []

    def colours():
        if not taken:
            rows = png_read.read_png(browser.screenshot(page, *box))[2]
            taken.append(collections.Counter(p for row in rows for p in row))
        return taken[0]
    return colours


def histogram_problems(where, chart, series, screenshot):
    """What is wrong with one laid-out histogram: per run as many bars as the
    log has non-empty buckets, each with an area, inside the chart, the
    tallest a quarter of the chart's height or more; then, when all that
    holds, that they are painted: pixels of the run's colour (screenshot()
    counts them) cover most of its bars' area."""
    problems = []
    for name, colour, buckets in series:
        bars = [b for b in chart["bars"] if b["colour"] == colour]
        if len(bars) != buckets:
            problems.append("%s: %d bars for %s, the log has %d non-empty buckets" % (where, len(bars), name, buckets))
        for b in bars:
            if b["box"][2] <= 0 or b["box"][3] <= 0 or not inside(b["box"], chart["box"]):
                problems.append("%s: a bar of %s at %s, chart at %s" % (where, name, b["box"], chart["box"]))
        if bars and max(b["box"][3] for b in bars) < chart["box"][3] / 4:
            problems.append("%s: the tallest bar of %s is %.1f px high" % (where, name, max(b["box"][3] for b in bars)))
    for name, colour, _buckets in ([] if problems else series):
        area = sum(b["box"][2] * b["box"][3] for b in chart["bars"] if b["colour"] == colour)
        painted = count_pixels(screenshot(), rgb_tuple(colour), 0)
        if painted < 0.8 * area:
            problems.append("%s: %d pixels painted in %s's colour for %.0f px^2 of bars" % (where, painted, name, area))
    return problems


def cdf_problems(where, chart, series, screenshot):
    """What is wrong with one laid-out CDF: per run one curve with a length,
    inside the chart, rising over half the chart's height or more (0 to 1),
    with a point per non-empty bucket or more; then, when all that holds,
    that they are painted: pixels near the run's colour along at least half
    of each curve's length."""
    problems = []
    for name, colour, buckets in series:
        curves = [c for c in chart["curves"] if c["colour"] == colour]
        if len(curves) != 1:
            problems.append("%s: %d curves for %s" % (where, len(curves), name))
            continue
        c = curves[0]
        if c["length"] <= 0 or not inside(c["box"], chart["box"]) or c["box"][3] < chart["box"][3] / 2:
            problems.append("%s: the curve of %s is %.1f px long at %s, chart at %s"
                            % (where, name, c["length"], c["box"], chart["box"]))
        if c["points"] < buckets:
            problems.append("%s: the curve of %s has %s points for %d buckets" % (where, name, c["points"], buckets))
    for name, colour, _buckets in ([] if problems else series):
        length = next(c["length"] for c in chart["curves"] if c["colour"] == colour)
        painted = count_pixels(screenshot(), rgb_tuple(colour), 60)
        if painted < 0.5 * length:
            problems.append("%s: %d pixels painted in %s's colour along a %.0f px curve"
                            % (where, painted, name, length))
    return problems


def chart_problems(browser, path, runs):
    """Opens the report at path in a headless Chromium and returns what did
    not render (empty when all is well): every (workload, class) of the logs
    has a histogram and a CDF, laid out at their declared size inside the
    window's width, with the bars and curves the logs call for, painted; and
    the page asked the network for nothing but its own file."""
    url = "file://" + os.path.abspath(path)
    page = browser.open(url)
    try:
        return _page_problems(browser, page, url, runs)
    finally:
        browser.close_page(page)


def _page_problems(browser, page, url, runs):
    """chart_problems for an open tab."""
    problems = ["loads %s" % u for u in browser.requested_urls(page) if u != url]
    geometry = browser.evaluate(page, CHART_GEOMETRY_JS)
    expected = expected_series(runs)
    charts = {}
    for chart in geometry["charts"]:
        charts.setdefault((chart["heading"], chart["title"]), []).append(chart)
    for heading, series in sorted(expected.items()):
        for title, check in (("log2 histogram", histogram_problems), ("CDF", cdf_problems)):
            where = "%s %s" % (heading, title)
            found = charts.pop((heading, title), [])
            if len(found) != 1:
                problems.append("%s: %d charts" % (where, len(found)))
                continue
            chart = found[0]
            x, y, w, h = chart["box"]
            if abs(w - chart["declared"][0]) > 0.5 or abs(h - chart["declared"][1]) > 0.5 or w <= 0 or h <= 0:
                problems.append("%s: laid out %.1f x %.1f, declared %s x %s" % (where, w, h, *chart["declared"]))
                continue
            if x < 0 or y < 0 or x + w > geometry["viewport_width"] or y + h > geometry["page_height"]:
                problems.append("%s: at %s, outside the page" % (where, chart["box"]))
                continue
            problems += check(where, chart, series, screenshot_colours(browser, page, chart["box"]))
    problems += ["%s %s: a chart the logs do not call for" % k for k in charts]
    return problems


def tiny_png(width, rows, colour_type=2, depth=8):
    """A PNG of already-filtered rows (each: filter byte, then the bytes)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, len(rows), depth, colour_type, 0, 0, 0)
    return (png_read.SIGNATURE + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(b"".join(bytes(r) for r in rows))) + chunk(b"IEND", b""))


class PngRead(unittest.TestCase):
    def test_every_row_filter(self):
        # Two RGB pixels a row; the expected pixels are worked out by hand.
        rows = [[1, 10, 20, 30, 5, 5, 5],          # Sub: the second pixel adds the first
                [3, 0, 0, 0, 0, 0, 0],             # Average of left and up
                [4, 1, 1, 1, 1, 1, 1],             # Paeth
                [2, 250, 0, 0, 0, 0, 0],           # Up, wrapping at 256
                [0, 1, 2, 3, 4, 5, 6]]             # None
        self.assertEqual(png_read.read_png(tiny_png(2, rows)),
                         (2, 5, [[(10, 20, 30), (15, 25, 35)],
                                 [(5, 10, 15), (10, 17, 25)],
                                 [(6, 11, 16), (11, 18, 26)],
                                 [(0, 11, 16), (11, 18, 26)],
                                 [(1, 2, 3), (4, 5, 6)]]))
        rgba = tiny_png(1, [[0, 7, 8, 9, 255]], colour_type=6)
        self.assertEqual(png_read.read_png(rgba), (1, 1, [[(7, 8, 9)]]))

    def test_refuses_what_it_cannot_read(self):
        for bad in (b"GIF89a", tiny_png(1, [[0, 0, 0, 0, 0, 0, 0]], depth=16), tiny_png(1, [[5, 0, 0, 0]]),
                    tiny_png(2, [[0, 1, 2, 3]]), tiny_png(1, [[0, 1, 2, 3]])[:30]):
            with self.assertRaises(ValueError):
                png_read.read_png(bad)


def broken_copy(path, name, edit):
    """Writes edit(text of path) next to it as name; returns the new path."""
    with open(path) as f:
        text = f.read()
    broken = edit(text)
    assert broken != text, name
    out = os.path.join(os.path.dirname(path), name)
    with open(out, "w") as f:
        f.write(broken)
    return out


# Ways to break the report, and a word the problems must then contain.
BREAKAGES = [
    ("bars-renamed.html", lambda t: t.replace("<rect ", "<rct ").replace("</rect>", "</rct>"), "bars for"),
    ("curves-garbled.html", lambda t: t.replace(' d="M', ' d="X'), "curve of"),
    ("charts-unpainted.html", lambda t: t.replace("</style>", "svg.chart * { visibility: hidden; }</style>"),
     "pixels painted"),
    ("charts-collapsed.html", lambda t: t.replace("</style>", "svg.chart { display: none; }</style>"), "laid out"),
    ("external-image.html", lambda t: t.replace("<body>", '<body><img src="http://192.0.2.1/x.png" alt="">'),
     "loads http://192.0.2.1/x.png"),
]


class InChromium(unittest.TestCase):
    """The report opened in headless Chromium (tools/deps.sh installs it):
    a missing browser is a failure, not a skip."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        pa, pb = two_runs(cls.tmp.name)
        cls.report = os.path.join(cls.tmp.name, "report.html")
        if report.main(["--run", "fl=" + pa, "--run", "linux=" + pb, "-o", cls.report]) != 0:
            raise AssertionError("report.py failed on the synthetic logs")
        cls.runs = [report.load_run("fl=" + pa, {}), report.load_run("linux=" + pb, {})]
        try:
            cls.browser = chromium.Browser()
        except chromium.BrowserError:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.tmp.cleanup()

    def test_charts_render(self):
        self.assertEqual(chart_problems(self.browser, self.report, self.runs), [])

    def test_broken_charts_are_caught(self):
        for name, edit, word in BREAKAGES:
            problems = chart_problems(self.browser, broken_copy(self.report, name, edit), self.runs)
            self.assertTrue(any(word in p for p in problems), (name, problems[:5]))

    def test_screenshot_encodings_agree(self):
        # Chromium's two PNG encodings of one chart use different row filters
        # (Up only when fast; Paeth, Sub and Up otherwise): same pixels.
        page = self.browser.open("file://" + self.report)
        try:
            box = self.browser.evaluate(page, CHART_GEOMETRY_JS)["charts"][0]["box"]
            fast = self.browser.screenshot(page, *box, fast=True)
            slow = self.browser.screenshot(page, *box, fast=False)
        finally:
            self.browser.close_page(page)
        self.assertNotEqual(set(png_read.row_filters(fast)), set(png_read.row_filters(slow)))
        self.assertEqual(png_read.read_png(fast)[:2], (round(box[2]), round(box[3])))
        self.assertEqual(png_read.read_png(fast), png_read.read_png(slow))


def program_records(workload, cls, samples, raw=True, **extra):
    """A class's records in the order a program writes them: samples, then the bench record."""
    return (sample_records(workload, cls, samples) if raw else []) + [bench_record(workload, cls, samples, **extra)]


def kernel_record(workload, cls, mean, mib):
    return {"type": "bench_kernel", "workload": workload, "class": cls, "count": 10, "min": mean,
            "mean": mean, "max": mean, "min_max": "run", "clear_cycles": 0, "pgtables": 0, "unit": "tsc",
            "mib": mib, "hist_log2": [0] * 10 + [10]}


def sweep_log(p50s, cls="write-anon", workload="write_first", raw=True):
    """A scaling log: workload measured at each {mib: p50} (samples all equal to p50),
    in the order run_bench --scaling runs them, with a kernel record per size."""
    recs = []
    for mib, p50 in p50s.items():
        recs += program_records(workload, cls, [p50] * 64, raw=raw, mib=mib)
        recs.append(kernel_record(workload, cls, p50 - 100, mib))
    return recs


def vma_log(one, many, n=100000, classes=("write-anon", "read-zero")):
    """bench_many_vmas's records: each class at 1 VMA (p50 one) and n VMAs (p50 many)."""
    recs = []
    for vmas, p50 in ((1, one), (n, many)):
        for cls in classes:
            recs += program_records("many_vmas", cls, [p50] * 32, vmas=vmas)
    return recs


class Scaling(unittest.TestCase):
    """The working-set sweep and the VMA comparison (run_bench.py --scaling)."""

    def test_sweep_labels_samples_and_kernel(self):
        run = report.RunData("s", "s.log", make_log(sweep_log({16: 1000, 64: 1100, 4096: 1200}), tsc_hz=10**9))
        self.assertEqual(run.problems, [])
        self.assertEqual(run.swept, {"write_first"})
        self.assertEqual(sorted(run.benches), [("write_first @ %d MiB" % m, "write-anon") for m in (16, 4096, 64)])
        # Each size got its own samples although all three share workload and class.
        self.assertEqual(run.samples[("write_first @ 4096 MiB", "write-anon")], [1200] * 64)
        self.assertEqual(run.kernel[("write_first @ 64 MiB", "write-anon")]["mean"], 1000)
        [c] = report.sweep_comparisons(run)
        self.assertEqual((c.workload, c.cls, sorted(c.points)), ("write_first", "write-anon", [16, 64, 4096]))
        self.assertEqual(c.ratio, report.Fraction(6, 5))
        self.assertEqual(c.verdict(), "met")                 # exactly 1.2: met
        self.assertEqual(c.kernel[4096]["mean"], 1100)

    def test_sweep_verdicts(self):
        def verdict(p50s):
            [c] = report.sweep_comparisons(report.RunData("s", "", make_log(sweep_log(p50s, raw=False))))
            return c.verdict(), c.ratio
        self.assertEqual(verdict({16: 1000, 1024: 1201}), ("not met", report.Fraction(1201, 1000)))
        self.assertEqual(verdict({16: 1100, 1024: 1000, 4096: 1000}), ("met", report.Fraction(11, 10)))
        self.assertEqual(verdict({16: 0, 1024: 1000})[0], "incomplete")
        # One size is no sweep; a program's single run is not one either.
        self.assertEqual(report.sweep_comparisons(report.RunData("s", "", make_log(sweep_log({16: 1})))), [])

    def test_vma_verdicts(self):
        run = report.RunData("v", "", make_log(vma_log(1000, 2000)))
        self.assertEqual(run.problems, [])
        self.assertIn(("many_vmas", "write-anon (1 VMA)"), run.benches)
        self.assertIn(("many_vmas", "read-zero (100000 VMAs)"), run.benches)
        comps = {c.cls: c for c in report.vma_comparisons(run)}
        self.assertEqual(sorted(comps), ["read-zero", "write-anon"])
        self.assertEqual((comps["write-anon"].ratio, comps["write-anon"].verdict()), (2, "met"))
        run = report.RunData("v", "", make_log(vma_log(1000, 2001, classes=("write-anon",))))
        [c] = report.vma_comparisons(run)
        self.assertEqual(c.verdict(), "not met")
        only_many = [r for r in vma_log(1000, 1500) if r.get("vmas") != 1]
        [c, _] = report.vma_comparisons(report.RunData("v", "", make_log(only_many)))
        self.assertEqual(c.verdict(), "incomplete")

    def test_problems(self):
        recs = sweep_log({16: 1000, 64: 1000})
        recs[-2]["count"] = 0                                    # the 64 MiB bench record
        recs[-2]["hist_log2"] = []
        run = report.RunData("s", "", make_log(recs))
        self.assertTrue(any("no samples" in p for p in run.problems), run.problems)
        # Samples of a record that never came, and the same record twice.
        recs = sample_records("w", "c", [5] * 10) + program_records("w", "c", [5] * 10) * 2
        problems = report.RunData("s", "", make_log(recs)).problems
        self.assertTrue(any("without a bench record" in p for p in problems), problems)
        self.assertTrue(any("more than one" in p for p in problems), problems)

    def test_html_and_text(self):
        recs = sweep_log({16: 1000, 1024: 1300, 64: 1000}) + \
            sweep_log({16: 500, 64: 500, 1024: 500}, cls="read-zero", workload="read_zero") + vma_log(1000, 1900)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.log")
            with open(path, "w") as f:
                f.write(make_log(recs, tsc_hz=10**9))
            run = report.load_run("scaling=" + path, {})
        text = report.render([run])
        p = check_html(text)
        self.assertEqual(p.errors, [])
        self.assertIn("Scaling", p.h2)
        self.assertIn("write_first @ 1024 MiB", p.h2)
        section = text[text.index('id="scaling"'):text.index("<h2>Summary")]
        self.assertLess(section.index("<th>64 MiB</th>"), section.index("<th>1024 MiB</th>"))
        self.assertIn("1.300\u00d7", section)
        self.assertIn('class="l notmet">not met', section)        # write_first: 1.3
        self.assertEqual(section.count('class="l met">met'), 1 + 2)  # read_zero; both VMA classes (1.9)
        self.assertIn("kernel mean 1200", section)
        self.assertIn("<td>100000</td>", section)
        lines = report.scaling_lines(run)
        self.assertEqual(len(lines), 4)
        self.assertIn("write_first/write-anon p50 by MiB: 16: 1000, 64: 1000, 1024: 1300; spread 1.300", lines[1])
        self.assertTrue(lines[1].endswith("not met"))
        # No sweep and no VMA counts: no section.
        self.assertNotIn('id="scaling"', report.render([report.RunData("x", "", make_log(sweep_log({16: 9})))]))


class RunBench(unittest.TestCase):
    """bench/run_bench.py's scaling plan and completeness check (no QEMU)."""

    def setUp(self):
        import run_bench
        self.rb = run_bench

    def test_plan(self):
        progs = self.rb.scaling_programs([16, 64, 4096], 100000)
        self.assertIn(("bench_write_first", "--mib 16 --reps 4"), progs)
        self.assertIn(("bench_read_then_write", "--mib 4096 --reps 1"), progs)
        self.assertEqual(progs[-1], ("bench_many_vmas", "--vmas 100000"))
        self.assertEqual(len(progs), 3 * 3 + 1)
        self.assertEqual(self.rb.scaling_programs([1, 2], 2000)[-1], ("bench_many_vmas", "--vmas 2000 --mib 1 --reps 1"))
        self.assertEqual(self.rb.parse_sizes("4096,16"), [16, 4096])
        for bad in ("16", "16,16", "0,16", "x,16", "16,99999"):
            self.assertRaises(ValueError, self.rb.parse_sizes, bad)
        config = self.rb.faultline_config(progs) if os.path.exists(IMAGE) else ""
        if config:
            self.assertIn("run = bench_many_vmas --vmas 100000\n", config)

    def test_completeness(self):
        full = []
        for program, classes in self.rb.SWEEP.items():
            for cls in classes:
                full += sweep_log({16: 900, 64: 900}, cls=cls, workload=program[len("bench_"):], raw=False)
        full += vma_log(1000, 1100)
        run = report.RunData("s", "", make_log(full))
        self.assertEqual(self.rb.scaling_problems(run, [16, 64], 100000), [])
        problems = self.rb.scaling_problems(run, [16, 64, 256], 5000)
        self.assertEqual(len(problems), 4 + 2, problems)
        self.assertIn("bench_read_then_write/cow-zero: no bench record at 256 MiB", problems)
        self.assertIn("many_vmas/read-zero: records at [1, 100000] VMAs, expected 1 and 5000", problems)


# ---- many CPUs (bench_page_fault1/2/3, bench_tlb_shootdown; bench/smp_report.py) ----

def scale_record(workload, cls, mode, per_task, ns=10**9, cpus_used=None, cycles=None):
    """A bench_scale record of len(per_task) tasks that took per_task faults in a window of ns."""
    k = len(per_task)
    faults = sum(per_task)
    return {"type": "bench_scale", "workload": workload, "class": cls, "mode": mode, "tasks": k, "cpus": 4,
            "cpus_used": k if cpus_used is None else cpus_used, "faults": faults, "ns": ns,
            "cycles": cycles if cycles is not None else 2 * ns, "faults_per_sec": faults * 10**9 // ns,
            "writes_run": faults + 10, "minflt_run": faults + 10, "per_task": per_task,
            "task_cpu": list(range(k)), "mib": 128, "ms": 1000, "warmup_ms": 250}


def smp_log(rates, workload="page_fault1", cls="write-anon", modes=("threads", "processes"), cpus_used=None):
    """A log of one scaling workload: for each mode and k = 1..len(rates), k tasks of rates[k-1]
    faults each in a 1 s window, and task 0's latency record (p50 1000 * k)."""
    recs = []
    for mode in modes:
        for k, per in enumerate(rates, start=1):
            recs.append(scale_record(workload, cls, mode, [per] * k, cpus_used=cpus_used))
            recs.append(bench_record(workload, cls, [1000 * k] * 50, mode=mode, tasks=k))
    return recs


def shootdown_log(p50s):
    """bench_tlb_shootdown's records: munmap and mprotect at targets 0..len(p50s)-1."""
    recs = []
    for t, p50 in enumerate(p50s):
        for cls in ("munmap", "mprotect"):
            recs.append(bench_record("tlb_shootdown", cls, [p50] * 20, targets=t, cpus_used=t + 1))
    return recs


class ManyCpus(unittest.TestCase):
    """The Many CPUs section: speed-ups exact, verdicts, the chart's lines, labels of the latency records."""

    def setUp(self):
        import smp_report
        self.sr = smp_report

    def test_speedup_and_verdicts(self):
        run = report.RunData("f", "", make_log(smp_log([1000, 950, 940, 900])))
        self.assertEqual(run.problems, [])
        series = self.sr.scale_series(run)
        self.assertEqual(sorted(series), [("page_fault1", "write-anon", "processes"),
                                          ("page_fault1", "write-anon", "threads")])
        points = series[("page_fault1", "write-anon", "threads")]
        self.assertEqual(sorted(points), [1, 2, 3, 4])
        self.assertEqual(self.sr.speedup(points, 4), Fraction(3600, 1000))     # 0.9 x 4 exactly
        self.assertEqual(self.sr.verdict(points), "met")
        flat = self.sr.scale_series(report.RunData("l", "", make_log(smp_log([1000, 600]))))
        self.assertEqual(self.sr.verdict(flat[("page_fault1", "write-anon", "threads")]), "not met")   # 1.2 < 1.8
        just_below = self.sr.scale_series(report.RunData("l", "", make_log(smp_log([1000, 899]))))
        self.assertEqual(self.sr.verdict(just_below[("page_fault1", "write-anon", "threads")]), "not met")
        shared = self.sr.scale_series(report.RunData("s", "", make_log(smp_log([1000, 500], cpus_used=1))))
        self.assertEqual(self.sr.verdict(shared[("page_fault1", "write-anon", "processes")]), "tasks share CPUs")
        one = self.sr.scale_series(report.RunData("o", "", make_log(smp_log([1000]))))
        self.assertEqual(self.sr.verdict(one[("page_fault1", "write-anon", "threads")]), "one task only")
        no_one = {2: scale_record("page_fault1", "write-anon", "threads", [5, 5])}
        self.assertEqual(self.sr.verdict(no_one), "incomplete")
        # Windows of different length: rates, not counts, are compared.
        pts = {1: scale_record("w", "c", "threads", [100], ns=10**9),
               2: scale_record("w", "c", "threads", [100, 100], ns=2 * 10**9)}
        self.assertEqual(self.sr.speedup(pts, 2), 1)
        self.assertEqual(self.sr.per_task_rates(pts[2]), [50.0, 50.0])

    def test_latency_and_shootdown_labels(self):
        run = report.RunData("f", "", make_log(smp_log([1000, 900]) + shootdown_log([300, 5000])))
        self.assertEqual(run.problems, [])
        for key in [("page_fault1", "write-anon (threads, 1 task)"), ("page_fault1", "write-anon (processes, 2 tasks)"),
                    ("tlb_shootdown", "munmap (0 target CPUs)"), ("tlb_shootdown", "mprotect (1 target CPU)")]:
            self.assertIn(key, run.benches)

    def test_html(self):
        fl = report.RunData("faultline", "fl.log", make_log(smp_log([1000, 990, 980]) + shootdown_log([300, 900, 950]),
                                                             tsc_hz=10**9))
        lx = report.RunData("linux", "lx.log", make_log(smp_log([800, 500, 400], modes=("threads",)) +
                                                        smp_log([800, 790, 780], modes=("processes",)) +
                                                        shootdown_log([2000, 9000, 9500])))
        text = report.render([fl, lx])
        p = check_html(text)
        self.assertEqual(p.errors, [])
        self.assertIn("Many CPUs", p.h2)
        section = text[text.index('id="smp"'):text.index("<h2>Summary")]
        # One chart per workload and mode, a line per run, a point per k, the ideal and the goal.
        charts = re.findall(r'<svg class="chart scale".*?</svg>', section)
        self.assertEqual(len(charts), 2)
        for chart in charts:
            self.assertEqual(chart.count("<polyline"), 2)
            self.assertEqual(chart.count("<circle"), 6)
            self.assertEqual(chart.count('class="ideal"') + chart.count('class="goal"'), 2)
        # Linux threads flattens (400*3/800 = 1.5 < 2.7): not met; faultline 2.94: met.
        self.assertEqual(section.count('class="l notmet">not met'), 1)
        self.assertEqual(section.count('class="l met">met'), 3)
        self.assertIn("1.50\u00d7", section)
        self.assertIn("2.94\u00d7", section)
        self.assertIn("<td>1200</td><td>400</td><td>400..400</td>", section)   # Linux threads at 3 tasks
        self.assertIn("task 0's faults: p50 / p99", section)
        self.assertIn("<td>3000 / 3000</td>", section)    # task 0's p50 / p99 at 3 tasks
        self.assertIn("TLB shootdown", section)
        self.assertIn("900 / 900", section)
        lines = self.sr.text_lines(lx)
        self.assertEqual(len(lines), 2)
        self.assertIn("threads: faults/s by tasks 1: 800, 2: 1000, 3: 1200; speed-up at 3 1.50", lines[1])
        self.assertTrue(lines[1].endswith("not met"))
        # Without such records: no section.
        self.assertNotIn('id="smp"', report.render([report.RunData("x", "", make_log(sweep_log({16: 9})))]))

    def test_run_bench_plan_and_completeness(self):
        import run_bench
        progs = run_bench.smp_programs(4)
        self.assertEqual([p for p, _a in progs], run_bench.SMP_PROGRAMS)
        self.assertIn(("bench_page_fault2", "--tasks 4 --ms 1000"), progs)
        self.assertEqual(progs[-1], ("bench_tlb_shootdown", "--tasks 4 --reps 500"))
        self.assertIn(("bench_page_fault1", "--tasks 2 --ms 100"), run_bench.smp_programs(2, icount=True))
        recs = shootdown_log([1, 2])
        for program, cls in run_bench.SMP_SCALE.items():
            recs += smp_log([10, 10], workload=program[len("bench_"):], cls=cls)
        run = report.RunData("r", "", make_log(recs))
        self.assertEqual(run_bench.smp_problems(run, 2), [])
        problems = run_bench.smp_problems(run, 3)
        self.assertEqual(len(problems), 6 + 2, problems)
        self.assertIn("bench_page_fault3 processes: no bench_scale record at 3 tasks", problems)
        self.assertIn("tlb_shootdown/munmap: no record at 2 targets", problems)
        self.assertNotIn("bench_page_fault1", run_bench.workloads())

    def test_linux_reference_command(self):
        import linux_ref
        import qemu_run
        cmd = linux_ref.qemu_command("k", "i", "log", smp=4)
        self.assertEqual(cmd[cmd.index("-smp") + 1], "4")
        self.assertEqual(cmd[cmd.index("-accel") + 1], "tcg,thread=multi")
        try:   # QEMU 10 with xAPIC (docs/qemu.md, "-icount with several CPUs")
            cmd = linux_ref.qemu_command("k", "i", "log", smp=4, icount=True)
            self.assertEqual(cmd[cmd.index("-accel") + 1], "tcg")
            self.assertEqual(cmd[-2:], ["-icount", "shift=0,sleep=off"])
            self.assertEqual(cmd[cmd.index("-cpu") + 1], "max,-x2apic")
            self.assertTrue(cmd[0].startswith(qemu_run.QEMU_CACHE), cmd[0])
        except qemu_run.QemuUnavailable:
            pass
        cmd = linux_ref.qemu_command("k", "i", "log", icount=True)
        self.assertEqual((cmd[0], cmd[cmd.index("-cpu") + 1]), ("qemu-system-x86_64", "max"))
        cmd = linux_ref.qemu_command("k", "i", "log")
        self.assertEqual((cmd[cmd.index("-smp") + 1], cmd[cmd.index("-accel") + 1]), ("1", "tcg"))


# ---- the real thing ----

def boot_bench(config_text, results, i):
    import qemu_run
    results[i] = qemu_run.boot(config_text, icount=True, timeout=240)


def check_determinism(args="--mib 1 --reps 1 --raw"):
    """Boots faultline twice (in parallel) in deterministic mode with every
    workload at a small size, bench_many_vmas with 2000 VMAs and read_zero at
    a second size (a small scaling run); returns a list of problems (empty:
    the bench, bench_kernel and bench_samples records are identical,
    statistics agree with the raw samples, every faulting class saw one minor
    fault per sample, and the scaling comparisons are all there)."""
    import qemu_run
    lines = [(w, args) for w in WORKLOADS] + [("bench_many_vmas", args + " --vmas 2000"),
                                              ("bench_read_zero", "--mib 2 --reps 1 --raw")]
    config = qemu_run.read_default_config(IMAGE) + "\nchecks = none\nexit = qemu\n" + \
        "".join("run = %s %s\n" % line for line in lines)
    results = [None, None]
    threads = [threading.Thread(target=boot_bench, args=(config, results, i)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    problems = []
    kinds = ("bench", "bench_kernel", "bench_samples", "bench_error")
    picked = []
    for i, run in enumerate(results):
        if run.timed_out:
            problems.append("boot %d timed out" % i)
        recs = [r for r in run.program_records() if r.get("type") in kinds]
        picked.append(recs)
        exits = [(r.get("program"), r.get("status")) for r in run.of_type("exit")]
        if exits != [(w, 0) for w, _args in lines]:
            problems.append("boot %d: programs ended %s" % (i, exits))
        data = report.RunData("boot%d" % i, "", run.log)
        problems += ["boot %d: %s" % (i, p) for p in data.problems]
        if len(data.benches) != 16:
            problems.append("boot %d: %d bench records, expected 16" % (i, len(data.benches)))
        for key, rec in data.benches.items():
            if rec.get("class") in FAULTING_CLASSES and rec.get("minflt") != rec.get("count"):
                problems.append("boot %d: %s/%s: %s minor faults for %s samples"
                                % (i, key[0], key[1], rec.get("minflt"), rec.get("count")))
        sweeps = [(c.workload, c.cls, sorted(c.points)) for c in report.sweep_comparisons(data)]
        if sweeps != [("read_zero", "read-zero", [1, 2])] or None in [c.ratio for c in report.sweep_comparisons(data)]:
            problems.append("boot %d: working-set sweeps %s" % (i, sweeps))
        vmas = [(c.cls, sorted(c.points), c.ratio is not None) for c in report.vma_comparisons(data)]
        if vmas != [("read-zero", [1, 2000], True), ("write-anon", [1, 2000], True)]:
            problems.append("boot %d: VMA comparisons %s" % (i, vmas))
    if picked[0] != picked[1]:
        for a, b in zip(picked[0], picked[1]):
            if a != b:
                problems.append("first difference: %s vs %s" % (json.dumps(a)[:300], json.dumps(b)[:300]))
                break
        else:
            problems.append("record counts differ: %d vs %d" % (len(picked[0]), len(picked[1])))
    return problems


def check_smp_workloads(cpus=2):
    """Boots faultline once with cpus CPUs (MTTCG) running the multi-CPU workloads at
    1..cpus tasks with tiny windows; returns a list of problems (empty: every
    point of every workload and mode and every shootdown count has its record,
    every task faulted, every write was one minor fault, give or take a few
    stack faults of a forked task, and the programs exited 0)."""
    import qemu_run
    import run_bench
    lines = [(p, "--tasks %d --ms 20 --warmup-ms 5 --mib 1" % cpus) for p in run_bench.SMP_SCALE] + \
        [("bench_tlb_shootdown", "--tasks %d --reps 20" % cpus)]
    config = qemu_run.read_default_config(IMAGE) + "\nchecks = none\nexit = qemu\n" + \
        "".join("run = %s %s\n" % line for line in lines)
    run = qemu_run.boot(config, smp=cpus, timeout=240)
    problems = ["timed out"] if run.timed_out else []
    ends = run.of_type("exit")
    pids = {r.get("pid") for r in ends}
    if [(r.get("program"), r.get("status")) for r in ends if r.get("status") != 0 or r.get("ppid") not in pids] \
            != [(p, 0) for p, _args in lines]:     # the run lines' processes, then their forked tasks
        problems.append("programs ended %s" % [(r.get("program"), r.get("status")) for r in ends])
    data = report.RunData("smp", "", run.log)
    problems += data.problems + ["bench_error %s" % e for e in data.errors]
    problems += run_bench.smp_problems(data, cpus)
    import smp_report
    for key, points in smp_report.scale_series(data).items():
        for k, rec in points.items():
            writes, minflt = rec.get("writes_run", 0), rec.get("minflt_run", -1)
            if not all(rec.get("per_task", [])) or len(rec.get("per_task", [])) != k:
                problems.append("%s at %d tasks: a task without faults: %s" % (key, k, rec.get("per_task")))
            if not writes <= minflt <= writes + 4 * k:
                problems.append("%s at %d tasks: %s minor faults for %s writes" % (key, k, minflt, writes))
    return problems


class Faultline(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(IMAGE), "build/faultline.img not built")
    def test_deterministic_on_faultline(self):
        self.assertEqual(check_determinism(), [])

    @unittest.skipUnless(os.path.exists(IMAGE), "build/faultline.img not built")
    def test_smp_workloads_on_faultline(self):
        self.assertEqual(check_smp_workloads(), [])


QR_PART1 = ("FL1 1/2 0123abc\nC GenuineIntel 6 85 7\nN Intel(R) Xeon(R) Gold\nH KVMKVMKVM\nP 5 46 57\n"
            "T 2100000000\nR 120 3 2\nF smap\nF ring3.prog.case\n")
QR_PART2 = "FL1 2/2 0123abc\nB write_first write-anon 4096 789 1701\nO 2\nX exception 6 (#UD) at rip 0x1\n"


class QrSummary(unittest.TestCase):
    """bench/qr_summary.py: the end screen's QR text back into the reports."""

    def test_parts_in_any_order(self):
        rep = qr_summary.parse(QR_PART2 + QR_PART1)
        self.assertEqual(rep, qr_summary.parse(QR_PART1 + "\n" + QR_PART2))
        self.assertEqual((rep["faultline_version"], rep["parts"], rep["cpu_vendor"], rep["cpu_family"],
                          rep["cpu_model"], rep["cpu_stepping"], rep["cpu_name"], rep["hypervisor"]),
                         ("0123abc", 2, "GenuineIntel", 6, 85, 7, "Intel(R) Xeon(R) Gold", "KVMKVMKVM"))
        self.assertEqual((rep["paging_levels"], rep["maxphyaddr"], rep["virt_bits"], rep["tsc_hz"]),
                         (5, 46, 57, 2100000000))
        self.assertEqual(rep["summary"], {"passed": 120, "failed": 3, "skipped": 2})
        self.assertEqual(rep["failed"], ["smap", "ring3.prog.case"])
        self.assertEqual(rep["bench"], [{"workload": "write_first", "class": "write-anon", "count": 4096,
                                         "p50": 789, "p99": 1701, "unit": "tsc"}])
        self.assertEqual(rep["bench_omitted"], 2)
        self.assertEqual(rep["panic"], "exception 6 (#UD) at rip 0x1")

    def test_broken_input_is_refused(self):
        for text, why in [(QR_PART1, "part 2 of 2 missing"),
                          (QR_PART1 + QR_PART2.replace("0123abc", "4567def"), "different summaries"),
                          ("hello\n" + QR_PART1, "text before"),
                          ("\n\n", "not a faultline summary"),
                          (QR_PART1.replace("FL1", "FL2"), "format FL2"),
                          ("FL1 1/1 x\nC GenuineIntel 6 85 7\n", "cut"),
                          ("FL1 1/1 x\nC GenuineIntel 6 85 7\nR 1 two 3\n", "numbers"),
                          (QR_PART1 + QR_PART2.replace("B write_first", "B write first"), "B line")]:
            with self.assertRaises(qr_summary.SummaryError, msg=text) as cm:
                qr_summary.parse(text)
            self.assertIn(why, str(cm.exception))

    def test_json_and_html_from_the_command_line(self):
        with tempfile.TemporaryDirectory() as wd:
            paths = [os.path.join(wd, n) for n in ("1.txt", "2.txt", "r.json", "r.html")]
            for path, text in zip(paths, (QR_PART1, QR_PART2)):
                with open(path, "w") as f:
                    f.write(text)
            self.assertEqual(qr_summary.main(["--text", paths[1], "--text", paths[0], "--json", paths[2],
                                              "--html", paths[3]]), 0)
            with open(paths[2]) as f:
                self.assertEqual(json.load(f), qr_summary.parse(QR_PART1 + QR_PART2))
            with open(paths[3]) as f:
                page = f.read()
            p = check_html(page)
            self.assertEqual(p.errors, [])
            for words in ("Intel(R) Xeon(R) Gold", "ring3.prog.case", "120 passed, 3 failed, 2 skipped",
                          "panic: exception 6", "2 more bench rows", "write_first", "1 more failures"):
                self.assertIn(html.escape(words, quote=True) if "(" not in words else words, page)
            self.assertEqual(qr_summary.main(["--text", paths[0]]), 1)     # part 2 missing


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    if result.skipped:
        print("%d skipped" % len(result.skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
