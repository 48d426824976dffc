#!/usr/bin/env python3
"""The QR code on faultline's end screen, back into the reports.

At the end of every run (and after a panic) faultline draws the run's
summary as a QR code at the right of the screen (kernel/qr_summary.c,
docs/records.md "The QR code"). A phone's camera app shows its text; this
tool turns that text, or a photo or screenshot of the screen, back into

  - the JSON report: one object of type "qr_report" with the fields of the
    stored report (cpu_vendor, cpu_name, paging_levels, tsc_hz, summary,
    failed) and the rest of what the code carries (docs/records.md), and
  - the HTML report of bench/report.py (the p50/p99 per workload and class),
    headed by the run's facts and its failures.

    bench/qr_summary.py --image screen.png --json run.json --html run.html
    bench/qr_summary.py --text scanned.txt --json -       # the text a phone gave

--image reads the code(s) with zbarimg (Debian's zbar-tools). A summary too
long for one code comes as a numbered sequence ("FL1 1/2 ...", "FL1 2/2
..."): give every part, in any order (several --text files, or one image
holding them all). Exits 0 when the report is whole, 1 when parts are
missing or the text is not a faultline summary (the reason on stderr).
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (bench/report.py: the HTML report)

FORMAT = 1
HEADER = re.compile(r"^FL(\d+) (\d+)/(\d+) (\S*)$")


class SummaryError(ValueError):
    """The text is not a whole faultline QR summary."""


def split_parts(text):
    """The parts in text (one code's text, or several concatenated): a list of
    (index, count, version, body lines), in the order found."""
    parts = []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = HEADER.match(line)
        if m:
            if int(m.group(1)) != FORMAT:
                raise SummaryError("summary format FL%s; this tool reads FL%d" % (m.group(1), FORMAT))
            parts.append((int(m.group(2)), int(m.group(3)), m.group(4), []))
        elif parts:
            if line:
                parts[-1][3].append(line)
        elif line.strip():
            raise SummaryError("text before the first \"FL%d i/n\" line: %r" % (FORMAT, line[:60]))
    if not parts:
        raise SummaryError("no \"FL%d i/n version\" line: not a faultline summary" % FORMAT)
    return parts


def join_parts(parts):
    """The body lines of all parts in order; SummaryError if one is missing,
    doubled, or the parts disagree on their count or version."""
    count, version = parts[0][1], parts[0][2]
    seen = {}
    for index, n, v, lines in parts:
        if n != count or v != version:
            raise SummaryError("parts of different summaries: %d/%d of %s and %d/%d of %s"
                               % (parts[0][0], count, version, index, n, v))
        if not 1 <= index <= count:
            raise SummaryError("part %d of %d" % (index, count))
        if index in seen and seen[index] != lines:
            raise SummaryError("two different parts %d/%d" % (index, count))
        seen[index] = lines
    missing = [i for i in range(1, count + 1) if i not in seen]
    if missing:
        raise SummaryError("part%s %s of %d missing" % ("s" if len(missing) > 1 else "",
                                                          ", ".join(map(str, missing)), count))
    return version, count, [line for i in range(1, count + 1) for line in seen[i]]


def parse(text):
    """The JSON report (a dict) for the text of all parts of one summary."""
    version, count, lines = join_parts(split_parts(text))
    rep = {"type": "qr_report", "format": FORMAT, "faultline_version": version, "parts": count,
           "cpu_vendor": None, "cpu_family": None, "cpu_model": None, "cpu_stepping": None, "cpu_name": "",
           "hypervisor": None, "paging_levels": None, "maxphyaddr": None, "virt_bits": None, "tsc_hz": None,
           "summary": None, "failed": [], "bench": [], "bench_omitted": 0, "panic": None}

    def ints(fields, n, line):
        if len(fields) != n or not all(f.isdigit() for f in fields):
            raise SummaryError("want %d numbers: %r" % (n, line))
        return [int(f) for f in fields]

    for line in lines:
        key, _, rest = line.partition(" ")
        if key == "C":
            f = rest.split(" ")
            if len(f) != 4:
                raise SummaryError("C line: %r" % line)
            rep["cpu_vendor"] = f[0]
            rep["cpu_family"], rep["cpu_model"], rep["cpu_stepping"] = ints(f[1:], 3, line)
        elif key == "N":
            rep["cpu_name"] = rest
        elif key == "H":
            rep["hypervisor"] = rest
        elif key == "P":
            rep["paging_levels"], rep["maxphyaddr"], rep["virt_bits"] = ints(rest.split(" "), 3, line)
        elif key == "T":
            rep["tsc_hz"] = ints([rest], 1, line)[0]
        elif key == "R":
            p, f, s = ints(rest.split(" "), 3, line)
            rep["summary"] = {"passed": p, "failed": f, "skipped": s}
        elif key == "F":
            rep["failed"].append(rest)
        elif key == "B":
            f = rest.split(" ")
            if len(f) != 5:
                raise SummaryError("B line: %r" % line)
            count_, p50, p99 = ints(f[2:], 3, line)
            rep["bench"].append({"workload": f[0], "class": f[1], "count": count_, "p50": p50, "p99": p99,
                                 "unit": "tsc"})
        elif key == "O":
            rep["bench_omitted"] = ints([rest], 1, line)[0]
        elif key == "X":
            rep["panic"] = rest
        # other keys: from a newer faultline; left out, not an error
    if rep["summary"] is None or rep["cpu_vendor"] is None:
        raise SummaryError("no R or C line: the summary is cut")
    return rep


def as_serial_log(rep):
    """rep as the records a serial log would hold (a boot record, the bench
    records inside output records, the summary), for bench/report.py."""
    boot = {"type": "boot", "cpu_vendor": rep["cpu_vendor"], "cpu_name": rep["cpu_name"],
            "tsc_hz": rep["tsc_hz"], "tsc_source": "QR code"}
    lines = [json.dumps(boot)]
    for b in rep["bench"]:
        rec = dict(b, type="bench")
        lines.append(json.dumps({"type": "output", "program": "bench_" + b["workload"], "pid": 0,
                                 "line": json.dumps(rec)}))
    lines.append(json.dumps(dict(rep["summary"], type="summary")))
    return "\n".join(lines) + "\n"


def render_html(rep, name="run"):
    """The HTML report: the run's facts and failures, then bench/report.py's tables."""
    esc = report.esc
    s = rep["summary"]
    facts = [("faultline", rep["faultline_version"]),
             ("CPU", "%s family %s model %s stepping %s" % (rep["cpu_vendor"], rep["cpu_family"], rep["cpu_model"],
                                                           rep["cpu_stepping"])),
             ("CPU name", rep["cpu_name"]), ("hypervisor", rep["hypervisor"] or "none"),
             ("paging", "%s-level, MAXPHYADDR %s, linear %s bits" % (rep["paging_levels"], rep["maxphyaddr"],
                                                                   rep["virt_bits"])),
             ("TSC", "%s Hz" % rep["tsc_hz"]),
             ("result", "%d passed, %d failed, %d skipped" % (s["passed"], s["failed"], s["skipped"]))]
    head = ["<h1>faultline run summary (from the QR code)</h1><table>"]
    head += ['<tr><th class="l">%s</th><td class="l">%s</td></tr>' % (esc(k), esc(v)) for k, v in facts]
    head.append("</table>")
    if rep["panic"]:
        head.append('<p class="problem">panic: %s</p>' % esc(rep["panic"]))
    if rep["bench_omitted"]:
        head.append('<p class="note">%d more bench rows did not fit the screen\'s QR codes: serial or the '
                    'stored report has them.</p>' % rep["bench_omitted"])
    if rep["failed"]:
        head.append("<h2>Failed</h2><ul>%s</ul>" % "".join("<li>%s</li>" % esc(n) for n in rep["failed"]))
        if s["failed"] > len(rep["failed"]):
            head.append('<p class="note">%d more failures are not named (the code names the first 16).</p>'
                        % (s["failed"] - len(rep["failed"])))
    run = report.RunData(name, "QR code", as_serial_log(rep))
    page = report.render([run])
    return page.replace("<body>", "<body>" + "".join(head), 1)


def zbar_text(image):
    """The text of every QR code in image (zbarimg, raw bytes), concatenated."""
    try:
        out = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", image], capture_output=True, timeout=120)
    except FileNotFoundError:
        raise SummaryError("zbarimg not found (Debian: apt-get install zbar-tools)")
    if out.returncode != 0 or not out.stdout:
        raise SummaryError("zbarimg found no QR code in %s" % image)
    text = out.stdout.decode("utf-8", "replace")
    # several codes in one image come back without a separator: start every header on a line of its own
    return re.sub(r"(?<!\n)(FL\d+ \d+/\d+ )", r"\n\1", text)


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def main(argv=None):
    ap = argparse.ArgumentParser(description="faultline's end-of-run QR code back into the JSON and HTML reports.")
    ap.add_argument("--text", action="append", default=[], metavar="FILE",
                    help="the decoded text of a code ('-': stdin); repeat for each part")
    ap.add_argument("--image", action="append", default=[], metavar="FILE",
                    help="a screenshot or photo holding the code(s), read with zbarimg")
    ap.add_argument("--json", metavar="FILE", help="write the JSON report here ('-': stdout)")
    ap.add_argument("--html", metavar="FILE", help="write the HTML report here")
    a = ap.parse_args(argv)
    if not a.text and not a.image:
        ap.error("give --text or --image")
    try:
        texts = [sys.stdin.read() if t == "-" else read_text(t) for t in a.text]
        texts += [zbar_text(i) for i in a.image]
        rep = parse("\n".join(texts))
    except (SummaryError, OSError) as e:
        print("qr_summary.py: %s" % e, file=sys.stderr)
        return 1
    if a.json == "-" or (not a.json and not a.html):
        print(json.dumps(rep, indent=1))
    elif a.json:
        with open(a.json, "w") as f:
            json.dump(rep, f, indent=1)
            f.write("\n")
    if a.html:
        with open(a.html, "w") as f:
            f.write(render_html(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
