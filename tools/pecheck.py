#!/usr/bin/env python3
"""pecheck.py FILE.efi — fail the build unless the PE32+ image is one strict
firmware accepts: x86-64, EFI application subsystem, 4 KiB section alignment,
NX_COMPAT and DYNAMIC_BASE, a non-empty base-relocation directory, no
section that is both writable and executable, and a .sbat section in
shim's SBAT format (efi/sbat.c).

pecheck.py --signed FILE.efi — also the shape an Authenticode signature
(sbsign) must leave: the certificate table at the end of the file, 8-byte
aligned, covering the rest of the file, the sections' raw data all before it,
and the optional header's CheckSum equal to the PE checksum of the file."""
import struct
import sys

IMAGE_SCN_MEM_EXECUTE = 0x20000000
IMAGE_SCN_MEM_WRITE = 0x80000000
DIR_SECURITY = 4           # the certificate table: its "RVA" is a file offset


def pe_checksum(data, checksum_offset):
    """The PE image checksum of data (Microsoft's imagehlp CheckSumMappedFile):
    the sum of the file's little-endian 16-bit words (an odd last byte padded
    with zero) with end-around carry, the CheckSum field itself (4 bytes at
    checksum_offset) counted as 0, plus the file's length in bytes."""
    padded = data + b"\0" * (len(data) % 2)
    total = 0
    for (word,) in struct.iter_unpack("<H", padded):
        total += word
    total -= sum(struct.unpack_from("<HH", data, checksum_offset))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total + len(data)


def signed_problems(path):
    """What keeps the signed PE32+ at path from being a well-formed Authenticode
    image (module docstring); [] when it is one."""
    data = open(path, "rb").read()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    nsections, opt_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
    opt = pe + 24
    problems = []
    stored = struct.unpack_from("<I", data, opt + 64)[0]
    computed = pe_checksum(data, opt + 64)
    if stored != computed:
        problems.append("CheckSum 0x%x, the file's is 0x%x" % (stored, computed))
    cert_off, cert_size = struct.unpack_from("<II", data, opt + 112 + DIR_SECURITY * 8)
    if cert_off == 0 or cert_size == 0:
        return problems + ["no certificate table: not signed"]
    if cert_off % 8:
        problems.append("certificate table at 0x%x is not 8-byte aligned" % cert_off)
    if cert_off + cert_size != len(data):
        problems.append("certificate table 0x%x+0x%x does not end the file (%d bytes)" % (cert_off, cert_size, len(data)))
    wlen, revision, ctype = struct.unpack_from("<IHH", data, cert_off)
    if wlen > cert_size or revision != 0x200 or ctype != 2:   # WIN_CERT_REVISION_2_0, PKCS_SIGNED_DATA
        problems.append("first certificate: length %d, revision 0x%x, type %d (want <= %d, 0x200, 2)"
                        % (wlen, revision, ctype, cert_size))
    sec = opt + opt_size
    for _ in range(nsections):
        name = data[sec:sec + 8].rstrip(b"\0").decode("ascii", "replace")
        raw_size, raw_ptr = struct.unpack_from("<II", data, sec + 16)
        if raw_size and raw_ptr + raw_size > cert_off:
            problems.append("section %s's data (0x%x+0x%x) runs into the certificate table" % (name, raw_ptr, raw_size))
        sec += 40
    return problems


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
    sbat = None
    for i in range(nsections):
        name = data[sec:sec + 8].rstrip(b"\0").decode("ascii", "replace")
        vaddr = struct.unpack_from("<I", data, sec + 12)[0]
        if name == ".sbat":
            vsize, _, raw_size, raw_ptr = struct.unpack_from("<IIII", data, sec + 8)
            sbat = data[raw_ptr:raw_ptr + min(vsize, raw_size)]
        chars = struct.unpack_from("<I", data, sec + 36)[0]
        if chars & IMAGE_SCN_MEM_EXECUTE and chars & IMAGE_SCN_MEM_WRITE:
            problems.append("section %s is writable and executable" % name)
        if vaddr % 4096:
            problems.append("section %s at 0x%x is not 4 KiB aligned" % (name, vaddr))
        sec += 40
    return problems


if __name__ == "__main__":
    signed = sys.argv[1] == "--signed"
    path = sys.argv[-1]
    problems = check(path) + (signed_problems(path) if signed else [])
    for p in problems:
        print("pecheck: %s: %s" % (path, p), file=sys.stderr)
    sys.exit(1 if problems else 0)
