"""QEMU cases for running on real PCs: the NVRAM report's guard,
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


# ---- The console UART from ACPI SPCR ----------------------------------------------------------

def run_qemu(cmd, timeout=300):
    """Runs a QEMU command line to its end. Returns (status, timed_out)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -1, True


def acpi_checksum_fix(table):
    """Sets byte 9 so the table's bytes sum to 0."""
    table[9] = 0
    table[9] = (-sum(table)) & 0xFF
    return table


def spcr_table(interface_type, space, address, baud_code, access_width=1, bit_width=8, revision=2):
    """A synthetic SPCR (80 bytes, revision 1/2 layout), for QEMU's -acpitable."""
    t = bytearray(80)
    struct.pack_into("<4sIBB6s8sI4sI", t, 0, b"SPCR", len(t), revision, 0, b"FAULTL", b"TESTSPCR", 1, b"FLTN", 1)
    t[36] = interface_type
    struct.pack_into("<BBBBQ", t, 40, space, bit_width, 0, access_width, address)
    t[58] = baud_code
    t[62] = 0                                        # terminal type: VT100
    struct.pack_into("<HH", t, 64, 0xFFFF, 0xFFFF)   # not a PCI device
    return bytes(acpi_checksum_fix(t))


def boot_two_uarts(wd, spcr, config_text):
    """Boots with COM1 and COM2 (QEMU's ISA UARTs at 0x3f8 and 0x2f8) logged to
    files and spcr (bytes, or None) added to the ACPI tables. Returns
    (status, timed_out, com1 log, com2 log)."""
    img = qemu_run.prepare_image(wd, config_text)
    logs = [os.path.join(wd, "com1.log"), os.path.join(wd, "com2.log")]
    cmd = qemu_run.qemu_command(img, fresh_vars(wd), serial="file:" + logs[0]) + ["-serial", "file:" + logs[1]]
    if spcr is not None:
        path = os.path.join(wd, "spcr.bin")
        with open(path, "wb") as f:
            f.write(spcr)
        cmd += ["-acpitable", "file=" + path]
    status, timed_out = run_qemu(cmd)
    return (status, timed_out) + tuple(qemu_run.read_log(p) for p in logs)


def records_of(log, t):
    return [r for r in qemu_run.parse_records(log) if r.get("type") == t]


ACPI_IO, ACPI_MEMORY = 1, 0
BAUD_9600, BAUD_115200 = 3, 7


