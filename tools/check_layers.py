#!/usr/bin/env python3
"""Fails when a file includes a header from a layer above its own.

The kernel's folders are layers, bottom first (docs/ARCHITECTURE.md says why
each sits where it does). A file may include headers of its own folder and of
the folders below it, never of one above: so no two layers include each other.

user/ is a separate program (ring 3): it may include its own headers and the
hardware-free ones of base/ (and the syscall ABI the kernel publishes), nothing
else of the kernel. tests/ is outside the layering (host tests include what
they test).

Prints one result per folder and the offending lines, closes with
"N passed, N failed"; exits 1 on any failure. Run alone or from tests/run_all.py.
"""
import os
import re
import subprocess
import sys

# Bottom first. A folder may include its own headers and those of any folder before it.
LAYERS = ["base", "cpu", "lib", "paging", "efi", "fault", "fs", "checks", "kernel"]

# Programs outside the kernel: which kernel folders or files they may include.
OUTSIDE = {
    # (the two ABI headers: introspection calls and the fault counters they return)
    "user": ["user/", "base/", "fault/introspect_abi.h", "paging/fault_stats.h"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = (".c", ".h", ".S")


def folder_of(path):
    return path.split("/", 1)[0] if "/" in path else ""


def resolve(src, inc):
    """The repository path an #include "inc" in src names (the build uses -I. only)."""
    if "/" not in inc or inc.startswith("."):
        return os.path.normpath(os.path.join(os.path.dirname(src), inc))
    return inc


def violation(src, target):
    """Why src may not include target, or None if it may."""
    here, there = folder_of(src), folder_of(target)
    if here in LAYERS:
        if there not in LAYERS:
            return "%s/ is not a kernel layer" % there if there else "outside every layer"
        if LAYERS.index(there) > LAYERS.index(here):
            return "%s/ is above %s/" % (there, here)
        return None
    allowed = OUTSIDE.get(here)
    if allowed is not None and not any(target == a or (a.endswith("/") and target.startswith(a)) for a in allowed):
        return "%s/ may include only %s" % (here, ", ".join(allowed))
    return None


def tracked_sources(root):
    out = subprocess.run(["git", "-C", root, "ls-files"], check=True, capture_output=True, text=True).stdout
    # Files on disk but not yet committed count too (a new file must obey the rule before its commit).
    extra = subprocess.run(["git", "-C", root, "ls-files", "--others", "--exclude-standard"], check=True,
                           capture_output=True, text=True).stdout
    for path in sorted(set(out.splitlines()) | set(extra.splitlines())):
        if path.endswith(SOURCE_SUFFIXES) and os.path.isfile(os.path.join(root, path)):
            yield path


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = {}      # folder -> offending lines
    for src in tracked_sources(root):
        here = folder_of(src)
        if here not in LAYERS and here not in OUTSIDE:
            continue
        bad.setdefault(here, [])
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                why = violation(src, resolve(src, m.group(1)))
                if why:
                    bad[here].append("%s:%d: %s  (%s)" % (src, n, line.strip(), why))
    passed = failed = 0
    for folder in LAYERS + sorted(OUTSIDE):
        lines = bad.get(folder)
        if lines is None:
            continue
        if lines:
            failed += 1
            print("layers: %s/ FAILED, %d include(s) from above:" % (folder, len(lines)))
            for line in lines:
                print("  " + line)
        else:
            passed += 1
            print("layers: %s/ ok" % folder)
    print("layers, bottom first: " + " <- ".join(LAYERS))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
