"""The Linux kernel's own mm selftests, and Debian's bash-static, on faultline
and on Linux.

The selftests (map_fixed_noreplace, mremap_dontunmap, madv_populate,
va_128TBswitch, virtual_address_range, on-fault-limit) are built at test time
from Debian's linux-source-6.1 package (tools/deps.sh installs it): the
needed files of tools/testing/selftests/ are unpacked from its tarball into
build/mm_selftests/ and compiled unmodified as static glibc executables
(gcc -static, as the kernel's Makefile builds them, plus -static). Nothing of
the tarball is in the repository. on-fault-limit also runs as uid 65534
through tests/mm_selftests/run_as.c, as run_vmtests.sh runs it through
`su nobody` (root's CAP_IPC_LOCK passes RLIMIT_MEMLOCK: as root it fails on
Linux too, and must on faultline).

Each paging mode is one faultline boot and one boot of the Linux reference
(tools/linux_ref.py: Debian's 6.1 cloud kernel, `-cpu max`; 4-level with
`no5lvl`, 5-level on the LA57 CPU), compared run by run: exit status, and the
verdict lines (kselftest's `ok`/`not ok`/plan/totals lines, va_128TBswitch's
and map_fixed_noreplace's OK/FAILED lines) with each address reduced to the
half of the address space it is in (below 128 TiB, above, or MAP_FAILED):
where mmap puts things differs between the two kernels, which side of the
47-bit line it does must not.

bash-static runs its `bash -c` scripts in the 4-level boot (one boot for
everything); each script's lines are compared with the same binary's on this
host's Linux, `sleep 1` must take a second, and no syscall may be missing.
"""
import os
import re
import subprocess
import threading

import qemu_run
from integration import case, base_config, expect_clean_run
from busybox import BUSYBOX, is_static, lines_per_run, run_ms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARBALL = "/usr/src/linux-source-6.1.tar.xz"
TOP = "linux-source-6.1/tools/testing/selftests/"
BUILD = os.path.join(ROOT, "build", "mm_selftests")
RUN_AS = os.path.join(ROOT, "tests", "mm_selftests", "run_as.c")
BASH = "/bin/bash-static"

# name -> the extra sources of tools/testing/selftests/vm/ it links with
SELFTESTS = {
    "map_fixed_noreplace": [],
    "mremap_dontunmap": [],
    "madv_populate": ["vm_util.c"],
    "va_128TBswitch": [],
    "virtual_address_range": [],
    "on-fault-limit": [],
}
# The run list of both machines: every selftest, then on-fault-limit unprivileged.
RUNS = [(n, []) for n in SELFTESTS] + [("run_as", ["65534", "on-fault-limit"])]

# bash -c scripts (run lines take them in double quotes: none inside, < 96 bytes each).
BASH_SCRIPTS = [
    "echo hello | busybox wc -c",
    "busybox seq 10 | busybox sort -r | busybox head -3",
    "x=$(echo sub | busybox tr a-z A-Z); echo got $x; (echo in; exit 3); echo st $?",
    "f() { echo f$1 $#; }; f a b; read p q <<< 'one two'; echo $q $p",
    "i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i $((7*6)) $((2**10))",
    "printf '%s-%d:%x\\n' abc 42 255; busybox id -u; busybox id -g",
    "for w in a b c; do echo $w; done | while read l; do echo [$l]; done",
]
BASH_SLEEP = "busybox sleep 1; echo slept"

_build_lock = threading.Lock()


class BuildError(Exception):
    pass


