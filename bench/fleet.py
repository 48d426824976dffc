#!/usr/bin/env python3
"""The fleet report: results from many machines side by side, one HTML page.

    bench/fleet.py [NAME=]PATH ... -o fleet.html

Each PATH is one machine's result: a serial log (run.sh --log, a terminal
capture, tools/qemu_run.py), or a stored report (`\\faultline\\reports\\*.json`
from a stick, docs/records.md "The stored report"); a directory stands for
every *.json, *.log and *.txt file in it (a stick's reports folder, a lab's
share). NAME labels the column (default: the file name without its
extension). The page has one column per machine and, in rows:

- what the machine is: CPU model and identity, firmware, Secure Boot, the
  paging mode, memory, hypervisor, where the result came from;
- a table of the bring-up checks (`check` records) and one of the self-tests
  (the kernel's `test` records and the programs' `ring3.*` ones): pass,
  fail, skip per machine, failures first, rows where the machines disagree
  marked;
- a table per fault class (the `bench` records of the programs in
  user/bench/): p50 and p99 per workload, in ns when the machine's TSC rate
  is known (else cycles), and each p50 as a multiple of the row's fastest.

A stored report names only the failed checks (up to 16) and the totals, so
its other rows say "ok" (passed or skipped) or "?" when its list of failures
was cut; it has no latencies. A log with more than one boot shows its last.
Records are read as docs/records.md says: the kernel's from the top-level
lines (tools/qemu_run.parse_records), the programs' only from inside the
kernel's `output` records (program_records).
"""
import argparse
import html
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
from qemu_run import parse_records, program_records  # noqa: E402  (the one record parser)

RESULTS = ("fail", "pass", "skip")
STORED_FAILED_MAX = 16          # kernel/stored_report.c names at most this many failures
INPUT_EXTENSIONS = (".json", ".log", ".txt")


class Machine:
    """What one input says about one machine: identity (label -> text),
    checks and tests (name -> (result, detail)), summary, latencies
    ((class, workload) -> bench record), and problems reading it."""

    def __init__(self, name, path):
        self.name, self.path = name, path
        self.kind = ""
        self.identity = {}
        self.checks, self.tests = {}, {}
        self.summary = None
        self.only_failures = False     # a stored report: names only its failures
        self.failures_cut = False      # ... and not all of them
        self.latency = {}
        self.tsc_hz = None
        self.problems = []

    def verdict(self, table, name):
        """(result, detail) of check or test name in table ("checks", "tests"):
        result is pass/fail/skip, "ok" (a stored report that does not name it
        among its failures), "?" (not known) or "" (not run on this machine)."""
        found = getattr(self, table).get(name)
        if found:
            return found
        if self.only_failures:
            return ("?", "the stored report's list of failures was cut") if self.failures_cut else \
                ("ok", "not among the stored report's failures: passed or skipped")
        return ("", "no record on this machine")


def merge_result(old, new):
    """Two records of one check (e.g. in both paging modes): the worse wins."""
    if not old:
        return new
    rank = {r: i for i, r in enumerate(RESULTS)}
    worse = old if rank.get(old[0], 9) <= rank.get(new[0], 9) else new
    return worse[0], "%s; %s" % (old[1], new[1]) if old[1] != new[1] else old[1]


def cpu_identity(rec):
    """"vendor family F model M stepping S" from a boot record (fields it has)."""
    parts = [str(rec.get("cpu_vendor", ""))]
    for f in ("family", "model", "stepping"):
        if rec.get("cpu_" + f) is not None:
            parts.append("%s %s" % (f, rec["cpu_" + f]))
    return " ".join(p for p in parts if p)


def fmt_bytes(n):
    if not isinstance(n, int):
        return ""
    return "%.1f GiB" % (n / (1 << 30)) if n >= 1 << 30 else "%d MiB" % (n >> 20)


