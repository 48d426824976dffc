#!/usr/bin/env python3
"""Boot faultline under QEMU + OVMF, headless, and collect what it says.

Used by ./run.sh (interactive: serial on the terminal) and by the QEMU
integration tests (tests/qemu/). Each run works on a private copy of
build/faultline.img whose \\faultline.cfg may be replaced, so the built image
is never modified and runs can go in parallel.
"""
import argparse
import re
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import screen_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.path.join(ROOT, "build", "faultline.img")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
# Debian's ovmf package: the test key and certificate enrolled (PK, KEK and db)
# in OVMF_VARS_4M.snakeoil.fd; the key's pass phrase is "snakeoil" (README.Debian).
SNAKEOIL_KEY = "/usr/share/ovmf/PkKek-1-snakeoil.key"
SNAKEOIL_CERT = "/usr/share/ovmf/PkKek-1-snakeoil.pem"
SNAKEOIL_PASS = "snakeoil"


class Firmware:
    """One OVMF build: its code, the variable-store template each boot gets a
    copy of, and whether it is a Secure Boot build (needs SMM, q35 and a
    secure-only flash: QEMU's -machine smm=on and cfi.pflash01 secure=on)."""

    def __init__(self, name, code, vars_template, secure=False):
        self.name, self.code, self.vars_template, self.secure = name, code, vars_template, secure


FIRMWARE = {f.name: f for f in (
    Firmware("ovmf", OVMF_CODE, OVMF_VARS),                       # 4 MiB flash, Secure Boot off
    Firmware("ovmf-2m", "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    # Secure Boot on, the snakeoil certificate in db (OVMF_CODE_4M.snakeoil.fd
    # is a link to OVMF_CODE_4M.secboot.fd).
    Firmware("secboot-snakeoil", "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
             "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd", secure=True),
)}
MACHINES = ("q35", "pc")
# The QEMUs a run can use: Debian 12's own (7.2, whose TCG has no x2APIC) and
# the one tools/fetch_qemu.sh unpacks from bookworm-backports (10.0) into a
# cache folder outside git (docs/qemu.md).
QEMUS = ("system", "backports")
QEMU_CACHE = os.path.join(os.environ.get("FAULTLINE_CACHE") or
                          os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                                       "faultline"), "qemu-backports")


class QemuUnavailable(Exception):
    """The QEMU a run asked for is not there; str() says why."""


def qemu_binary(qemu="system"):
    """The command starting QEMU qemu (a QEMUS name): ["qemu-system-x86_64"]
    for the system one; for backports the unpacked binary with -L for its own
    firmware folders (its option ROMs and SeaBIOS's VGA BIOS, searched before
    the system's). Raises QemuUnavailable with tools/fetch_qemu.sh's reason
    when the backports QEMU is not in QEMU_CACHE, ValueError for another name."""
    if qemu == "system":
        return ["qemu-system-x86_64"]
    if qemu != "backports":
        raise ValueError("qemu %r: want one of %s" % (qemu, ", ".join(QEMUS)))
    root = os.path.join(QEMU_CACHE, "root")
    binary = os.path.join(root, "usr", "bin", "qemu-system-x86_64")
    if not (os.access(binary, os.X_OK) and os.path.exists(os.path.join(QEMU_CACHE, "VERSION"))):
        failed = os.path.join(QEMU_CACHE, "FAILED")
        why = open(failed).read().strip() if os.path.exists(failed) else "not fetched"
        raise QemuUnavailable("no QEMU from bookworm-backports in %s (%s; tools/fetch_qemu.sh fetches it)"
                              % (QEMU_CACHE, why))
    return [binary, "-L", os.path.join(root, "usr", "share", "qemu"),
            "-L", os.path.join(root, "usr", "share", "seabios")]


def default_smp():
    """The -smp of a run that names none: FAULTLINE_SMP (make test-smp4 boots
    every case with 4 CPUs), else 1."""
    return os.environ.get("FAULTLINE_SMP") or 1


