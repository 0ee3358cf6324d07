#!/usr/bin/env bash
# `tr build` of a Debian bookworm root filesystem tarball, side by side with
# mmdebstrap writing the same packages to a tarball, in one run.
#
# Rows (each: our time, mmdebstrap's, ratio), for busybox and build-essential:
#  - cold: nothing cached: tr starts from an empty cache (indexes, packages,
#    archives); mmdebstrap always starts from nothing but its package cache,
#    which is emptied too;
#  - warm: every package cached, a new output: tr rebuilds only the tarball
#    (its entry is removed before each run); mmdebstrap gets its .debs from a
#    cache directory synced in by hooks (it still updates its indexes, as it
#    always does);
#  - no-op: an unchanged target built again (tr only; target <= 20 ms).
# mmdebstrap runs as `mmdebstrap --variant=extract --include=PKG bookworm
# out.tar SOURCES...` with this machine's apt sources files, so both fetch
# from the same mirror and resolve the same closure. `--variant=extract`
# unpacks the packages without running their maintainer scripts, which is
# what `tr build` does too (scripts run in the VM at boot). The issue's
# `--variant=custom` cannot build these sets at all: it configures the
# packages with dpkg, and libc6's scripts need a shell and dpkg in the
# target, which busybox alone does not bring.
# Usage: bench/build_rootfs.sh [RUNS]   (needs hyperfine and mmdebstrap; root
# or unshare-capable user for mmdebstrap)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
runs=${1:-3}
tr_bin=$build/cli/tr
[ -x "$tr_bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
for tool in hyperfine mmdebstrap; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private cache, so the benchmark never empties the user's.
export XDG_CACHE_HOME=$work/xdg
cache=$XDG_CACHE_HOME/tinyrange
sources=()
[ -s /etc/apt/sources.list ] && sources+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do [ -s "$f" ] && sources+=("$f"); done
[ ${#sources[@]} -gt 0 ] || { echo "no apt sources on this machine" >&2; exit 1; }

cat > "$work/build.star" <<'STAR'
load("@std/debian.star", "debian")
bookworm = debian("bookworm")
busybox = bookworm.rootfs(["busybox"])
build_essential = bookworm.rootfs(["build-essential"])
STAR
mkdir -p "$work/debs"
mm="mmdebstrap --quiet --variant=extract --skip=cleanup/apt/lists"
mm_cached="$mm --setup-hook='mkdir -p \"\$1\"/var/cache/apt/archives/' --setup-hook='sync-in $work/debs /var/cache/apt/archives/' --customize-hook='sync-out /var/cache/apt/archives $work/debs'"

row() {  # NAME OURS THEIRS PREPARE
  local name=$1 ours=$2 theirs=$3 prepare=$4
  hyperfine --runs "$runs" --prepare "$prepare" --export-json "$work/r.json" \
    -n tinyrange "$ours" -n mmdebstrap "$theirs" >&2
  python3 - "$work/r.json" "$name" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, theirs = r["tinyrange"]["mean"], r["mmdebstrap"]["mean"]
print(f"| {sys.argv[2]} | {ours:.2f} s | {theirs:.2f} s | {ours/theirs:.2f} |")
PY
}

echo "| request | tr build | mmdebstrap | ratio |"
echo "|---|---|---|---|"
for target in busybox build_essential; do
  pkg=${target//_/-}
  ours="$tr_bin build $work/build.star:$target -o $work/ours.tar"
  theirs="$mm --include=$pkg bookworm $work/theirs.tar ${sources[*]}"
  row "$pkg, cold" "$ours" "$theirs" "rm -rf $cache $work/debs/*.deb"
  # Fill both caches once, then time new outputs from them.
  $ours >/dev/null
  top=$(dirname "$($tr_bin build "$work/build.star:$target")")
  eval "$mm_cached --include=$pkg bookworm $work/theirs.tar ${sources[*]}"
  row "$pkg, warm (new output)" "$ours" "$mm_cached --include=$pkg bookworm $work/theirs.tar ${sources[*]}" \
    "rm -rf $top $cache/builds/targets"
  hyperfine --warmup 2 --runs 30 -N --export-json "$work/n.json" "$tr_bin build $work/build.star:$target" >&2
  python3 - "$work/n.json" "$pkg" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["results"][0]["mean"]
print(f"| {sys.argv[2]}, no-op rebuild | {m*1000:.1f} ms | | |")
PY
done
