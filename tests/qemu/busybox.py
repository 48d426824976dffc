"""Unmodified Debian busybox-static running shell scripts on faultline:
pipelines, subshells, $(...), printf, id and sleep, each output compared
line by line with the same busybox binary's on this host's Linux.

busybox is Debian's package (tools/deps.sh installs busybox-static); the test
copies /bin/busybox onto its own copy of the stick at test time, never into
the repository. Debian's build runs its applets in forked children without
exec, so these scripts exercise fork, pipe, dup2, wait4, signals (SIGCHLD
handlers) and the file descriptors, not execve.
"""
import os
import subprocess

import qemu_run
from integration import case, base_config, expect_clean_run

BUSYBOX = "/bin/busybox"

# Each script runs as `busybox sh -c SCRIPT` on one `run =` line (the config
# takes it in double quotes: no double quotes inside, each word < 96 bytes).
SCRIPTS = [
    "echo hello | wc -c",
    "seq 10 | sort -rn | head -3",
    "x=$(echo sub | tr a-z A-Z); echo got $x",
    "(echo in a subshell; exit 3); echo status $?",
    "printf '%s-%d:%x\\n' abc 42 255",
    "for i in 1 2 3 4; do echo $i; done | wc -l",
    "id -u; id -g; id -G",
    "echo a b c | { read x y z; echo $z $y $x; }",
    "false || echo or; true && echo and",
]
SLEEP = "sleep 1"


def is_static(path):
    """An ELF executable without a program interpreter (PT_INTERP)."""
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    return "LOAD" in out and "INTERP" not in out


def host_output(script):
    """The lines busybox prints for script on this host's Linux."""
    r = subprocess.run([BUSYBOX, "sh", "-c", script], capture_output=True, text=True, timeout=30)
    return r.stdout.splitlines()


def lines_per_run(run):
    """[[lines of run 0], [lines of run 1], ...]: output records split by the
    progress records (one before the first line, one between lines, one
    after the last)."""
    runs, cur = [], None
    for r in run.records:
        if r.get("type") == "progress" and r.get("what") == "programs":
            cur = []
            runs.append(cur)
        elif r.get("type") == "output" and cur is not None:
            cur.append((r.get("line", ""), r.get("partial") is True))
    out = []
    for pieces in runs[:-1]:
        lines, acc = [], ""
        for text, partial in pieces:
            acc += text
            if not partial:
                lines.append(acc)
                acc = ""
        out.append(lines)
    return out


def run_ms(run):
    """The ms stamp of each run's start (its progress record), and of the end."""
    return [r.get("ms") for r in run.records if r.get("type") == "progress" and r.get("what") == "programs"]


@case
def busybox_sh_scripts_match_linux():
    problems = []
    if not os.path.exists(BUSYBOX):
        return ["%s is missing: tools/deps.sh installs Debian's busybox-static" % BUSYBOX]
    if not is_static(BUSYBOX):
        return ["%s is not a static executable (Debian's busybox-static provides one)" % BUSYBOX]
    runs = ['run = busybox sh -c "%s"' % s for s in SCRIPTS] + ["run = busybox %s" % SLEEP]
    run = qemu_run.boot(base_config("checks = none", *runs), extra_files=[(BUSYBOX, "/faultline/bin/busybox")],
                        timeout=300)
    expect_clean_run(run, problems)
    warnings = [w.get("detail") for w in run.of_type("warning")]
    if warnings:
        problems.append("warnings: %s" % warnings[:5])
    got = lines_per_run(run)
    if len(got) != len(runs):
        problems.append("%d runs reported, want %d" % (len(got), len(runs)))
        return problems
    for i, script in enumerate(SCRIPTS):
        want = host_output(script)
        if got[i] != want:
            problems.append("busybox sh -c %r: faultline printed %r, Linux %r" % (script, got[i], want))
    ends = [r for r in run.records if r.get("type") in ("exit", "kill") and r.get("ppid") == 1]
    bad = [r for r in ends if r.get("type") != "exit" or r.get("status") != 0]
    if len(ends) != len(runs) or bad:
        problems.append("want %d runs ending with status 0, got %s" % (len(runs), bad or len(ends)))
    ms = run_ms(run)
    if len(ms) >= 2 and ms[-1] - ms[-2] < 1000:
        problems.append("busybox sleep 1 took %s ms (want at least 1000)" % (ms[-1] - ms[-2]))
    return problems