def timeout_scale():
    """The factor every boot's timeout is multiplied by: FAULTLINE_TIMEOUT_SCALE
    if set, else 3 when FAULTLINE_SMP boots the cases with more than one CPU
    (make test-smp4: MTTCG with four virtual CPUs on a loaded two-core host
    runs a case two to four times slower; a case keeps every check and gets
    more time), else 1."""
    if os.environ.get("FAULTLINE_TIMEOUT_SCALE"):
        return float(os.environ["FAULTLINE_TIMEOUT_SCALE"])
    smp = os.environ.get("FAULTLINE_SMP")
    return 3.0 if smp and int(smp.split(",")[0]) > 1 else 1.0


def default_qemu():
    """The QEMU of a run that names none: FAULTLINE_QEMU (a QEMUS name), else
    the system's."""
    return os.environ.get("FAULTLINE_QEMU") or "system"


def qemu_version(qemu="system"):
    """QEMU qemu's version line ("QEMU emulator version 10.0.2 (...)");
    raises QemuUnavailable as qemu_binary does."""
    out = subprocess.run(qemu_binary(qemu)[:1] + ["--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"

ESP_OFFSET = 2048 * 512          # tools/mkimage.sh puts the ESP at LBA 2048
QEMU_EXIT_PASSED, QEMU_EXIT_FAILED = 1, 3
HALTED_LINE = "faultline: run finished. Press a key to reboot."   # kernel/exit.c, exit = halt


def esp(image):
    return "%s@@%d" % (image, ESP_OFFSET)


def read_default_config(image=IMAGE):
    """Returns the text of \\faultline.cfg inside image."""
    out = subprocess.run(["mtype", "-i", esp(image), "::/faultline.cfg"], check=True,
                         capture_output=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return out.stdout.decode()


def prepare_image(workdir, config_text=None, extra_files=(), source=IMAGE):
    """Copies the image source (the built one by default) into workdir,
    replacing the config if given and adding extra (local path, image path)
    files. Returns the copy's path."""
    img = os.path.join(workdir, "faultline.img")
    shutil.copyfile(source, img)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    if config_text is not None:
        cfg = os.path.join(workdir, "faultline.cfg")
        with open(cfg, "w") as f:
            f.write(config_text)
        subprocess.run(["mcopy", "-o", "-i", esp(img), cfg, "::/faultline.cfg"], check=True, env=env)
    for local, inside in extra_files:
        subprocess.run(["mcopy", "-o", "-i", esp(img), local, "::" + inside], check=True, env=env)
    return img


def icount_cpu_model(cpu):
    """The -cpu value of an -icount run under QEMU 10: cpu without x2APIC, so
    that faultline drives its local APIC through the memory-mapped registers.
    QEMU translates RDMSR and WRMSR without marking them as I/O, yet its
    x2APIC timer registers (current count, initial count, LVT timer) read the
    virtual clock, which under -icount only the last instruction of a block
    may do: the first such access aborts QEMU with "Bad icount read". A
    memory-mapped access is I/O, which QEMU handles by ending the block there.
    Raises ValueError for a model that asks for x2APIC explicitly."""
    if "+x2apic" in cpu.split(","):
        raise ValueError("-cpu %s: x2APIC under -icount aborts QEMU (\"Bad icount read\", its timer MSRs); "
                         "drop +x2apic" % cpu)
    return cpu if "-x2apic" in cpu.split(",") else cpu + ",-x2apic"


def qemu_command(img, vars_fd, cpu="max", mem="1G", icount=False, gdb=False, serial="stdio",
                 monitor="none", machine="q35", smp=None, firmware="ovmf", qemu=None,
                 extra_args=()):
    """The QEMU command line booting img with the variable store vars_fd (a
    copy of the firmware's template). machine is q35 or pc (i440fx); firmware
    a FIRMWARE name; qemu a QEMUS name; smp a CPU count or a full -smp value
    ("8,sockets=2,cores=4"); None for either is default_smp() and
    default_qemu(), but for icount with several CPUs, whose default QEMU is
    backports (QEMU 7.2 starves every CPU but the first under -icount). Under
    -icount, QEMU 10 gets the CPU model without x2APIC (icount_cpu_model).
    Raises ValueError for a combination QEMU cannot boot (a Secure Boot build
    needs q35's SMM; -icount with several CPUs on QEMU 7.2), QemuUnavailable
    when qemu is not there (qemu_binary). extra_args go at the end (a -device cold-plugging
    one more CPU, say)."""
    fw = FIRMWARE[firmware]
    smp = default_smp() if smp is None else smp
    several = int(str(smp).split(",")[0]) > 1
    if qemu is None:
        qemu = "backports" if icount and several else default_qemu()
    elif icount and several and qemu == "system":
        raise ValueError("-icount with more than one CPU needs QEMU 8.1 or later (--qemu backports): "
                         "QEMU 7.2's round robin gives the first CPU the whole budget up to the next "
                         "timer and leaves the others none while it never halts (docs/qemu.md, -icount)")
    if icount and qemu == "backports":
        cpu = icount_cpu_model(cpu)
    if machine not in MACHINES:
        raise ValueError("machine %r: want one of %s" % (machine, ", ".join(MACHINES)))
    if fw.secure and machine != "q35":
        raise ValueError("firmware %s needs SMM: machine q35" % firmware)
    cmd = qemu_binary(qemu) + ["-machine", machine + (",smm=on" if fw.secure else ""),
           "-cpu", cpu, "-m", str(mem),
           "-smp", str(smp), "-display", "none", "-no-reboot", "-net", "none"]
    if several and not icount:
        cmd += ["-accel", "tcg,thread=multi"]   # MTTCG: every CPU its own host thread (as on hardware)
    if fw.secure:
        cmd += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
    cmd += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + fw.code,
           "-drive", "if=pflash,format=raw,unit=1,file=" + vars_fd,
           "-drive", "if=none,id=stick,format=raw,file=" + img,
           "-device", "qemu-xhci", "-device", "usb-storage,drive=stick,removable=on",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-serial", serial, "-monitor", monitor]
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd + list(extra_args)


def record_of_line(line):
    """The record a line is (a JSON object with a string "type"), else None."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and isinstance(obj.get("type"), str) else None


def parse_records(text):
    """Returns every record: a line of its own that is a JSON object with a
    "type". Only the kernel (or the Linux reference's init) writes such lines:
    whatever a program writes arrives inside "output" records, read with
    program_lines/program_records. Lines are split on "\n" only (a program's
    text may hold other characters Python counts as line breaks, U+2028...)."""
    return [obj for obj in map(record_of_line, text.split("\n")) if obj is not None]


def program_lines(records):
    """The lines programs wrote, from the "output" records among records (a
    line cut into parts is joined again): [(program, pid, line)] in the order
    the lines ended. A line still partial when the records end is included."""
    lines, pending = [], {}
    for r in records:
        if r.get("type") != "output":
            continue
        key = (r.get("program"), r.get("pid"))
        text = pending.pop(key, "") + str(r.get("line", ""))
        if r.get("partial") is True:
            pending[key] = text
        else:
            lines.append((key[0], key[1], text))
    lines += [(k[0], k[1], text) for k, text in pending.items()]
    return lines


def program_records(records, t=None):
    """The records programs printed (their test, bench... lines), parsed from
    program_lines(records), of type t (None: all). Each is the program's
    object with "from_program" and "from_pid" set from the kernel's output
    record (whatever the program put there): who wrote it. These are claims
    of a program, never the kernel's word: a reader takes kernel records
    (test, check, exit, kill, panic, summary...) from parse_records only."""
    out = []
    for program, pid, line in program_lines(records):
        obj = record_of_line(line)
        if obj is not None and (t is None or obj["type"] == t):
            obj["from_program"], obj["from_pid"] = program, pid
            out.append(obj)
    return out


def monitor_command(sock_path, command, timeout=30):
    """Runs one command on QEMU's human monitor at the unix socket sock_path
    (-monitor unix:PATH,server,nowait) and returns what it printed. Waits for
    the prompt after the command, so a screendump's file is complete."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(sock_path)
        out = b""

        def until_prompt():
            nonlocal out
            while not out.rstrip().endswith(b"(qemu)"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                out += chunk

        until_prompt()
        out = b""
        sock.sendall(command.encode() + b"\n")
        if command == "quit":               # QEMU closes the connection as it goes
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass
        else:
            until_prompt()
        return out.decode("utf-8", "replace")


def take_screendump(sock_path, workdir, settle=0.5):
    """The screen as a screen_image.Image (the monitor writes a PPM), after
    settle seconds: a console line reaches serial just before the screen."""
    time.sleep(settle)
    ppm = os.path.join(workdir, "screen.ppm")
    monitor_command(sock_path, "screendump " + ppm)
    return screen_image.read_ppm(ppm)


def with_halt(config_text):
    """config_text (None: the image's own) ending with exit = halt, so the
    machine stays up, showing its last screen, after the summary."""
    if config_text is None:
        config_text = read_default_config()
    return config_text + "\nexit = halt\n"


class Run:
    def __init__(self, status, log, seconds, timed_out, screen=None, stopped_on=None):
        self.status = status
        self.log = log
        self.seconds = seconds
        self.timed_out = timed_out
        self.records = parse_records(log)
        self.screen = screen          # screen_image.Image when boot() took a screendump
        self.stopped_on = stopped_on  # the match of boot()'s until that ended QEMU, else None

    def of_type(self, t):
        return [r for r in self.records if r.get("type") == t]

    def first(self, t):
        found = self.of_type(t)
        return found[0] if found else None

    def program_records(self, t=None):
        """Records the programs printed (qemu_run.program_records)."""
        return program_records(self.records, t)


def read_log(log_path):
    return open(log_path, "rb").read().decode("utf-8", "replace") if os.path.exists(log_path) else ""


def boot(config_text=None, cpu="max", mem="1G", timeout=300, icount=False, extra_files=(),
         vars_file=None, image=None, screendump=False, machine="q35", smp=None, firmware="ovmf",
         source_image=IMAGE, until=None, qemu=None, extra_args=()):
    """Boots once and returns a Run. config_text None keeps the built config.

    machine (q35, pc), smp (None: default_smp()), firmware (a FIRMWARE
    name, whose variable template a fresh vars file copies unless vars_file
    is given), qemu (a QEMUS name, None: default_qemu(); QemuUnavailable
    when it is not there) and extra_args (more QEMU arguments) choose the
    virtual PC; source_image the image the private copy is made of (image:
    boot that file itself, no copy).

    screendump: run with exit = halt and, once the run has finished (the
    kernel's halt line on serial), take the screen into Run.screen and quit
    QEMU; Run.status is then QEMU's status after the quit (0), the verdict
    is in the summary record.

    until: a compiled regular expression; as soon as serial matches it QEMU
    is stopped (Run.stopped_on holds the match's text, Run.status is -1, not
    a timeout): for runs that end in the firmware, never reaching faultline.

    timeout is in seconds at one CPU, multiplied by timeout_scale()."""
    timeout = timeout * timeout_scale()
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        if screendump:
            config_text = with_halt(config_text)
        img = image or prepare_image(wd, config_text, extra_files, source_image)
        vars_fd = vars_file or os.path.join(wd, "vars.fd")
        if not vars_file:
            shutil.copyfile(FIRMWARE[firmware].vars_template, vars_fd)
        log_path = os.path.join(wd, "serial.log")
        mon_path = os.path.join(wd, "monitor.sock")
        monitor = "unix:%s,server,nowait" % mon_path if screendump else "none"
        cmd = qemu_command(img, vars_fd, cpu, mem, icount, serial="file:" + log_path, monitor=monitor,
                           machine=machine, smp=smp, firmware=firmware, qemu=qemu,
                           extra_args=extra_args)
        start = time.time()
        timed_out, screen, stopped_on = False, None, None
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            if until is not None:
                while proc.poll() is None and time.time() - start < timeout:
                    m = until.search(read_log(log_path))
                    if m:
                        stopped_on = m.group(0)
                        proc.kill()
                        proc.wait()
                        return Run(-1, read_log(log_path), time.time() - start, False, stopped_on=stopped_on)
                    time.sleep(0.5)
            if screendump:
                while proc.poll() is None and time.time() - start < timeout:
                    if HALTED_LINE in read_log(log_path):
                        screen = take_screendump(mon_path, wd)
                        monitor_command(mon_path, "quit")
                        try:
                            proc.wait(timeout=30)
                        except subprocess.TimeoutExpired:   # the screen is taken: not a timeout of the run
                            proc.kill()
                        break
                    time.sleep(0.5)
            status = proc.wait(timeout=max(1, timeout - (time.time() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            status, timed_out = -1, True
        return Run(status, read_log(log_path), time.time() - start, timed_out, screen)



def pe_image_base(path):
    """The preferred ImageBase from a PE32+ file's optional header."""
    import struct
    with open(path, "rb") as f:
        data = f.read(4096)
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0" or struct.unpack_from("<H", data, pe + 24)[0] != 0x20B:
        raise ValueError("%s is not a PE32+ image" % path)
    return struct.unpack_from("<Q", data, pe + 24 + 24)[0]


def kernel_final_base():
    """Where paging_init relocates the image: __START_KERNEL_map in paging/layout.h."""
    with open(os.path.join(ROOT, "paging", "layout.h")) as f:
        m = re.search(r"#define\s+__START_KERNEL_map\s+(0x[0-9a-fA-F]+)", f.read())
    if not m:
        raise ValueError("paging/layout.h defines no __START_KERNEL_map")
    return int(m.group(1), 16)


def gdb_symbol_offset(debug_efi):
    """add-symbol-file's -o for the image at its final address: the final base
    minus the base the PE was linked at, modulo 2^64."""
    return (kernel_final_base() - pe_image_base(debug_efi)) % (1 << 64)

def main():
    ap = argparse.ArgumentParser(prog="run.sh", description="Boot faultline under QEMU + OVMF.")
    ap.add_argument("--cpu", default="max", help="QEMU CPU model (default max)")
    ap.add_argument("--mem", default="1G", help="memory size (default 1G)")
    ap.add_argument("--smp", default=None,
                    help="number of CPUs, or a full -smp value (8,sockets=2,cores=4); default FAULTLINE_SMP, "
                         "else 1; more run with MTTCG, -accel tcg,thread=multi")
    ap.add_argument("--qemu", choices=QEMUS, default=None,
                    help="system (Debian 12's QEMU 7.2, default unless FAULTLINE_QEMU says) or backports "
                         "(QEMU 10 from bookworm-backports, fetched by tools/fetch_qemu.sh: x2APIC under TCG)")
    ap.add_argument("--machine", choices=MACHINES, default="q35", help="machine type: q35 (default) or pc (i440fx)")
    ap.add_argument("--firmware", choices=sorted(FIRMWARE), default="ovmf",
                    help="ovmf (4 MiB, default), ovmf-2m, or secboot-snakeoil (Secure Boot on, "
                         "Debian's snakeoil key enrolled: boots only an image signed with it)")
    ap.add_argument("--image", default=IMAGE,
                    help="the stick image to boot a copy of (default build/faultline.img; "
                         "build/faultline-signed.img after make sign)")
    ap.add_argument("--paging", choices=["auto", "4", "5"], help="page-table levels")
    ap.add_argument("--config", action="append", default=[], metavar="'KEY = VALUE'",
                    help="an extra config line (repeatable)")
    ap.add_argument("--run", action="append", default=[], metavar="'PROGRAM ARGS'",
                    help="shorthand for --config 'run = PROGRAM ARGS'")
    ap.add_argument("--log", help="also write the serial log to this file")
    ap.add_argument("--gdb", action="store_true", help="wait for gdb on localhost:1234")
    ap.add_argument("--icount", action="store_true",
                    help="deterministic: -icount shift=0,sleep=off (TSC counts instructions; with several CPUs "
                         "QEMU 10 (backports) and a CPU model without x2APIC, docs/qemu.md)")
    ap.add_argument("--timeout", type=int, default=0, help="kill QEMU after this many seconds")
    ap.add_argument("--screendump", metavar="FILE.png",
                    help="when the run has finished, save the screen as a PNG and quit (runs with exit = halt)")
    args = ap.parse_args()

    lines = []
    if args.paging:
        lines.append("paging = " + args.paging)
    lines += args.config
    lines += ["run = " + r for r in args.run]
    if args.screendump:
        lines.append("exit = halt")
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        config = None
        if lines:
            config = read_default_config(args.image) + "\n# from run.sh\n" + "\n".join(lines) + "\n"
        img = prepare_image(wd, config, source=args.image)
        vars_fd = os.path.join(wd, "vars.fd")
        shutil.copyfile(FIRMWARE[args.firmware].vars_template, vars_fd)
        mon_path = os.path.join(wd, "monitor.sock")
        monitor = "unix:%s,server,nowait" % mon_path if args.screendump else "none"
        try:
            cmd = qemu_command(img, vars_fd, args.cpu, args.mem, args.icount, args.gdb, serial="stdio",
                               monitor=monitor, machine=args.machine, smp=args.smp, firmware=args.firmware,
                               qemu=args.qemu)
        except (ValueError, QemuUnavailable) as e:
            ap.error(str(e))
        if args.gdb:
            dbg = os.path.join(ROOT, "build", "faultline.debug.efi")
            offset = gdb_symbol_offset(dbg)
            print("run.sh: QEMU waits for gdb on :1234. In gdb:\n"
                  "  add-symbol-file %s -o 0x%x\n"
                  "  target remote :1234\n"
                  "  continue\n"
                  "Symbols then match the kernel at its final address (0x%x,\n"
                  "from paging_init on). Before that it runs where the firmware loaded it:\n"
                  "use -o IMAGE_BASE-0x%x (image_base is in the boot record)."
                  % (dbg, offset, kernel_final_base(), pe_image_base(dbg)), file=sys.stderr)
        log = open(args.log, "wb") if args.log else None
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        start = time.time()
        seen = b""
        try:
            for chunk in iter(lambda: proc.stdout.read1(4096), b""):
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                if log:
                    log.write(chunk)
                if args.screendump:
                    seen += chunk
                    if HALTED_LINE.encode() in seen:
                        screen_image.write_png(take_screendump(mon_path, wd), args.screendump)
                        print("run.sh: screen saved to %s" % args.screendump, file=sys.stderr)
                        monitor_command(mon_path, "quit")
                        summary = [r for r in parse_records(seen.decode("utf-8", "replace"))
                                   if r.get("type") == "summary"]
                        proc.wait()
                        if not summary:
                            return 2
                        return 0 if summary[-1].get("failed") == 0 else 1
                if args.timeout and time.time() - start > args.timeout:
                    proc.kill()
                    print("\nrun.sh: timed out after %d s" % args.timeout, file=sys.stderr)
                    return 124
        except KeyboardInterrupt:
            proc.kill()
            return 130
        status = proc.wait()
    if status == QEMU_EXIT_PASSED:
        return 0
    if status == QEMU_EXIT_FAILED:
        return 1
    print("run.sh: QEMU exited with status %d (no faultline verdict)" % status, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
