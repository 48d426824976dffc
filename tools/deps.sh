#!/usr/bin/env bash
# Installs what faultline needs to build and test, from Debian packages, when
# it is missing. Safe to run every time: it only calls apt-get when a tool or
# file is absent. Needs root (or sudo) the first time on a fresh machine.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_cmd clang || need+=(clang)
have_cmd lld-link || need+=(lld)
[ -f /usr/include/efi/efi.h ] || need+=(gnu-efi)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need+=(ovmf)
# Secure Boot: make sign, and the tests with Debian's snakeoil-enrolled OVMF.
have_cmd sbsign || need+=(sbsigntool)
have_cmd openssl || need+=(openssl)
have_cmd qemu-system-x86_64 || need+=(qemu-system-x86)
have_cmd mcopy || need+=(mtools)
have_cmd sgdisk || need+=(gdisk)
[ -f /usr/share/consolefonts/Lat15-Terminus16.psf.gz ] || need+=(console-setup-linux)
have_cmd musl-gcc || need+=(musl-tools)
# tests/qemu/busybox.py runs Debian's static busybox on faultline.
[ -x /bin/busybox ] && ! readelf -lW /bin/busybox 2>/dev/null | grep -q INTERP || need+=(busybox-static)
# tests/qemu/mm_selftests.py: Linux's mm selftests from the kernel's own
# tarball, built at test time, and Debian's static bash.
[ -f /usr/src/linux-source-6.1.tar.xz ] || need+=(linux-source-6.1)
[ -x /bin/bash-static ] || need+=(bash-static)
have_cmd python3 || need+=(python3)
have_cmd cc || need+=(gcc)
have_cmd ld.lld || need+=(lld)
# bench/test_report.py opens the HTML report in headless Chromium.
have_cmd chromium || need+=(chromium)
# The QR code on screen: zbarimg reads it back (tests/unit/test_qr.c, tests/qemu/screen.py),
# python3-qrcode is the unit test's reference encoder (for Debian's own /usr/bin/python3).
have_cmd zbarimg || need+=(zbar-tools)
[ -f /usr/lib/python3/dist-packages/qrcode/__init__.py ] || need+=(python3-qrcode)
# tests/unit/test_lz4.c decodes our LZ4 blocks with the real liblz4 and ours with it.
[ -f /usr/include/lz4.h ] || need+=(liblz4-dev)

# QEMU 10 from bookworm-backports beside the system's QEMU 7.2, for x2APIC
# (docs/qemu.md). Not fatal: without it the x2APIC cases say skipped and why.
fetch_backports_qemu() { "$(dirname "$0")/fetch_qemu.sh" || true; }

if [ ${#need[@]} -eq 0 ]; then
	fetch_backports_qemu
	exit 0
fi

echo "faultline: installing missing packages: ${need[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if have_cmd sudo; then sudo="sudo"; else
		echo "faultline: need root to install: apt-get install ${need[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fetch_backports_qemu
