#!/usr/bin/env bash
# tools/flash.sh /dev/sdX [IMAGE] — write build/faultline.img (or IMAGE, e.g.
# build/faultline-signed.img from make sign) to a USB stick.
# Refuses anything that is not a whole, removable, unmounted block device, and
# asks for confirmation (type the device name) before writing.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=${1:-}
img=${2:-build/faultline.img}
die() { echo "flash: $*" >&2; exit 1; }

[ -n "$dev" ] || die "usage: ./run.sh flash /dev/sdX [IMAGE]"
[ -f "$img" ] || [ -n "${2:-}" ] || make --no-print-directory all
[ -f "$img" ] || die "no image $img (make sign KEY=... CERT=... writes build/faultline-signed.img)"
[ -b "$dev" ] || die "$dev is not a block device"
name=$(basename "$(readlink -f "$dev")")
[ -d "/sys/block/$name" ] || die "$dev is a partition, not a whole disk (use e.g. /dev/sdb, not /dev/sdb1)"
[ "$(cat "/sys/block/$name/removable" 2>/dev/null || echo 0)" = 1 ] ||
	die "$dev is not removable media; refusing to overwrite a fixed disk"
if grep -q "^/dev/$name" /proc/mounts; then
	die "$dev (or one of its partitions) is mounted; unmount it first"
fi
size=$(( $(cat "/sys/block/$name/size") * 512 ))
model=$(cat "/sys/block/$name/device/model" 2>/dev/null || echo "unknown")
echo "About to overwrite $dev ($model, $((size / 1000000)) MB) with $img."
read -r -p "Type the device name ($name) to confirm: " answer
[ "$answer" = "$name" ] || die "not confirmed; nothing written"
dd if="$img" of="$dev" bs=4M conv=fsync status=progress
sync
if [ -z "${2:-}" ]; then
	echo "flash: done. Boot the stick in UEFI mode with Secure Boot off (or sign it: docs/secureboot.md)."
else
	echo "flash: done. Boot the stick in UEFI mode."
fi
