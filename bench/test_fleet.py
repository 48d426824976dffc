#!/usr/bin/env python3
"""Tests of the fleet report (bench/fleet.py): run as `python3
bench/test_fleet.py`; the last line is `N passed, N failed`.

Synthetic serial logs and stored reports of machines that differ (CPU,
paging mode, a failing check, a stored report that names only its failures,
one whose list was cut, a log with two boots, a program that prints a forged
check record) go in; the page's tables are read back cell by cell and
compared with what the inputs say: one column per machine, a row per check,
self-test and workload, failures first, disagreements marked, latencies in
ns with their ratio to the row's fastest. InChromium opens the page in
headless Chromium (bench/chromium.py): every machine's column is laid out,
failed cells are painted red, nothing is loaded from outside, and a broken
copy of the page fails those checks."""
import collections
import html.parser
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
import chromium  # noqa: E402
import fleet  # noqa: E402
import png_read  # noqa: E402

CHECKS = ["accessed_dirty", "la57", "pcid", "pku", "smap", "smep"]
FAIL_RED = (0xE0, 0x30, 0x1E)          # td.fail in fleet.CSS


def boot(cpu, levels, tsc_hz, firmware="EDK II", secure="off"):
    return {"type": "boot", "firmware": firmware, "firmware_revision": "0x10000", "cpu_vendor": "GenuineIntel",
            "cpu_family": 6, "cpu_model": 85, "cpu_stepping": 4, "cpu_name": cpu, "paging_levels": levels,
            "tsc_hz": tsc_hz, "tsc_source": "cpuid15", "secure_boot": secure, "usable_bytes": 8 << 30,
            "hypervisor": None, "features": {"la57": levels == 5, "pdpe1gb": True, "pku": True}}


def output(rec, program="bench_read_zero"):
    """The kernel's output record carrying one line a program printed."""
    return {"type": "output", "program": program, "pid": 1, "line": json.dumps(rec)}


def bench(cls, p50, p99, workload="read_zero"):
    return output({"type": "bench", "workload": workload, "class": cls, "count": 256, "p50": p50, "p99": p99})


def serial_log(records):
    lines = ["BdsDxe: loading Boot0001 \"UEFI USB\"", "faultline: the machine is ours"]
    for r in records:
        lines += [json.dumps(r), "some human text {not json"]
    return "\n".join(lines) + "\n"


def machine_log(cpu, levels, tsc_hz, results, latencies, extra=()):
    """A finished run: boot, a check record per CHECKS name (result from
    results, default pass), a kernel test, a ring-3 test, bench records, summary."""
    recs = [boot(cpu, levels, tsc_hz)]
    for name in CHECKS:
        recs.append({"type": "check", "name": name, "result": results.get(name, "pass"), "paging": levels,
                     "detail": "%s on %s" % (name, cpu)})
    recs.append({"type": "test", "name": "boot.handoff", "result": "pass", "detail": "ok"})
    recs.append(output({"type": "test", "name": "ring3.minflt", "result": "pass"}, "minflt_count"))
    recs += [bench(c, p50, p99) for c, (p50, p99) in latencies.items()]
    recs += list(extra)
    failed = sum(1 for r in results.values() if r == "fail")
    recs.append({"type": "summary", "passed": 8 - failed, "failed": failed, "skipped": 0})
    return serial_log(recs)


