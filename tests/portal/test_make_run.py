"""`make run` as a developer uses it: on a free port, in a folder of its own, stopped with Ctrl-C."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from portal.run import site_url
from tests.conftest import free_port, wait_until
from tests.portal.servers import ROOT, clean_env, fetch, manage

TOKEN = ".eJxTKkktLlGyUlAqzs9NVagFAD6iBvI:1tZyQk:Run-Token-Signature_4c3b2a"
LAST_LINE = "Ctrl-C stops the web server, the worker and beat."
SUBMIT = (
    "from intake.submission import intake_submit; "
    "intake_submit(contact={'name': 'Dana Example', 'email': 'dana@example.org', 'phone': ''}, "
    "answers={'sex': 'male', 'age': 52, 'locations': ['along_spine'], 'frequency': 'once'})"
)


def descendants(pid: int) -> dict[int, str]:
    """Every living process below pid, with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = command_line(child)
                frontier.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent to read its exit status."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def processes_using(folder: Path) -> list[int]:
    """Living processes whose environment names this folder."""
    needle = str(folder).encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle in (entry / "environ").read_bytes() and alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def make_run(tmp_path):
    """`make run` started as a terminal would, in a process group of its own; killed if a test fails."""
    port = free_port()
    log = tmp_path / "run.log"
    env = clean_env(PORTAL_VAR_DIR=str(tmp_path / "var"))
    with log.open("w") as out:
        # -o: use the installed .venv as it is, whatever the age of pyproject.toml.
        process = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run", f"ADDR=127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    yield process, port, log, env
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_it_runs_everything_and_stops_everything_on_ctrl_c(make_run):
    process, port, log, env = make_run
    assert wait_until(lambda: LAST_LINE in log.read_text() or process.poll() is not None, timeout=180)
    output = log.read_text()
    assert LAST_LINE in output, output
    children = descendants(process.pid)
    for service in ("runserver", "worker", "beat"):
        assert any(service in command for command in children.values()), children

    # The services are up before the login and the addresses, which come last.
    ready = max(output.index("celery@"), output.index("beat: Starting"))
    assert ready < output.index("Demo staff login") < output.index(f"Patient intake:  http://127.0.0.1:{port}/")
    summary = output[output.index("Demo staff login"):output.index(LAST_LINE)]
    assert " | " not in summary  # no service's line in the middle of it

    # Email links point at the address served: the worker writes the confirmation.
    assert manage(env, "shell", "-c", SUBMIT).returncode == 0
    mail = Path(env["PORTAL_VAR_DIR"]) / "mail"
    assert wait_until(lambda: "/status/" in "".join(p.read_text() for p in mail.glob("*")), timeout=60)
    email = "".join(p.read_text() for p in mail.glob("*"))
    assert f"http://127.0.0.1:{port}/status/" in email and "127.0.0.1:8000" not in email

    # runserver's request log keeps no token and no search.
    assert fetch(port, f"/status/{TOKEN}/?q=Dana").status == 404
    assert wait_until(lambda: "django.server" in log.read_text().split(LAST_LINE)[-1])
    assert '"GET /status/[redacted]/?q=[redacted] HTTP/1.1" 404' in log.read_text()

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    process.wait(timeout=120)
    assert [pid for pid in children if alive(pid)] == []
    assert processes_using(Path(env["PORTAL_VAR_DIR"])) == []
    output = log.read_text()
    assert "Run-Token" not in output and "Dana" not in output
    assert output.rstrip().endswith("Stopped.")


@pytest.mark.parametrize(
    ("addr", "url"),
    [("8000", "http://127.0.0.1:8000"), ("0.0.0.0:8001", "http://127.0.0.1:8001"), ("[::1]:8002", "http://[::1]:8002")],
)
def test_it_derives_email_links_from_the_address_served(addr, url):
    assert site_url(addr) == url


def test_it_refuses_an_address_without_a_port():
    command = [sys.executable, "-m", "portal.run", "localhost"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "ADDR must be [host:]port" in result.stderr
