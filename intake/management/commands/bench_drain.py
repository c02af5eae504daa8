"""bench_drain: how fast a real worker drains a backlog of due reminders, beside plain smtplib.

In one run, against one SMTP server (aiosmtpd, on a free loopback port in
this process):

- the baseline: the same portal email sent COUNT times by a plain smtplib
  loop on one connection;
- the portal: COUNT due reminders made by the portal's own code in a database
  of the bench's own (on the configured server: PostgreSQL when DATABASE_URL
  says so), one dispatch published to the configured broker, and a real
  worker (`celery -A portal worker`, a process of its own) sending them.

The drain's time runs from the dispatch to the last email the server
accepted; every Message-ID is counted, so a lost or duplicated email is
reported (on standard error, with exit status 1). Prints one line on standard
output. The worker, the server and the database are gone when it returns.
"""

import logging
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from intake.emails import reminder_message
from intake.models import Case, Reminder, ReminderKind, ReminderState
from intake.reminders import reminders_for_new_case
from portal.celery import app
from referrals.engine import suggest_route
from referrals.intakes import parse_intake

ROOT = Path(__file__).resolve().parents[3]
ANSWERS = {"sex": "male", "age": 52, "locations": ["along_spine"], "frequency": "once"}
WAIT_SECONDS = 600


class Counting:
    """An aiosmtpd handler that counts the Message-IDs it accepted."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.total = 0
        self.first_at = self.last_at = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message_id = ""
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
                break
            if not line:
                break
        with self.lock:
            self.received[message_id] += 1
            self.total += 1
            self.last_at = time.perf_counter()
            if self.total == 1:
                self.first_at = self.last_at
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.received, self.total = Counter(), 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def database_url(config: dict[str, Any]) -> str:
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    user = quote(config.get("USER") or "", safe="")
    password = f":{quote(config['PASSWORD'], safe='')}" if config.get("PASSWORD") else ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{user}{password}@{config.get('HOST') or '127.0.0.1'}{port}/{config['NAME']}"


class Command(BaseCommand):
    help = "Time a real worker draining due reminders against a plain smtplib loop."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=10_000, help="due reminders (and baseline emails)")
        parser.add_argument("--concurrency", type=int, default=2, help="the worker's processes")

    def handle(self, *args: Any, count: int, concurrency: int, **options: Any) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
        folder = Path(tempfile.mkdtemp(prefix="bench-drain-"))
        handler = Counting()
        smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
        smtp.start()
        old_name = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})
        connection.settings_dict["TEST"]["NAME"] = (
            str(folder / "bench.sqlite3") if connection.vendor == "sqlite" else f"bench_drain_{old_name}"
        )
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        worker = None
        try:
            due = self.make_due_reminders(count)
            raw = self.raw_rate(smtp.port, handler, due)
            worker = self.start_worker(smtp.port, folder, concurrency)
            portal, lost, duplicates = self.drain(handler, due, worker)
        finally:
            if worker is not None:
                self.stop_worker(worker)
            smtp.stop()
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write(
            f"reminder drain: {portal:.0f} emails/s; raw smtplib {raw:.0f} emails/s; ratio {portal / raw:.2f}"
        )
        if lost or duplicates:
            self.stderr.write(f"lost {lost}, duplicates {duplicates}")
            sys.exit(1)

    def make_due_reminders(self, count: int) -> list[Reminder]:
        """COUNT cases as an intake makes them, with their reminders: one confirmation each is due."""
        intake = parse_intake(ANSWERS)
        urgency = suggest_route(intake)["urgency"]
        now = timezone.now()
        cases = Case.objects.bulk_create(
            Case(name=f"Bench {i}", email=f"bench{i}@example.org", consented_at=now,
                 answers=intake.as_dict(), urgency=urgency)
            for i in range(count)
        )
        rows = [row for case in cases for row in reminders_for_new_case(case, now=now)]
        Reminder.objects.bulk_create(rows, batch_size=2000)
        due = list(
            Reminder.objects.filter(state=ReminderState.PENDING, due_at__lte=timezone.now())
            .select_related("case")
        )
        if len(due) != count or any(r.kind != ReminderKind.CONFIRMATION for r in due):
            raise CommandError(f"expected {count} due confirmations, made {len(due)} due reminders")
        return due

    def raw_rate(self, port: int, handler: Counting, due: list[Reminder]) -> float:
        """The floor: the same email's bytes, COUNT times, on one smtplib connection."""
        message = reminder_message(due[0]).message()
        data = message.as_bytes(linesep="\r\n")
        sender, to = settings.DEFAULT_FROM_EMAIL, [due[0].case.email]
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            started = time.perf_counter()
            for _ in due:
                client.sendmail(sender, to, data)
            elapsed = time.perf_counter() - started
        handler.reset()
        return len(due) / elapsed

    def start_worker(self, smtp_port: int, folder: Path, concurrency: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PORTAL_VAR_DIR": str(settings.VAR_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "STAFF_ALERT_EMAILS": "",
            "LOG_LEVEL": "INFO",
        }
        log = folder / "worker.log"
        celery = Path(sys.executable).parent / "celery"
        with log.open("w") as out:
            worker = subprocess.Popen(
                [str(celery), "-A", "portal", "worker", "--pool=prefork", f"--concurrency={concurrency}",
                 "--without-gossip", "--without-mingle", "-n", f"bench-drain-{os.getpid()}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.worker_log = log
        return worker

    def drain(
        self, handler: Counting, due: list[Reminder], worker: subprocess.Popen
    ) -> tuple[float, int, int]:
        """From the first email the server accepted to the last: the worker's start is not counted."""
        expected = {f"<reminder-{r.pk}.{r.case.public_id}@" for r in due}
        app.send_task("intake.tasks.reminders_dispatch")
        if not wait_for(lambda: handler.total >= len(due) or worker.poll() is not None, WAIT_SECONDS):
            raise CommandError(f"only {handler.total} of {len(due)} emails arrived in {WAIT_SECONDS} s")
        if worker.poll() is not None:
            raise CommandError(f"the worker stopped:\n{self.worker_log.read_text()[-2000:]}")
        elapsed = handler.last_at - handler.first_at
        busy = (ReminderState.PENDING, ReminderState.QUEUED, ReminderState.SENDING)
        wait_for(lambda: not Reminder.objects.filter(state__in=busy, due_at__lte=timezone.now()).exists(), 60)
        time.sleep(1)  # a late duplicate would arrive now
        received = {mid.split("@")[0] + "@": n for mid, n in handler.received.items()}
        lost = len(expected - received.keys())
        duplicates = sum(n - 1 for mid, n in received.items() if mid in expected)
        return (len(due) - 1) / elapsed, lost, duplicates

    def stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
