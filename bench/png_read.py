"""A PNG reader for screenshots, standard library only (zlib).

Reads what Chromium's Page.captureScreenshot writes: 8 bits per channel,
truecolour (RGB) or truecolour with alpha (RGBA), not interlaced, any of the
five row filters. Anything else is refused with ValueError.
"""
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}          # colour type -> bytes per pixel at bit depth 8


def _chunks(data):
    """(type, body) of every chunk after the signature; ValueError if truncated."""
    pos = len(SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("PNG: truncated chunk header")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if pos + 12 + length > len(data):          # body and CRC
            raise ValueError("PNG: truncated %s chunk" % kind.decode("latin-1"))
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _add_bytes(a, b):
    """Bytewise (a + b) mod 256 of two equal-length byte strings, all bytes
    at once as big integers: the low 7 bits of each byte add without carrying
    out of it, the top bit is the xor of both top bits and that carry."""
    n = len(a)
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def _unfilter(kind, row, prev, bpp):
    """Row bytes with filter kind undone, given the previous (unfiltered) row."""
    out = bytearray(row)
    n = len(out)
    if kind == 0:
        return out
    if kind == 1:
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 2:
        out = bytearray(_add_bytes(row, prev))
    elif kind == 3:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            up_left = prev[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(left, prev[i], up_left)) & 0xFF
    else:
        raise ValueError("PNG: unknown row filter %d" % kind)
    return out


def _filtered_rows(data):
    """(width, height, bytes per pixel, rows) of PNG bytes, each row a
    (filter type, filtered bytes) pair; ValueError for what is not read."""
    if not data.startswith(SIGNATURE):
        raise ValueError("PNG: bad signature")
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG: no IHDR")
    width, height, depth, colour, _compression, _filter, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace != 0:
        raise ValueError("PNG: depth %d, colour type %d, interlace %d not supported" % (depth, colour, interlace))
    bpp = CHANNELS[colour]
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise ValueError("PNG: image data: %s" % e)
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise ValueError("PNG: %d bytes of image data for %dx%d" % (len(raw), width, height))
    rows = [(raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]) for y in range(height)]
    return width, height, bpp, rows


def row_filters(data):
    """The filter type of every row of PNG bytes (which filters an encoder used)."""
    return [kind for kind, _row in _filtered_rows(data)[3]]


def read_png(data):
    """Decodes PNG bytes; returns (width, height, pixels) with pixels a list of
    rows, each a list of (r, g, b) tuples (alpha dropped). Raises ValueError
    for anything but 8-bit RGB or RGBA, not interlaced, or a damaged file."""
    width, height, bpp, rows = _filtered_rows(data)
    pixels, prev = [], bytearray(width * bpp)
    for kind, filtered in rows:
        row = _unfilter(kind, filtered, prev, bpp)
        pixels.append(list(zip(row[0::bpp], row[1::bpp], row[2::bpp])))
        prev = row
    return width, height, pixels