def read_log(m, text):
    """Fills Machine m from a serial log's text."""
    m.kind = "serial log"
    records = parse_records(text)
    boots = [i for i, r in enumerate(records) if r.get("type") == "boot"]
    if len(boots) > 1:
        m.problems.append("%d boots in the log: the last is shown" % len(boots))
        records = records[boots[-1]:]
    if not records:
        m.problems.append("no faultline records: not a faultline serial log, or the machine never got there")
    boot = next((r for r in records if r.get("type") == "boot"), None)
    if boot:
        feats = boot.get("features") or {}
        m.tsc_hz = boot.get("tsc_hz") if isinstance(boot.get("tsc_hz"), int) and boot.get("tsc_hz") > 0 else None
        m.identity.update({
            "CPU model": boot.get("cpu_name", ""),
            "CPU identity": cpu_identity(boot),
            "firmware": ("%s %s" % (boot.get("firmware", ""), boot.get("firmware_revision", ""))).strip(),
            "Secure Boot": boot.get("secure_boot", "not reported"),
            "paging mode": "%s-level" % boot.get("paging_levels") if boot.get("paging_levels") else "",
            "LA57 / 1 GiB pages / PKU": " / ".join("yes" if feats.get(f) else "no" for f in ("la57", "pdpe1gb", "pku")),
            "memory": fmt_bytes(boot.get("usable_bytes")),
            "TSC": "%.3f GHz (%s)" % (m.tsc_hz / 1e9, boot.get("tsc_source", "")) if m.tsc_hz else "unknown",
            "hypervisor": boot.get("hypervisor") or "none (bare metal)",
        })
    else:
        m.problems.append("no boot record")
    for r in records:
        t = r.get("type")
        entry = (str(r.get("result")), str(r.get("detail", "")))
        if t == "check":
            if r.get("paging"):
                entry = (entry[0], "%s-level: %s" % (r["paging"], entry[1]))
            m.checks[str(r.get("name"))] = merge_result(m.checks.get(str(r.get("name"))), entry)
        elif t == "test":
            m.tests[str(r.get("name"))] = merge_result(m.tests.get(str(r.get("name"))), entry)
        elif t == "summary":
            m.summary = r
        elif t == "panic":
            m.problems.append("panic: %s" % (r.get("message") or r.get("name") or r.get("reason")))
    for r in program_records(records):
        name = str(r.get("name", ""))
        if r.get("type") == "test" and name.startswith("ring3."):   # the kernel counts only these
            m.tests[name] = merge_result(m.tests.get(name), (str(r.get("result")), str(r.get("detail", ""))))
        elif r.get("type") == "bench" and isinstance(r.get("p50"), int):
            key = (str(r.get("class")), str(r.get("workload")))
            if key in m.latency:
                m.problems.append("%s/%s measured more than once: the first is shown" % (key[1], key[0]))
            else:
                m.latency[key] = r
    if m.summary is None and records:
        m.problems.append("no summary record: the run did not finish")


def read_stored(m, rep):
    """Fills Machine m from a stored report (a dict)."""
    m.kind = "stored report %s" % rep.get("time", "")
    m.only_failures = True
    m.tsc_hz = rep.get("tsc_hz") if isinstance(rep.get("tsc_hz"), int) and rep.get("tsc_hz") > 0 else None
    m.identity.update({
        "CPU model": rep.get("cpu_name", ""),
        "CPU identity": str(rep.get("cpu_vendor", "")),
        "firmware": str(rep.get("firmware", "")),
        "Secure Boot": rep.get("secure_boot", "not reported"),
        "paging mode": "%s-level" % rep.get("paging_levels") if rep.get("paging_levels") else "",
        "TSC": "%.3f GHz" % (m.tsc_hz / 1e9) if m.tsc_hz else "unknown",
    })
    m.summary = rep.get("summary") if isinstance(rep.get("summary"), dict) else None
    failed = [str(n) for n in rep.get("failed", []) if isinstance(n, str)]
    for n in failed:
        m.checks[n] = ("fail", "named in the stored report")
    total_failed = (m.summary or {}).get("failed")
    m.failures_cut = not isinstance(total_failed, int) or total_failed > len(failed)


def load(spec):
    """[NAME=]PATH -> [Machine]; a directory gives one per result file in it.
    Raises OSError for a path that cannot be read."""
    name, _, path = spec.partition("=") if "=" in spec and not os.path.exists(spec) else ("", "", spec)
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.endswith(INPUT_EXTENSIONS))
        return [m for f in files for m in load(os.path.join(path, f))]
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    m = Machine(name or os.path.splitext(os.path.basename(path))[0], path)
    try:
        obj = json.loads(text)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and obj.get("type") == "stored_report":
        read_stored(m, obj)
    else:
        read_log(m, text)
    return [m]


