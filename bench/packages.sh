#!/usr/bin/env bash
# Package planning, side by side with apt in one run, on the real Debian
# index of this machine's configured mirror.
#
# Rows (each: our time, apt's time, ratio):
#  - cold: converting the cached Packages indexes into record files, then
#    planning build-essential (apt rebuilds its cache on every run here, as
#    an empty status file does not match its cache);
#  - warm: loading the record files and planning build-essential, python3,
#    and the 200 packages of bench/popular_packages.txt.
# apt runs as `apt-get -s -o Dir::State::status=/dev/null
# --no-install-recommends install ...`: the dependency closure from nothing,
# which is what a plan is. The script also checks that both choose the same
# packages at the same versions and prints any difference.
# Usage: bench/packages.sh [RUNS]   (needs hyperfine and apt-get)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TR_BUILD_DIR:-$root/build}
runs=${1:-10}
tr_bin=$build/cli/tr
[ -x "$tr_bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

cache=${XDG_CACHE_HOME:-$HOME/.cache}/tinyrange
popular=$(grep -v '^#' "$root/bench/popular_packages.txt" | tr '\n' ' ')
apt="apt-get -s -o Dir::State::status=/dev/null --no-install-recommends install"

# Bring the indexes into the cache (the only networked step).
"$tr_bin" plan build-essential >/dev/null

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

row() {  # NAME OURS APT [PREPARE]
  local name=$1 ours=$2 theirs=$3 prepare=${4:-}
  local args=(--warmup 1 --runs "$runs" -N --export-json "$out/$name.json")
  if [ -n "$prepare" ]; then args=(--runs "$runs" --prepare "$prepare" --export-json "$out/$name.json"); fi
  hyperfine "${args[@]}" -n tinyrange "$ours" -n apt "$theirs" >&2
  python3 - "$out/$name.json" "$name" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, apt = r["tinyrange"]["mean"], r["apt"]["mean"]
print(f"| {sys.argv[2]} | {ours*1000:.0f} ms | {apt*1000:.0f} ms | {ours/apt:.2f} |")
PY
}

echo "| request | tinyrange | apt-get -s | ratio |"
echo "|---|---|---|---|"
row "cold: convert + plan build-essential" "$tr_bin plan --offline build-essential" "$apt build-essential" \
  "rm -rf $cache/records"
row "warm: build-essential" "$tr_bin plan --offline build-essential" "$apt build-essential"
row "warm: python3" "$tr_bin plan --offline python3" "$apt python3"
row "warm: 200 popular packages" "$tr_bin plan --offline $popular" "$apt $popular"

# Same install sets?
for request in build-essential python3 "$popular"; do
  $apt $request 2>/dev/null | awk '/^Inst /{gsub(/\(/,"",$3); print $2"="$3}' | sort > "$out/apt.txt"
  "$tr_bin" plan --offline --json $request | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]: print(p["name"] + "=" + p["version"])' | sort > "$out/ours.txt"
  label=$(echo "$request" | cut -c1-40)
  if diff -q "$out/apt.txt" "$out/ours.txt" >/dev/null; then
    echo "same install set as apt for '$label': $(wc -l < "$out/ours.txt") packages"
  else
    echo "DIFFERENT install set for '$label':"; diff "$out/apt.txt" "$out/ours.txt" | head -20
  fi
done
