#!/usr/bin/env python3
"""Tests of the fault-latency report (bench/report.py), and of the benchmark
itself on faultline: run as `python3 bench/test_report.py`; the last line is
`N passed, N failed` and the exit status is non-zero when anything failed.

Synthetic logs check the percentile and histogram math against direct
computations, the cross-check of in-program statistics against raw samples,
the HTML (well-formed, one histogram and one CDF per workload and class, every
workload present), the ratios between runs, and the scaling section (working-set
sweep and VMA count against their goals, bench/run_bench.py --scaling's plan).
When build/faultline.img exists, test_deterministic_on_faultline boots it twice
in deterministic mode (QEMU -icount) with small workloads, bench_many_vmas
among them, and requires identical bench records.
"""
import html.parser
import json
import os
import random
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
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


def make_log(records, tsc_hz=None, noise=True):
    """Serial-log text: optional boot record, human text between records."""
    lines = ["BdsDxe: loading Boot0001", "faultline: taking over"] if noise else []
    if tsc_hz:
        lines.append(json.dumps({"type": "boot", "tsc_hz": tsc_hz, "tsc_source": "cpuid15",
                                 "cpu_name": "Test CPU"}))
    for r in records:
        lines.append(json.dumps(r, separators=(",", ":")))
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

    def test_bad_arguments(self):
        self.assertEqual(report.main(["--run", "nolog", "-o", "/dev/null"]), 2)
        self.assertEqual(report.main(["--run", "x=/nonexistent/log", "-o", "/dev/null"]), 2)


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
        recs = [r for r in run.records if r.get("type") in kinds]
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


class Faultline(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(IMAGE), "build/faultline.img not built")
    def test_deterministic_on_faultline(self):
        self.assertEqual(check_determinism(), [])


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
