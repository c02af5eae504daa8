"""Shared helpers for the outbox tests: what the SMTP server received, and beat's tick."""

import asyncio
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from email.message import Message

import pytest
from django.utils import timezone

from intake.models import Reminder, ReminderState
from intake.reminders import reminders_claim_due
from intake.tasks import reminders_send_task
from referrals.vocabulary import History, Specialist, Symptom, Urgency
from tests.conftest import Inbox, wait_until

STAFF = "desk@clinic.example"
# Words that would tell a reader something about the patient's health. Left out:
# "soon" ("how soon" is how emails speak of booking) and "emergency" (every email
# gives the emergency services' number); "doctor" is a specialist's label too.
UNSPOKEN = {Urgency.SOON, Urgency.EMERGENCY}
HEALTH_WORDS = [
    *Symptom.values,
    *Symptom.labels,
    *History.values,
    *History.labels,
    *Specialist.values,
    *Specialist.labels,
    *(urgency.value for urgency in Urgency if urgency not in UNSPOKEN),
    *(urgency.label for urgency in Urgency if urgency not in UNSPOKEN),
    "self-care",
]


def text_of(message: Message) -> str:
    return message["Subject"] + "\n" + message.get_payload(decode=True).decode()


def health_words_in(message: Message, *, allowed: tuple[str, ...] = ()) -> list[str]:
    text = text_of(message).lower()
    return [word for word in HEALTH_WORDS if word.lower() in text and word not in allowed]


def per_address(messages: list[Message]) -> Counter:
    return Counter(address.strip() for message in messages for address in message["To"].split(","))


def link(message: Message, pattern: str) -> str:
    """The path of the first link in the body that matches `pattern`, without the site."""
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://testserver(" + pattern + r")", body).group(1)


def beat_tick() -> list[int]:
    """What beat's dispatch does at the current (travelled) time; the real worker sends each id.

    Returns the ids claimed, once the worker has finished with every row in hand.
    A dispatch asked for after a commit may claim a due row first: assert on
    what arrived and on the rows' states, not on which dispatch sent them.
    """
    claimed = []
    while batch := reminders_claim_due(now=timezone.now()):
        reminders_send_task.delay(batch)
        claimed += batch
    busy = (ReminderState.QUEUED, ReminderState.SENDING)
    assert wait_until(lambda: not Reminder.objects.filter(state__in=busy).exists(), 60)
    return claimed


class ScriptedInbox(Inbox):
    """An SMTP handler that answers the next messages with the replies given, then accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpt_replies: list[str] = []
        self.data_replies: list[str] = []
        # Run (in a thread) after a message is received, before the server answers 250.
        self.while_accepting: Callable[[], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if self.rcpt_replies:
            self.peers.append(session.peer)
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        if self.data_replies:
            return self.data_replies.pop(0)
        if self.while_accepting is not None:
            await asyncio.to_thread(self.while_accepting)
        return await super().handle_DATA(server, session, envelope)


class SilentListener:
    """A loopback TCP server that accepts connections and never answers: a hung broker or SMTP server.

    `hang_up=True` closes each connection at once instead: a lost connection.
    """

    def __init__(self, *, hang_up: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hang_up = hang_up
        self.accepted: list[socket.socket] = []
        self.closed_by_client = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.hang_up:
                conn.close()
            else:
                self.accepted.append(conn)
                threading.Thread(target=self._watch, args=(conn,), daemon=True).start()

    def _watch(self, conn: socket.socket) -> None:
        try:
            while conn.recv(4096):
                pass
        except OSError:
            return
        if not self._stop.is_set():
            self.closed_by_client += 1

    def stop(self) -> None:
        self._stop.set()
        for conn in self.accepted:
            conn.close()
        self.sock.close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def module_worker(django_db_setup, django_db_blocker):
    """A real Celery worker shared by a module's tests: starting and stopping one takes seconds.

    Use with transactional tests (the worker's thread has its own connection).
    """
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False):
        yield


@pytest.fixture
def scripted_smtp(settings):
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    inbox = ScriptedInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()
