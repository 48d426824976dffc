#!/usr/bin/env python3
"""Convert a Linux console font (PSF1 or PSF2, optionally gzipped) to C.

Usage: psf2c.py FONT.psf[.gz] OUT.c

The C file defines what lib/fbcon.c draws with:

    const uint32_t font_width, font_height, font_glyph_count, font_bytes_per_row;
    const uint8_t font_glyphs[font_glyph_count * font_height * font_bytes_per_row];
    const uint16_t font_ascii_to_glyph[128];

Glyph rows are stored top to bottom, each row font_bytes_per_row bytes with
the leftmost pixel in the most significant bit of the first byte.

font_ascii_to_glyph comes from the font's unicode table when it has one (the
first glyph that lists the code point as a single character wins; multi-
character sequences never count). Codes the table does not list map to the
glyph for '?' (or glyph 0 if even '?' is missing). Without a table the
mapping is the identity, clamped to glyph 0 past the end of the font.

Errors (unreadable file, bad magic, truncated or malformed font) print one
line on stderr and exit with status 1.
"""

import gzip
import os
import struct
import sys
import zlib

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_MODESEQ = 0x04
PSF1_SEPARATOR = 0xFFFF
PSF1_STARTSEQ = 0xFFFE

PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HAS_UNICODE_TABLE = 0x01
PSF2_SEPARATOR = 0xFF
PSF2_STARTSEQ = 0xFE


class FontError(Exception):
    """The font file cannot be used; the message says why."""


class Font:
    def __init__(self, width, height, glyph_count, glyphs, unicode_of_glyph):
        self.width = width
        self.height = height
        self.glyph_count = glyph_count
        self.bytes_per_row = (width + 7) // 8
        self.glyphs = glyphs                  # bytes, glyph_count * height * bytes_per_row
        self.unicode_of_glyph = unicode_of_glyph  # list of lists of code points, or None


