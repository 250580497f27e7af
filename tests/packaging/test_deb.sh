#!/usr/bin/env bash
# Builds the Debian packages (debian/) from a copy of the source tree with dpkg-buildpackage, then
# checks what they hold: the files, the conffile, the resolved library dependencies, the maintainer
# scripts, and that the programs run once unpacked into a throwaway root (dpkg --root --unpack).
# Takes a minute or two, so ctest registers it only when asked (tests/CMakeLists.txt:
# -DCHARLA_TEST_DEB=ON or CHARLA_TEST_DEB=1 at configure time). Needs scripts/deps --deb.
#
# Run: tests/packaging/test_deb.sh [SOURCE_DIR]   (default: the tree this script is in)
#
# It does not configure the packages (dpkg --configure): the postinst would reload systemd and
# start charlad.service on this machine, whatever root dpkg was given.
set -euo pipefail

src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/charla-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for tool in dpkg-buildpackage dpkg-deb dh; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/deps --deb installs it)"
done

# The tracked and new (not ignored) files: no build directories, no .git.
mkdir "$work/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$src" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
  (cd "$src" && xargs -0 cp --parents -t "$work/src")

echo "building the packages in $work (a log in $work/build.log)"
if ! (cd "$work/src" &&
      DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) \
     >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log" >&2
  fail "dpkg-buildpackage failed"
fi

version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
server="$work/charlad_${version}_${arch}.deb"
client="$work/charla_${version}_${arch}.deb"
[ -f "$server" ] || fail "no $server"
[ -f "$client" ] || fail "no $client"

# The regular files of a package (dpkg-deb -c), without ./ and the doc directory dh adds.
files() {
  dpkg-deb -c "$1" | awk '$1 ~ /^-/ { sub(/^\./, "", $6); print $6 }' |
    grep -v '^/usr/share/doc/' | sort
}
expect_files() {
  local got want
  got=$(files "$1")
  want=$(printf '%s\n' "${@:2}" | sort)
  [ "$got" = "$want" ] || fail "$(basename "$1") holds:
$got
expected:
$want"
}
expect_files "$server" /usr/sbin/charlad /usr/share/man/man8/charlad.8.gz \
  /etc/charla/charlad.conf /lib/systemd/system/charlad.service /usr/lib/sysusers.d/charla.conf
expect_files "$client" /usr/bin/charla /usr/share/man/man1/charla.1.gz
for pkg in "$server" "$client"; do
  listing=$(dpkg-deb -c "$pkg")  # not piped into grep -q: pipefail and SIGPIPE
  grep -q ' \./usr/share/doc/[a-z]*/copyright$' <<<"$listing" ||
    fail "$(basename "$pkg") has no copyright file"
done

# ${shlibs:Depends} resolved to the libraries each program links.
sdeps=$(dpkg-deb -f "$server" Depends)
cdeps=$(dpkg-deb -f "$client" Depends)
case "$sdeps$cdeps" in *'${'*) fail "an unresolved substitution variable" ;; esac
for lib in libc6 libuv1 libcurl4 libjansson4 libssl3 systemd; do
  grep -qw "$lib" <<<"$sdeps" || fail "charlad does not depend on $lib: $sdeps"
done
for lib in libc6 libuv1; do
  grep -qw "$lib" <<<"$cdeps" || fail "charla does not depend on $lib: $cdeps"
done
for lib in libcurl4 libjansson4 libssl3; do
  ! grep -qw "$lib" <<<"$cdeps" || fail "charla depends on $lib, which only the server links"
done

# The example configuration is a conffile; the postinst creates the user, then enables the unit.
dpkg-deb -e "$server" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/charla/charlad.conf ] ||
  fail "conffiles: $(cat "$work/control/conffiles")"
grep -q 'systemd-sysusers .*charla\.conf' "$work/control/postinst" || fail "postinst: no systemd-sysusers"
grep -q "deb-systemd-helper enable 'charlad.service'" "$work/control/postinst" ||
  fail "postinst: the unit is not enabled"
if [ -e "$work/control/preinst" ]; then fail "an unexpected preinst"; fi

# Unpacked (not configured) into a throwaway root: the files land, the programs run.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --log="$work/dpkg.log" --force-not-root --force-script-chrootless \
     --unpack "$server" "$client" >"$work/unpack.log" 2>&1 ||
  { cat "$work/unpack.log" >&2; fail "dpkg --unpack"; }
grep -qx /usr/sbin/charlad <<<"$(dpkg --root="$root" -L charlad)" || fail "dpkg -L charlad"
[ "$("$root/usr/sbin/charlad" --version)" = "charlad ${version%%-*}" ] || fail "charlad --version"
[ "$("$root/usr/bin/charla" --version)" = "charla ${version%%-*}" ] || fail "charla --version"
# Until --configure, dpkg keeps a new conffile as .dpkg-new.
out=$("$root/usr/sbin/charlad" --check-config --config "$root/etc/charla/charlad.conf.dpkg-new" 2>&1) ||
  fail "the packaged example configuration is refused: $out"
# What the postinst's systemd-sysusers does, confined to the throwaway root.
if command -v systemd-sysusers >/dev/null; then
  mkdir -p "$root/etc"
  systemd-sysusers --root="$root" charla.conf >"$work/sysusers.log" 2>&1 ||
    fail "systemd-sysusers --root refused the sysusers file"
  grep -q '^charla:x:[0-9]*:[0-9]*:charla chat server:/var/lib/charla:' "$root/etc/passwd" ||
    fail "systemd-sysusers did not create the user charla: $(cat "$root/etc/passwd")"
fi

echo "ok: charlad and charla $version ($arch) built, inspected and unpacked"
