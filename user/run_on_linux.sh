#!/usr/bin/env bash
# run_on_linux.sh: runs every ring-3 program (USER_BINS, see user/user.mk)
# natively on this Linux host, the reference the same binaries must agree
# with on faultline.
#
# Each program runs alone with stdin at end of file (</dev/null), stdout
# captured, core dumps off, an 8 MiB stack limit (what segv_stack_guard
# expects to hit) and a 60 s time limit. Then:
#   - every {"type":"test",...} record it printed counts as one pass, fail or
#     skip; a record line that is not valid JSON, or a name not starting
#     with ring3.<program>., is a failure;
#   - segv_* programs must die by SIGSEGV (exit status 139): one pass, else
#     one failure; oom_* programs by SIGKILL (137) likewise, sigbus_* by
#     SIGBUS (135), sigabrt_* by SIGABRT (134), sigterm_* by SIGTERM (143)
#     (umip_* exit 0 here: Linux emulates what UMIP forbids);
#     every other
#     program must exit 0 (else one failure) and must have printed at least
#     one record;
#   - a program that printed an expect_kill record (user/rt/killer.h; every
#     segv_*/oom_* program must) runs under strace when the host has it, and
#     the signal's si_code and si_addr strace shows must be the ones declared
#     (one more pass, else a failure); a segv_*/oom_* program without one fails.
# oom_* programs exhaust the machine's memory, which on this host means the
# host's OOM killer: they run only when named on the command line.
# Failures are listed with their details; the last line is
# "N passed, N failed". Exits 1 if anything failed.
#
# Host deviations: a check this particular host cannot satisfy for a known,
# detected reason is listed as a DEVIATION (with the reason) instead of a
# failure, but only when the host condition is present and the record's
# detail shows exactly the expected deviation. See HOST_DEVIATIONS below.
#
# Usage: user/run_on_linux.sh [PROGRAM...]   (default: USER_BINS but oom_*)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

if ! build_log="$(make --no-print-directory user 2>&1)"; then
	echo "$build_log"
	echo "run_on_linux.sh: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

if [ $# -gt 0 ]; then
	bins=()
	for p in "$@"; do bins+=("build/user/$(basename "$p")"); done
else
	bins=()
	for b in $(make --no-print-directory -s print-user-bins); do
		case "$(basename "$b")" in
		oom_*) echo "NOT RUN $(basename "$b"): it would drive this host into its OOM killer (name it to run it)" ;;
		spin_*) echo "NOT RUN $(basename "$b"): it never ends; faultline's time limit kills it (name it to run it under timeout)" ;;
		*) bins+=("$b") ;;
		esac
	done
fi

# Known deviations of this host's kernel, as lines "record-name<TAB>detail-regex<TAB>reason".
HOST_DEVIATIONS=""
if grep -qw 'pvm_no_zero_page=1' /proc/cmdline 2>/dev/null; then
	# A read fault maps a private page, not the zero page: N read faults, then 0 write faults.
	HOST_DEVIATIONS+="ring3.read_then_write.two_faults_per_page"$'\t'
	HOST_DEVIATIONS+="^(\\d+) pages read then written: \\1 read faults \\+ 0 write faults"$'\t'
	HOST_DEVIATIONS+="this kernel was booted with pvm_no_zero_page=1: a read fault maps a private page "
	HOST_DEVIATIONS+="instead of the shared zero page, so the write after it does not fault"$'\n'
	HOST_DEVIATIONS+="ring3.madvise_populate.write"$'\t'
	HOST_DEVIATIONS+="^MADV_POPULATE_WRITE 0: 0 faults \\(want 16\\); writing after it 0 faults; again 0: 0 faults"$'\t'
	HOST_DEVIATIONS+="this kernel was booted with pvm_no_zero_page=1: MADV_POPULATE_READ mapped private pages, "
	HOST_DEVIATIONS+="so MADV_POPULATE_WRITE after it has nothing to fault"$'\n'
fi
export HOST_DEVIATIONS

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Programs run in a directory holding a copy of user/files as files/, as
# faultline's programs start in / with /files (they name it "files/...").
# The copy is made once: what one program writes the next one sees, as on
# faultline within one boot.
rootdir="$tmp/root"
mkdir -p "$rootdir"
cp -r user/files "$rootdir/files"

