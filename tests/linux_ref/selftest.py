#!/usr/bin/env python3
"""Self-test of the Linux reference machine (tools/linux_ref.py).

Builds the two example programs in tests/linux_ref/examples/ with musl-gcc
-static, boots them in one run of the reference and checks the records:

  linux_ref.boot      a linux_boot record: the kernel's release, THP "[never]",
                      vm.max_map_count raised to 1048576
  linux_ref.hello     hello passes its own test (THP never, seen from inside),
                      its record inside the init's output records for hello
  linux_ref.exit      hello ends with {"type":"exit","status":0}
  linux_ref.kill      null_deref ends with {"type":"kill","signal":"SIGSEGV","signo":11,
                      "fault":"segfault","addr":"0x0","error_code":"0x4",...}: the
                      kernel log's report of the read of address 0 (a user-mode read
                      of a page not present), with ip, sp and the message itself
  linux_ref.order     the end records come in run-list order, then linux_done
  linux_ref.done      {"type":"linux_done","programs":2} and QEMU exited 0

Prints one line per check, then "N passed, N failed"; exits 1 if any failed.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import linux_ref  # noqa: E402

EXAMPLES = os.path.join(HERE, "examples")
EXAMPLE_BUILD = os.path.join(linux_ref.BUILD_DIR, "examples")


def build_examples():
    """Returns {name: built path} for hello and null_deref."""
    return {name: linux_ref.build_static(os.path.join(EXAMPLES, name + ".c"),
                                         os.path.join(EXAMPLE_BUILD, name))
            for name in ("hello", "null_deref")}


def check_run(run):
    """Returns [(check name, problem or None)] for one boot of the two examples."""
    checks = []

    def check(name, problem):
        checks.append((name, problem))

    boot = run.first("linux_boot")
    if not boot:
        check("linux_ref.boot", "no linux_boot record")
    elif (not boot.get("release") or "[never]" not in boot.get("thp_enabled", "") or
          boot.get("max_map_count") != "1048576"):
        check("linux_ref.boot", "release %r, thp_enabled %r, max_map_count %r" % (
            boot.get("release"), boot.get("thp_enabled"), boot.get("max_map_count")))
    else:
        check("linux_ref.boot", None)

    hello = [r for r in run.program_records("test") if r.get("name") == "linux_ref.hello"]
    if run.of_type("test"):
        check("linux_ref.hello", "test records outside output records: %r" % run.of_type("test")[:2])
    elif len(hello) != 1 or hello[0].get("from_program") != "hello":
        check("linux_ref.hello", "linux_ref.hello test records from hello: %r, want 1" % hello)
    elif hello[0].get("result") != "pass" or "[never]" not in hello[0].get("detail", ""):
        check("linux_ref.hello", "record %r" % hello[0])
    else:
        check("linux_ref.hello", None)

    ends = [r for r in run.records if r["type"] in ("exit", "kill")]
    by_program = {r.get("program"): r for r in ends}
    want_exit = {"type": "exit", "program": "hello", "status": 0}
    want_kill = {"type": "kill", "program": "null_deref", "signal": "SIGSEGV", "signo": 11,
                 "fault": "segfault", "addr": "0x0", "error_code": "0x4"}
    got = by_program.get("hello")
    check("linux_ref.exit", None if got == want_exit else "got %r, want %r" % (got, want_exit))
    got = by_program.get("null_deref") or {}
    rest = {k: v for k, v in got.items() if k not in want_kill}
    bad = [k for k in want_kill if got.get(k) != want_kill[k]]
    if not bad and (set(rest) != {"ip", "sp", "kmsg"}
                    or not str(rest["kmsg"]).startswith("null_deref[%s]: segfault at 0 ip " % pid_of(run, "null_deref"))):
        bad = sorted(rest)
    check("linux_ref.kill", None if not bad else "got %r, want %r with ip, sp and kmsg" % (got, want_kill))

    order = [r["type"] + ":" + str(r.get("program", "")) for r in run.records
             if r["type"] in ("exit", "kill", "linux_done")]
    want_order = ["exit:hello", "kill:null_deref", "linux_done:"]
    check("linux_ref.order", None if order == want_order else "got %r, want %r" % (order, want_order))

    done = run.first("linux_done")
    if run.timed_out:
        check("linux_ref.done", "timed out after %.0f s" % run.seconds)
    elif done != {"type": "linux_done", "programs": 2}:
        check("linux_ref.done", "linux_done record %r" % done)
    elif run.status != 0:
        check("linux_ref.done", "QEMU exit status %d, want 0 (power-off)" % run.status)
    else:
        check("linux_ref.done", None)

    warnings = run.of_type("warning")
    check("linux_ref.no_warnings", None if not warnings else "warnings: %r" % warnings[:3])
    return checks


def pid_of(run, program):
    """The pid the init gave program (from its output records), or None."""
    return next((r.get("pid") for r in run.records if r.get("type") == "output" and r.get("program") == program), None)


def main():
    try:
        progs = build_examples()
        run = linux_ref.run_programs([(progs["hello"], []), (progs["null_deref"], [])], timeout=180)
    except linux_ref.LinuxRefError as e:
        print("linux_ref.setup: FAIL: %s" % e)
        print("0 passed, 1 failed")
        return 1
    checks = check_run(run)
    failed = [c for c in checks if c[1]]
    for name, problem in checks:
        print("%s: %s" % (name, "FAIL: " + problem if problem else "pass"))
    if failed:
        print("---- serial log ----\n" + run.log)
    print("linux_ref: %s, boot %.1f s" % (linux_ref.kernel_release() or "kernel ?", run.seconds))
    print("%d passed, %d failed" % (len(checks) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
