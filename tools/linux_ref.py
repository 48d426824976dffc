#!/usr/bin/env python3
"""The Linux reference machine: run faultline's ring-3 programs on real Linux.

The same static x86-64 executables faultline runs are booted here on Debian's
cloud kernel (tests/linux_ref/fetch_kernel.sh) in the same QEMU faultline uses
(TCG, -machine q35, the same -cpu), with an initramfs holding
tests/linux_ref/init.c as /init, the programs in /bin/ and /run.list. The init
carries every line a program writes in an `output` record (as faultline's
kernel does), prints one `exit` or `kill` record per program and a final
`linux_done`, then powers off. See docs/linux-reference.md.

Module use:
    import linux_ref
    run = linux_ref.run_programs([("build/user/hello", []), ("build/user/x", ["-n", "3"])])
    run.records, run.log, run.of_type("kill"), run.program_records("test")

CLI:
    python3 tools/linux_ref.py [--cpu max] [--mem 512M] [--smp N] PROGRAM [ARGS]...
    python3 tools/linux_ref.py --run 'PROGRAM ARGS' --run 'PROGRAM2 ARGS'
"""
import argparse
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_run import parse_records, program_records  # noqa: E402  (one record parser for both machines)
import qemu_run  # noqa: E402  (the QEMU of an -icount run with several CPUs)

SOURCE_DIR = os.path.join(ROOT, "tests", "linux_ref")
BUILD_DIR = os.path.join(ROOT, "build", "linux_ref")
FETCH_KERNEL = os.path.join(SOURCE_DIR, "fetch_kernel.sh")
INIT_SOURCE = os.path.join(SOURCE_DIR, "init.c")
KERNEL = os.path.join(BUILD_DIR, "vmlinuz")
INIT = os.path.join(BUILD_DIR, "init")

# console on the first 16550; the rest keeps a TCG boot short and quiet.
# No proactive compaction: it migrates anonymous pages in the background,
# and a program touching a page under migration takes a minor fault that
# faultline (which does not migrate) would not, so fault counts wobble.
KERNEL_COMMAND_LINE = ("console=ttyS0 quiet transparent_hugepage=never panic=-1 init=/init "
                       "mitigations=off sysctl.vm.compaction_proactiveness=0")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class LinuxRefError(Exception):
    """The reference machine could not be prepared (kernel, init, programs)."""


# ---- the parts: kernel, init, initramfs ----

ZRAM_DIR = os.path.join(BUILD_DIR, "zram")


def zram_modules():
    """The zram modules fetch_kernel.sh left, in load order: [(name, bytes)]."""
    with open(os.path.join(ZRAM_DIR, "order")) as f:
        names = [n.strip() for n in f if n.strip()]
    out = []
    for n in names:
        with open(os.path.join(ZRAM_DIR, n), "rb") as f:
            out.append((n, f.read()))
    return out


def ensure_kernel():
    """Returns the path of the reference vmlinuz, fetching it (and the zram
    modules) first if missing. Raises LinuxRefError if fetch_kernel.sh fails."""
    if not os.path.exists(KERNEL) or not os.path.exists(os.path.join(ZRAM_DIR, "order")):
        proc = subprocess.run(["bash", FETCH_KERNEL], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 or not os.path.exists(KERNEL):
            raise LinuxRefError("fetch_kernel.sh failed:\n" + proc.stdout)
    return KERNEL


def kernel_release():
    """Returns "RELEASE PACKAGE-VERSION" of the fetched kernel, or "" if unknown."""
    try:
        with open(os.path.join(BUILD_DIR, "kernel-release")) as f:
            return f.read().strip()
    except OSError:
        return ""


def build_static(source, output, compiler="musl-gcc"):
    """Builds a static executable from one C file when output is missing or
    older than source. Returns output; raises LinuxRefError on a compile error."""
    if os.path.exists(output) and os.path.getmtime(output) >= os.path.getmtime(source):
        return output
    os.makedirs(os.path.dirname(output), exist_ok=True)
    tmp = "%s.%d.tmp" % (output, os.getpid())  # parallel runs never share a half-built file
    cmd = [compiler, "-static", "-O2", "-Wall", "-Wextra", "-Werror", source, "-o", tmp]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise LinuxRefError("%s not found (Debian package musl-tools)" % compiler)
    if proc.returncode != 0:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise LinuxRefError("%s failed:\n%s" % (" ".join(cmd), proc.stdout + proc.stderr))
    os.replace(tmp, output)
    return output


def ensure_init():
    """Returns the path of the built static /init."""
    return build_static(INIT_SOURCE, INIT)


def cpio_entry(name, mode, data=b"", ino=0, rdev=(0, 0)):
    """Returns one cpio "newc" member: header, NUL-terminated name and data, each
    padded to 4 bytes. Owner root, mtime 0 (the archive is reproducible)."""
    name_bytes = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
              0, 0, rdev[0], rdev[1], len(name_bytes), 0]
    header = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = header + name_bytes
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def make_initramfs(files):
    """Returns a newc archive of files, a list of (name, mode, data, rdev);
    name without a leading '/', mode with the file type bits."""
    out = bytearray()
    for ino, (name, mode, data, rdev) in enumerate(files, start=1):
        out += cpio_entry(name, mode, data, ino, rdev)
    out += cpio_entry("TRAILER!!!", 0)
    return bytes(out)