def classify_names(machines):
    """A stored report's failures are names without a kind: those that are a
    test on another machine move to the tests table."""
    tests = {n for m in machines for n in m.tests}
    for m in machines:
        if m.only_failures:
            for n in [n for n in m.checks if n in tests]:
                m.tests[n] = m.checks.pop(n)


# ---- HTML ----

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 2em; }
.wide { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.4em 0 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: center; white-space: nowrap; }
th { background: #f3f3f3; } th.row, td.row { text-align: left; position: sticky; left: 0; background: #fafafa; }
th.machine { max-width: 11em; white-space: normal; vertical-align: bottom; }
#machines td { white-space: normal; min-width: 7em; max-width: 14em; }
td.fail { background: #e0301e; color: #fff; font-weight: bold; }
td.pass { background: #cfeccf; } td.ok { background: #e6f2e6; color: #4a7a4a; }
td.skip { background: #eeeeee; color: #666; } td.unknown { color: #999; }
tr.differs th.row { border-left: 4px solid #e0a000; }
.ratio { color: #666; font-size: 0.85em; display: block; }
td.slow { background: #fde3c8; }
.problem { color: #a00; } .note { color: #555; font-size: 0.9em; }
"""


def esc(x):
    return html.escape(str(x), quote=True)


def header_row(machines, first="", kind="check"):
    return "<tr><th class=\"row\">%s</th>%s</tr>" % (esc(first), "".join(
        '<th class="machine" data-machine="%d">%s</th>' % (i, esc(m.name)) for i, m in enumerate(machines)))


def identity_table(machines):
    labels = []
    for m in machines:
        labels += [k for k in m.identity if k not in labels]
    rows = [header_row(machines, "machine")]
    for label in labels + ["result from", "totals"]:
        cells = []
        for m in machines:
            if label == "result from":
                value = "%s: %s" % (m.kind, os.path.basename(m.path))
            elif label == "totals":
                s = m.summary or {}
                value = "%s passed, %s failed, %s skipped" % (s.get("passed", "?"), s.get("failed", "?"),
                                                               s.get("skipped", "?")) if m.summary else "no summary"
            else:
                value = m.identity.get(label, "")
            cls = ' class="fail"' if label == "totals" and (m.summary or {}).get("failed") else ""
            cells.append("<td%s>%s</td>" % (cls, esc(value)))
        rows.append('<tr data-row="%s"><th class="row">%s</th>%s</tr>' % (esc(label), esc(label), "".join(cells)))
    return '<div class="wide"><table id="machines">%s</table></div>' % "".join(rows)


def verdict_table(machines, table, table_id):
    """Rows: every name in table of any machine; failures first, then rows
    where the machines disagree, then the rest, each by name."""
    names = sorted({n for m in machines for n in getattr(m, table)})
    if not names:
        return '<p class="note">No machine has any.</p>'

    def order(n):
        results = [m.verdict(table, n)[0] for m in machines]
        return ("fail" not in results, len(set(results)) == 1, n)

    rows = [header_row(machines, "name")]
    for n in sorted(names, key=order):
        verdicts = [m.verdict(table, n) for m in machines]
        differs = len({v[0] for v in verdicts}) > 1
        cells = []
        for result, detail in verdicts:
            cls = {"fail": "fail", "pass": "pass", "skip": "skip", "ok": "ok"}.get(result, "unknown")
            text = {"": "\u2014"}.get(result, result.upper() if result in RESULTS else result)
            cells.append('<td class="%s" title="%s">%s</td>' % (cls, esc(detail), esc(text)))
        rows.append('<tr data-row="%s"%s><th class="row">%s</th>%s</tr>' % (
            esc(n), ' class="differs"' if differs else "", esc(n), "".join(cells)))
    return '<div class="wide"><table id="%s">%s</table></div>' % (table_id, "".join(rows))


def comparable(m, rec, stat):
    """rec[stat] in ns when m knows its TSC rate, else in cycles: (value, unit)."""
    v = rec.get(stat)
    if not isinstance(v, int):
        return None, ""
    return (v * 1e9 / m.tsc_hz, "ns") if m.tsc_hz else (float(v), "cycles")


def fmt_value(v, unit):
    if v is None:
        return "\u2014"
    return ("%.0f" % v if v >= 100 or unit == "cycles" else "%.1f" % v) + " " + unit


def latency_tables(machines):
    """A table per fault class: rows are workload p50 and p99, a column per machine."""
    classes = sorted({c for m in machines for c, _w in m.latency})
    if not classes:
        return '<p class="note">No machine ran the fault-latency workloads (user/bench/, docs/bench.md).</p>'
    out = []
    for c in classes:
        out.append('<h3>%s</h3>' % esc(c))
        rows = [header_row(machines, "workload")]
        for w in sorted({w for m in machines for cc, w in m.latency if cc == c}):
            for stat in ("p50", "p99"):
                values = [comparable(m, m.latency[(c, w)], stat) if (c, w) in m.latency else (None, "")
                          for m in machines]
                same_unit = len({u for v, u in values if v is not None}) == 1
                best = min((v for v, _u in values if v), default=None) if same_unit else None
                cells = []
                for (v, unit), m in zip(values, machines):
                    extra, cls = "", ""
                    if best and v is not None and stat == "p50":
                        extra = '<span class="ratio">%.2f\u00d7</span>' % (v / best)
                        cls = ' class="slow"' if v / best >= 1.5 else ""
                    rec = m.latency.get((c, w), {})
                    title = "%s cycles, count %s" % (rec.get(stat), rec.get("count")) if rec else "not measured"
                    cells.append('<td%s title="%s">%s%s</td>' % (cls, esc(title), esc(fmt_value(v, unit)), extra))
                rows.append('<tr data-row="%s %s"><th class="row">%s %s</th>%s</tr>' % (
                    esc(w), stat, esc(w), stat, "".join(cells)))
        out.append('<div class="wide"><table class="latency" data-class="%s">%s</table></div>'
                   % (esc(c), "".join(rows)))
    return "".join(out)


def render(machines):
    """The whole page for machines (a list of Machine) as one HTML string."""
    classify_names(machines)
    failing = [m.name for m in machines if (m.summary or {}).get("failed") or not m.summary]
    out = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<title>faultline fleet report</title><style>%s</style></head><body>" % CSS,
           "<h1>faultline fleet report: %d machine%s</h1>" % (len(machines), "" if len(machines) == 1 else "s"),
           '<p class="note">%s</p>' % esc(
               "Every machine passed." if not failing else "Not passed (failures or no summary): " + ", ".join(failing)),
           '<p class="note">A cell\'s tooltip holds its record\'s detail. Rows where the machines '
           "disagree are marked on the left; failures come first. A stored report names only its failures "
           "(\"ok\": not among them).</p>"]
    for m in machines:
        out += ['<p class="problem">%s: %s</p>' % (esc(m.name), esc(p)) for p in m.problems]
    out.append("<h2>Machines</h2>" + identity_table(machines))
    out.append("<h2>Bring-up checks</h2>" + verdict_table(machines, "checks", "checks"))
    out.append("<h2>Self-tests</h2>" + verdict_table(machines, "tests", "tests"))
    out.append("<h2>Fault latency per class</h2>" + latency_tables(machines))
    out.append("</body></html>\n")
    return "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="One HTML page comparing faultline results from many machines.")
    ap.add_argument("inputs", nargs="+", metavar="[NAME=]PATH",
                    help="a serial log, a stored report (.json) or a directory of them")
    ap.add_argument("-o", "--output", required=True, help="the HTML file to write")
    a = ap.parse_args(argv)
    try:
        machines = [m for spec in a.inputs for m in load(spec)]
    except OSError as e:
        print("fleet.py: %s" % e, file=sys.stderr)
        return 2
    if not machines:
        print("fleet.py: no result files in %s" % " ".join(a.inputs), file=sys.stderr)
        return 2
    seen = {}
    for m in machines:                  # two files of one name in different folders: both shown
        seen[m.name] = seen.get(m.name, 0) + 1
        if seen[m.name] > 1:
            m.name = "%s (%d)" % (m.name, seen[m.name])
    with open(a.output, "w") as f:
        f.write(render(machines))
    for m in machines:
        s = m.summary or {}
        print("%s: %s, %d checks, %d tests, %d latencies, %s" % (
            m.name, m.kind, len(m.checks), len(m.tests), len(m.latency),
            "failed %s" % s.get("failed") if m.summary else "no summary"))
    print("wrote %s" % a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
