#!/usr/bin/env bash
# `tr run` from the command line, networked (the Debian mirror from the
# apt sources): the VM plan it prepares (archive disk, install database and
# steps, capture disk, init settings), its errors, and — where /dev/kvm is
# usable — real runs: output, exit status and the cached post-install state.
# Usage: run_cli_test.sh PATH/TO/tr [prepare|vm]
#   prepare (default): everything up to the boot; needs no KVM
#   vm: real runs; exits 77 (skipped, loudly) where /dev/kvm cannot run
#       Linux (scripts/test.sh runs it in the nested test bed there)
set -euo pipefail
tr_bin=$1
mode=${2:-prepare}
here=$(cd "$(dirname "$0")" && pwd)
trfrag="python3 $here/support/trfrag.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }

. "$here/../scripts/kvm-check.sh"
kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
# define.build_vm: a VM run whose output file is the build's output.
write_build_vm() {  # KERNEL_EXPRESSION
  cat > "$work/vm.star" <<STAR
root = define.plan(builder = "debian:bookworm", packages = ["busybox"], base = "essential")
vm = define.build_vm([
    root,
    directive.add_file("/root/name.txt", contents = "tinyrange"),
    directive.environment({"GREETING": "hello"}),
    directive.run_command("echo \"\$GREETING \$(cat /root/name.txt)\" > /out.txt"),
    directive.run_command("busybox grep -c ^root: /etc/passwd >> /out.txt"),
    directive.default_interactive("busybox sh"),
], output = "/out.txt", kernel = $1)
STAR
}
if [ "$mode" = vm ]; then
  if ! kvm_runs_linux; then
    echo "SKIPPED LOUDLY: $(kvm_why_not), so no VM was run"
    exit 77
  fi
  # Debian's own base set: its maintainer scripts need it (sed, grep, dpkg).
  pkgs=(-p busybox)
  out=$("$tr_bin" run "${pkgs[@]}" --json -- sh -c 'echo out; echo err >&2; grep -q "^root:" /etc/passwd && echo passwd; exit 7' \
    2>"$work/err") && rc=0 || rc=$?
  [ $rc -eq 7 ] || fail "exit status $rc, expected 7; $(cat "$work/err")"
  [ "$out" = "$(printf 'out\npasswd')" ] || fail "stdout: $out"
  grep -q '^err$' "$work/err" || fail "stderr: $(cat "$work/err")"
  grep -q '"post_install_state":"captured: stored"' "$work/err" || fail "first run did not capture: $(cat "$work/err")"
  # The capture left a memo for the same command line: its next run starts
  # warm, without preparing.
  "$tr_bin" run "${pkgs[@]}" --json -- sh -c 'echo out; echo err >&2; grep -q "^root:" /etc/passwd && echo passwd; exit 7' \
    >/dev/null 2>"$work/err" || true
  grep -q '"post_install_state":"cached"' "$work/err" && ! grep -q '"fetch"' "$work/err" ||
    fail "the run after the capture did not start from a memo: $(cat "$work/err")"
  "$tr_bin" run "${pkgs[@]}" --json -- busybox true 2>"$work/err" || fail "second run failed: $(cat "$work/err")"
  grep -q '"post_install_state":"cached"' "$work/err" || fail "second run did not use the cached state: $(cat "$work/err")"
  out=$("$tr_bin" run "${pkgs[@]}" -- busybox grep -c '^Status: install ok installed$' /var/lib/dpkg/status) ||
    fail "reading the dpkg status in the guest failed"
  [ "$out" -ge 40 ] || fail "the guest's dpkg status lists $out installed packages"
  set +e
  "$tr_bin" run "${pkgs[@]}" -- no-such-command-tr-test 2>"$work/err"; rc=$?
  set -e
  [ $rc -eq 127 ] || fail "a missing command: status $rc"
  # A pipe on stdin ends, and bytes pass unchanged both ways (no \r added).
  out=$(printf 'one\ntwo\n' | "$tr_bin" run "${pkgs[@]}" -- busybox wc -l) || fail "wc -l on a pipe failed"
  [ "$out" = 2 ] || fail "wc -l of two piped lines: $out"
  head -c 65536 /dev/urandom > "$work/random.bin"
  "$tr_bin" run "${pkgs[@]}" -- busybox cat < "$work/random.bin" > "$work/random.out" || fail "cat of a file failed"
  cmp "$work/random.bin" "$work/random.out" || fail "bytes changed on the way through the VM"
  out=$("$tr_bin" run "${pkgs[@]}" -- busybox true < /dev/null) || fail "a run with stdin at end of file failed"
  write_build_vm None
  out=$("$tr_bin" build "$work/vm.star:vm") || fail "build_vm failed"
  [ "$(cat "$out")" = "$(printf 'hello tinyrange\n1')" ] || fail "build_vm output: $(cat "$out")"
  echo "run_cli_test vm: ok"
  exit 0