class TableReader(html.parser.HTMLParser):
    """Every table of the page: {table id or data-class: {"head": [header
    texts], "rows": {row label: [(cell text, cell class, row class)]}}}, and
    the rows' order per table."""

    def __init__(self):
        super().__init__()
        self.tables, self.order = {}, {}
        self.table = self.row = self.cell = None
        self.stack = []

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "table":
            self.table = a.get("id") or a.get("data-class")
            self.tables[self.table] = {"head": [], "rows": {}}
            self.order[self.table] = []
        elif tag == "tr":
            self.row = {"class": a.get("class", ""), "label": None, "cells": [], "header": []}
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, "class": a.get("class", ""), "text": ""}

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            raise AssertionError("</%s> closes %s" % (tag, self.stack))
        if tag in ("td", "th") and self.cell is not None:
            c, self.cell = self.cell, None
            if c["tag"] == "th" and "row" in c["class"]:
                self.row["label"] = c["text"]
            elif c["tag"] == "th":
                self.row["header"].append(c["text"])
            else:
                self.row["cells"].append((c["text"], c["class"], self.row["class"]))
        elif tag == "tr":
            t = self.tables[self.table]
            if self.row["header"]:
                t["head"] = self.row["header"]
            else:
                t["rows"][self.row["label"]] = self.row["cells"]
                self.order[self.table].append(self.row["label"])

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def read_tables(text):
    r = TableReader()
    r.feed(text)
    r.close()
    if r.stack:
        raise AssertionError("unclosed: %s" % r.stack)
    return r


class Fleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name

        def write(name, text):
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            return path

        cls.a = write("skylake.log", machine_log("Xeon Gold 6130", 5, 1_000_000_000, {"pcid": "skip"},
                                                 {"read-zero": (1000, 1500), "write-anon": (2000, 4000)}))
        # 4-level, SMAP fails, twice the cycles at twice the rate: 1500 ns, 1.5x A's.
        forged = output({"type": "check", "name": "smep", "result": "fail"}, "evil")
        cls.b = write("atom.log", machine_log("Atom C3558", 4, 2_000_000_000, {"smap": "fail", "la57": "skip"},
                                              {"read-zero": (3000, 9000)}, extra=[forged]))
        # Two boots in one log: the first stopped early with a failure, the second is shown.
        first = serial_log([boot("Old", 4, 1_000_000_000),
                            {"type": "check", "name": "smep", "result": "fail", "detail": "first boot"}])
        cls.c = write("twice.log", first + machine_log("Ryzen 7 7840U", 4, 1_000_000_000, {"la57": "skip"}, {}))
        reports = os.path.join(d, "stick-reports")
        write("stick-reports/20261206-120000.json", json.dumps({
            "type": "stored_report", "version": 1, "time": "2026-12-06T12:00:00", "firmware": "American Megatrends",
            "cpu_vendor": "AuthenticAMD", "cpu_name": "EPYC 7313", "paging_levels": 4, "tsc_hz": 3000000000,
            "summary": {"passed": 40, "failed": 1, "skipped": 2}, "failed": ["pku"]}))
        write("stick-reports/20261206-130000.json", json.dumps({
            "type": "stored_report", "version": 1, "firmware": "Insyde", "cpu_name": "Core i5", "paging_levels": 4,
            "summary": {"passed": 10, "failed": 30, "skipped": 0}, "failed": ["smap"] * 1}))
        write("stick-reports/notes.md", "not a result")
        cls.out = os.path.join(d, "fleet.html")
        cls.status = fleet.main(["skylake-lab=" + cls.a, cls.b, cls.c, reports, "-o", cls.out])
        with open(cls.out) as f:
            cls.html = f.read()
        cls.page = read_tables(cls.html)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    NAMES = ["skylake-lab", "atom", "twice", "20261206-120000", "20261206-130000"]

    def cells(self, table, row):
        return [text for text, _cls, _row in self.page.tables[table]["rows"][row]]

    def test_one_column_per_machine(self):
        self.assertEqual(self.status, 0)
        for t in self.page.tables.values():
            self.assertEqual(t["head"], self.NAMES)
            for label, cells in t["rows"].items():
                self.assertEqual(len(cells), len(self.NAMES), label)

    def test_identity(self):
        self.assertEqual(self.cells("machines", "CPU model"),
                         ["Xeon Gold 6130", "Atom C3558", "Ryzen 7 7840U", "EPYC 7313", "Core i5"])
        self.assertEqual(self.cells("machines", "paging mode"), ["5-level", "4-level", "4-level", "4-level", "4-level"])
        self.assertEqual(self.cells("machines", "firmware")[3], "American Megatrends")
        self.assertEqual(self.cells("machines", "Secure Boot")[:3], ["off"] * 3)
        self.assertIn("1 failed", self.cells("machines", "totals")[1])

    def test_checks_per_machine(self):
        self.assertEqual(self.cells("checks", "smap"), ["PASS", "FAIL", "PASS", "ok", "FAIL"])
        self.assertEqual(self.cells("checks", "pku"), ["PASS", "PASS", "PASS", "FAIL", "?"])
        self.assertEqual(self.cells("checks", "pcid"), ["SKIP", "PASS", "PASS", "ok", "?"])
        self.assertEqual(self.cells("checks", "accessed_dirty"), ["PASS", "PASS", "PASS", "ok", "?"])
        classes = [c for _t, c, _r in self.page.tables["checks"]["rows"]["smap"]]
        self.assertEqual(classes, ["pass", "fail", "pass", "ok", "fail"])

    def test_forged_and_earlier_boot_records_do_not_count(self):
        # "evil" printed a failing smep check (inside an output record), and
        # the first boot of twice.log failed smep: neither is the kernel's word
        # for the run shown.
        self.assertEqual(self.cells("checks", "smep")[:3], ["PASS", "PASS", "PASS"])
        self.assertIn("2 boots in the log", self.html)

    def test_failures_first_and_disagreements_marked(self):
        order = self.page.order["checks"]
        self.assertEqual(set(order[:2]), {"smap", "pku"})
        rows = self.page.tables["checks"]["rows"]
        self.assertIn("differs", rows["la57"][0][2])
        self.assertEqual(self.cells("tests", "ring3.minflt")[:3], ["PASS"] * 3)
        self.assertEqual(self.cells("tests", "boot.handoff")[:3], ["PASS"] * 3)

    def test_latency_per_class(self):
        rz = self.page.tables["read-zero"]["rows"]
        self.assertEqual(self.cells("read-zero", "read_zero p50"), ["1000 ns1.00\u00d7", "1500 ns1.50\u00d7",
                                                                     "\u2014", "\u2014", "\u2014"])
        self.assertEqual(rz["read_zero p50"][1][1], "slow")
        self.assertEqual(self.cells("read-zero", "read_zero p99"), ["1500 ns", "4500 ns", "\u2014", "\u2014", "\u2014"])
        self.assertEqual(self.cells("write-anon", "read_zero p50")[:2], ["2000 ns1.00\u00d7", "\u2014"])

    def test_cycles_without_a_tsc_rate(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "norate.log")
            with open(path, "w") as f:
                f.write(machine_log("X", 4, 0, {}, {"read-zero": (700, 900)}))
            out = os.path.join(d, "f.html")
            self.assertEqual(fleet.main([path, "-o", out]), 0)
            page = read_tables(open(out).read())
        self.assertEqual([t for t, _c, _r in page.tables["read-zero"]["rows"]["read_zero p50"]], ["700 cycles1.00\u00d7"])

    def test_bad_inputs(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "f.html")
            self.assertEqual(fleet.main([os.path.join(d, "missing.log"), "-o", out]), 2)
            self.assertEqual(fleet.main([d, "-o", out]), 2)      # a directory without results
            junk = os.path.join(d, "junk.log")
            with open(junk, "wb") as f:
                f.write(bytes(range(256)) * 40)
            self.assertEqual(fleet.main([junk, "-o", out]), 0)
            self.assertIn("no faultline records", open(out).read())


LAYOUT_JS = """(() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
  return {
    heads: [...document.querySelectorAll('#checks th.machine')].map(e => ({name: e.textContent, box: box(e)})),
    fails: [...document.querySelectorAll('td.fail')].map(e => ({box: box(e),
             bg: getComputedStyle(e).backgroundColor})),
    page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
  };
})()"""


