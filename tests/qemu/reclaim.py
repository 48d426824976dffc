"""Reclaim under memory pressure (issue 15; docs/ring3.md "Memory pressure").

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
