#!/usr/bin/env bash
# `tr run` end to end in our VMM with Debian's kernel: what a command sees
# and what reaches the host — exit statuses, large and binary output, the
# VM's shape (--cpus, --memory), a read-write share and its boundary, the
# network to the host's loopback and DNS, a published port, --storage,
# --timeout, an interactive shell on a pseudo-terminal, and tr killed
# mid-run. Needs a /dev/kvm that runs Linux (the
# nested test bed provides one: scripts/nested-kvm.sh) and the Debian
# mirror from the apt sources.
# Usage: run_vm_features_test.sh PATH/TO/tr
set -euo pipefail
tr_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/kvm-check.sh"
if ! kvm_runs_linux; then
  echo "FAIL: $(kvm_why_not); run this test through scripts/nested-kvm.sh (scripts/test.sh does)" >&2
  exit 1
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
# One static busybox, no base and no install scripts: what is tested here
# is the VM, not the packages (run_cli_test.sh runs Debian's base set), and
# each run stays cheap in the nested test bed.
pkgs=(--base none -p busybox-static)
run() { "$tr_bin" run "${pkgs[@]}" "$@"; }
status_of() {  # EXPECTED DESCRIPTION -- TR-RUN-ARGS...
  local expected=$1 what=$2 rc=0
  shift 3
  run "$@" > "$work/out" 2> "$work/err" < /dev/null || rc=$?
  [ "$rc" -eq "$expected" ] || fail "$what: status $rc, expected $expected; stderr: $(tail -n 5 "$work/err")"
}

step "exit statuses"
status_of 0 "true" -- -- busybox true
status_of 42 "a command's own status" -- -- busybox sh -c 'exit 42'
status_of 126 "a file that is not executable" -- -- /usr/share/doc/busybox-static/copyright
status_of 127 "a missing command" -- -- no-such-command
status_of 253 "--timeout" -- --timeout 20 -- busybox sleep 600
grep -q -i "timeout\|timed out" "$work/err" || fail "--timeout did not say so: $(cat "$work/err")"
status_of 125 "a working directory under a file (guest-init cannot enter it)" -- \
  --workdir /usr/share/doc/busybox-static/copyright/sub -- busybox true
grep -q "guest-init: chdir /usr/share/doc/busybox-static/copyright/sub" "$work/err" || fail "125: $(cat "$work/err")"
# Debian's scripts assume its base set: without it libc6's preinst finds no
# sed, and the run stops with 124 naming the package and script.
status_of 124 "a failing install script" -- -p dash -- busybox true
grep -q "install script failed: libc6: preinst install" "$work/err" || fail "124: $(cat "$work/err")"

step "stdout and stderr apart, byte-exact, 1 MiB of binary through cat"
head -c 1048576 /dev/urandom > "$work/random.bin"
run -- busybox cat < "$work/random.bin" > "$work/random.out" 2> "$work/err" || fail "cat: $(cat "$work/err")"
cmp "$work/random.bin" "$work/random.out" || fail "1 MiB through cat changed"
run -- busybox sh -c 'printf "out\r\n"; printf "err\001\n" >&2' > "$work/out" 2> "$work/err" < /dev/null
[ "$(od -An -c "$work/out" | tr -d ' ')" = 'out\r\n' ] || fail "stdout: $(od -c "$work/out")"
grep -q "err$(printf '\001')" "$work/err" || fail "stderr: $(od -c "$work/err")"
out=$(printf 'a\nb\nc\n' | run -- busybox wc -l) || fail "wc -l"
[ "$out" = 3 ] || fail "piped stdin: wc -l said $out"

step "--cpus 2, --memory 1024"
out=$(run --cpus 2 --memory 1024 -- busybox sh -c 'busybox nproc; busybox grep MemTotal /proc/meminfo' < /dev/null)
[ "$(sed -n 1p <<< "$out")" = 2 ] || fail "--cpus 2: nproc said $out"
mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' <<< "$out")
[ "$mem_kib" -gt 900000 ] && [ "$mem_kib" -le 1048576 ] || fail "--memory 1024: MemTotal $mem_kib kB"

step "--share: read-write with the host's ownership; nothing outside it"
mkdir -p "$work/share/sub"
echo "from the host" > "$work/share/sub/in.txt"
chown 1234:2345 "$work/share/sub/in.txt"
ln -s /etc "$work/share/escape"
run --share "$work/share" -- busybox sh -c "busybox cat sub/in.txt; echo from the guest > out.txt; busybox stat -c '%u:%g' sub/in.txt; busybox cat escape/hostname" \
  > "$work/out" 2> "$work/err" < /dev/null && rc=0 || rc=$?
