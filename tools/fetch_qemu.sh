#!/usr/bin/env bash
# Fetches a second, newer QEMU for the tests that Debian 12's own QEMU (7.2)
# cannot run: its TCG has no x2APIC, so the x2APIC bring-up is only ever
# exercised under QEMU 10 from bookworm-backports (docs/qemu.md).
#
# The packages are Debian's own (qemu-system-x86, qemu-system-common,
# qemu-system-data, seabios from bookworm-backports), downloaded with apt-get
# under a private apt state and sources list, so apt checks every .deb against
# the Packages index signed in the suite's InRelease (Debian's archive keyring),
# and unpacked with dpkg-deb -x into a cache folder outside git:
#   ${FAULTLINE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/faultline}/qemu-backports/
# The system QEMU is not touched. Libraries the new binary needs that are not
# installed come from bookworm itself (apt-get install, root or sudo).
#
# Exits 0 with the binary in place (root/usr/bin/qemu-system-x86_64 under the
# folder; VERSION holds its version); otherwise exits 1 and writes the reason
# to FAILED in the folder, which tools/qemu_run.py reports as the reason the
# cases needing it are skipped. Safe to run every time: it does nothing when
# the binary is there and runs. --force fetches again.
set -uo pipefail

cache="${FAULTLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline}"
dir="$cache/qemu-backports"
suite="bookworm-backports"
mirror="${FAULTLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
packages=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
bin="$dir/root/usr/bin/qemu-system-x86_64"

fail() {
	mkdir -p "$dir"
	echo "$*" >"$dir/FAILED"
	echo "faultline: no QEMU from $suite: $*" >&2
	exit 1
}

if [ "${1:-}" != "--force" ] && [ -x "$bin" ] && [ -f "$dir/VERSION" ] && \
		"$bin" --version >/dev/null 2>&1; then
	exit 0
fi

for tool in apt-get dpkg-deb dpkg-query ldd; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (not a Debian system?)"
done
[ -f "$keyring" ] || fail "$keyring is missing (package debian-archive-keyring)"

rm -rf "$dir"
mkdir -p "$dir" || fail "cannot create $dir"
apt="$dir/apt"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.list.d" "$apt/preferences.d" "$dir/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"
# Only the backports suite is in the private list, so its version is the one apt downloads.
aptopts=(-o "Dir::State=$apt" -o "Dir::State::status=/dev/null" -o "Dir::Cache=$apt"
	-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
	-o "Dir::Etc::Preferences=$apt/preferences" -o "Dir::Etc::PreferencesParts=$apt/preferences.d"
	-o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)" -o "Acquire::Retries=3"
	-o "Acquire::http::Timeout=30")

echo "faultline: fetching ${packages[*]} from $suite into $dir" >&2
log="$dir/apt.log"
apt-get "${aptopts[@]}" --error-on=any update >"$log" 2>&1 || fail "apt-get update of $suite failed: $(tail -n 2 "$log" | tr '\n' ' ')"
(cd "$dir/debs" && apt-get "${aptopts[@]}" download "${packages[@]}") >>"$log" 2>&1 ||
	fail "apt-get download from $suite failed: $(tail -n 2 "$log" | tr '\n' ' ')"
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir/root" || fail "dpkg-deb -x $deb failed"
done
[ -x "$bin" ] || fail "the packages hold no usr/bin/qemu-system-x86_64"

# Shared libraries: the Debian 12 ones qemu-system-x86 depends on (the
# backport is built against bookworm); install those that are missing.
deb_x86=$(ls "$dir"/debs/qemu-system-x86_*.deb)
missing=()
for pkg in $(dpkg-deb -f "$deb_x86" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep '^lib'); do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "faultline: installing the libraries QEMU from $suite needs: ${missing[*]}" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || fail "need root to install ${missing[*]}"
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	{ $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
		>>"$log" 2>&1 || fail "apt-get install ${missing[*]} failed: $(tail -n 2 "$log" | tr '\n' ' ')"
fi
notfound=$(ldd "$bin" 2>&1 | grep "not found" | awk '{print $1}' | tr '\n' ' ')
[ -z "$notfound" ] || fail "libraries not found for $bin: $notfound"
version=$("$bin" --version 2>&1 | head -n 1) || fail "$bin --version failed: $version"
echo "$version" >"$dir/VERSION"
dpkg-deb -f "$deb_x86" Version >>"$dir/VERSION"
rm -rf "$apt" "$dir/debs"
echo "faultline: $version in $dir" >&2
