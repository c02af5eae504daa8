"""Fault tests: real processes the tests can break.

Each test gets a Redis server of its own (on a free port, so it can kill,
pause or flush it), an SMTP server that can accept, hold its reply, answer
451 or 550 or be down, and real workers (`celery -A portal worker`, processes
of their own) on that Redis and the test database. What counts is what the
SMTP server received.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from intake.management.commands.bench_drain import database_url
from intake.models import Reminder, ReminderState
from portal.celery import app
from tests.conftest import Inbox, free_port, require, wait_until
from tests.intake.mail import STAFF, ScriptedInbox
from tests.portal.servers import ROOT, port_open

BIN = Path(sys.executable).parent
DISPATCH = "intake.tasks.reminders_dispatch"
SEND_BATCH = "intake.tasks.reminders_send_task"
# Bounds on every wait: a fault test fails, it never hangs.
ARRIVES = 60


class RedisServer:
    """redis-server on a free loopback port, nothing kept on disk."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        assert wait_until(lambda: port_open(self.port), 30), "redis-server did not start"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def flushall(self) -> None:
        redis.Redis(port=self.port, socket_timeout=5).flushall()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.kill()


@pytest.fixture
def broker(settings, tmp_path) -> Iterator[RedisServer]:
    """A Redis of the test's own; the web side's publish ("send what is due now") goes there."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(tmp_path)
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


def publish(url: str, task: str, *args) -> None:
    """Publish a task to this broker (beat's tick, or a batch the test claimed itself)."""
    with app.connection_for_write(url) as conn:
        app.send_task(task, args=args, connection=conn, retry=False)


def beat_tick(url: str) -> None:
    publish(url, DISPATCH)


def tick_after_leases(url: str, *, later) -> list[int]:
    """Beat's tick at a later time (past every lease): claims one batch and publishes it.

    One claim only: seen from `later`, the rows a worker is sending now would look stale.
    """
    claimed = _claim(later)
    if claimed:
        publish(url, SEND_BATCH, claimed)
    return claimed


def _claim(now) -> list[int]:
    from intake.reminders import reminders_claim_due

    return reminders_claim_due(now=now)


class FaultyInbox(ScriptedInbox):
    """Accepts, or answers as scripted; `hold_next` messages are received and their 250 held back."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_next = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.data_replies:
            return self.data_replies.pop(0)
        reply = await Inbox.handle_DATA(self, server, session, envelope)
        if self.hold_next:
            self.hold_next -= 1
            self.holding.set()
            await asyncio.to_thread(self.release.wait, ARRIVES)
        return reply

    def message_ids(self) -> Counter:
        with self.arrived:
            return Counter(message["Message-ID"] for message in self.messages)


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = FaultyInbox()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.inbox.release.set()
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.up()
    yield server
    server.down()


class Worker:
    """`celery -A portal worker` (one pool process) on the test's Redis, database and SMTP server."""

    def __init__(self, name: str, broker: RedisServer, smtp: SmtpServer, folder: Path) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "CELERY_BROKER_URL": broker.url,
            "PORTAL_VAR_DIR": str(folder),
            "SECRET_KEY": "fault-tests-only-secret-key-0123456789abcdefghijklmnop",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_TIMEOUT": "5",
            "STAFF_ALERT_EMAILS": STAFF,
            "SITE_URL": "http://testserver",
        }
        self.log = folder / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "portal", "worker", "--pool=prefork", "--concurrency=1",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_child(self) -> None:
        """SIGKILL the pool process that runs the task; the worker starts another."""
        [child] = self.children()
        os.kill(child, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the whole worker, pool and all, as a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def workers(transactional_db, broker, smtp, tmp_path) -> Iterator[callable]:
    """Start workers with `workers()`; every one is stopped before the database is flushed."""
    started: list[Worker] = []

    def start(name: str = "worker") -> Worker:
        worker = Worker(f"{name}{len(started)}", broker, smtp, tmp_path)
        started.append(worker)
        return worker

    yield start
    smtp.inbox.release.set()
    for worker in started:
        worker.stop()


def settled() -> bool:
    """No email in hand: nothing queued or being sent, nothing pending that is due."""
    busy = Reminder.objects.filter(state__in=(ReminderState.QUEUED, ReminderState.SENDING))
    due = Reminder.objects.filter(state=ReminderState.PENDING, due_at__lte=timezone.now())
    return not busy.exists() and not due.exists()


def wait_settled(*workers: Worker) -> None:
    logs = "\n".join(worker.output()[-3000:] for worker in workers)
    assert wait_until(settled, ARRIVES), f"emails still in hand:\n{logs}"


BOB_ANSWERS = {"sex": "male", "age": 52, "locations": ["along_spine"], "frequency": "once"}


def intake(email: str):
    """A patient's intake through the portal's own code: a confirmation due at once, and the
    publish of "send what is due now" after the commit."""
    from intake.submission import intake_submit

    return intake_submit(contact={"name": "Pat Example", "email": email}, answers=BOB_ANSWERS)


def confirmation_id(case) -> str:
    from intake.models import ReminderKind

    reminder = case.reminders.get(kind=ReminderKind.CONFIRMATION)
    return f"<reminder-{reminder.pk}.{case.public_id}@localhost>"