passed=0 failed=0 skipped=0 deviated=0
for bin in "${bins[@]}"; do
	name="$(basename "$bin")"
	out="$tmp/$name.out"
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin is not a built program"
		failed=$((failed + 1))
		continue
	fi
	abs="$ROOT/$bin"
	[[ "$bin" == /* ]] && abs="$bin"
	# The outer 2>/dev/null only hides bash's own "Segmentation fault" notice.
	trace="$tmp/$name.strace"
	case "$name" in
	segv_* | oom_* | sigabrt_* | sigterm_*)
		# Killers run under strace (if there is one): it shows the fatal signal's si_code and si_addr.
		if command -v strace >/dev/null; then
			{ (cd "$rootdir" && ulimit -c 0 && ulimit -s 8192 && ulimit -n 1024 && exec timeout 60 strace -qq -e trace=none -o "$trace" "$abs") \
				</dev/null >"$out" 2>"$tmp/$name.err"; } 2>/dev/null
		else
			{ (cd "$rootdir" && ulimit -c 0 && ulimit -s 8192 && ulimit -n 1024 && exec timeout 60 "$abs") </dev/null >"$out" 2>"$tmp/$name.err"; } 2>/dev/null
		fi ;;
	*)
		{ (cd "$rootdir" && ulimit -c 0 && ulimit -s 8192 && ulimit -n 1024 && exec timeout 60 "$abs") </dev/null >"$out" 2>"$tmp/$name.err"; } 2>/dev/null ;;
	esac
	status=$?

	# Tally the records: prints "passed failed skipped deviated", then one line per problem.
	tally="$(python3 - "$out" "$name" "$trace" <<'PY'
import json, os, re, sys

path, prog, trace = sys.argv[1], sys.argv[2], sys.argv[3]
expect = None
deviations = {}
for line in os.environ.get("HOST_DEVIATIONS", "").splitlines():
    if line.strip():
        rec, pattern, reason = line.split("\t", 2)
        deviations[rec] = (re.compile(pattern), reason)

counts = {"pass": 0, "fail": 0, "skip": 0, "deviation": 0}
problems = []
with open(path, encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            counts["fail"] += 1
            problems.append("FAIL %s: malformed record: %s" % (prog, line[:200]))
            continue
        if isinstance(rec, dict) and rec.get("type") == "expect_kill":
            expect = rec
        if not isinstance(rec, dict) or rec.get("type") != "test":
            continue
        name, result, detail = rec.get("name", ""), rec.get("result"), rec.get("detail", "")
        if not isinstance(name, str) or not name.startswith("ring3.%s." % prog):
            counts["fail"] += 1
            problems.append("FAIL %s: record named %r, expected ring3.%s.*" % (prog, name, prog))
            continue
        if result == "fail" and name in deviations and deviations[name][0].search(detail):
            counts["deviation"] += 1
            problems.append("DEVIATION %s: %s\n    host: %s" % (name, detail, deviations[name][1]))
        elif result in ("pass", "fail", "skip"):
            counts[result] += 1
            if result == "fail":
                problems.append("FAIL %s: %s" % (name, detail))
        else:
            counts["fail"] += 1
            problems.append("FAIL %s: result %r is not pass, fail or skip" % (name, result))
# The kill it declared against what strace saw: "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x0} ---".
killer = prog.startswith(("segv_", "oom_", "sigabrt_", "sigterm_"))
if killer and expect is None:
    counts["fail"] += 1
    problems.append("FAIL %s: did not say what should kill it (no expect_kill record)" % prog)
elif expect is not None and os.path.exists(trace):
    # A signal sent by kill/tkill has no si_addr: "--- SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=...} ---".
    seen = re.findall(r"--- (SIG\w+) \{si_signo=\w+, si_code=(\w+)(?:, [^}]*?si_addr=(\w+))?", open(trace).read())
    if expect.get("signal") == "SIGKILL":
        pass                                   # no siginfo: SIGKILL is not delivered, it ends the process
    elif not seen:
        counts["fail"] += 1
        problems.append("FAIL %s: strace saw no signal (expected %s)" % (prog, expect))
    else:
        sig, code, addr = seen[-1]
        addr = 0 if addr in ("NULL", "") else int(addr, 16)
        diffs = []
        if sig != expect.get("signal") or code != expect.get("code"):
            diffs.append("%s %s, want %s %s" % (sig, code, expect.get("signal"), expect.get("code")))
        if "addr" in expect and addr != int(expect["addr"], 16):
            diffs.append("si_addr 0x%x, want %s" % (addr, expect["addr"]))
        counts["fail" if diffs else "pass"] += 1
        if diffs:
            problems.append("FAIL %s: not killed as it said it must be: %s" % (prog, "; ".join(diffs)))
print(counts["pass"], counts["fail"], counts["skip"], counts["deviation"])
for p in problems:
    print(p)
PY
)"
	read -r p f s d <<<"$(head -n 1 <<<"$tally")"
	tail -n +2 <<<"$tally"
	records=$((p + f + s + d))

	case "$name" in
	segv_* | oom_* | sigbus_* | sigabrt_* | sigterm_*)
		want=139 signal=SIGSEGV
		[[ "$name" == oom_* ]] && want=137 signal=SIGKILL
		[[ "$name" == sigbus_* ]] && want=135 signal=SIGBUS
		[[ "$name" == sigabrt_* ]] && want=134 signal=SIGABRT
		[[ "$name" == sigterm_* ]] && want=143 signal=SIGTERM
		if [ "$status" -eq "$want" ]; then
			p=$((p + 1))
			ending="killed by $signal, as expected"
		else
			f=$((f + 1))
			ending="exit status $status, expected death by $signal ($want)"
			echo "FAIL $name: $ending"
		fi
		;;
	*)
		ending="exit status $status"
		if [ "$status" -ne 0 ]; then
			f=$((f + 1))
			[ "$status" -eq 124 ] && ending="timed out after 60 s"
			[ "$status" -gt 128 ] && [ "$status" -ne 124 ] && ending="killed by signal $((status - 128))"
			echo "FAIL $name: $ending, expected 0"
			sed 's/^/    stderr: /' "$tmp/$name.err" | head -n 5
		elif [ "$records" -eq 0 ]; then
			f=$((f + 1))
			echo "FAIL $name: printed no test records"
		fi
		;;
	esac
	printf '%-22s %3d passed, %d failed, %d skipped, %d deviations (%s)\n' "$name" "$p" "$f" "$s" "$d" "$ending"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s)) deviated=$((deviated + d))
done

echo "skipped: $skipped (checks that cannot be made here, e.g. they need faultline's introspection)"
if [ "$deviated" -gt 0 ]; then
	echo "host deviations: $deviated (known behaviour of this host's kernel, listed above; not counted)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
