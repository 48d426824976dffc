#!/usr/bin/env python3
"""Where the instructions of a page fault go: an instruction-level profile.

    tools/fault_profile.py bench_read_then_write "--mib 1 --reps 1"

Boots build/faultline.img once under QEMU -icount with -singlestep and
`-d nochain,exec` restricted to the kernel image, so QEMU logs every kernel
instruction executed. The log is read as it is written (a FIFO, never on
disk: a boot is billions of lines), cut into faults (from vector 14's stub to
the iretq that ends it), and the most common fault lengths are broken down
by function: the function the code sits in, and the innermost function
inlined there (llvm-symbolizer on build/faultline.debug.efi, whose text is
the image's). Each such fault is also written instruction by instruction to
build/profile/fault-<length>.txt.

Slow (minutes: every instruction goes through QEMU's logger); meant for
developers deciding what to shorten, not for numbers - use ./run.sh bench.
"""
import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402

IMAGE_BASE = 0x140000000             # the PE's preferred base (Makefile /base)
KERNEL_MAP = 0xffffffff80000000      # where the kernel runs (paging/layout.h)
TRACE = re.compile(rb"Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")


def link_address(pc):
    return pc - KERNEL_MAP + IMAGE_BASE


def symbols(debug_efi):
    """[(run-time address, name)] sorted, from the image's symbol table."""
    out = subprocess.run(["llvm-nm", "-n", debug_efi], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16) - IMAGE_BASE + KERNEL_MAP, p[2]))
    return sorted(syms)


def disassembly(debug_efi):
    """{run-time address: instruction text}."""
    out = subprocess.run(["llvm-objdump-14", "-d", "--no-show-raw-insn", debug_efi],
                         capture_output=True, text=True, check=True).stdout
    dis = {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            dis[int(m.group(1), 16) - IMAGE_BASE + KERNEL_MAP] = m.group(2).strip()
    return dis


def innermost(debug_efi, pcs):
    """{pc: innermost inlined function} from the DWARF."""
    inp = "".join("0x%x\n" % link_address(pc) for pc in pcs)
    out = subprocess.run(["llvm-symbolizer-14", "--obj=" + debug_efi, "--inlining=true"],
                         input=inp, capture_output=True, text=True, check=True).stdout
    return {pc: blk.split("\n")[0] for pc, blk in zip(pcs, out.strip().split("\n\n"))}


def faults_from_log(fifo, stub, dis):
    """Every fault as its list of kernel PCs, stub to iretq."""
    faults, cur = [], None
    with open(fifo, "rb") as f:
        for line in f:
            m = TRACE.match(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            if pc == stub:
                cur = []
                faults.append(cur)
            if cur is not None:
                cur.append(pc)
                if dis.get(pc, "").startswith("iretq"):
                    cur = None
    return faults


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip())
        return 2
    program, args = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "--mib 1 --reps 1"
    outdir = os.path.join(ROOT, "build", "profile")
    os.makedirs(outdir, exist_ok=True)
    wd = tempfile.mkdtemp(prefix="faultline-profile-")
    try:
        cfg = qemu_run.read_default_config() + "\nchecks = none\nexit = qemu\nrun = %s %s\n" % (program, args)
        img = qemu_run.prepare_image(wd, cfg)
        debug_efi = os.path.join(wd, "debug.efi")      # a copy: a rebuild meanwhile must not mislead
        shutil.copyfile(os.path.join(ROOT, "build", "faultline.debug.efi"), debug_efi)
        syms = symbols(debug_efi)
        addrs = [a for a, _ in syms]
        dis = disassembly(debug_efi)
        stub = next(a for a, n in syms if n == "exception_stub_14")

        def func(pc):
            i = bisect.bisect_right(addrs, pc) - 1
            return syms[i][1] if i >= 0 else "?"

        vars_fd = os.path.join(wd, "vars.fd")
        shutil.copyfile(qemu_run.OVMF_VARS, vars_fd)
        fifo = os.path.join(wd, "exec.fifo")
        os.mkfifo(fifo)
        cmd = qemu_run.qemu_command(img, vars_fd, "max", "1G", True, serial="file:" + os.path.join(wd, "serial.log"))
        cmd += ["-singlestep", "-d", "nochain,exec", "-dfilter", "0x%x+0x400000" % KERNEL_MAP, "-D", fifo]
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        faults = faults_from_log(fifo, stub, dis)
        qemu.wait()

        lengths = collections.Counter(len(f) for f in faults)
        print("%d faults; most common lengths (instructions: faults): %s" % (
            len(faults), ", ".join("%d: %d" % kv for kv in lengths.most_common(8))))
        for length, _ in lengths.most_common(3):
            pick = next(f for f in faults if len(f) == length)
            inner = innermost(debug_efi, sorted(set(pick)))
            print("\n=== a fault of %d instructions\n-- by function:" % length)
            for name, n in collections.Counter(func(pc) for pc in pick).most_common():
                print("%6d %s" % (n, name))
            print("-- by innermost inlined function:")
            for name, n in collections.Counter(inner[pc] for pc in pick).most_common():
                print("%6d %s" % (n, name))
            path = os.path.join(outdir, "fault-%d.txt" % length)
            with open(path, "w") as f:
                f.write("".join("%-28s %s\n" % (inner[pc][:28], dis.get(pc, "?")) for pc in pick))
            print("(instruction by instruction: %s)" % os.path.relpath(path, ROOT))
        return 0
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
