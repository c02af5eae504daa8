"""Real portal processes for the deploy and run tests: a clean environment, start, fetch, stop."""

import http.client
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The test run's own services and settings must not leak into the processes started here.
OURS = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "CI", "SECRET_KEY", "DEBUG", "EMAIL_", "SITE_URL",
        "PORTAL_VAR_DIR", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "STATIC_ROOT", "BEHIND_PROXY")


def clean_env(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    clean.update(env)
    return clean


SECRET_KEY = "deploy-tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def production_env(folder: Path, **env: str) -> dict[str, str]:
    """The README's production settings, with SQLite and the static files in a folder of the test's own."""
    settings = {
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "localhost",
        "BEHIND_PROXY": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "PORTAL_VAR_DIR": str(folder),
        "CLINIC_PHONE": "+1 555 0199",
    }
    return clean_env(**{**settings, **env})


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


def fetch(port: int, path: str, **headers: str) -> Response:
    """One request, redirects not followed; Host is localhost unless given."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def gunicorn(env: dict[str, str], port: int, log: Path) -> Server:
    """gunicorn as the README starts it, both its logs (and Django's) in one file."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "portal/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(process, port, log)
    wait_until(lambda: port_open(port) or process.poll() is not None, timeout=60)
    if not port_open(port):
        server.stop()
        raise AssertionError(f"gunicorn did not start:\n{server.output()}")
    return server
