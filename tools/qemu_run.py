#!/usr/bin/env python3
"""Boot faultline under QEMU + OVMF, headless, and collect what it says.

Used by ./run.sh (interactive: serial on the terminal) and by the QEMU
integration tests (tests/qemu/). Each run works on a private copy of
build/faultline.img whose \\faultline.cfg may be replaced, so the built image
is never modified and runs can go in parallel.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.path.join(ROOT, "build", "faultline.img")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
ESP_OFFSET = 2048 * 512          # tools/mkimage.sh puts the ESP at LBA 2048
QEMU_EXIT_PASSED, QEMU_EXIT_FAILED = 1, 3


def esp(image):
    return "%s@@%d" % (image, ESP_OFFSET)


def read_default_config(image=IMAGE):
    """Returns the text of \\faultline.cfg inside image."""
    out = subprocess.run(["mtype", "-i", esp(image), "::/faultline.cfg"], check=True,
                         capture_output=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return out.stdout.decode()


def prepare_image(workdir, config_text=None, extra_files=()):
    """Copies the built image into workdir, replacing the config if given and
    adding extra (local path, image path) files. Returns the copy's path."""
    img = os.path.join(workdir, "faultline.img")
    shutil.copyfile(IMAGE, img)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    if config_text is not None:
        cfg = os.path.join(workdir, "faultline.cfg")
        with open(cfg, "w") as f:
            f.write(config_text)
        subprocess.run(["mcopy", "-o", "-i", esp(img), cfg, "::/faultline.cfg"], check=True, env=env)
    for local, inside in extra_files:
        subprocess.run(["mcopy", "-o", "-i", esp(img), local, "::" + inside], check=True, env=env)
    return img


def qemu_command(img, vars_fd, cpu="max", mem="1G", icount=False, gdb=False, serial="stdio"):
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", cpu, "-m", str(mem),
           "-smp", "1", "-display", "none", "-no-reboot", "-net", "none",
           "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
           "-drive", "if=pflash,format=raw,unit=1,file=" + vars_fd,
           "-drive", "if=none,id=stick,format=raw,file=" + img,
           "-device", "qemu-xhci", "-device", "usb-storage,drive=stick,removable=on",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-serial", serial, "-monitor", "none"]
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd


def parse_records(text):
    """Returns every JSON record (a line that is an object with a "type")."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and "type" in obj:
            records.append(obj)
    return records


class Run:
    def __init__(self, status, log, seconds, timed_out):
        self.status = status
        self.log = log
        self.seconds = seconds
        self.timed_out = timed_out
        self.records = parse_records(log)

    def of_type(self, t):
        return [r for r in self.records if r.get("type") == t]

    def first(self, t):
        found = self.of_type(t)
        return found[0] if found else None


def boot(config_text=None, cpu="max", mem="1G", timeout=300, icount=False, extra_files=(),
         vars_file=None, image=None):
    """Boots once and returns a Run. config_text None keeps the built config."""
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        img = image or prepare_image(wd, config_text, extra_files)
        vars_fd = vars_file or os.path.join(wd, "vars.fd")
        if not vars_file:
            shutil.copyfile(OVMF_VARS, vars_fd)
        log_path = os.path.join(wd, "serial.log")
        cmd = qemu_command(img, vars_fd, cpu, mem, icount, serial="file:" + log_path)
        start = time.time()
        timed_out = False
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
            status = proc.returncode
        except subprocess.TimeoutExpired:
            status, timed_out = -1, True
        log = open(log_path, "rb").read().decode("utf-8", "replace") if os.path.exists(log_path) else ""
        return Run(status, log, time.time() - start, timed_out)


def main():
    ap = argparse.ArgumentParser(prog="run.sh", description="Boot faultline under QEMU + OVMF.")
    ap.add_argument("--cpu", default="max", help="QEMU CPU model (default max)")
    ap.add_argument("--mem", default="1G", help="memory size (default 1G)")
    ap.add_argument("--paging", choices=["auto", "4", "5"], help="page-table levels")
    ap.add_argument("--config", action="append", default=[], metavar="'KEY = VALUE'",
                    help="an extra config line (repeatable)")
    ap.add_argument("--run", action="append", default=[], metavar="'PROGRAM ARGS'",
                    help="shorthand for --config 'run = PROGRAM ARGS'")
    ap.add_argument("--log", help="also write the serial log to this file")
    ap.add_argument("--gdb", action="store_true", help="wait for gdb on localhost:1234")
    ap.add_argument("--icount", action="store_true",
                    help="deterministic: -icount shift=0,sleep=off (TSC counts instructions)")
    ap.add_argument("--timeout", type=int, default=0, help="kill QEMU after this many seconds")
    args = ap.parse_args()

    lines = []
    if args.paging:
        lines.append("paging = " + args.paging)
    lines += args.config
    lines += ["run = " + r for r in args.run]
    with tempfile.TemporaryDirectory(prefix="faultline-") as wd:
        config = None
        if lines:
            config = read_default_config() + "\n# from run.sh\n" + "\n".join(lines) + "\n"
        img = prepare_image(wd, config)
        vars_fd = os.path.join(wd, "vars.fd")
        shutil.copyfile(OVMF_VARS, vars_fd)
        cmd = qemu_command(img, vars_fd, args.cpu, args.mem, args.icount, args.gdb, serial="stdio")
        if args.gdb:
            dbg = os.path.join(ROOT, "build", "faultline.debug.efi")
            print("run.sh: QEMU waits for gdb on :1234. In gdb:\n"
                  "  add-symbol-file %s -o 0xfffffffe40000000\n"
                  "  target remote :1234\n"
                  "  continue\n"
                  "Symbols then match the kernel at its final address (0xffffffff80000000,\n"
                  "from paging_init on). Before that it runs where the firmware loaded it:\n"
                  "use -o IMAGE_BASE-0x140000000 (image_base is in the boot record)." % dbg,
                  file=sys.stderr)
        log = open(args.log, "wb") if args.log else None
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        start = time.time()
        try:
            for chunk in iter(lambda: proc.stdout.read1(4096), b""):
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                if log:
                    log.write(chunk)
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
