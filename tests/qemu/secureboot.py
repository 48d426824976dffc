"""Secure Boot: `make sign` with Debian's snakeoil test key, then Debian's
OVMF Secure Boot build with that key enrolled (OVMF_CODE_4M.secboot.fd with
OVMF_VARS_4M.snakeoil.fd: PK, KEK and db hold the snakeoil certificate).
The signed image must boot and pass, reporting secure_boot "on"; the
unsigned image and one signed by a key the firmware does not know must be
refused by the firmware (its BdsDxe line on serial says so, and faultline
never speaks). docs/secureboot.md.
"""
import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading

import pecheck
import qemu_run
from integration import case, base_config, expect_clean_run

ROOT = qemu_run.ROOT
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")
# OVMF's boot manager, when LoadImage refuses the stick's BOOTX64.EFI:
#   BdsDxe: failed to load Boot0001 "UEFI QEMU QEMU USB HARDDRIVE ..." from ...: Access Denied
REFUSED = re.compile(r'BdsDxe: failed to load Boot[0-9A-F]{4} "[^"\n]*USB[^"\n]*"[^\n]*: '
                     r'(Access Denied|Security Violation)')
SHORT_RUN = base_config("checks = none", "run = minflt_count")

_lock = threading.Lock()
_made = {}


def _workdir():
    """A directory for this test process's keys and images, removed at exit."""
    if "dir" not in _made:
        _made["dir"] = tempfile.mkdtemp(prefix="faultline-secboot-")
        atexit.register(shutil.rmtree, _made["dir"], True)
    return _made["dir"]


def make_sign(key, cert, out):
    """Runs `make sign KEY=key CERT=cert SIGNED=out`; returns the CompletedProcess."""
    return subprocess.run(["make", "--no-print-directory", "-C", ROOT, "sign", "KEY=" + key, "CERT=" + cert,
                           "SIGNED=" + out], capture_output=True, text=True, timeout=600)


def snakeoil_key():
    """The snakeoil private key without its pass phrase (sbsign would ask for
    it on a terminal), in the work directory; returns its path."""
    with _lock:
        path = os.path.join(_workdir(), "snakeoil.key")
        if not os.path.exists(path):
            subprocess.run(["openssl", "pkey", "-in", qemu_run.SNAKEOIL_KEY, "-passin",
                            "pass:" + qemu_run.SNAKEOIL_PASS, "-out", path], check=True, capture_output=True)
        return path


def signed_image(which="snakeoil"):
    """build/faultline.img signed by `make sign`, once per test process: with the
    snakeoil key ("snakeoil") or with a fresh key and self-signed certificate
    no firmware has enrolled ("stranger"). Returns (image path, problems)."""
    key = snakeoil_key() if which == "snakeoil" else None
    with _lock:
        if which in _made:
            return _made[which][0], list(_made[which][1])
        wd = _workdir()
        cert = qemu_run.SNAKEOIL_CERT
        if which == "stranger":
            key, cert = os.path.join(wd, "stranger.key"), os.path.join(wd, "stranger.crt")
            subprocess.run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                            "-days", "30", "-subj", "/CN=faultline test key nobody enrolled",
                            "-keyout", key, "-out", cert], check=True, capture_output=True)
        out = os.path.join(wd, "faultline-%s.img" % which)
        proc = make_sign(key, cert, out)
        problems = [] if proc.returncode == 0 and os.path.exists(out) else \
            ["make sign failed (%d): %s" % (proc.returncode, (proc.stdout + proc.stderr)[-600:])]
        _made[which] = (out, problems)
        return out, list(problems)


def boot_efi_of(img, dest):
    """Copies \\EFI\\BOOT\\BOOTX64.EFI out of the stick image img to dest."""
    subprocess.run(["mcopy", "-o", "-i", qemu_run.esp(img), "::/EFI/BOOT/BOOTX64.EFI", dest], check=True,
                   env=MTOOLS_ENV, capture_output=True)
    return dest


