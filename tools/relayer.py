#!/usr/bin/env python3
"""Moves files into the layer they belong to and rewrites every path that names them.

The layers and their rule are in docs/ARCHITECTURE.md and tools/check_layers.py.
This script does the mechanical part of putting files in their layer:

  1. `git mv` of each file in MOVES (only while the old path exists and the new
     one does not);
  2. every mention of an old path in the tracked sources, build files and docs
     (`#include "kernel/memory.h"`, `../../lib/json.c`, `lib/format.c` in a
     makefile, `kernel/bootinfo.h` in prose) becomes the new path;
  3. the kernel build compiles base/*.c.

It is idempotent: a second run changes nothing. Run it again after merging a
branch that still uses old paths: new files are rewritten like old ones.

  tools/relayer.py            do it
  tools/relayer.py --check    only list what would change; exit 1 if anything would
"""
import os
import re
import subprocess
import sys

# old path -> new path, each with a reason (docs/ARCHITECTURE.md has the whole picture).
MOVES = [
    # base/: what every layer uses and nothing above it: compiler attributes,
    # PAGE_SIZE and __va/__pa, errno, the boot handoff, the register frame,
    # panic, the running task, and the hardware-free libraries.
    ("kernel/compiler.h", "base/compiler.h"),
    ("kernel/memory.h", "base/page_types.h"),   # PAGE_SIZE, __va, __pa (Linux: asm/page_types.h, asm/page.h)
    ("kernel/bootinfo.h", "base/bootinfo.h"),   # the handoff efi/ -> kernel/
    ("kernel/kernel.h", "base/kernel.h"),       # where the image is (panic's backtrace, paging)
    ("kernel/process.h", "base/process.h"),     # task_struct and current (Linux: linux/sched.h)
    ("fault/ptrace.h", "base/ptrace.h"),        # struct pt_regs (Linux: asm/ptrace.h)
    ("fault/panic.h", "base/panic.h"),          # panic() is called from every layer
    ("lib/string.h", "base/string.h"),
    ("lib/string.c", "base/string.c"),
    ("lib/format.h", "base/format.h"),
    ("lib/format.c", "base/format.c"),
    ("lib/json.h", "base/json.h"),
    ("lib/json.c", "base/json.c"),
    ("lib/json_read.h", "base/json_read.h"),
    ("lib/json_read.c", "base/json_read.c"),
    # lib/: the config parser is read by the firmware phase and by the kernel.
    ("kernel/config.h", "lib/config.h"),
    ("kernel/config.c", "lib/config.c"),
    # lib/: reading our own PE image (pure, host-tested): paging maps its
    # sections, the kernel applies its relocations.
    ("kernel/pe.h", "lib/pe.h"),
    ("kernel/pe.c", "lib/pe.c"),
    # paging/: the fault classes are the generic fault path's result
    # (Linux's vm_event counters live in mm/ too).
    ("fault/fault_stats.h", "paging/fault_stats.h"),
    ("fault/fault_stats.c", "paging/fault_stats.c"),
]

# Files whose text may name a path: sources, build files, scripts, docs.
TEXT_SUFFIXES = (".c", ".h", ".S", ".md", ".py", ".sh", ".mk", ".cfg", ".txt")
TEXT_NAMES = ("Makefile",)
SELF = "tools/relayer.py"


def git(*args):
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def tracked_text_files():
    for path in git("ls-files").splitlines():
        if path == SELF or not os.path.isfile(path):
            continue
        if path.endswith(TEXT_SUFFIXES) or os.path.basename(path) in TEXT_NAMES:
            yield path


def path_pattern(old):
    # A whole path: not part of a longer name ("xkernel/memory.h", "kernel/memory.hpp").
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(old) + r"(?![A-Za-z0-9_])")


def rewrite(text):
    for old, new in MOVES:
        text = path_pattern(old).sub(new, text)
    # The kernel build compiles the bottom layer too.
    if "wildcard base/*.c" not in text:
        text = text.replace("KERNEL_SRCS := $(wildcard efi/*.c", "KERNEL_SRCS := $(wildcard base/*.c efi/*.c")
    return text


def main():
    check = "--check" in sys.argv[1:]
    os.chdir(git("rev-parse", "--show-toplevel").strip())
    changes = []
    for old, new in MOVES:
        if os.path.exists(old) and os.path.exists(new):
            sys.exit(f"relayer: both {old} and {new} exist; merge them by hand first")
        if os.path.exists(old):
            changes.append(f"move {old} -> {new}")
            if not check:
                os.makedirs(os.path.dirname(new), exist_ok=True)
                git("mv", old, new)
    for path in tracked_text_files():
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        new_text = rewrite(text)
        if new_text != text:
            changes.append(f"rewrite {path}")
            if not check:
                with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                    f.write(new_text)
    for line in changes:
        print(line)
    print(f"relayer: {len(changes)} change(s){' needed' if check else ''}")
    return 1 if check and changes else 0


if __name__ == "__main__":
    sys.exit(main())
