#!/usr/bin/env python3
"""Writes a copy of an OVMF variable-store image (OVMF_VARS*.fd) that is
nearly full: the store is compacted first (deleted variables dropped, as the
firmware's own reclaim would, so it cannot win space back at the next boot),
then filler variables are appended until only FREE bytes remain, as the
firmware's QueryVariableInfo counts them. Used by the QEMU case
nvram_guard_refuses_a_nearly_full_store (tests/qemu/realpc.py) to give
faultline a store in which its report must not be written.

The store is EDK II's authenticated variable format (VariableFormat.h): a
firmware-volume header, a VARIABLE_STORE_HEADER, then variables, each an
AUTHENTICATED_VARIABLE_HEADER (60 bytes), its UTF-16 name and its data,
the next one starting 4-byte aligned; free space is 0xff. Remaining space,
as the firmware reports it, is the store's size less its header less every
variable's aligned size.

    tools/fill_vars.py IN OUT --free BYTES
"""
import argparse
import struct
import sys
import uuid

AUTH_STORE_GUID = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
STORE_HEADER = 28                 # GUID, Size, Format, State, Reserved, Reserved1
VAR_HEADER = 60                   # AUTHENTICATED_VARIABLE_HEADER
START_ID = 0x55AA
VAR_ADDED = 0x3F
VAR_IN_DELETED_TRANSITION_ADDED = 0x3E  # VAR_ADDED & VAR_IN_DELETED_TRANSITION: still the live copy
FORMATTED, HEALTHY = 0x5A, 0xFE
ATTRS = 0x7                       # NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS
# faultline's vendor GUID (efi/report_var.h)
FAULTLINE_GUID = uuid.UUID("5c1b7d3e-8a44-4f0e-9b1d-66a1f1a7e5c2")
MAX_FILLER_DATA = 8192            # well below any firmware's largest variable


def align4(n):
    return (n + 3) & ~3


def var_size(name_bytes, data_bytes):
    return align4(VAR_HEADER + name_bytes + data_bytes)


class Store:
    """The variable store inside a VARS image: where it is and what it holds."""

    def __init__(self, image):
        if image[0x28:0x2C] != b"_FVH":
            raise ValueError("not a firmware volume (no _FVH signature)")
        self.start = struct.unpack_from("<H", image, 0x30)[0]     # FV HeaderLength
        guid = uuid.UUID(bytes_le=bytes(image[self.start:self.start + 16]))
        size, fmt, state = struct.unpack_from("<IBB", image, self.start + 16)
        if guid != AUTH_STORE_GUID or fmt != FORMATTED or state != HEALTHY:
            raise ValueError("not a healthy authenticated variable store (%s, format 0x%x, state 0x%x)"
                             % (guid, fmt, state))
        self.size = size
        self.capacity = size - STORE_HEADER          # QueryVariableInfo's MaximumVariableStorageSize
        self.end = self.start + STORE_HEADER          # first free byte after the last variable
        self.used = 0
        self.variables = []                           # (state, the variable's bytes, aligned)
        while struct.unpack_from("<H", image, self.end)[0] == START_ID:
            name_size, data_size = struct.unpack_from("<II", image, self.end + 36)
            n = var_size(name_size, data_size)
            self.variables.append((image[self.end + 2], bytes(image[self.end:self.end + n])))
            self.end += n
            self.used += n

    def free(self):
        return self.capacity - self.used

    def compact(self, image):
        """Rewrites the store with its live variables only, in their order."""
        first = self.start + STORE_HEADER
        live = b"".join(v for state, v in self.variables
                        if state in (VAR_ADDED, VAR_IN_DELETED_TRANSITION_ADDED))
        image[first:self.start + self.size] = live + b"\xff" * (self.size - STORE_HEADER - len(live))
        self.end = first + len(live)
        self.used = len(live)


def filler(index, data_bytes):
    name = ("FaultlineFill%d" % index).encode("utf-16-le") + b"\0\0"
    header = struct.pack("<HBBIQ16sIII16s", START_ID, VAR_ADDED, 0, ATTRS, 0, b"\0" * 16, 0,
                         len(name), data_bytes, FAULTLINE_GUID.bytes_le)
    assert len(header) == VAR_HEADER
    body = header + name + b"\xa5" * data_bytes
    return body + b"\xff" * (align4(len(body)) - len(body))


def fill(image, want_free):
    """Compacts the store in image (a bytearray) and appends fillers until want_free bytes remain
    (to within 3 bytes of alignment, never more). Returns the free bytes left."""
    store = Store(image)
    store.compact(image)
    if want_free > store.free():
        raise ValueError("the store has only %d bytes free" % store.free())
    index = 0
    while store.free() - want_free >= var_size(32, 0):
        name_bytes = len(("FaultlineFill%d" % index).encode("utf-16-le")) + 2
        room = store.free() - want_free - VAR_HEADER - name_bytes
        data = min(room - room % 4 if room > 3 else room, MAX_FILLER_DATA)
        blob = filler(index, data)
        image[store.end:store.end + len(blob)] = blob
        store.end += len(blob)
        store.used += len(blob)
        index += 1
    return store.free()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--free", type=int, required=True, help="bytes to leave free")
    args = ap.parse_args()
    image = bytearray(open(args.input, "rb").read())
    left = fill(image, args.free)
    with open(args.output, "wb") as f:
        f.write(image)
    print("%s: %d bytes of the variable store free" % (args.output, left))
    return 0


if __name__ == "__main__":
    sys.exit(main())