def unpack_sources():
    """build/mm_selftests/src/ with kselftest.h and vm/ from the tarball,
    unpacked once (again when the tarball is newer). Returns its path."""
    src = os.path.join(BUILD, "src")
    stamp = os.path.join(src, ".unpacked")
    if not os.path.exists(TARBALL):
        raise BuildError("%s is missing: tools/deps.sh installs Debian's linux-source-6.1" % TARBALL)
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(TARBALL):
        return src
    os.makedirs(src, exist_ok=True)
    members = [TOP + "kselftest.h"] + [TOP + "vm/" + f for f in
                                        ["vm_util.h"] + sorted({"%s.c" % n for n in SELFTESTS} |
                                                               {x for v in SELFTESTS.values() for x in v})]
    proc = subprocess.run(["tar", "-xJf", TARBALL, "-C", src, "--strip-components=4"] + members,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError("unpacking %s: %s" % (TARBALL, proc.stderr.strip()))
    open(stamp, "w").close()
    return src


def build():
    """Builds the selftests and run_as (when missing or older than their
    sources); returns {name: path}. Raises BuildError."""
    with _build_lock:
        src = unpack_sources()
        out = {}
        bindir = os.path.join(BUILD, "bin")
        os.makedirs(bindir, exist_ok=True)
        jobs = [(n, ["gcc", "-static", "-O2", "-Wall", "-I", os.path.join(src, "vm")] +
                 [os.path.join(src, "vm", f) for f in ["%s.c" % n] + extra])
                for n, extra in SELFTESTS.items()]
        jobs.append(("run_as", ["musl-gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", RUN_AS]))
        for name, cmd in jobs:
            path = os.path.join(bindir, name)
            inputs = [a for a in cmd if a.endswith(".c")]
            if not os.path.exists(path) or any(os.path.getmtime(i) > os.path.getmtime(path) for i in inputs):
                proc = subprocess.run(cmd + ["-o", path], capture_output=True, text=True)
                if proc.returncode != 0:
                    raise BuildError("%s: %s" % (" ".join(cmd), proc.stderr.strip()[-2000:]))
            out[name] = path
        return out


ADDR = re.compile(r"0x[0-9a-f]+")


def verdict(line):
    """The line as compared: None for lines that are no verdict; addresses
    replaced by the half of the address space they are in."""
    def half(m):
        v = int(m.group(0), 16)
        if v == (1 << 64) - 1:
            return "MAP_FAILED"
        return "<128T" if v < (1 << 47) else ">=128T"
    if line.startswith(("ok ", "not ok ", "1..", "# Totals", "Bail out!")) or \
            line.endswith((" - OK", " - FAILED")) or "result=" in line or line in ("OK", "FAILED"):
        return ADDR.sub(half, line)
    return None


def linux_runs(lrun):
    """[(lines, end)] per program of the Linux run, split at its exit/kill records."""
    out, cur, acc = [], [], ""
    for r in lrun.records:
        if r.get("type") == "output":
            acc += r.get("line", "")
            if r.get("partial") is not True:
                cur.append(acc)
                acc = ""
        elif r.get("type") in ("exit", "kill"):
            out.append((cur, (r["type"], r.get("status", r.get("signal")))))
            cur = []
    return out


def faultline_runs(frun):
    """[(lines, end)] per run line of the faultline boot."""
    ends = [(r["type"], r.get("status", r.get("signal"))) for r in frun.records
            if r.get("type") in ("exit", "kill") and r.get("ppid") == 1]
    lines = lines_per_run(frun)
    return [(lines[i] if i < len(lines) else [], ends[i] if i < len(ends) else None) for i in range(len(ends))]


def compare(fr, lr, paging):
    """Problems where faultline's run differs from Linux's, run by run."""
    problems = []
    if len(fr) < len(RUNS) or len(lr) != len(RUNS):
        return ["paging %s: %d runs on faultline, %d on Linux, want %d" % (paging, len(fr), len(lr), len(RUNS))]
    for i, (name, args) in enumerate(RUNS):
        what = "paging %s: %s" % (paging, " ".join([name] + args))
        (flines, fend), (llines, lend) = fr[i], lr[i]
        if fend != lend:
            problems.append("%s ended %s on faultline, %s on Linux" % (what, fend, lend))
        fv = [v for v in map(verdict, flines) if v is not None]
        lv = [v for v in map(verdict, llines) if v is not None]
        if fv != lv:
            diff = [(a, b) for a, b in zip(fv, lv) if a != b][:3] or (fv[len(lv):] or lv[len(fv):])[:3]
            problems.append("%s: verdicts differ (faultline, Linux): %s (%d and %d lines)"
                            % (what, diff, len(fv), len(lv)))
    # The tests must have checked something: madv_populate's 21 and va_128TBswitch's 16.
    totals = [v for v in map(verdict, fr[2][0]) if v and v.startswith("# Totals")]
    if not totals or "pass:21" not in totals[0]:
        problems.append("paging %s: madv_populate totals %s, want pass:21" % (paging, totals))
    return problems


def files_for(bins):
    return [(path, "/faultline/bin/" + name) for name, path in bins.items()]


def run_lines():
    return ["run = " + " ".join([n] + a) for n, a in RUNS]


def linux_reference(bins, append):
    import linux_ref
    progs = [(bins[n], a) for n, a in RUNS]
    lrun = linux_ref.run_programs(progs, cpu="max", timeout=300, extra_append=append)
    if not lrun.finished():
        raise linux_ref.LinuxRefError("did not finish (timed out: %s)" % lrun.timed_out)
    return lrun


def bash_problems(frun, first):
    """The bash runs (run lines first.. of frun) against this host's Linux."""
    problems = []
    if not os.path.exists(BASH) or not is_static(BASH):
        return ["%s is missing or not static: tools/deps.sh installs Debian's bash-static" % BASH]
    got = lines_per_run(frun)[first:]
    for i, script in enumerate(BASH_SCRIPTS):
        host = subprocess.run([BASH, "-c", script], capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, PATH="/bin:/usr/bin"))
        if i >= len(got) or got[i] != host.stdout.splitlines():
            problems.append("bash -c %r: faultline printed %r, Linux %r"
                            % (script, got[i] if i < len(got) else None, host.stdout.splitlines()))
    ms = run_ms(frun)
    if len(ms) >= 2 and ms[-1] - ms[-2] < 1000:
        problems.append("bash -c %r took %s ms (want at least 1000)" % (BASH_SLEEP, ms[-1] - ms[-2]))
    if len(got) < len(BASH_SCRIPTS) + 1 or got[len(BASH_SCRIPTS)] != ["slept"]:
        problems.append("bash -c %r printed %r" % (BASH_SLEEP, got[len(BASH_SCRIPTS):]))
    return problems