fi

# A kernel file for plans that are only printed (any file will do: it is
# not booted); the Debian kernel is covered by the slow QEMU test.
printf 'not booted' > "$work/kernel"
pkgs=(--base none -p dash -p busybox -p base-passwd)

# The prepared plan.
"$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --print-plan --env GREETING=hi -- busybox echo hello \
  > "$work/plan.json" || fail "--print-plan failed"
python3 - "$work/plan.json" "$work/kernel" <<'PY' || fail "unexpected plan: $(cat "$work/plan.json")"
import json, os, sys
plan = json.load(open(sys.argv[1]))
assert plan["kernel"] == sys.argv[2], plan["kernel"]
init = plan["init"]
assert init["argv"] == ["busybox", "echo", "hello"], init["argv"]
assert "GREETING=hi" in init["env"], init["env"]
assert init["archives_disk"] == "tr-archives" and init["capture_disk"] == "tr-capture", init
disks = {d["id"]: d for d in plan["disks"]}
parts = disks["tr-archives"]["parts"]
assert disks["tr-archives"]["read_only"]
assert len(parts) >= 5, parts  # busybox, base-passwd and its libraries, database, steps
for p in parts:
    assert open(p, "rb").read(8) == b"TRFRAG01", p
assert parts[-2].endswith("database.trfrag") and parts[-1].endswith("steps.trfrag"), parts[-2:]
assert plan["memory_mib"] >= 512
# stdout is a file here: the command reads its stdin from an input port
# that ends, not from a terminal.
assert plan["input_port"] == "tinyrange.stdin" and init["stdin_port"] == "tinyrange.stdin", plan
PY
# On a terminal (stdin and stdout one pseudo-terminal) the command gets the
# terminal instead.
python3 - "$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --print-plan -- busybox true <<'PY' ||
import json, os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, out
plan = json.loads(out.decode().replace("\r", ""))
assert "input_port" not in plan and "stdin_port" not in plan["init"], plan
assert plan["init"]["console"] == "/dev/hvc0", plan["init"]
PY
  fail "a run on a terminal still reads stdin from the input port"
database=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["disks"][0]["parts"][-2])' "$work/plan.json")
steps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["disks"][0]["parts"][-1])' "$work/plan.json")
status=$($trfrag cat "$database" var/lib/dpkg/status)
grep -q '^Package: busybox$' <<<"$status" || fail "status lacks busybox: $status"
awk -v RS= '/^Package: base-passwd\n/' <<<"$status" | grep -q '^Status: install ok installed$' ||
  fail "base-passwd is not installed in the status file: $status"
listing=$($trfrag list "$database")
grep -q ' var/lib/dpkg/info/base-passwd.postinst$' <<<"$listing" || fail "no base-passwd.postinst in the database"
grep -q ' var/lib/dpkg/info/busybox.list$' <<<"$listing" || fail "no busybox.list in the database"
step_text=$($trfrag cat "$steps" .tinyrange/install/steps | tr '\0' '\n')
grep -q '^base-passwd: postinst configure$' <<<"$step_text" ||
  fail "the steps do not configure base-passwd"

# --storage: the root goes on an ext4 scratch disk (made here, empty,
# sparse) instead of guest memory, which then need not hold it.
"$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --storage 256 --memory 256 --print-plan -- true \
  > "$work/storage.json" || fail "--storage --print-plan failed"
