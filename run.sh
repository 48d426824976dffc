#!/usr/bin/env bash
# ./run.sh [OPTIONS]         build if needed, boot the default run in QEMU + OVMF,
#                            serial console on this terminal; exits 0 if the run
#                            passed, 1 if something failed, 2 if no verdict.
# ./run.sh --help            all options (CPU model, memory, paging, config lines, gdb, log)
# ./run.sh flash /dev/sdX [IMAGE]   write build/faultline.img (or IMAGE) to a USB stick
# ./run.sh bench [--icount]  run the fault-latency workloads, write build/bench/report.html
# ./run.sh bench --scaling [--icount]   fault cost from 16 MiB to 4 GiB and with 100 000 VMAs,
#                            write build/bench/scaling.html
# ./run.sh bench --smp N [--linux] [--icount]   fault throughput at 1..N tasks on N CPUs
#                            (page_fault1/2/3, TLB shootdown), write build/bench/smpN.html
# ./run.sh compare-linux     the same workloads on faultline and on the Linux reference
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "flash" ]; then
	shift
	exec tools/flash.sh "$@"
fi
make --no-print-directory all >&2
case "${1:-}" in
bench)
	shift
	exec python3 bench/run_bench.py "$@" ;;
compare-linux)
	shift
	exec python3 bench/run_bench.py --linux -o build/bench/report-linux.html "$@" ;;
esac
exec python3 tools/qemu_run.py "$@"
