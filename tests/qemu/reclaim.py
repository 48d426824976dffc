"""Reclaim under memory pressure (docs/ring3.md "Memory pressure").

Each case boots faultline with a `mem_limit` (the user group's memory.max,
paging/vmscan.h) and runs ring-3 programs that hold more than it: their
`reclaim` record must show reclaim at work (pages scanned and freed), the
programs must keep every byte, and the per-program kernel checks (frames
returned, LRU lists, verifier) must pass.
"""
import qemu_run
from integration import case, base_config, expect_clean_run
from ring3 import verdict_problems, ring3_results


def reclaim_record(run, program):
    """The `reclaim` record of program's run line, or None."""
    for r in run.of_type("reclaim"):
        if r.get("program") == program:
            return r
    return None


def program_passed(run, program, problems):
    """Adds problems unless program exited 0 with every ring3 test passed."""
    problems.extend(verdict_problems(run, [program]))
    results = {k: v for k, v in ring3_results(run).items() if k.startswith("ring3.%s." % program)}
    if not results:
        problems.append("%s printed no test records" % program)
    for name, result in sorted(results.items()):
        if result != "pass":
            problems.append("%s: %s" % (name, result))


@case
def reclaim_file_without_swap():
    """12 MiB of file written, read, mapped and rewritten under a 4 MiB
    limit with no swap: the page cache is reclaimed (dirty pages written
    back first), nothing is lost, no OOM."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "mem_limit = 4M", "run = reclaim_file 12"), timeout=600)
    expect_clean_run(run, problems)
    program_passed(run, "reclaim_file", problems)
    r = reclaim_record(run, "reclaim_file")
    if not r:
        problems.append("no reclaim record for reclaim_file")
    else:
        if r.get("pgsteal", 0) < 2048:
            problems.append("reclaim freed %s pages of a 3072-page file under a 1024-page limit" % r.get("pgsteal"))
        if r.get("file_writeback", 0) == 0:
            problems.append("no dirty file page was written back by reclaim")
        if r.get("pswpout") or r.get("memcg_oom"):
            problems.append("swap-out or failed charges without swap: %s" % r)
        if r.get("peak_pages", 0) > r.get("mem_limit_pages", 0):
            problems.append("the group peaked at %s pages over its limit of %s" % (r.get("peak_pages"),
                                                                                r.get("mem_limit_pages")))
    if run.of_type("oom"):
        problems.append("an oom record: %s" % run.of_type("oom")[0])
    return problems


@case
def reclaim_anon_without_swap_ooms():
    """Anonymous memory beyond the limit with no swap to go to: reclaim
    finds nothing to take, the charge fails after its retries and the OOM
    killer ends the program; the kernel and the next program run on."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "mem_limit = 4M", "run = reclaim_anon_integrity 8 1 1",
                                    "run = reclaim_file 2"), timeout=600)
    oom = [r for r in run.of_type("oom") if r.get("program") == "reclaim_anon_integrity"]
    if not oom:
        problems.append("no oom record for reclaim_anon_integrity beyond mem_limit without swap")
    r = reclaim_record(run, "reclaim_anon_integrity")
    if not r or not r.get("memcg_oom"):
        problems.append("the reclaim record shows no failed charge: %s" % r)
    program_passed(run, "reclaim_file", problems)
    failed = [t for t in run.of_type("test") if t.get("result") == "fail"]
    if failed:
        problems.append("kernel checks failed: %s" % failed[:3])
    return problems


@case
def reclaim_anon_swap_integrity():
    """32 MiB of checksummed anonymous data in 4 processes (and 1 MiB shared
    copy-on-write after fork) under an 8 MiB limit with 64 MiB of swap,
    rewritten 3 times: it goes out to zram and back many times, every byte
    is verified, and the leak checks after the program pass."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "mem_limit = 8M", "swap = 64M",
                                    "run = reclaim_anon_integrity 32 4 3"), timeout=900)
    expect_clean_run(run, problems)
    program_passed(run, "reclaim_anon_integrity", problems)
    r = reclaim_record(run, "reclaim_anon_integrity")
    if not r:
        problems.append("no reclaim record")
    else:
        # 4 x 8 MiB written, rewritten and checked 3 times through a 2048-page limit.
        if r.get("pswpout", 0) < 3 * 6144 or r.get("pswpin", 0) < 3 * 6144:
            problems.append("too little swap traffic for 4x the limit cycled 3 times: %s" % r)
        if r.get("memcg_oom") or run.of_type("oom"):
            problems.append("a charge failed with swap to go to: %s" % r)
        if r.get("peak_pages", 0) > r.get("mem_limit_pages", 0):
            problems.append("the group went over its limit: %s" % r)
        if r.get("compression_ratio_x100") is None:
            problems.append("no compression ratio after swapping out")
    return problems


@case
def reclaim_kswapd_under_real_pressure():
    """No mem_limit: 224 MiB of compressible data on a 192 MiB machine with
    512 MiB of zram. Free memory falls through the watermarks: kswapd is
    woken below low and reclaims, allocations below min reclaim directly,
    the data survives in compressed swap."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "swap = 512M", "run = reclaim_anon_integrity 224 4 1 z"),
                        mem="192M", timeout=900)
    expect_clean_run(run, problems)
    program_passed(run, "reclaim_anon_integrity", problems)
    r = reclaim_record(run, "reclaim_anon_integrity")
    if not r:
        problems.append("no reclaim record")
    else:
        if not r.get("kswapd_runs") or not r.get("pgsteal_kswapd"):
            problems.append("kswapd did not reclaim: %s" % r)
        if not r.get("pswpout") or (r.get("compression_ratio_x100") or 0) < 200:
            problems.append("no compressed swap-out of compressible data: %s" % r)
    if run.of_type("oom"):
        problems.append("an oom record: %s" % run.of_type("oom")[0])
    return problems