@case
def secureboot_make_sign():
    """make sign: the image's BOOTX64.EFI carries one signature that sbverify
    checks against the snakeoil certificate, with a well-formed certificate
    table and PE checksum (pecheck --signed); the lld-link image itself is
    unchanged. Without KEY it refuses and writes nothing."""
    img, problems = signed_image()
    if problems:
        return problems
    efi = boot_efi_of(img, os.path.join(_workdir(), "signed.efi"))
    ver = subprocess.run(["sbverify", "--cert", qemu_run.SNAKEOIL_CERT, efi], capture_output=True, text=True)
    if ver.returncode != 0:
        problems.append("sbverify: %s" % (ver.stdout + ver.stderr).strip())
    listing = subprocess.run(["sbverify", "--list", efi], capture_output=True, text=True).stdout
    if len(re.findall(r"^signature \d+$", listing, re.M)) != 1 or "SnakeOil" not in listing:
        problems.append("want one signature by SnakeOil: %s" % listing.strip()[:300])
    problems += ["pecheck --signed: " + p for p in pecheck.signed_problems(efi)]
    built = os.path.join(ROOT, "build", "faultline.efi")
    if pecheck.check(built) or not pecheck.signed_problems(built):
        problems.append("build/faultline.efi should stay the unsigned, well-formed lld-link image")
    unsigned_inside = boot_efi_of(os.path.join(ROOT, "build", "faultline.img"), os.path.join(_workdir(), "u.efi"))
    if open(unsigned_inside, "rb").read() != open(built, "rb").read():
        problems.append("make sign changed build/faultline.img (SIGNED was another file)")
    nokey = os.path.join(_workdir(), "nokey.img")
    proc = make_sign("", qemu_run.SNAKEOIL_CERT, nokey)
    if proc.returncode == 0 or os.path.exists(nokey) or "KEY" not in proc.stderr:
        problems.append("make sign without KEY: exit %d, %s written, said %r"
                        % (proc.returncode, "image" if os.path.exists(nokey) else "nothing", proc.stderr[-200:]))
    return problems


@case
def secureboot_signed_image_boots():
    """The signed image under Secure Boot (snakeoil db): boots, passes, and the
    boot record says Secure Boot is on."""
    img, problems = signed_image()
    if problems:
        return problems
    run = qemu_run.boot(SHORT_RUN, source_image=img, firmware="secboot-snakeoil")
    expect_clean_run(run, problems)
    boot = run.first("boot") or {}
    if boot.get("secure_boot") != "on":
        problems.append("boot record secure_boot %r, want \"on\"" % boot.get("secure_boot"))
    if REFUSED.search(run.log):
        problems.append("the firmware refused it: %s" % REFUSED.search(run.log).group(0))
    return problems


def refused(img, what):
    """Problems unless the Secure Boot firmware refuses the image img: its
    refusal line on serial, and not a word from faultline."""
    run = qemu_run.boot(SHORT_RUN, source_image=img, firmware="secboot-snakeoil", until=REFUSED, timeout=120)
    problems = []
    if not run.stopped_on:
        problems.append("%s: no refusal by the firmware on serial (%s after %.0f s, status %d)"
                        % (what, "timed out" if run.timed_out else "QEMU ended", run.seconds, run.status))
    if run.records or "faultline" in run.log:
        problems.append("%s ran under Secure Boot: %s" % (what, str((run.records or [run.log[-200:]])[0])[:200]))
    return problems


@case
def secureboot_unsigned_image_refused():
    """The unsigned build/faultline.img is refused by the same firmware."""
    return refused(qemu_run.IMAGE, "the unsigned image")


@case
def secureboot_unknown_key_refused():
    """An image signed by a key that is not in db is refused too."""
    img, problems = signed_image("stranger")
    return problems or refused(img, "an image signed by an unenrolled key")
