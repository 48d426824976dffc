"""Machine variety (make test-hw-variety; .ci/run runs it after make test):
the same short run booted on virtual PCs unlike the default q35 + 4 MiB OVMF
+ -cpu max + one CPU + 1 GiB: the i440fx machine type, the 2 MiB OVMF build,
CPU models with LA57 + PKU (Icelake-Server), a recent AMD (EPYC-Milan), an
Atom without 1 GiB pages (Denverton), four CPUs (all brought up, with the
per-core checks), and 20 GiB of memory. Each
must boot, pass the default checks and the short run, and report what that
PC is (machine features, memory, Secure Boot in setup mode: no keys).
Every boot's serial log is kept in build/hw-variety/, and the fleet report
of them all (bench/fleet.py) is build/hw-variety/fleet.html.
"""
import os
import sys

import qemu_run
from integration import base_config, check_boot_record, expect_clean_run

sys.path.insert(0, os.path.join(qemu_run.ROOT, "bench"))
import fleet  # noqa: E402

CASES = []
LOG_DIR = os.path.join(qemu_run.ROOT, "build", "hw-variety")
# One short config for every boot: the default checks (targeted checks and
# the matrix sample), a program that counts its faults, one that reads then
# writes, one that must be killed by SIGSEGV, and one small fault-latency
# workload (for the fleet page's latency table).
PROGRAMS = ["minflt_count", "read_then_write", "segv_null", "bench_read_zero --mib 1 --reps 1"]
SHORT_RUN = base_config("checks = default", *("run = " + p for p in PROGRAMS))


def short_run_problems(run):
    """Problems with the short run's verdict: a clean run, check records that
    all pass or skip, each program's end as it must be."""
    problems = []
    expect_clean_run(run, problems)
    checks = run.of_type("check")
    if not checks:
        problems.append("no check records")
    problems += ["check %s: %s (%s)" % (c.get("name"), c.get("result"), c.get("detail", "")[:120])
                 for c in checks if c.get("result") not in ("pass", "skip")]
    exits = {r.get("program"): r.get("status") for r in run.of_type("exit")}
    kills = {r.get("program"): r.get("signal") for r in run.of_type("kill")}
    for p in (p.split()[0] for p in PROGRAMS):
        want_kill = p.startswith("segv_")
        if want_kill and kills.get(p) != "SIGSEGV":
            problems.append("%s: want SIGSEGV, got kill %s exit %s" % (p, kills.get(p), exits.get(p)))
        if not want_kill and exits.get(p) != 0:
            problems.append("%s: want exit 0, got exit %s kill %s" % (p, exits.get(p), kills.get(p)))
    return problems


def variety_case(name, want_features=None, mem_range=None, want_checks=None, **boot_args):
    """Registers hw_variety_NAME: SHORT_RUN booted with boot_args (qemu_run.boot's
    machine, firmware, cpu, mem, smp), the boot record's features as
    want_features says, its usable memory within mem_range (bytes) if given,
    the named check records' results as want_checks says."""
    def fn():
        run = qemu_run.boot(SHORT_RUN, timeout=600, **boot_args)
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(os.path.join(LOG_DIR, name + ".log"), "w") as f:
            f.write(run.log)
        problems = short_run_problems(run)
        boot = check_boot_record(run, problems) or {}
        for f, want in (want_features or {}).items():
            got = boot.get("features", {}).get(f)
            if got != want:
                problems.append("feature %s is %s, want %s" % (f, got, want))
        if want_features and want_features.get("la57") and boot.get("paging_levels") != 5:
            problems.append("paging_levels %s on a CPU with LA57, want 5" % boot.get("paging_levels"))
        results = {c.get("name"): c.get("result") for c in run.of_type("check")}
        for check, want in (want_checks or {}).items():
            if results.get(check) != want:
                problems.append("check %s: %s, want %s" % (check, results.get(check), want))
        want_cpus = int(boot_args.get("smp") or qemu_run.default_smp())
        smp = run.first("smp") or {}
        if smp.get("online") != want_cpus:
            problems.append("%s CPUs online, want %d (smp record %s)" % (smp.get("online"), want_cpus, smp))
        if mem_range and not mem_range[0] <= boot.get("usable_bytes", 0) <= mem_range[1]:
            problems.append("usable_bytes %s not in [%d, %d]" % (boot.get("usable_bytes"), *mem_range))
        if boot and boot.get("secure_boot") != "setup_mode":   # Debian's empty OVMF_VARS: no PK enrolled
            problems.append("secure_boot %r, want \"setup_mode\"" % boot.get("secure_boot"))
        return problems
    fn.__name__ = "hw_variety_" + name
    CASES.append(fn)
    return fn


def fleet_page(names):
    """After the cases named names ran: bench/fleet.py over their logs writes
    build/hw-variety/fleet.html. Returns problems: a machine missing from the
    page, or one whose column lacks its CPU model or a fault-class table."""
    logs = [os.path.join(LOG_DIR, n[len("hw_variety_"):] + ".log") for n in names]
    logs = [p for p in logs if os.path.exists(p)]
    out = os.path.join(LOG_DIR, "fleet.html")
    if not logs:
        return ["no logs in %s" % LOG_DIR]
    if fleet.main(logs + ["-o", out]) != 0:
        return ["bench/fleet.py failed"]
    machines = [m for p in logs for m in fleet.load(p)]
    text = open(out).read()
    problems = ["%s: no CPU model" % m.name for m in machines if not m.identity.get("CPU model")]
    problems += ["%s: no latency of read-zero" % m.name for m in machines
                 if not any(c == "read-zero" for c, _w in m.latency)]
    problems += ["%s is not a column of the page" % m.name for m in machines
                 if '<th class="machine" data-machine' not in text or ">%s</th>" % m.name not in text]
    return problems


variety_case("machine_pc_i440fx", machine="pc")
variety_case("ovmf_2m", firmware="ovmf-2m")
variety_case("cpu_Icelake_Server", {"la57": True, "pku": True, "pdpe1gb": True, "smap": True},
             want_checks={"la57": "pass", "pku": "pass", "pages_1g": "pass"}, cpu="Icelake-Server")
variety_case("cpu_EPYC_Milan", {"la57": False, "pdpe1gb": True, "smep": True, "smap": True},
             cpu="EPYC-Milan")
# QEMU 7.2's Denverton model lists 1 GiB pages; some Atoms lack them, and the
# kernel's direct map must then be built of 2 MiB pages: turned off here.
variety_case("cpu_Denverton", {"pdpe1gb": False, "la57": False, "pku": False, "smep": True, "smap": True},
             want_checks={"pages_1g": "skip", "la57": "skip"}, cpu="Denverton,pdpe1gb=off")
variety_case("smp_4", smp=4)
variety_case("memory_20G", mem_range=(19 << 30, 20 << 30), mem="20G")