def quote_word(word):
    """Returns word in the run-list syntax (faultline.cfg `run =`): bare, or in
    double quotes when empty or holding blanks. Raises LinuxRefError for words
    that syntax cannot carry (a double quote, a newline)."""
    if '"' in word or "\n" in word or "\r" in word:
        raise LinuxRefError("argument %r: run lines cannot carry quotes or newlines" % word)
    if word == "" or " " in word or "\t" in word:
        return '"%s"' % word
    return word


def normalize_programs(programs):
    """Accepts a list of paths or (path, args) pairs; returns [(path, name, args)].
    Raises LinuxRefError for a missing file, a name that is not plain, or two
    different files with one name."""
    out, by_name = [], {}
    for item in programs:
        path, args = (item, []) if isinstance(item, str) else (item[0], list(item[1]))
        path = os.path.abspath(path)
        name = os.path.basename(path)
        if not os.path.isfile(path):
            raise LinuxRefError("%s: no such program" % path)
        if not PLAIN_NAME.match(name) or name == "." or ".." in name:
            raise LinuxRefError("%s: program names are plain file names [A-Za-z0-9._-]" % name)
        if by_name.setdefault(name, path) != path:
            raise LinuxRefError("two programs named %s: %s and %s" % (name, by_name[name], path))
        out.append((path, name, [str(a) for a in args]))
    return out


def run_list_text(programs):
    """Returns the /run.list text for normalized programs: one line each."""
    return "".join(" ".join([name] + [quote_word(a) for a in args]) + "\n"
                   for _path, name, args in programs)


USER_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "user", "files")


def user_files():
    """user/files as initramfs members under files/ (what faultline's programs
    see as /files): directories first, then their files, in name order."""
    out = [("files", 0o040755, b"", (0, 0))]
    for top, dirs, names in sorted(os.walk(USER_FILES)):
        dirs.sort()
        rel = os.path.relpath(top, USER_FILES)
        prefix = "files/" if rel == "." else "files/%s/" % rel
        for d in dirs:
            out.append((prefix + d, 0o040755, b"", (0, 0)))
        for n in sorted(names):
            with open(os.path.join(top, n), "rb") as f:
                out.append((prefix + n, 0o100644, f.read(), (0, 0)))
    return out


def build_initramfs(programs, init_path, zram=False):
    """Returns the initramfs bytes for normalized programs: /init, /run.list,
    /bin/NAME for each program, /files/ (user/files), /dev/console, /proc, /sys;
    with zram the zram modules in /zram/ and their load order in /zram/order
    (init sets the device up when the command line has faultline.zram=SIZE)."""
    with open(init_path, "rb") as f:
        init = f.read()
    files = [("dev", 0o040755, b"", (0, 0)),
             ("dev/console", 0o020600, b"", (5, 1)),
             ("proc", 0o040555, b"", (0, 0)),
             ("sys", 0o040555, b"", (0, 0)),
             ("bin", 0o040755, b"", (0, 0)),
             ("init", 0o100755, init, (0, 0)),
             ("run.list", 0o100644, run_list_text(programs).encode(), (0, 0))]
    files += user_files()
    if zram:
        mods = zram_modules()
        files.append(("zram", 0o040755, b"", (0, 0)))
        files += [("zram/" + n, 0o100644, data, (0, 0)) for n, data in mods]
        files.append(("zram/order", 0o100644, "".join(n + "\n" for n, _ in mods).encode(), (0, 0)))
    seen = set()
    for path, name, _args in programs:
        if name in seen:
            continue
        seen.add(name)
        with open(path, "rb") as f:
            files.append(("bin/" + name, 0o100755, f.read(), (0, 0)))
    return make_initramfs(files)


# ---- booting ----

def qemu_command(kernel, initrd, log_path, cpu="max", mem="512M", append=KERNEL_COMMAND_LINE, smp=1,
                 icount=False):
    """Returns the QEMU argv: q35 under TCG (never KVM), smp CPUs (more than one
    run under MTTCG, a host thread each, as faultline's qemu_run does; -icount
    is single-threaded whatever smp says, and with more than one CPU runs, as
    faultline's, under the backports QEMU with a CPU model without x2APIC:
    docs/qemu.md, "-icount with several CPUs"), serial to log_path. Raises
    qemu_run.QemuUnavailable when that QEMU is not there."""
    accel = "tcg,thread=multi" if int(smp) > 1 and not icount else "tcg"
    binary = ["qemu-system-x86_64"]
    if icount and int(smp) > 1:
        binary = qemu_run.qemu_binary("backports")
        cpu = qemu_run.icount_cpu_model(cpu)
    return binary + ["-machine", "q35", "-accel", accel, "-cpu", cpu,
            "-m", str(mem), "-smp", str(smp), "-nodefaults", "-no-reboot",
            "-display", "none", "-monitor", "none", "-serial", "file:" + log_path,
            "-kernel", kernel, "-initrd", initrd, "-append", append] + \
        (["-icount", "shift=0,sleep=off"] if icount else [])