KILLED_TREE_LIMIT = 3


@case
def reclaim_killed_tree_verifies_live():
    """The time limit kills the root and its four children at once while
    they fault and reclaim (the run of reclaim_kswapd_under_real_pressure at
    -smp 2, whatever FAULTLINE_SMP says, cut at KILLED_TREE_LIMIT s: about
    half of its run at one CPU, much less than at two). The root's exit runs the verifier over every address space
    still alive; with several CPUs the children's faults run without the big
    kernel lock, and verify_live must hold their mmap_locks so that its
    passes see one state (without: 'pfn ... is mapped 4294967295 times', a
    page mapped after the counting pass)."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "swap = 512M", "time_limit = %d" % KILLED_TREE_LIMIT,
                                    "run = reclaim_anon_integrity 224 4 1 z"), mem="192M", smp=2, timeout=600)
    if run.timed_out:
        return ["timed out after %.0f s" % run.seconds]
    kill = next((r for r in run.of_type("kill") if r.get("program") == "reclaim_anon_integrity"), None)
    if not kill:
        problems.append("reclaim_anon_integrity was not killed by the time limit (%d s): nothing raced" %
                        KILLED_TREE_LIMIT)
    for check in ("verify_live", "verify", "buddy", "lru"):
        key = "kernel.reclaim_anon_integrity.%s" % check
        rec = next((r for r in run.of_type("test") if r.get("name") == key), None)
        if not rec or rec.get("result") != "pass":
            problems.append("%s: %s" % (key, rec))
    if run.of_type("panic"):
        problems.append("panic: %s" % run.first("panic"))
    return problems


@case
def reclaim_hotcold_keeps_the_hot_set():
    """4 MiB hot (16 passes a round) and 8 MiB cold (one sweep a round),
    4 rounds, under an 8 MiB limit with swap: reclaim by the Accessed bits
    keeps the hot set resident, so the major faults stay near the cold
    sweeps (4 x 2048) plus one refill of the hot set (1024) - an LRU that
    lost the hot pages would fault them 16 times a round. Linux 6.1 with
    the same memory.max: docs/bench.md."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "mem_limit = 8M", "swap = 64M", "run = reclaim_hotcold 4 8 4"),
                        timeout=900)
    expect_clean_run(run, problems)
    program_passed(run, "reclaim_hotcold", problems)
    detail = ""
    for r in run.program_records("test"):
        if r.get("name") == "ring3.reclaim_hotcold.major_faults":
            detail = str(r.get("detail", ""))
    words = detail.split()
    faults = int(words[0]) if words and words[0].lstrip("-").isdigit() else None
    if faults is None:
        problems.append("no major-fault count: %r" % detail)
    elif faults > (4 * 2048 + 1024) * 5 // 4:
        problems.append("%d major faults, more than 1.25 x (4 x 2048 cold + 1024 hot): the hot set was reclaimed"
                        % faults)
    elif faults < 4 * 2048 // 2:
        problems.append("%d major faults: the cold set cannot have stayed in 8 MiB" % faults)
    return problems


def hotcold_major_faults(run):
    """The major-fault count reclaim_hotcold reported in run, or None."""
    for r in run.program_records("test"):
        if r.get("name") == "ring3.reclaim_hotcold.major_faults":
            words = str(r.get("detail", "")).split()
            if words and words[0].lstrip("-").isdigit():
                return int(words[0])
    return None


@case
def reclaim_hotcold_against_linux():
    """The hot/cold workload under the same 8 MiB limit and 64 MiB of zram
    on Linux 6.1 (tests/linux_ref/init.c: a cgroup v2 group with memory.max
    8M; tools/linux_ref.py --zram): faultline's major faults are no more
    than Linux's ("no worse than Linux's"; no margin). Both
    counts are ru_majflt: swap-ins and the program's text read back alike
    (Linux's text sits in its initramfs, unevictable; faultline's in a page
    cache reclaim may drop)."""
    import os
    import linux_ref
    prog = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "build", "user", "reclaim_hotcold")
    try:
        lrun = linux_ref.run_programs([(prog, ["4", "8", "4"])], timeout=600, zram="64M",
                                      extra_append="faultline.mem_limit=8M")
    except linux_ref.LinuxRefError as e:
        return ["Linux reference could not run: %s" % e]
    problems = []
    if not lrun.first("memcg"):
        problems.append("the Linux reference ran without its memory.max: %s" % lrun.of_type("warning")[:3])
    frun = qemu_run.boot(base_config("checks = none", "mem_limit = 8M", "swap = 64M", "run = reclaim_hotcold 4 8 4"),
                         timeout=900)
    expect_clean_run(frun, problems)
    lf, ff = hotcold_major_faults(lrun), hotcold_major_faults(frun)
    if lf is None or ff is None:
        problems.append("major faults: Linux %s, faultline %s" % (lf, ff))
    elif ff > lf:
        problems.append("faultline took %d major faults, Linux %d" % (ff, lf))
    else:
        print("        hot/cold major faults: faultline %d, Linux 6.1 %d" % (ff, lf))
    return problems
