#!/usr/bin/env bash
# ./run.sh [OPTIONS]         build if needed, boot the default run in QEMU + OVMF,
#                            serial console on this terminal; exits 0 if the run
#                            passed, 1 if something failed, 2 if no verdict.
# ./run.sh --help            all options (CPU model, memory, paging, config lines, gdb, log)
# ./run.sh flash /dev/sdX    write build/faultline.img to a USB stick
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "flash" ]; then
	shift
	exec tools/flash.sh "$@"
fi
make --no-print-directory all >&2
exec python3 tools/qemu_run.py "$@"
