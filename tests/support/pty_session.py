"""pty_session.py TR-RUN-ARGV...: drives an interactive shell in a tr run
VM on a pseudo-terminal, as a person at a terminal would, and checks what
the screen shows: the prompt, a command's output, the terminal's size at
the start and after a resize, Ctrl-C ending a running command, and the
shell's exit status becoming tr's. The command must be a shell whose
prompt is PS1 (the test passes --env PS1=...). Exits 0 when all holds,
else 1 with the transcript."""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

PROMPT = b"tr-prompt$ "
TIMEOUT = float(os.environ.get("TR_PTY_TIMEOUT", "300"))


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Session:
    def __init__(self, argv):
        self.transcript = b""
        self.mark = 0  # where the next expect starts looking
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            set_size(0, 30, 100)
            os.execv(argv[0], argv)

    def fail(self, what):
        sys.stderr.write(f"FAIL: {what}\n--- transcript ---\n{self.transcript.decode(errors='replace')}\n")
        os.kill(self.pid, signal.SIGKILL)
        sys.exit(1)

    def expect(self, needle, what, timeout=TIMEOUT):
        """Reads until `needle` appears after everything seen so far."""
        deadline = time.monotonic() + timeout
        while True:
            at = self.transcript.find(needle, self.mark)
            if at >= 0:
                self.mark = at + len(needle)
                return
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"{what}: no {needle!r} within {timeout:.0f} s")
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    self.fail(f"{what}: the session ended before {needle!r}")
                self.transcript += chunk

    def send(self, text):
        os.write(self.fd, text)

    def wait_status(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ready, _, _ = select.select([self.fd], [], [], 1.0)
                if ready:
                    chunk = os.read(self.fd, 65536)
                    self.transcript += chunk
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        self.fail("the session did not end after exit")


def main():
    s = Session(sys.argv[1:])
    s.expect(PROMPT, "the first prompt")
    s.send(b"stty size\r")
    s.expect(b"30 100", "stty size at the start (the host terminal is 30x100)")
    s.expect(PROMPT, "the prompt after stty")
    # A resize of the host terminal reaches the guest's; the size change
    # travels asynchronously, so ask until it shows (bounded).
    set_size(s.fd, 40, 120)
    for attempt in range(30):
        s.send(b"stty size\r")
        s.expect(PROMPT, "the prompt after stty")
        if b"40 120" in s.transcript[-200:]:
            break
        time.sleep(1)
    else:
        s.fail("stty size never showed the resize to 40x120")
    s.send(b"busybox sleep 1000\r")
    # The shell's line editor echoes the line and its end itself (raw).
    s.expect(b"sleep 1000", "the echo of the sleep command")
    s.expect(b"\n", "the end of the echoed line")
    time.sleep(3)
    s.send(b"\x03")
    s.expect(PROMPT, "the prompt after Ctrl-C stopped sleep", timeout=120)
    s.send(b"echo after-$?\r")
    s.expect(b"after-130", "the shell after Ctrl-C: sleep's status 130 (SIGINT)")
    s.send(b"exit 7\r")
    status = s.wait_status()
    if status != 7:
        s.fail(f"tr's status is {status}, not the shell's 7")
    print("pty_session: prompt, size, resize, Ctrl-C and exit status all as expected")


if __name__ == "__main__":
    main()
