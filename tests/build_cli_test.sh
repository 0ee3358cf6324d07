#!/usr/bin/env bash
# `tr build` and `tr cache` from the command line, on a build file that needs
# no network: targets, outputs, --explain, the no-op memo, errors, and the
# cache commands. Usage: build_cli_test.sh PATH/TO/tr
set -euo pipefail
tr_bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$work/build.star" <<'STAR'
motd = define.file("hello\n")
def rootfs():
    return define.build_fs([directive.add_file("etc/motd", file = motd, mode = 0o600)], kind = "tar")
def helper(x):
    return x
STAR

list=$("$tr_bin" build --list "$work/build.star")
grep -q '^motd ' <<<"$list" || fail "--list misses motd: $list"
grep -q '^rootfs ' <<<"$list" || fail "--list misses rootfs: $list"
grep -q helper <<<"$list" && fail "--list shows a function with parameters: $list"

out=$("$tr_bin" build "$work/build.star:rootfs" -o "$work/rootfs.tar")
[ -f "$out" ] || fail "no output at $out"
cmp -s "$out" "$work/rootfs.tar" || fail "-o copy differs"
# A copy, not the cache entry: changing it leaves the cache alone.
[ "$(stat -c %i "$out")" != "$(stat -c %i "$work/rootfs.tar")" ] || fail "-o hard-linked the cache entry"
cp "$out" "$work/pristine.tar"
echo appended >> "$work/rootfs.tar"
cmp -s "$out" "$work/pristine.tar" || fail "changing the -o file changed the cache entry"
"$tr_bin" build "$work/build.star:rootfs" -o "$work/rootfs.tar" > /dev/null
cmp -s "$out" "$work/rootfs.tar" || fail "-o did not replace the changed file"
tar -tvf "$work/rootfs.tar" | grep -q -- '-rw------- 0/0 *6 .* etc/motd' || fail "tar lacks etc/motd 0600: $(tar -tvf "$work/rootfs.tar")"

# Unchanged: the memo answers, with the same path.
[ "$("$tr_bin" build "$work/build.star:rootfs")" = "$out" ] || fail "no-op rebuild gave another path"
explain=$("$tr_bin" build "$work/build.star:rootfs" --explain 2>&1 >/dev/null)
grep -q "is up to date" <<<"$explain" || fail "--explain of a cached target: $explain"

# A changed input: rebuilt, and --explain says what changed.
sed -i 's/hello/goodbye/' "$work/build.star"
explain=$("$tr_bin" build "$work/build.star:rootfs" --explain 2>&1 >/dev/null)
grep -q "definition changed" <<<"$explain" || fail "--explain after an edit: $explain"
grep -q "input 1 (file_contents" <<<"$explain" || fail "--explain does not name the input: $explain"
[ "$("$tr_bin" build "$work/build.star:rootfs")" != "$out" ] || fail "an edit did not change the output"

# Errors name the file and position, or the missing target.
echo 'x = define.fetch_http(url = 1)' > "$work/bad.star"
if err=$("$tr_bin" build "$work/bad.star:x" 2>&1); then fail "a bad file built"; fi
grep -q "bad.star:1:" <<<"$err" || fail "no position in: $err"
if err=$("$tr_bin" build "$work/build.star:nope" 2>&1); then fail "a missing target built"; fi
grep -q "its targets are: motd, rootfs" <<<"$err" || fail "missing-target error: $err"
set +e
"$tr_bin" build "$work/build.star" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a target without :NAME is not a usage error"
set -e

ls=$("$tr_bin" cache ls)
grep -q "build_fs" <<<"$ls" || fail "cache ls: $ls"
"$tr_bin" cache du | grep -q "^builds" || fail "cache du"
gc=$("$tr_bin" cache gc --keep-days 0)
grep -q "removed [1-9]" <<<"$gc" || fail "gc --keep-days 0 removed nothing: $gc"
[ -z "$("$tr_bin" cache ls)" ] || fail "entries left after gc --keep-days 0"
# The memo must not answer for a collected entry.
out2=$("$tr_bin" build "$work/build.star:rootfs")
[ -f "$out2" ] || fail "rebuild after gc gave no output"
echo "build_cli_test: ok"
