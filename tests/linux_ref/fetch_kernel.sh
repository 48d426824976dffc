#!/usr/bin/env bash
# Fetches the Linux reference kernel: Debian's cloud kernel image package for
# the running Debian release (the versioned package linux-image-cloud-amd64
# depends on), downloaded with `apt-get download` into build/linux_ref/ and
# unpacked there with `dpkg-deb -x`. Nothing is installed and /boot is never
# touched.
#
# Leaves:
#   build/linux_ref/vmlinuz          the kernel QEMU boots (-kernel)
#   build/linux_ref/config           its build config (/boot/config-* from the package)
#   build/linux_ref/kernel-release   e.g. "6.1.0-56-cloud-amd64 6.1.192-2" (release, package version)
#   build/linux_ref/zram/            zram.ko, the LZ4 and LZO-RLE crypto modules and every module they
#                                    need, uncompressed, with order (one file name a line, dependencies
#                                    first): tools/linux_ref.py --zram puts them in the initramfs and
#                                    tests/linux_ref/init.c loads them (the swap reference)
#
# Cached: when build/linux_ref/vmlinuz exists nothing is done. FORCE=1 (or
# --force) fetches again, e.g. after Debian published a newer kernel.
# Exits non-zero with a message on stderr when the package cannot be found or
# does not contain a kernel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${LINUX_REF_DIR:-$ROOT/build/linux_ref}"
META="linux-image-cloud-amd64"

[ "${1:-}" = "--force" ] && FORCE=1
if [ -z "${FORCE:-}" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/zram/order" ]; then
	exit 0
fi

die() { echo "fetch_kernel.sh: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found (the reference kernel comes from Debian's mirror)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

apt_update() {
	echo "fetch_kernel.sh: apt-get update" >&2
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >&2
	elif command -v sudo >/dev/null; then
		sudo apt-get update -qq >&2
	else
		die "package lists are stale and updating them needs root: run apt-get update"
	fi
}

# Prints the versioned image package the meta package depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64 (newer releases may add -unsigned).
image_package() {
	apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ ]*\).*/\1/p' | head -n 1
}

pkg="$(image_package)"
if [ -z "$pkg" ]; then
	apt_update
	pkg="$(image_package)"
fi
[ -n "$pkg" ] || die "apt-cache knows no $META (is this Debian, with main in the sources?)"

mkdir -p "$OUT"
work="$(mktemp -d "$OUT/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Old kernels vanish from the security mirror: one stale-list retry.
download() {
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
}
if ! download; then
	apt_update
	pkg="$(image_package)"
	download || die "apt-get download $pkg failed"
fi

debs=("$work"/*.deb)
deb="${debs[0]}"
[ -f "$deb" ] || die "apt-get download $pkg left no .deb"
version="$(dpkg-deb -f "$deb" Version)"
dpkg-deb -x "$deb" "$work/root"

kernels=("$work"/root/boot/vmlinuz-*)
kernel="${kernels[0]}"
[ -f "$kernel" ] || die "$pkg has no /boot/vmlinuz-*"
release="${kernel##*/vmlinuz-}"
config="$work/root/boot/config-$release"

# The reference needs the serial console and an initramfs built in.
if [ -f "$config" ]; then
	for opt in CONFIG_SERIAL_8250_CONSOLE CONFIG_BLK_DEV_INITRD CONFIG_BINFMT_ELF \
		CONFIG_PROC_FS CONFIG_SYSFS CONFIG_TRANSPARENT_HUGEPAGE; do
		grep -q "^$opt=y" "$config" || die "$pkg: $opt is not built in"
	done
	cp "$config" "$OUT/config"
fi

# The zram swap device's modules (Debian's cloud kernel has zram as a module)
# and what each one's .modinfo "depends=" names (the package has no
# modules.dep: depmod makes it at install), dependencies first. The crypto
# algorithms zram asks for are loaded by init too (no modprobe there).
moddir=("$work"/root/lib/modules/*)
rm -rf "$OUT/zram.new" && mkdir -p "$OUT/zram.new"
python3 - "${moddir[0]}" "$OUT/zram.new" zram lz4 lzo-rle <<'PY' || die "the zram modules are missing from $pkg"
import os, re, shutil, subprocess, sys
moddir, out, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
def norm(n):
    return n.replace("_", "-")
files = {}
for d, _, names in os.walk(moddir):
    for n in names:
        if ".ko" in n:
            files[norm(n.split(".ko")[0])] = os.path.join(d, n)
def read(path):
    if path.endswith(".xz"):
        return subprocess.run(["xz", "-dc", path], stdout=subprocess.PIPE, check=True).stdout
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], stdout=subprocess.PIPE, check=True).stdout
    return open(path, "rb").read()
order = []
def add(name):
    if name in order:
        return
    if name not in files:
        sys.exit("no module %s" % name)
    data = read(files[name])
    m = re.search(rb"depends=([^\0]*)\0", data)
    for d in (m.group(1).decode().split(",") if m and m.group(1) else []):
        add(norm(d))
    order.append(name)
    open(os.path.join(out, name + ".ko"), "wb").write(data)
for w in wanted:
    add(norm(w))
open(os.path.join(out, "order"), "w").write("".join(n + ".ko\n" for n in order))
PY
rm -rf "$OUT/zram" && mv "$OUT/zram.new" "$OUT/zram"

# Replace atomically so a half-fetched kernel is never cached.
cp "$kernel" "$OUT/vmlinuz.new"
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
echo "$release $version" > "$OUT/kernel-release"
echo "fetch_kernel.sh: $pkg $version -> $OUT/vmlinuz" >&2