FAIL_CELL_JS = """(() => {
  const e = document.querySelectorAll('td.fail')[%d];
  const c = e.closest('.wide');
  c.scrollLeft = Math.max(0, e.offsetLeft - c.clientWidth / 2);
  const r = e.getBoundingClientRect();
  return [r.x, r.y, r.width, r.height];
})()"""


def page_problems(browser, path, names):
    """What is wrong with the page at path in Chromium: a machine's column
    header missing or not laid out, a failed cell not painted red, a request
    for anything but the page itself."""
    url = "file://" + os.path.abspath(path)
    page = browser.open(url)
    try:
        problems = ["loads %s" % u for u in browser.requested_urls(page) if u != url]
        got = browser.evaluate(page, LAYOUT_JS)
        if [h["name"] for h in got["heads"]] != names:
            problems.append("column headers %s, want %s" % ([h["name"] for h in got["heads"]], names))
        problems += ["column %s laid out %s" % (h["name"], h["box"]) for h in got["heads"]
                     if h["box"][2] <= 0 or h["box"][3] <= 0]
        if not got["fails"]:
            problems.append("no failed cells")
        for i, f in enumerate(got["fails"]):
            # Bring the cell into its scrolling table's view (the window stays
            # at the top: its box is then where the page screenshot finds it).
            x, y, w, h = browser.evaluate(page, FAIL_CELL_JS % i)
            if w < 2 or h < 2:
                problems.append("failed cell %d laid out %s" % (i, [x, y, w, h]))
                continue
            rows = png_read.read_png(browser.screenshot(page, x, y, w, h))[2]
            colours = collections.Counter(p for row in rows for p in row)
            red = sum(n for c, n in colours.items() if sum((a - b) ** 2 for a, b in zip(c, FAIL_RED)) <= 30 ** 2)
            if red < 0.5 * sum(colours.values()):
                problems.append("failed cell %d is not painted red (%d of %d pixels; %s)"
                                % (i, red, sum(colours.values()), f["bg"]))
        return problems
    finally:
        browser.close_page(page)


class InChromium(unittest.TestCase):
    """The page in headless Chromium (tools/deps.sh installs it): a missing
    browser is a failure, not a skip. Twenty machines, as a lab would have."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.names = []
        paths = []
        for i in range(20):
            name = "board%02d" % i
            path = os.path.join(cls.tmp.name, name + ".log")
            with open(path, "w") as f:
                f.write(machine_log("CPU %d" % i, 4 + i % 2, 1_000_000_000 + i * 10_000_000,
                                    {"smap": "fail"} if i in (3, 17) else {}, {"read-zero": (900 + i, 2000)}))
            paths.append(path)
            cls.names.append(name)
        cls.page = os.path.join(cls.tmp.name, "fleet.html")
        if fleet.main(paths + ["-o", cls.page]) != 0:
            raise AssertionError("fleet.py failed on twenty logs")
        try:
            cls.browser = chromium.Browser()
        except chromium.BrowserError:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.tmp.cleanup()

    def test_page_renders(self):
        self.assertEqual(page_problems(self.browser, self.page, self.names), [])

    def test_broken_pages_are_caught(self):
        text = open(self.page).read()
        for name, edit, word in [
                ("unpainted.html", lambda t: t.replace("td.fail { background: #e0301e;", "td.fail {"), "not painted"),
                ("invisible.html", lambda t: t.replace("</style>", "td.fail { visibility: hidden; }</style>"),
                 "not painted"),
                ("collapsed.html", lambda t: t.replace("</style>", "#checks { display: none; }</style>"),
                 "laid out"),
                ("external.html", lambda t: t.replace("<body>", '<body><img src="http://192.0.2.1/x.png" alt="">'),
                 "loads http://192.0.2.1/x.png")]:
            path = os.path.join(self.tmp.name, name)
            broken = edit(text)
            self.assertNotEqual(broken, text, name)
            with open(path, "w") as f:
                f.write(broken)
            problems = page_problems(self.browser, path, self.names)
            self.assertTrue(any(word in p for p in problems), (name, problems[:5]))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