def selftests_case(paging, append, with_bash, config=()):
    problems = []
    try:
        bins = build()
        lrun = linux_reference(bins, append)
    except Exception as e:   # BuildError, LinuxRefError
        return ["%s: %s" % (type(e).__name__, e)]
    files = files_for(bins)
    runs = run_lines()
    if with_bash:
        files += [(BASH, "/faultline/bin/bash"), (BUSYBOX, "/faultline/bin/busybox")]
        runs += ['run = bash -c "%s"' % s for s in BASH_SCRIPTS + [BASH_SLEEP]]
    frun = qemu_run.boot(base_config("paging = %s" % paging, *(list(config) + runs)), extra_files=files,
                         timeout=300)
    expect_clean_run(frun, problems, "paging %s: " % paging)
    warnings = [w.get("detail") for w in frun.of_type("warning")]
    if warnings:
        problems.append("paging %s: warnings: %s" % (paging, warnings[:5]))
    lboot = lrun.first("linux_boot") or {}
    if str(lboot.get("paging_levels")) != str(paging):
        problems.append("the Linux reference ran %s-level paging, want %s" % (lboot.get("paging_levels"), paging))
    fr = faultline_runs(frun)
    problems.extend(compare(fr, linux_runs(lrun), paging))
    if with_bash:
        ends = fr[len(RUNS):]
        if [e for _l, e in ends] != [("exit", 0)] * (len(BASH_SCRIPTS) + 1):
            problems.append("bash runs ended %s, want all exit 0" % [e for _l, e in ends])
        problems.extend(bash_problems(frun, len(RUNS)))
    return problems


@case
def mm_selftests_and_bash_paging4_match_linux():
    """4-level paging on both (Linux: no5lvl), and the bash scripts."""
    return selftests_case(4, "no5lvl", with_bash=True)


@case
def mm_selftests_paging5_match_linux():
    """5-level paging on both (-cpu max has LA57): va_128TBswitch reaches above
    128 TiB. Overcommit always on both (vm.overcommit_memory = 1), so that
    virtual_address_range really maps its 16 GiB chunks (8192 below 128 TiB,
    then with hints above), which the default heuristic refuses at once."""
    return selftests_case(5, "sysctl.vm.overcommit_memory=1", with_bash=False,
                          config=["overcommit_memory = always"])
