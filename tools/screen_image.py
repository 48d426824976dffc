"""Screen images from QEMU: read the PPM (P6) that the monitor's `screendump`
writes, and write PNG (zlib only, no imaging library), so a person can look at
what faultline drew and a test can look for pixels."""
import struct
import zlib


class Image:
    """width x height pixels, rgb: 3 bytes per pixel, rows top to bottom."""

    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return (self.rgb[i] << 16) | (self.rgb[i + 1] << 8) | self.rgb[i + 2]

    def row(self, y):
        """The pixels of scan line y as 0xRRGGBB ints."""
        return [self.pixel(x, y) for x in range(self.width)]


def read_ppm(path):
    """Returns the Image in a binary PPM (P6, maxval 255); ValueError otherwise."""
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:                  # magic, width, height, maxval; '#' comments allowed
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("%s: not a P6 PPM with maxval 255" % path)
    width, height = int(fields[1]), int(fields[2])
    rgb = data[pos + 1:pos + 1 + width * height * 3]
    if len(rgb) != width * height * 3:
        raise ValueError("%s: %d bytes of pixels, want %d" % (path, len(rgb), width * height * 3))
    return Image(width, height, rgb)


def write_png(image, path):
    """Writes image as an 8-bit RGB PNG."""
    stride = image.width * 3
    raw = b"".join(b"\x00" + image.rgb[y * stride:(y + 1) * stride] for y in range(image.height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
                + chunk(b"IEND", b""))
