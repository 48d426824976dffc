"""QEMU cases for running on real PCs (issue 17): the NVRAM report's guard,
the console UART from ACPI SPCR, a machine without UART or GOP, and the
reset at the end of a run (docs/config.md, README "On a real PC").

Several cases build their own QEMU command line (qemu_run.qemu_command plus
extra devices or tables) and run it with run_qemu() below.
"""
import os
import shutil
import struct
import subprocess
import tempfile
import time

import fill_vars
import qemu_run
from integration import PASSED, FAILED, base_config, case, expect_clean_run

REPORT_NAME_UTF16 = "FaultlineReport".encode("utf-16-le")
NVRAM_MIN_RESERVE = 5120           # efi/nvram_guard.h
# Free bytes fill_vars leaves: so little that any report (~300 bytes and its
# name) takes the store below the 5 KiB margin, so much that the firmware
# would still take it (its reclaim at boot keeps this much free).
NEARLY_FULL_FREE = NVRAM_MIN_RESERVE + 80
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def fresh_vars(wd):
    path = os.path.join(wd, "vars.fd")
    shutil.copyfile(qemu_run.OVMF_VARS, path)
    return path


def report_in_store(vars_fd):
    """Whether the variable store file holds a variable named FaultlineReport
    (EDK II keeps names as UTF-16 in the flash image)."""
    with open(vars_fd, "rb") as f:
        return REPORT_NAME_UTF16 in f.read()


def saved_reports(img):
    out = subprocess.run(["mdir", "-b", "-i", qemu_run.esp(img), "::/faultline/reports"],
                         capture_output=True, text=True, env=MTOOLS_ENV).stdout
    return sorted(l.strip() for l in out.splitlines() if l.strip().endswith(".json"))


# ---- Safe NVRAM ---------------------------------------------------------------------------

@case
def nvram_guard_refuses_a_nearly_full_store():
    """Boot 0 runs with report_nvram = off on a fresh store (nothing may be
    written; the firmware fills in its own variables on this first boot).
    Then tools/fill_vars.py leaves NEARLY_FULL_FREE bytes of that store free:
    the report would take it below the 5 KiB margin, yet the firmware itself
    would take it. Boot 1 must warn and write nothing: the store never holds
    FaultlineReport. (OVMF reclaims a store with less free than its largest
    variable at every boot, rewriting the whole flash: boot 1 takes about a
    minute under TCG, so there is no third boot.)"""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        vars_fd = fresh_vars(wd)
        off = qemu_run.boot(base_config("checks = none", "report_nvram = off"), vars_file=vars_fd)
        expect_clean_run(off, problems, "boot 0: ")
        if "report: not stored in NVRAM (report_nvram = off)" not in off.log:
            problems.append("boot 0: no line saying report_nvram = off kept the report out of NVRAM")
        if report_in_store(vars_fd):
            problems.append("boot 0: report_nvram = off, yet the store holds FaultlineReport")

        image = bytearray(open(vars_fd, "rb").read())
        left = fill_vars.fill(image, NEARLY_FULL_FREE)
        with open(vars_fd, "wb") as f:
            f.write(image)
        if left != NEARLY_FULL_FREE:
            problems.append("fill_vars left %d bytes free, want %d" % (left, NEARLY_FULL_FREE))
        img = qemu_run.prepare_image(wd, base_config("checks = none"))
        run = qemu_run.boot(image=img, vars_file=vars_fd)
        expect_clean_run(run, problems, "boot 1: ")
        warnings = [w for w in run.of_type("warning") if w.get("what") == "nvram"]
        if len(warnings) != 1 or "below the 5120-byte margin: not stored" not in warnings[0].get("detail", ""):
            problems.append("boot 1: want one nvram warning about the margin, got %s" % warnings)
        else:   # the firmware's own count: what we left, less what it wrote at boot
            detail = warnings[0]["detail"]
            free = int(detail.split("has ")[1].split(" of ")[0])
            report = int(detail.split("storing the ")[1].split("-byte")[0])
            if not report + 64 < free <= NEARLY_FULL_FREE:
                problems.append("boot 1: the kernel saw %d bytes free, want the %d-byte report and a "
                                "variable header to fit, and at most %d: %s"
                                % (free, report, NEARLY_FULL_FREE, detail))
        if "stored in NVRAM" in run.log:
            problems.append("boot 1: the kernel says it stored the report in a nearly full store")
        if report_in_store(vars_fd):
            problems.append("boot 1: the variable store holds FaultlineReport after the refusal")
    return problems


@case
def nvram_guard_allows_a_normal_store():
    """A fresh OVMF store has room: the report is written, with the free space
    QueryVariableInfo gave, and the store holds FaultlineReport."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        vars_fd = fresh_vars(wd)
        run = qemu_run.boot(base_config("checks = none"), vars_file=vars_fd)
        expect_clean_run(run, problems)
        stored = [l for l in run.log.splitlines() if l.startswith("report: stored in NVRAM")]
        if not stored or "bytes of the variable store were free" not in stored[0]:
            problems.append("no 'stored in NVRAM' line with the store's free space: %s" % stored)
        if [w for w in run.of_type("warning") if w.get("what") == "nvram"]:
            problems.append("nvram warning on a fresh store: %s" % run.of_type("warning"))
        if not report_in_store(vars_fd):
            problems.append("the variable store does not hold FaultlineReport")
    return problems
