#!/usr/bin/env bash
# mkimage.sh OUT.img BOOTX64.efi faultline.cfg [PROGRAM...]
#
# Writes a GPT disk image with one FAT32 EFI System Partition holding
#   \EFI\BOOT\BOOTX64.EFI   the faultline application (removable-media path)
#   \faultline.cfg          the run configuration
#   \faultline\bin\         the ring-3 programs
#   \faultline\reports\     where stored reports are written on a later boot
#   \faultline\files\       user/files: what programs see under /files
# Made with sgdisk and mtools on a plain file: no root, no loop devices. The
# result can be written to a USB stick with dd (or ./run.sh flash).
set -euo pipefail

out=$1; efi=$2; cfg=$3; shift 3
size_mib=${FAULTLINE_IMAGE_MIB:-64}
part_start=2048                                      # 1 MiB aligned
total_sectors=$((size_mib * 1024 * 1024 / 512))
part_end=$((total_sectors - 34))                     # leave room for the backup GPT
part_sectors=$((part_end - part_start + 1))

tmp="$out.tmp"
rm -f "$tmp"
truncate -s "${size_mib}M" "$tmp"
sgdisk --clear --new=1:${part_start}:${part_end} --typecode=1:ef00 \
	--change-name=1:"EFI System" "$tmp" >/dev/null

esp="$tmp@@$((part_start * 512))"
export MTOOLS_SKIP_CHECK=1
# FAT32 with 1 sector per cluster (enough clusters for FAT32 at this size), labelled.
mformat -i "$esp" -F -T "$part_sectors" -h 64 -s 32 -c 1 -H "$part_start" -v FAULTLINE ::
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/faultline ::/faultline/bin ::/faultline/reports ::/faultline/files
mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$cfg" ::/faultline.cfg
for p in "$@"; do
	mcopy -i "$esp" "$p" "::/faultline/bin/$(basename "$p")"
done
# The files programs see under /files (user/files, the same the Linux reference gets).
files_dir="$(dirname "$0")/../user/files"
if [ -d "$files_dir" ] && [ -n "$(ls -A "$files_dir")" ]; then
	mcopy -s -i "$esp" "$files_dir"/* ::/faultline/files/
fi
mv "$tmp" "$out"