def read_font_bytes(path):
    """Returns the file's contents, gunzipped when it starts with the gzip magic."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise FontError(f"cannot read: {e.strerror}")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise FontError(f"bad gzip data: {e}")
    return data


def parse_psf1_table(table, glyph_count):
    """PSF1 table: per glyph, little-endian uint16 code points, then optional
    sequences each introduced by 0xFFFE, closed by 0xFFFF."""
    if len(table) % 2:
        raise FontError("PSF1 unicode table has an odd number of bytes")
    words = struct.unpack(f"<{len(table) // 2}H", table)
    result = []
    pos = 0
    for glyph in range(glyph_count):
        singles = []
        in_sequence = False
        while True:
            if pos >= len(words):
                raise FontError(f"PSF1 unicode table truncated at glyph {glyph}")
            w = words[pos]
            pos += 1
            if w == PSF1_SEPARATOR:
                break
            if w == PSF1_STARTSEQ:
                in_sequence = True
            elif not in_sequence:
                singles.append(w)
        result.append(singles)
    return result


def decode_utf8_char(table, pos):
    """Decodes one UTF-8 character at table[pos]; returns (code point, next pos)."""
    lead = table[pos]
    if lead < 0x80:
        return lead, pos + 1
    if 0xC2 <= lead <= 0xDF:
        length, cp = 2, lead & 0x1F
    elif 0xE0 <= lead <= 0xEF:
        length, cp = 3, lead & 0x0F
    elif 0xF0 <= lead <= 0xF4:
        length, cp = 4, lead & 0x07
    else:
        raise FontError(f"PSF2 unicode table: bad UTF-8 lead byte 0x{lead:02x} at offset {pos}")
    if pos + length > len(table):
        raise FontError("PSF2 unicode table truncated inside a UTF-8 character")
    for b in table[pos + 1:pos + length]:
        if b & 0xC0 != 0x80:
            raise FontError(f"PSF2 unicode table: bad UTF-8 continuation byte 0x{b:02x}")
        cp = (cp << 6) | (b & 0x3F)
    minimum = {2: 0x80, 3: 0x800, 4: 0x10000}[length]
    if cp < minimum or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        raise FontError(f"PSF2 unicode table: invalid UTF-8 sequence at offset {pos}")
    return cp, pos + length


def parse_psf2_table(table, glyph_count):
    """PSF2 table: per glyph, UTF-8 characters, then optional sequences each
    introduced by 0xFE, closed by 0xFF."""
    result = []
    pos = 0
    for glyph in range(glyph_count):
        singles = []
        in_sequence = False
        while True:
            if pos >= len(table):
                raise FontError(f"PSF2 unicode table truncated at glyph {glyph}")
            b = table[pos]
            if b == PSF2_SEPARATOR:
                pos += 1
                break
            if b == PSF2_STARTSEQ:
                in_sequence = True
                pos += 1
                continue
            cp, pos = decode_utf8_char(table, pos)
            if not in_sequence:
                singles.append(cp)
        result.append(singles)
    return result


def parse_psf1(data):
    if len(data) < 4:
        raise FontError("PSF1 header truncated")
    mode, charsize = data[2], data[3]
    if charsize == 0:
        raise FontError("PSF1 font has zero glyph height")
    glyph_count = 512 if mode & PSF1_MODE512 else 256
    glyph_bytes = glyph_count * charsize
    if len(data) < 4 + glyph_bytes:
        raise FontError(f"PSF1 glyph data truncated ({len(data) - 4} of {glyph_bytes} bytes)")
    glyphs = data[4:4 + glyph_bytes]
    table = None
    if mode & (PSF1_MODEHASTAB | PSF1_MODESEQ):
        table = parse_psf1_table(data[4 + glyph_bytes:], glyph_count)
    return Font(8, charsize, glyph_count, glyphs, table)


def parse_psf2(data):
    if len(data) < 32:
        raise FontError("PSF2 header truncated")
    (version, headersize, flags, glyph_count, charsize,
     height, width) = struct.unpack("<7I", data[4:32])
    if headersize < 32 or headersize > len(data):
        raise FontError(f"PSF2 header size {headersize} is invalid")
    if width == 0 or height == 0 or glyph_count == 0:
        raise FontError(f"PSF2 font is empty ({width}x{height}, {glyph_count} glyphs)")
    bytes_per_row = (width + 7) // 8
    if charsize != height * bytes_per_row:
        raise FontError(f"PSF2 glyph size {charsize} does not match {width}x{height}")
    glyph_bytes = glyph_count * charsize
    if len(data) < headersize + glyph_bytes:
        raise FontError(f"PSF2 glyph data truncated ({len(data) - headersize} of {glyph_bytes} bytes)")
    glyphs = data[headersize:headersize + glyph_bytes]
    table = None
    if flags & PSF2_HAS_UNICODE_TABLE:
        table = parse_psf2_table(data[headersize + glyph_bytes:], glyph_count)
    return Font(width, height, glyph_count, glyphs, table)


def parse_psf(data):
    """Returns a Font for PSF1 or PSF2 data; raises FontError otherwise."""
    if data[:4] == PSF2_MAGIC:
        return parse_psf2(data)
    if data[:2] == PSF1_MAGIC:
        return parse_psf1(data)
    raise FontError("not a PSF font (bad magic " + data[:4].hex() + ")")


def ascii_to_glyph(font):
    """Returns 128 glyph indices, one per ASCII code (see the module comment)."""
    if font.unicode_of_glyph is None:
        return [c if c < font.glyph_count else 0 for c in range(128)]
    first_glyph = {}
    for glyph, code_points in enumerate(font.unicode_of_glyph):
        for cp in code_points:
            if cp < 128 and cp not in first_glyph:
                first_glyph[cp] = glyph
    fallback = first_glyph.get(ord("?"), 0)
    return [first_glyph.get(c, fallback) for c in range(128)]


def c_array_body(values, per_line, fmt):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("\t" + ", ".join(fmt.format(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def render_c(font, source_name):
    mapping = ascii_to_glyph(font)
    size = font.glyph_count * font.height * font.bytes_per_row
    return (
        f"/* Generated by tools/psf2c.py from {source_name}: do not edit. */\n"
        "#include <stdint.h>\n\n"
        f"const uint32_t font_width = {font.width}, font_height = {font.height}, "
        f"font_glyph_count = {font.glyph_count}, font_bytes_per_row = {font.bytes_per_row};\n\n"
        f"const uint8_t font_glyphs[{size}] = {{\n"
        + c_array_body(font.glyphs, 16, "0x{:02x}") + "\n};\n\n"
        "const uint16_t font_ascii_to_glyph[128] = {\n"
        + c_array_body(mapping, 16, "{}") + "\n};\n"
    )


def main(argv):
    if len(argv) != 3:
        print("usage: psf2c.py FONT.psf[.gz] OUT.c", file=sys.stderr)
        return 1
    source, out = argv[1], argv[2]
    try:
        font = parse_psf(read_font_bytes(source))
    except FontError as e:
        print(f"psf2c: {source}: {e}", file=sys.stderr)
        return 1
    text = render_c(font, os.path.basename(source))
    tmp = out + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, out)
    except OSError as e:
        print(f"psf2c: cannot write {out}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