@case
def serial_console_from_spcr():
    """An SPCR (injected with -acpitable: QEMU's x86 machines have none) names
    COM2 at 9600 baud: the kernel's records go to COM2, none to COM1, and
    the boot record says where the console came from."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        status, timed_out, com1, com2 = boot_two_uarts(
            wd, spcr_table(0, ACPI_IO, 0x2F8, BAUD_9600), base_config("checks = none"))
        if timed_out or status != PASSED:
            problems.append("QEMU status %d%s, want %d" % (status, " (timed out)" if timed_out else "", PASSED))
        boot = records_of(com2, "boot")
        if not boot:
            return problems + ["no boot record on COM2 (COM1 has %d records)" % len(qemu_run.parse_records(com1))]
        if "SPCR" not in boot[0].get("acpi_tables", []):
            problems.append("the firmware did not list the injected SPCR: %s" % boot[0].get("acpi_tables"))
        want = {"source": "spcr", "space": "io", "address": "0x2f8", "access_bits": 8, "baud": 9600}
        if boot[0].get("serial") != want:
            problems.append("boot record serial %s, want %s" % (boot[0].get("serial"), want))
        summary = records_of(com2, "summary")
        if len(summary) != 1 or summary[0].get("failed") != 0:
            problems.append("COM2 summary records: %s" % summary)
        if qemu_run.parse_records(com1):
            problems.append("COM1 got records too: %s" % qemu_run.parse_records(com1)[:2])
    return problems


@case
def serial_spcr_unusable_falls_back_to_com1():
    """An SPCR the kernel cannot drive (an ARM PL011), then ones naming a
    UART that is not there (I/O port 0x3e8; 32-bit registers in an unused
    MMIO hole): each time a `serial` warning, and the console stays on COM1."""
    problems = []
    for what, table, reason in (
            ("PL011", spcr_table(3, ACPI_MEMORY, 0x9000000, BAUD_115200, access_width=3, bit_width=32),
             "not 16550-compatible"),
            ("no UART at 0x3e8", spcr_table(0, ACPI_IO, 0x3E8, BAUD_115200), "did not answer the loopback test"),
            ("no UART at MMIO 0xfeb00000",        # the memory-mapped, 32-bit register path (QEMU's x86
             spcr_table(0x12, ACPI_MEMORY, 0xFEB00000, BAUD_115200, access_width=3, bit_width=32),
             "did not answer the loopback test")):  # machines have no such UART: nothing answers)
        with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
            status, timed_out, com1, com2 = boot_two_uarts(wd, table, base_config("checks = none"))
            if timed_out or status != PASSED:
                problems.append("%s: QEMU status %d, want %d" % (what, status, PASSED))
            boot = records_of(com1, "boot")
            if not boot or (boot[0].get("serial") or {}).get("source") != "com1":
                problems.append("%s: boot record on COM1 with serial from com1 wanted, got %s"
                                % (what, boot[0].get("serial") if boot else None))
            warnings = [w for w in records_of(com1, "warning") if w.get("what") == "serial"]
            if len(warnings) != 1 or reason not in warnings[0].get("detail", ""):
                problems.append("%s: want one serial warning saying %r, got %s" % (what, reason, warnings))
            if qemu_run.parse_records(com2):
                problems.append("%s: records on COM2" % what)
    return problems


@case
def no_uart_no_gop_still_runs_and_stores_its_report():
    """No serial port and no display device (so no GOP framebuffer): the run
    still ends with its verdict (isa-debug-exit) and stores its report; the
    next boot, with a serial port, saves that report, which says it had no
    serial console."""
    import json
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        img = qemu_run.prepare_image(wd, base_config("checks = none"))
        vars_fd = fresh_vars(wd)
        cmd = qemu_run.qemu_command(img, vars_fd, serial="none") + ["-vga", "none"]
        status, timed_out = run_qemu(cmd)
        if timed_out or status != PASSED:
            problems.append("boot 1 without UART and GOP: QEMU status %d%s, want %d"
                            % (status, " (timed out)" if timed_out else "", PASSED))
        if not report_in_store(vars_fd):
            problems.append("boot 1 stored no report")
        # Boot 2 also without a display device: the PCI addresses, and so the
        # firmware's boot option for the stick, stay those of boot 1.
        log = os.path.join(wd, "serial.log")
        start = time.time()
        status, timed_out = run_qemu(qemu_run.qemu_command(img, vars_fd, serial="file:" + log) + ["-vga", "none"])
        second = qemu_run.Run(status, qemu_run.read_log(log), time.time() - start, timed_out)
        expect_clean_run(second, problems, "boot 2: ")
        fb = (second.first("boot") or {}).get("framebuffer", {})
        if fb.get("present") is not False:
            problems.append("boot 2 with -vga none still had a framebuffer: %s" % fb)
        files = saved_reports(img)
        if len(files) != 1:
            return problems + ["after boot 2: %d report files, want 1" % len(files)]
        text = subprocess.run(["mtype", "-i", qemu_run.esp(img), files[0]], capture_output=True, text=True,
                              env=MTOOLS_ENV).stdout
        try:
            rep = json.loads(text)
        except ValueError:
            return problems + ["the saved report is not JSON: %r" % text[:200]]
        if rep.get("serial") != "none" or rep.get("summary", {}).get("failed") != 0:
            problems.append("saved report %s: want serial none and nothing failed" % rep)
    return problems


# ---- Reset and the end screen -----------------------------------------------------------------

def watch_qemu(cmd, log_path, until, timeout=300, monitor=None, action=None):
    """Starts cmd, then polls the serial log at log_path every 0.5 s: once
    action's trigger text (action = (text, fn)) appears, calls fn() once; stops
    when QEMU exits or until(log) is true (then QEMU is killed). Returns
    (status or None if killed/still running, timed_out, log)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start, acted = time.time(), False
    try:
        while time.time() - start < timeout:
            log = qemu_run.read_log(log_path)
            if proc.poll() is not None:
                return proc.returncode, False, qemu_run.read_log(log_path)
            if until(log):
                return None, False, log
            if action and not acted and action[0] in log:
                acted = True
                action[1]()
            time.sleep(0.5)
        return None, True, qemu_run.read_log(log_path)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def boot_records(log):
    return [r for r in qemu_run.parse_records(log) if r.get("type") == "boot"]


def end_config(*lines):
    """A short run ending on the end screen (not through isa-debug-exit)."""
    return "\n".join(("exit = halt", "checks = none") + lines) + "\n"


