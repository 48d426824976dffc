"""The end screen's QR code against the serial records (kernel/qr_summary.c).

check(run, problems) reads the code(s) off a boot's screendump with zbarimg
(as a phone would: bench/qr_summary.py --image), turns the text into the
JSON report, and compares every field with what the kernel said on serial:
the boot record (version, CPU, paging, TSC), the summary record, the names
of the failed test and check records, the programs' bench records, and the
panic record. Used by the boots that already take a screendump (screen.py's
benchmark case, integration.py's panic case), so it costs no boot of its own.
"""
import json
import os
import sys
import tempfile

import qemu_run
import screen_image

sys.path.insert(0, os.path.join(qemu_run.ROOT, "bench"))
import qr_summary  # noqa: E402

FAILED_NAMES_KEPT = 16    # lib/record.c


def failed_names(run):
    """The names the kernel keeps for failures, in log order: its own test and
    check records, and the programs' test records it counted."""
    names = []
    for r in run.records:
        if r.get("type") in ("test", "check") and r.get("result") == "fail":
            names.append(r.get("name"))
        elif r.get("type") == "output":
            rec = qemu_run.record_of_line(r.get("line", ""))
            if rec and rec.get("type") == "test" and rec.get("result") == "fail" \
                    and str(rec.get("name", "")).startswith("ring3."):
                names.append(rec.get("name"))
    return [n[:63] for n in names[:FAILED_NAMES_KEPT]]


def check(run, problems, panic=None):
    """Adds to problems every way the screen's QR summary differs from the
    records. panic: the panic record the run must end with (its text in the
    code's X line), None for a run without one."""
    if run.screen is None:
        problems.append("qr: no screendump")
        return None
    with tempfile.TemporaryDirectory(prefix="faultline-qr-") as wd:
        png = os.path.join(wd, "screen.png")
        screen_image.write_png(run.screen, png)
        try:
            rep = qr_summary.parse(qr_summary.zbar_text(png))
        except qr_summary.SummaryError as e:
            problems.append("qr: %s" % e)
            return None
    boot, summary = run.first("boot") or {}, run.first("summary") or {}
    want = {"faultline_version": boot.get("faultline_version"), "cpu_vendor": boot.get("cpu_vendor"),
            "cpu_family": boot.get("cpu_family"), "cpu_model": boot.get("cpu_model"),
            "cpu_stepping": boot.get("cpu_stepping"), "cpu_name": boot.get("cpu_name"),
            "hypervisor": boot.get("hypervisor"), "paging_levels": boot.get("paging_levels"),
            "maxphyaddr": boot.get("maxphyaddr"), "virt_bits": boot.get("virt_bits"),
            "tsc_hz": boot.get("tsc_hz"),
            "summary": {k: summary.get(k) for k in ("passed", "failed", "skipped")},
            "failed": failed_names(run),
            "bench": [{"workload": b.get("workload"), "class": b.get("class"), "count": b.get("count"),
                       "p50": b.get("p50"), "p99": b.get("p99"), "unit": "tsc"}
                      for b in run.program_records("bench")],
            "panic": None}
    if panic is not None:
        # kernel/qr_summary.c keeps 159 bytes of the message (fault/panic.c)
        want["panic"] = panic.get("message", "")[:159] if panic.get("reason") == "invariant" else rep.get("panic")
        if panic.get("reason") == "exception" and not str(rep.get("panic")).startswith(
                "exception %s (" % panic.get("vector")):
            problems.append("qr: panic line %r for exception %s" % (rep.get("panic"), panic.get("vector")))
    if not want["faultline_version"]:
        problems.append("qr: the boot record has no faultline_version")
    for key, value in want.items():
        if rep.get(key) != value:
            problems.append("qr: %s is %s in the code, %s in the records" % (
                key, json.dumps(rep.get(key))[:300], json.dumps(value)[:300]))
    if rep.get("parts") != 1:
        problems.append("qr: the summary took %s codes, want 1" % rep.get("parts"))
    return rep
