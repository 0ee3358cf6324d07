#!/usr/bin/env bash
# Fetches the Debian cloud kernel (the package linux-image-cloud-amd64
# points to) through apt from the machine's configured mirror, unpacks it
# into the tinyrange cache and prints the path of its vmlinuz. The modules
# are unpacked beside it (lib/modules/...). Reuses an earlier download.
set -euo pipefail
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tinyrange/debian-kernels
mkdir -p "$cache"

package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
  sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
if [ -z "$package" ]; then
  echo "fetch-debian-kernel: apt does not know linux-image-cloud-amd64; run 'apt-get update' first" >&2
  exit 1
fi
dir=$cache/$package
if [ ! -d "$dir" ]; then
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -q "$package" >&2)
  dpkg-deb -x "$tmp"/*.deb "$tmp/root"
  mv "$tmp/root" "$dir"
fi
ls "$dir"/boot/vmlinuz-* | head -n 1
