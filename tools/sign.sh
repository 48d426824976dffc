#!/usr/bin/env bash
# tools/sign.sh KEY CERT IN.efi IN.img OUT.img — Secure Boot signing (make sign).
#
# Signs the faultline application IN.efi with sbsign (sbsigntool) using the
# private key KEY and the X.509 certificate CERT (both PEM), checks the
# signature with sbverify against CERT, and writes OUT.img: a copy of the
# stick image IN.img whose \EFI\BOOT\BOOTX64.EFI is the signed application.
# OUT.img may be IN.img itself (signing in place). The signed application is
# also left beside OUT.img as BOOTX64.signed.efi, for a stick made by hand. A firmware with Secure Boot on runs it when CERT (or
# a certificate above it) is in its db, or in shim's MOK list (docs/secureboot.md).
# Exits non-zero, leaving OUT.img untouched, when anything fails.
set -euo pipefail

die() { echo "sign: $*" >&2; exit 1; }
[ $# -eq 5 ] || die "usage: tools/sign.sh KEY CERT IN.efi IN.img OUT.img (make sign KEY=db.key CERT=db.crt)"
key=$1; cert=$2; efi=$3; img=$4; out=$5
[ -n "$key" ] && [ -n "$cert" ] || die "KEY and CERT are needed: make sign KEY=db.key CERT=db.crt (docs/secureboot.md)"
[ -f "$key" ] || die "no key file $key"
[ -f "$cert" ] || die "no certificate file $cert"
[ -f "$efi" ] && [ -f "$img" ] || die "build first: make"
command -v sbsign >/dev/null || die "sbsign is missing: apt-get install sbsigntool (tools/deps.sh does it)"

out_efi="$(dirname "$out")/BOOTX64.signed.efi"
tmp="$out.signing"
rm -f "$tmp" "$tmp.efi"
trap 'rm -f "$tmp" "$tmp.efi"' EXIT

# sbsign asks on the terminal for the pass phrase of an encrypted key.
sbsign --key "$key" --cert "$cert" --output "$tmp.efi" "$efi" >&2 ||
	die "sbsign failed (is $cert the certificate of $key?)"
sbverify --cert "$cert" "$tmp.efi" >/dev/null 2>&1 || die "sbverify does not accept the signed image"
python3 "$(dirname "$0")/pecheck.py" --signed "$tmp.efi" || die "the signed image is malformed"

cp "$img" "$tmp"
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$tmp@@$((2048 * 512))" "$tmp.efi" ::/EFI/BOOT/BOOTX64.EFI # the ESP: tools/mkimage.sh
mv "$tmp.efi" "$out_efi"
mv "$tmp" "$out"
echo "sign: $out: \\EFI\\BOOT\\BOOTX64.EFI signed by $(openssl x509 -in "$cert" -noout -subject 2>/dev/null || echo "$cert")"