storage=$(python3 - "$work/storage.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
assert plan["init"]["root_disk"] == "tr-storage", plan["init"]
disk = [d for d in plan["disks"] if d["id"] == "tr-storage"][0]
assert not disk.get("read_only", False), disk
print(disk["path"])
PY
) || fail "no storage disk in the plan: $(cat "$work/storage.json")"
[ "$(stat -c %s "$storage")" = $((256 << 20)) ] || fail "the storage disk is not 256 MiB: $(stat -c %s "$storage")"
e2fsck=$(command -v e2fsck || echo /sbin/e2fsck)
"$e2fsck" -fn "$storage" >/dev/null 2>&1 || fail "the storage disk is not a sound ext4 file system"
rm -f "$storage"
set +e
out=$("$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --storage 8 -- true 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--storage 8: too small for this root file system" <<<"$out" || fail "--storage 8: $rc $out"

# A script whose interpreter the plan lacks is found before any VM boots.
set +e
out=$("$tr_bin" run --base none -p busybox -p base-passwd --kernel "$work/kernel" -- true 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "a plan without /bin/sh: status $rc"
grep -q "its preinst runs /bin/sh, which no package of the plan installs" <<<"$out" || fail "no interpreter message: $out"

# Errors a user can make.
set +e
out=$("$tr_bin" run --base none -p no-such-package-tr-test --kernel "$work/kernel" -- true 2>&1); rc=$?
set -e
[ $rc -ne 0 ] || fail "an unknown package succeeded"
grep -q "no-such-package-tr-test" <<<"$out" || fail "the error does not name the package: $out"
set +e
out=$("$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --memory 16 -- true 2>&1); rc=$?
set -e
[ $rc -eq 2 ] || fail "--memory 16: status $rc"
grep -q "too little for this root file system" <<<"$out" || fail "--memory 16: $out"
set +e
out=$("$tr_bin" run "${pkgs[@]}" --kernel "$work/no-kernel" -- true 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q "not distro, debian, minimal or an existing kernel file" <<<"$out" || fail "--kernel missing: $rc $out"
# The mirror flags reach the resolver (nothing listens on port 9).
set +e
out=$("$tr_bin" run --distro alpine:3.20 --alpine-mirror http://127.0.0.1:9 --alpine-keys "$work" -p busybox \
  --kernel "$work/kernel" -- true 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && grep -q "cannot fetch the Alpine index http://127.0.0.1:9/v3.20/main" <<<"$out" ||
  fail "--alpine-mirror: $rc $out"
set +e
out=$("$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" </dev/null 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q "no command given and stdin is not a terminal" <<<"$out" || fail "no command: $rc $out"

if ! kvm_usable; then
  set +e
  out=$("$tr_bin" run "${pkgs[@]}" --kernel "$work/kernel" --json -- true 2>&1); rc=$?
  set -e
  [ $rc -eq 250 ] || fail "without /dev/kvm: status $rc ($out)"
  grep -q "/dev/kvm" <<<"$out" || fail "without /dev/kvm the message does not say so: $out"
  grep -q '"stop":"not-started"' <<<"$out" || fail "without /dev/kvm no result record: $out"
  # The run memo: a run that needs nothing back from the guest (here a
  # package without scripts) is prepared once; the next identical request
  # is answered by tr from the memo, and a collected entry sends it back.
  memo_run() { { "$tr_bin" run --base none -p gcc-12-base --kernel "$work/kernel" --json -- true 2>&1 || true; } | tail -n 1; }
  first=$(memo_run)
  ls "$XDG_CACHE_HOME"/tinyrange/runs/*.json >/dev/null 2>&1 || fail "no run memo was written: $first"
  second=$(memo_run)
  grep -q '"built":0' <<<"$second" && grep -q '"exit_status":250' <<<"$second" || fail "memo run: $second"
  grep -q '"fetch"' <<<"$second" && fail "the memo run prepared again: $second"
  "$tr_bin" cache gc --keep-days 0 >/dev/null
  third=$(memo_run)
  grep -q '"exit_status":250' <<<"$third" && grep -q '"fetch"' <<<"$third" || fail "after gc: $third"

  write_build_vm 'define.file("not booted")'
  # tr run --file on a VM definition: its root and setup, then the command
  # (or its default_interactive command).
  "$tr_bin" run --file "$work/vm.star:vm" --print-plan -- busybox echo hi > "$work/vmplan.json" ||
    fail "tr run --file on a build_vm"
  python3 - "$work/vmplan.json" <<'PY' || fail "unexpected build_vm run plan: $(cat "$work/vmplan.json")"
import json, sys
plan = json.load(open(sys.argv[1]))
assert plan["init"]["argv"] == ["/bin/sh", "/.tinyrange/build/run.sh", "busybox", "echo", "hi"], plan["init"]["argv"]
parts = plan["disks"][0]["parts"]
assert parts[-1].endswith("/commands.trfrag") and parts[-2].endswith(".trfrag"), parts[-2:]
PY
  # Its plan's install scripts run once: the first run has a capture disk,
  # and once a state is cached under the key of the parts they ran over
  # (cache entries by hash, generated archives by content, the commands'
  # script left out), it replaces the steps and no capture disk is made.
  python3 - "$work/vmplan.json" "$XDG_CACHE_HOME/tinyrange/builds" <<'PY' ||
import hashlib, json, os, re, shutil, sys
plan = json.load(open(sys.argv[1]))
builds = sys.argv[2]
assert plan["init"].get("capture_disk") == "tr-capture", plan["init"]
assert [d["id"] for d in plan["disks"]][-1] == "tr-capture", plan["disks"]
parts = plan["disks"][0]["parts"]
steps = [p for p in parts if p.endswith("/steps.trfrag")]
assert len(steps) == 1, parts
def identity(path):
    m = re.fullmatch(re.escape(builds) + r"/([0-9a-f]{2})/(\1[0-9a-f]{62})/out(/.*)?", path)
    if m:
        return m.group(2) + (m.group(3) or "")
    return "sha256:" + hashlib.sha256(open(path, "rb").read()).hexdigest()
text = "tinyrange post-install state v1\n" + "".join(identity(p) + "\n" for p in parts[:-1])
key = hashlib.sha256(text.encode()).hexdigest()
entry = os.path.join(builds, key[:2], key)
os.makedirs(entry)
shutil.copy(parts[-2], entry + "/out")  # any archive will do for a plan
json.dump({"definition": {"kind": "post_install_state"}}, open(entry + "/meta.json", "w"))
PY
    fail "the first tr run --file of a build_vm should capture its scripts: $(cat "$work/vmplan.json")"
  "$tr_bin" run --file "$work/vm.star:vm" --print-plan -- busybox true > "$work/vmplan-cached.json" ||
    fail "tr run --file on a build_vm with a cached state"
  python3 - "$work/vmplan-cached.json" <<'PY' || fail "the cached state was not used: $(cat "$work/vmplan-cached.json")"
import json, sys
plan = json.load(open(sys.argv[1]))
assert "capture_disk" not in plan["init"], plan["init"]
assert [d["id"] for d in plan["disks"]] == ["tr-archives"], plan["disks"]
parts = plan["disks"][0]["parts"]
assert not any(p.endswith("/steps.trfrag") for p in parts), parts
assert parts[-2].endswith("/commands.trfrag") and parts[-1].endswith("/out"), parts[-2:]
PY
  commands=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["disks"][0]["parts"][-1])' "$work/vmplan.json")
  script=$($trfrag cat "$commands" .tinyrange/build/run.sh)
  grep -q '^export GREETING=.hello.$' <<<"$script" && grep -q 'exec "\$@"' <<<"$script" || fail "commands script: $script"
  "$tr_bin" run --file "$work/vm.star:vm" --print-plan > "$work/vmplan2.json" </dev/null
  python3 -c 'import json,sys; a = json.load(open(sys.argv[1]))["init"]["argv"]; assert a[2:] == ["/bin/sh", "-c", "busybox sh"], a' \
    "$work/vmplan2.json" || fail "no command: the VM's default_interactive should run: $(cat "$work/vmplan2.json")"
  set +e
  out=$("$tr_bin" build "$work/vm.star:vm" 2>&1); rc=$?
  set -e
  [ $rc -eq 1 ] || fail "build_vm without /dev/kvm: status $rc ($out)"
  grep -q "the VM could not start: /dev/kvm" <<<"$out" || fail "build_vm without /dev/kvm: $out"
  echo "run_cli_test: without /dev/kvm, tr run says so (the VM runs are the run_cli_vm test)"
fi
echo "run_cli_test: ok"
