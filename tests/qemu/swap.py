"""Swap to compressed RAM (docs/ring3.md "Swap").

Each case boots faultline with `swap =` (the zram device, paging/zram.h):
the boot-time self-check swaps pages of a test address space out by hand
and faults them back; ring-3 programs page their own memory out with
MADV_PAGEOUT and touch it again (one major fault per page, data intact,
the swap cache serving the second process after fork); and after each
program every swap slot and swap-cache page must be free again.
"""
import qemu_run
from integration import case, base_config, expect_clean_run
from reclaim import program_passed, reclaim_record


def kernel_checks_passed(run, problems):
    """Adds problems for any failed kernel test record."""
    failed = [t for t in run.of_type("test") if t.get("result") == "fail"]
    if failed:
        problems.append("kernel checks failed: %s" % failed[:3])


@case
def swap_selftest_and_pageout():
    """swap = 16M: the self-check swap.round_trip passes; swap_pageout
    sees one major fault per paged-out page (reads and writes, fork), its
    data intact; its reclaim record counts the swap traffic; the slots and
    the swap cache are empty after it."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "swap = 16M", "run = swap_pageout"), timeout=600)
    expect_clean_run(run, problems)
    tests = {t.get("name"): t for t in run.of_type("test")}
    rt = tests.get("swap.round_trip")
    if not rt or rt.get("result") != "pass":
        problems.append("swap.round_trip: %s" % rt)
    released = tests.get("kernel.swap_pageout.swap_released")
    if not released or released.get("result") != "pass":
        problems.append("kernel.swap_pageout.swap_released: %s" % released)
    program_passed(run, "swap_pageout", problems)
    r = reclaim_record(run, "swap_pageout")
    if not r:
        problems.append("no reclaim record for swap_pageout")
    elif r.get("pswpout", 0) < 3 * 48 or r.get("pswpin", 0) < 3 * 48:
        problems.append("swap_pageout's reclaim record shows too little swap traffic: %s" % r)
    kernel_checks_passed(run, problems)
    return problems


@case
def swap_anon_integrity_under_mem_limit():
    """16 MiB of anonymous memory in 4 processes (shared after fork too)
    under a 4 MiB mem_limit with swap = 32M: the pages cycle through zram
    and come back byte for byte; nothing is killed; slots are all freed."""
    problems = []
    run = qemu_run.boot(base_config("checks = none", "mem_limit = 4M", "swap = 32M",
                                    "run = reclaim_anon_integrity 16 4 3"), timeout=900)
    expect_clean_run(run, problems)
    program_passed(run, "reclaim_anon_integrity", problems)
    r = reclaim_record(run, "reclaim_anon_integrity")
    if not r or r.get("pswpout", 0) == 0 or r.get("pswpin", 0) == 0:
        problems.append("no swap traffic under the limit: %s" % r)
    if run.of_type("oom"):
        problems.append("an oom record: %s" % run.of_type("oom")[0])
    kernel_checks_passed(run, problems)
    return problems


@case
def swap_every_ring3_program():
    """Every ring-3 program with swap = 64M: each passes as without swap,
    and after each one every swap slot and swap-cache page is free."""
    from ring3 import programs, check_faultline_run
    names = programs()
    problems = []
    run = qemu_run.boot(base_config("swap = 64M", "hugepages_2m = 2", *["run = " + n for n in names]), timeout=600)
    expect_clean_run(run, problems)
    check_faultline_run(run, names, problems)
    for n in names:
        key = "kernel.%s.swap_released" % n
        res = next((r.get("result") for r in run.of_type("test") if r.get("name") == key), None)
        if res != "pass":
            problems.append("%s: %s" % (key, res))
    return problems
