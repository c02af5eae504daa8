"""Shared fixtures: the personas, a real SMTP server and a real Celery worker."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Permission, User

from intake.management.commands.demo_staff import staff_group
from intake.models import Case
from intake.submission import intake_submit
from referrals.rulebook import get_rulebook

IN_CI = bool(os.environ.get("CI"))


# --- Mutation testing (`make mutate`) ------------------------------------------
# mutmut names the mutant under test in MUTANT_UNDER_TEST ("stats" while it
# maps which tests reach which function). Its runs fork from a process that
# has already loaded the rulebook once, so the rulebook is loaded afresh: for
# every test while mapping (each routing test then counts as reaching the
# loader), and once per run of a mutant (so the tests route with its code).


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):
        get_rulebook.cache_clear()


@pytest.fixture(autouse=True)
def _rulebook_loaded_per_test_while_mapping_mutants() -> None:
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        get_rulebook.cache_clear()


def require(condition: bool, why: str) -> None:
    """Skip a test whose tool is missing on a developer's machine; under CI, fail it."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI is set: a missing tool fails the run)")
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.original_content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)


@pytest.fixture
def smtp_server(settings) -> Iterator[Inbox]:
    """A real SMTP server on loopback; the portal's email settings point at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_down(settings) -> None:
    """Email settings pointing at a loopback port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[None]:
    """A real Celery worker, in this process, on the configured broker (Redis under CI)."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_until(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def chromium_path() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


# --- Personas ---------------------------------------------------------------

ALICE_ANSWERS = {
    "sex": "female",
    "age": 34,
    "locations": ["lower_back"],
    "frequency": "regular",
    "symptoms": ["tingling"],
    "history": [],
}
BOB_ANSWERS = {"sex": "male", "age": 52, "locations": ["along_spine"], "frequency": "once"}


@pytest.fixture
def alice(db) -> Case:
    """A patient with a red flag: her route sends her to the neurologist urgently."""
    contact = {"name": "Alice Example", "email": "alice@example.org", "phone": ""}
    return intake_submit(contact=contact, answers=ALICE_ANSWERS)


@pytest.fixture
def bob(db) -> Case:
    """A patient with a single episode and nothing else: self-care."""
    contact = {"name": "Bob Example", "email": "bob@example.org", "phone": "+1 555 0100"}
    return intake_submit(contact=contact, answers=BOB_ANSWERS)


@pytest.fixture
def nurse(db) -> User:
    """Clinic staff: in the staff group the demo login uses."""
    user = User.objects.create_user("nurse", "nurse@clinic.example", "pw", is_staff=True)
    user.groups.add(staff_group())
    return user


@pytest.fixture
def visitor(db) -> User:
    """A staff account without any case permission."""
    return User.objects.create_user("visitor", "visitor@clinic.example", "pw", is_staff=True)


def grant(user: User, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