class LinuxRun:
    """One boot of the reference: QEMU's status, the serial log, its records."""

    def __init__(self, status, log, seconds, timed_out, command):
        self.status = status
        self.log = log
        self.seconds = seconds
        self.timed_out = timed_out
        self.command = command
        self.records = parse_records(log)

    def of_type(self, t):
        return [r for r in self.records if r.get("type") == t]

    def first(self, t):
        found = self.of_type(t)
        return found[0] if found else None

    def program_records(self, t=None):
        """Records the programs printed (qemu_run.program_records)."""
        return program_records(self.records, t)

    def finished(self):
        """True when the init got through the whole list (a linux_done record)."""
        return self.first("linux_done") is not None


def run_programs(programs, cpu="max", mem="512M", timeout=180, extra_append="", icount=False, zram=None, smp=1):
    """Boots the reference once, running programs (paths or (path, args) pairs)
    in order; icount: deterministic, -icount shift=0,sleep=off (the TSC counts
    instructions, as faultline's --icount). zram: a size ("256M") for a zram
    swap device (LZ4, swapped on, vm.page-cluster 0) set up by the init before
    the programs, as faultline's `swap =`. smp: CPUs (MTTCG when more than
    one and not icount). Returns a LinuxRun; a run that
    timed out has timed_out set and whatever log there was. Raises
    LinuxRefError if the kernel, the init or a program cannot be had."""
    progs = normalize_programs(programs)
    kernel = ensure_kernel()
    init = ensure_init()
    append = KERNEL_COMMAND_LINE + (" " + extra_append if extra_append else "")
    if zram:
        append += " faultline.zram=%s" % zram
    with tempfile.TemporaryDirectory(prefix="linux-ref-") as wd:
        initrd = os.path.join(wd, "initramfs.cpio")
        with open(initrd, "wb") as f:
            f.write(build_initramfs(progs, init, zram=bool(zram)))
        log_path = os.path.join(wd, "serial.log")
        cmd = qemu_command(kernel, initrd, log_path, cpu, mem, append, smp=smp, icount=icount)
        start = time.time()
        timed_out = False
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
            status = proc.returncode
            if status != 0 and proc.stderr:
                sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        except subprocess.TimeoutExpired:
            status, timed_out = -1, True
        seconds = time.time() - start
        log = ""
        if os.path.exists(log_path):
            with open(log_path, "rb") as f:
                log = f.read().decode("utf-8", "replace")
        return LinuxRun(status, log, seconds, timed_out, cmd)


def main():
    ap = argparse.ArgumentParser(description="Run static x86-64 programs on the Linux reference "
                                             "(Debian cloud kernel under QEMU TCG).")
    ap.add_argument("--cpu", default="max", help="QEMU CPU model (default max, as faultline)")
    ap.add_argument("--mem", default="512M", help="guest memory (default 512M)")
    ap.add_argument("--timeout", type=int, default=180, help="kill QEMU after this many seconds")
    ap.add_argument("--append", default="", help="extra kernel command-line words")
    ap.add_argument("--zram", default=None, metavar="SIZE",
                    help="a zram swap device of SIZE (e.g. 256M), as faultline's swap = SIZE")
    ap.add_argument("--run", action="append", default=[], metavar="'PROGRAM ARGS'",
                    help="a program and its arguments as one shell-quoted string (repeatable)")
    ap.add_argument("--quiet", action="store_true", help="print only the records")
    ap.add_argument("--icount", action="store_true",
                    help="deterministic: -icount shift=0,sleep=off (TSC counts instructions)")
    ap.add_argument("--smp", type=int, default=1,
                    help="CPUs (default 1; more run under MTTCG, -accel tcg,thread=multi)")
    ap.add_argument("program", nargs="?", help="a program to run")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    a = ap.parse_args()

    programs = []
    for r in a.run:
        words = shlex.split(r)
        if words:
            programs.append((words[0], words[1:]))
    if a.program:
        programs.append((a.program, a.args))
    if not programs:
        ap.error("no program given")
    try:
        if a.smp < 1 or a.smp > 255:
            raise LinuxRefError("--smp wants 1..255 CPUs")
        run = run_programs(programs, a.cpu, a.mem, a.timeout, a.append, a.icount, zram=a.zram, smp=a.smp)
    except LinuxRefError as e:
        print("linux_ref: %s" % e, file=sys.stderr)
        return 2
    if not a.quiet:
        print(run.log, end="" if run.log.endswith("\n") else "\n")
        print("---- records (%s, %.1f s) ----" % (kernel_release() or "kernel ?", run.seconds))
    for r in run.records:
        print(json.dumps(r))
    if run.timed_out:
        print("linux_ref: timed out after %.0f s" % run.seconds, file=sys.stderr)
        return 1
    if not run.finished():
        print("linux_ref: no linux_done record (QEMU status %d)" % run.status, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
