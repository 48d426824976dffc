#!/usr/bin/python3
"""Reference QR matrices for tests/unit/test_qr.c, made by Debian's python3-qrcode.

Reads lines "LEVEL VERSION MASK HEXDATA" (LEVEL one of L M Q H) on stdin and
prints, per line, "PENALTY" and then VERSION*4+17 rows of 0/1 (1 = dark):
the symbol python3-qrcode builds for those bytes in byte mode at exactly
that version, level and mask, and its penalty score (qrcode.util.lost_point).
"""
import sys

import qrcode
import qrcode.util

LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}

for line in sys.stdin:
    level, version, mask, hexdata = (line.split() + [""])[:4]
    qr = qrcode.QRCode(version=int(version), error_correction=LEVELS[level], mask_pattern=int(mask), border=0)
    qr.add_data(qrcode.util.QRData(bytes.fromhex(hexdata), mode=qrcode.util.MODE_8BIT_BYTE))
    qr.make(fit=False)
    print(qrcode.util.lost_point(qr.modules))
    for row in qr.modules:
        print("".join("1" if m else "0" for m in row))
    sys.stdout.flush()