grep -q '^from the host$' "$work/out" || fail "the guest did not read the share: $(cat "$work/out" "$work/err")"
grep -q '^1234:2345$' "$work/out" || fail "the guest did not see the host's owner: $(cat "$work/out")"
[ "$(cat "$work/share/out.txt")" = "from the guest" ] || fail "the guest's file did not reach the host"
hostname_text=$(cat /etc/hostname 2> /dev/null || echo no-hostname)
grep -qxF "$hostname_text" "$work/out" && fail "a link out of the share reached the host's /etc/hostname"
[ "$rc" -ne 0 ] || fail "reading through a link out of the share succeeded"

step "--net: the host's loopback at 10.0.2.2, DNS at 10.0.2.3"
mkdir -p "$work/www"
echo "served on the host" > "$work/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 18081 > /dev/null 2>&1 &
pids+=($!)
mirror_host=$(apt-get indextargets --format '$(URI)' 2> /dev/null | sed -n 's|^[a-z]*://\([^/:]*\).*|\1|p' | head -n 1)
out=$(run --net -- busybox sh -c "busybox wget -q -O - http://10.0.2.2:18081/index.html; busybox nslookup $mirror_host 10.0.2.3 > /dev/null && echo resolved" < /dev/null) ||
  fail "--net: $out"
grep -q '^served on the host$' <<< "$out" || fail "--net: the host's server was not reached: $out"
grep -q '^resolved$' <<< "$out" || fail "--net: the mirror's name did not resolve through 10.0.2.3: $out"

step "--publish 18082:80"
run --net --publish 18082:80 -- busybox sh -c 'echo published | busybox nc -l -p 80' > "$work/publish.out" 2>&1 < /dev/null &
publish_pid=$!
pids+=("$publish_pid")
# Until the guest listens, the connect is refused (no VM yet) or ends with
# nothing (slirp took it, the guest refused it).
got=
attempts=0
while [ "$got" != published ] && [ "$attempts" -lt 600 ] && kill -0 "$publish_pid" 2> /dev/null; do
  attempts=$((attempts + 1))
  got=$(python3 "$here/support/read_port.py" 127.0.0.1 18082 2> /dev/null || true)
  [ "$got" = published ] || sleep 1
done
rc=0
wait "$publish_pid" || rc=$?
[ "$got" = published ] ||
  fail "--publish: after $attempts connects the host read '$got'; tr run: status $rc, $(cat "$work/publish.out")"
[ "$rc" -eq 0 ] || fail "--publish: the run failed with status $rc: $(cat "$work/publish.out")"

step "--storage 512: the root on an ext4 scratch disk"
out=$(run --storage 512 -- busybox sh -c 'busybox grep " / " /proc/mounts' < /dev/null) || fail "--storage: $out"
grep -q ' / ext4 ' <<< "$out" || fail "--storage: the root is not ext4: $out"
ls "$XDG_CACHE_HOME"/tinyrange/tmp/*storage* > /dev/null 2>&1 && fail "--storage left its disk behind"

step "an interactive shell on a pseudo-terminal: prompt, size, resize, Ctrl-C, exit status"
python3 "$here/support/pty_session.py" "$tr_bin" run "${pkgs[@]}" --env 'PS1=tr-prompt$ ' -- busybox sh ||
  fail "the interactive session"

step "tr killed mid-run leaves no VM and no locked cache entry"
for signal in TERM KILL; do
  # tr itself in the background (not through a function, whose subshell
  # would be what $! names).
  "$tr_bin" run "${pkgs[@]}" -- busybox sh -c 'echo started; exec busybox sleep 600' > "$work/kill.out" 2>&1 < /dev/null &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q started "$work/kill.out" && break
    sleep 1
  done
  grep -q started "$work/kill.out" || fail "SIG$signal: the command never started: $(cat "$work/kill.out")"
  kill -"$signal" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -ne 0 ] || fail "SIG$signal: tr exited 0"
  [ "$signal" = KILL ] || grep -q "started" "$work/kill.out" || fail "SIGTERM: $(cat "$work/kill.out")"
  sleep 1
  pgrep -f "busybox sleep 600" > /dev/null && fail "SIG$signal: a process of the run is left: $(pgrep -af 'sleep 600')"
  # Every lock is free: a fresh run takes the cache at once.
  for lock in $(find "$XDG_CACHE_HOME/tinyrange" -name '*.lock' 2> /dev/null); do
    flock -n "$lock" true || fail "SIG$signal: $lock is still locked"
  done
  status_of 0 "a run after SIG$signal" -- -- busybox true
done
echo "run_vm_features_test: ok"
