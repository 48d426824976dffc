#!/usr/bin/env python3
"""pecheck.py FILE.efi — fail the build unless the PE32+ image is one strict
firmware accepts: x86-64, EFI application subsystem, 4 KiB section alignment,
NX_COMPAT and DYNAMIC_BASE, a non-empty base-relocation directory, and no
section that is both writable and executable."""
import struct
import sys

IMAGE_SCN_MEM_EXECUTE = 0x20000000
IMAGE_SCN_MEM_WRITE = 0x80000000


def check(path):
    data = open(path, "rb").read()
    problems = []
    if data[:2] != b"MZ":
        return ["not an MZ/PE file"]
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return ["no PE signature"]
    machine, nsections, _, _, _, opt_size, _ = struct.unpack_from("<HHIIIHH", data, pe + 4)
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    if machine != 0x8664:
        problems.append("machine is 0x%x, not x86-64" % machine)
    if magic != 0x20B:
        problems.append("not PE32+ (magic 0x%x)" % magic)
    section_align, file_align = struct.unpack_from("<II", data, opt + 32)
    subsystem, dll_chars = struct.unpack_from("<HH", data, opt + 68)
    if subsystem != 10:
        problems.append("subsystem %d is not EFI application (10)" % subsystem)
    if section_align != 4096:
        problems.append("section alignment %d, want 4096" % section_align)
    if not dll_chars & 0x100:
        problems.append("NX_COMPAT not set")
    if not dll_chars & 0x40:
        problems.append("DYNAMIC_BASE not set")
    reloc_rva, reloc_size = struct.unpack_from("<II", data, opt + 112 + 5 * 8)
    if reloc_rva == 0 or reloc_size == 0:
        problems.append("no base relocations: firmware could not load it elsewhere")
    sec = opt + opt_size
    for i in range(nsections):
        name = data[sec:sec + 8].rstrip(b"\0").decode("ascii", "replace")
        vaddr = struct.unpack_from("<I", data, sec + 12)[0]
        chars = struct.unpack_from("<I", data, sec + 36)[0]
        if chars & IMAGE_SCN_MEM_EXECUTE and chars & IMAGE_SCN_MEM_WRITE:
            problems.append("section %s is writable and executable" % name)
        if vaddr % 4096:
            problems.append("section %s at 0x%x is not 4 KiB aligned" % (name, vaddr))
        sec += 40
    return problems


if __name__ == "__main__":
    problems = check(sys.argv[1])
    for p in problems:
        print("pecheck: %s: %s" % (sys.argv[1], p), file=sys.stderr)
    sys.exit(1 if problems else 0)