@case
def reboot_after_resets_and_the_firmware_boots_again():
    """reboot_after = 1: the run ends, the end screen counts down, the kernel
    resets the machine through the firmware's ResetSystem, and the firmware
    boots the stick again (QEMU without -no-reboot: a second boot record)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        img = qemu_run.prepare_image(wd, end_config("reboot_after = 1"))
        log_path = os.path.join(wd, "serial.log")
        cmd = [a for a in qemu_run.qemu_command(img, fresh_vars(wd), serial="file:" + log_path) if a != "-no-reboot"]
        status, timed_out, log = watch_qemu(cmd, log_path, lambda l: len(boot_records(l)) >= 2)
        if timed_out or status is not None:
            problems.append("no second boot (QEMU status %s%s)" % (status, ", timed out" if timed_out else ""))
        first = log.split('"type":"boot"')[1] if '"type":"boot"' in log else ""
        for want in ("faultline: run finished. Rebooting in 1 s (a key reboots now).",
                     "reboot: resetting via the firmware's ResetSystem (cold)"):
            if want not in first:
                problems.append("boot 1 did not print %r" % want)
        if "did not reset the machine" in log:
            problems.append("a reset way failed: %s" % [l for l in log.splitlines() if "did not reset" in l])
    return problems


def reboot_way_case(way, says):
    """The reset way `way` alone (test = reboot_<way>) must end the run: under
    QEMU's -no-reboot a reset makes QEMU exit with status 0."""
    def fn():
        problems = []
        run = qemu_run.boot(end_config("reboot_after = 1", "test = reboot_" + way), timeout=180)
        if run.timed_out or run.status != 0:
            problems.append("QEMU status %d%s, want 0 (a reset under -no-reboot)"
                            % (run.status, ", timed out" if run.timed_out else ""))
        if says not in run.log:
            problems.append("no %r line" % says)
        if "did not reset the machine" in run.log or run.of_type("panic"):
            problems.append("the %s reset did not work: %s" % (way, run.log[-300:]))
        if not run.first("summary") or run.first("summary").get("failed") != 0:
            problems.append("summary: %s" % run.first("summary"))
        return problems
    fn.__name__ = "reboot_via_" + way
    return case(fn)


reboot_way_case("efi", "reboot: resetting via the firmware's ResetSystem (cold)")
reboot_way_case("acpi", "reboot: resetting via the ACPI reset register (io 0xcf9 <- 0xf)")
reboot_way_case("cf9", "reboot: resetting via port 0xcf9")
reboot_way_case("kbd", "reboot: resetting via the keyboard controller (0xfe to port 0x64)")


@case
def end_screen_key_reboots_where_a_keyboard_controller_exists():
    """reboot_after = 0 on q35 (an 8042, and the FADT says so): the end screen
    waits; a key sent through QEMU's monitor resets the machine."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        img = qemu_run.prepare_image(wd, end_config())
        log_path, mon = os.path.join(wd, "serial.log"), os.path.join(wd, "monitor.sock")
        cmd = qemu_run.qemu_command(img, fresh_vars(wd), serial="file:" + log_path,
                                    monitor="unix:%s,server,nowait" % mon)

        def press_key():
            time.sleep(2)            # the kernel is past its drain, waiting
            qemu_run.monitor_command(mon, "sendkey ret")

        status, timed_out, log = watch_qemu(cmd, log_path, lambda l: False, timeout=240,
                                            action=(qemu_run.HALTED_LINE, press_key))
        if qemu_run.HALTED_LINE not in log:
            problems.append("the end screen did not offer a key")
        if timed_out or status != 0:
            problems.append("the key did not reset the machine (QEMU status %s%s)"
                            % (status, ", timed out" if timed_out else ""))
        if "reboot: resetting via" not in log:
            problems.append("no reboot line after the key")
        boot = boot_records(log)
        if not boot or boot[0].get("i8042") is not True:
            problems.append("boot record i8042 %s, want true" % (boot[0].get("i8042") if boot else None))
    return problems


@case
def end_screen_without_keyboard_controller_stays():
    """q35 with i8042=off: the FADT says there is no keyboard controller and
    port 0x64 floats (reads 0xff, which looks like a key waiting). The end
    screen must not take that for a key: it says so and stays."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        img = qemu_run.prepare_image(wd, end_config())
        log_path = os.path.join(wd, "serial.log")
        cmd = qemu_run.qemu_command(img, fresh_vars(wd), serial="file:" + log_path)
        cmd[cmd.index("q35")] = "q35,i8042=off"
        settled = []

        def stayed(log):
            if "faultline: run finished." not in log:
                return False
            settled.append(time.time()) if not settled else None
            return time.time() - settled[0] > 8

        status, timed_out, log = watch_qemu(cmd, log_path, stayed, timeout=240)
        if status is not None:
            problems.append("QEMU ended (status %d): the end screen did not stay" % status)
        if timed_out:
            problems.append("timed out before the end screen")
        if "No keyboard controller on this machine" not in log:
            problems.append("the end screen did not say there is no keyboard controller")
        if "reboot:" in log:
            problems.append("the machine tried to reset: %s" % [l for l in log.splitlines() if "reboot:" in l])
        boot = boot_records(log)
        if not boot or boot[0].get("i8042") is not False:
            problems.append("boot record i8042 %s, want false" % (boot[0].get("i8042") if boot else None))
    return problems
