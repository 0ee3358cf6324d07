#!/usr/bin/env bash
# A root filesystem tarball made by `tr build` is accepted by `podman
# import` (networked: Debian's busybox from the apt sources' mirror). Skips,
# loudly, where podman is not installed (apt-get install podman).
# Usage: podman_import_test.sh PATH/TO/tr
set -euo pipefail
tr_bin=$1
if ! command -v podman >/dev/null; then
  echo "SKIPPED LOUDLY: podman is not installed, so podman import was not tried"
  exit 77
fi
work=$(mktemp -d)
image=localhost/tinyrange-import-test:$$
trap 'podman rmi -f "$image" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }
cat > "$work/build.star" <<'STAR'
load("@std/debian.star", "debian")
root = debian("bookworm").rootfs(["busybox"])
STAR
"$tr_bin" build "$work/build.star:root" -o "$work/root.tar" >/dev/null
podman import "$work/root.tar" "$image" >/dev/null || fail "podman import refused the tarball"
# The image holds the files with their modes (read back from podman's storage).
podman image inspect "$image" --format '{{.RootFS.Type}}' | grep -q layers || fail "no image layers"
mount=$(podman image mount "$image" 2>/dev/null || true)
if [ -n "$mount" ]; then
  [ -x "$mount/bin/busybox" ] || fail "the imported image lacks an executable /bin/busybox"
  podman image unmount "$image" >/dev/null
fi
echo "podman_import_test: ok"
