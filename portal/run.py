"""`make run`: the web server, the Celery worker and beat in one terminal.

Each service runs in a process group of its own, so the terminal's Ctrl-C
reaches this supervisor only; it stops every group (SIGTERM, then SIGKILL
after a grace period), waits for them and leaves nothing running. It prints
the demo staff login and the addresses last, once the web server answers and
the worker and beat have started. Email links point at the address served
unless SITE_URL is set.

    python -m portal.run 127.0.0.1:8000
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 15
START_TIMEOUT_SECONDS = 120
# After the services are up, wait for their start-up chatter to settle so
# that the login and the addresses are the last lines on the screen.
QUIET_SECONDS, QUIET_CAP_SECONDS = 1.0, 5.0


def split_addr(addr: str) -> tuple[str, int]:
    """runserver's address ("8000", "0.0.0.0:8000", "[::1]:8000") as a host to reach and a port."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host in {"0.0.0.0", "::"}:
        host = "127.0.0.1"
    return host, int(port)


def site_url(addr: str) -> str:
    host, port = split_addr(addr)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class Service:
    """One child process in its own process group, its output prefixed with its name."""

    def __init__(self, name: str, args: list[str], ready_text: str | None = None) -> None:
        self.name, self.args, self.ready_text = name, args, ready_text
        self.ready = threading.Event()
        self.process: subprocess.Popen | None = None
        self.pump: threading.Thread | None = None

    def start(self, env: dict[str, str], console: "Console") -> None:
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True,
        )
        self.pump = threading.Thread(target=self._forward, args=(console,), daemon=True)
        self.pump.start()

    def _forward(self, console: "Console") -> None:
        for line in self.process.stdout:
            console.write(f"{self.name:>6} | {line.rstrip()}")
            if self.ready_text and self.ready_text in line:
                self.ready.set()

    def exited(self) -> bool:
        return self.process.poll() is not None

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


class Console:
    """Lines from several threads, whole, with the time of the last one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_line_at = time.monotonic()

    def write(self, line: str) -> None:
        with self.lock:
            print(line, flush=True)
            self.last_line_at = time.monotonic()


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stop_all(services: list[Service]) -> None:
    """SIGTERM to every group, SIGKILL to what is left after the grace period; reap everything."""
    started = [service for service in services if service.process]
    for service in started:
        service.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for service in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for service in started:
        # Also ends anything the leader left behind in its group (pool children).
        service.signal_group(signal.SIGKILL)
        service.process.wait()
        service.pump.join(timeout=5)


def run(addr: str) -> int:
    host, port = split_addr(addr)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("SITE_URL", site_url(addr))
    celery = [sys.executable, "-m", "celery", "-A", "portal"]
    services = [
        Service("web", [sys.executable, "manage.py", "runserver", "--noreload", addr]),
        # The solo pool: one process, which a SIGTERM stops after the task at hand.
        Service("worker", [*celery, "worker", "--loglevel=INFO", "--pool=solo"], ready_text=" ready."),
        Service("beat", [*celery, "beat", "--loglevel=INFO"], ready_text="beat: Starting"),
    ]
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    console = Console()
    try:
        for service in services:
            service.start(env, console)
        if not _wait(stopping, services, lambda: _all_up(services, host, port), START_TIMEOUT_SECONDS):
            return _report_failure(stopping, services)
        _wait(stopping, services, lambda: time.monotonic() - console.last_line_at > QUIET_SECONDS,
              QUIET_CAP_SECONDS)
        _print_summary(env, console, addr)
        _wait(stopping, services, lambda: False, None)
        return _report_failure(stopping, services)
    finally:
        console.write("Stopping web, worker and beat ...")
        stop_all(services)
        console.write("Stopped.")


def _all_up(services: list[Service], host: str, port: int) -> bool:
    if not services[0].ready.is_set() and port_open(host, port):
        services[0].ready.set()
    return all(service.ready.is_set() for service in services)


def _wait(stopping: threading.Event, services: list[Service], done, timeout: float | None) -> bool:
    """Until done() (True), or a signal, a service's exit or the timeout (False)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not stopping.wait(0.2):
        if any(service.exited() for service in services):
            return False
        if done():
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False
    return False


def _report_failure(stopping: threading.Event, services: list[Service]) -> int:
    if stopping.is_set():
        return 0
    for service in services:
        if service.exited():
            print(f"{service.name} stopped (exit status {service.process.returncode}).", flush=True)
            return 1
    print(f"The services did not start within {START_TIMEOUT_SECONDS} s.", flush=True)
    return 1


def _print_summary(env: dict[str, str], console: Console, addr: str) -> None:
    login = subprocess.run(
        [sys.executable, "manage.py", "demo_staff"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    url = site_url(addr)
    lines = [
        "",
        *login.stdout.rstrip().splitlines(),
        *login.stderr.rstrip().splitlines(),
        f"Patient intake:  {url}/",
        f"Staff console:   {url}/admin/",
        f"Email links:     {env['SITE_URL']}/",
        f"Emails are written to {env.get('PORTAL_VAR_DIR', 'var')}/mail/ unless EMAIL_HOST is set.",
        "Ctrl-C stops the web server, the worker and beat.",
    ]
    with console.lock:
        print("\n".join(lines), flush=True)
        console.last_line_at = time.monotonic()


def main(argv: list[str]) -> int:
    addr = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    try:
        split_addr(addr)
    except ValueError:
        print(f"ADDR must be [host:]port, e.g. 127.0.0.1:8000, not {addr!r}", file=sys.stderr)
        return 2
    return run(addr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
