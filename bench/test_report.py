#!/usr/bin/env python3
"""Tests of the fault-latency report (bench/report.py), and of the benchmark
itself on faultline: run as `python3 bench/test_report.py`; the last line is
`N passed, N failed` and the exit status is non-zero when anything failed.

Synthetic logs check the percentile and histogram math against direct
computations, the cross-check of in-program statistics against raw samples,
the HTML (well-formed, one histogram and one CDF per workload and class, every
workload present) and the ratios between runs. When build/faultline.img
exists, test_deterministic_on_faultline boots it twice in deterministic mode
(QEMU -icount) with small workloads and requires identical bench records.
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


# ---- the real thing ----

def boot_bench(config_text, results, i):
    import qemu_run
    results[i] = qemu_run.boot(config_text, icount=True, timeout=240)


def check_determinism(args="--mib 1 --reps 1 --raw"):
    """Boots faultline twice (in parallel) in deterministic mode with every
    workload at a small size; returns a list of problems (empty: the bench,
    bench_kernel and bench_samples records are identical, statistics agree
    with the raw samples, every faulting class saw one minor fault per sample)."""
    import qemu_run
    config = qemu_run.read_default_config(IMAGE) + "\nchecks = none\nexit = qemu\n" + \
        "".join("run = %s %s\n" % (w, args) for w in WORKLOADS)
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
        exits = {r.get("program"): r.get("status") for r in run.of_type("exit")}
        for w in WORKLOADS:
            if exits.get(w) != 0:
                problems.append("boot %d: %s ended with %s" % (i, w, exits.get(w)))
        data = report.RunData("boot%d" % i, "", run.log)
        problems += ["boot %d: %s" % (i, p) for p in data.problems]
        if len(data.benches) != 11:
            problems.append("boot %d: %d bench records, expected 11" % (i, len(data.benches)))
        for key, rec in data.benches.items():
            if key[1] in FAULTING_CLASSES and rec.get("minflt") != rec.get("count"):
                problems.append("boot %d: %s/%s: %s minor faults for %s samples"
                                % (i, key[0], key[1], rec.get("minflt"), rec.get("count")))
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
