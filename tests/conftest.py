"""Shared fixtures: the personas, a real SMTP server and a real Celery worker."""

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group, Permission, User
from django.db import connections
from django.test import Client
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import Case
from intake.roles import CLINIC_ADMINISTRATOR, CLINICIAN, FRONT_DESK, ROLE_PERMISSIONS
from intake.submission import intake_submit
from referrals.rulebook import get_rulebook
from tests.referrals.care import NOW, staff

IN_CI = bool(os.environ.get("CI"))


# --- Mutation testing (`make mutate`) ------------------------------------------
# mutmut names the mutant under test in MUTANT_UNDER_TEST ("stats" while it
# maps which tests reach which function), and judges each mutant by the tests
# mapped to its function. Two rules keep that to the tests that own the code:
#
# - The referrals app (engine, intake parsing, rulebook) is judged by its own
#   tests (tests/referrals/: the golden cases, the properties, each rule's
#   tests). Every page test routes an intake too; counting them would run most
#   of the suite for each routing mutant, to check what the referrals tests
#   already check.
# - The rulebook is loaded once while mapping, as in production, so the
#   loader's mutants are judged by the tests that load a rulebook themselves
#   (its validation, the small rulebooks, the golden cases on a freshly loaded
#   rulebook). Each run of a mutant forks from a process that has already
#   loaded it, so it is loaded afresh there, with the mutant's code.
OWN_TESTS = {"referrals.": "tests/referrals/"}


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):
        get_rulebook.cache_clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """While mapping, forget what another app's test reached of a module judged by its own tests."""
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    from mutmut.state import state

    reached = state()._stats
    for prefix, tests in OWN_TESTS.items():
        if not item.nodeid.removeprefix("mutants/").startswith(tests):
            reached.difference_update({name for name in reached if name.startswith(prefix)})


@pytest.fixture(autouse=True)
def _clinics_language_after_each_test() -> Iterator[None]:
    """A request in Russian leaves Russian active in the test's thread (the locale middleware
    activates a language per request, nothing deactivates it): the next test would read
    Russian labels outside any request."""
    yield
    translation.deactivate()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """While a mutant is judged, the tests of its own app first, quickest first.

    A caught mutant's run stops at its first failing test (-x), so this only
    shortens runs; every test mapped to the mutant still runs on a survivor.
    Transactional tests stay last: they empty the tables when they end.
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    stats = Path("mutmut-stats.json")
    if "." not in mutant or not stats.exists():
        return
    durations = json.loads(stats.read_text())["duration_by_test"]
    app = f"tests/{mutant.split('.')[0]}/"
    items.sort(
        key=lambda item: (
            _empties_tables(item),
            not item.nodeid.startswith(app),
            durations.get(item.nodeid, 0),
        )
    )


def _empties_tables(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """The test database, with the staff roles the migrations made.

    A transactional test empties every table when it ends, the roles' groups
    included. Within a session those tests run last; but a session that reuses
    the database (`--reuse-db`, as each of mutmut's runs does) starts from the
    emptied one, and every staff test would fail for want of its role, a failure
    that would count as a caught mutant.
    """
    with django_db_blocker.unblock():
        if not Group.objects.exists():
            for role, permissions in ROLE_PERMISSIONS.items():
                group = Group.objects.create(name=role)
                group.permissions.set(
                    [
                        Permission.objects.get(content_type__app_label=app_label, codename=codename)
                        for app_label, codename in permissions
                    ]
                )


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
        # Per message, the client's address and port: one port per SMTP connection.
        self.peers: list[tuple[str, int]] = []
        self.quits = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.original_content))
            self.peers.append(session.peer)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.quits += 1
        return "221 Bye"

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


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


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


PASSWORD = "correct horse battery staple"
LOGIN_URL = "/staff/account/login/"


def staff_member(username: str, *roles: str) -> User:
    """A staff account with these roles (the groups the roles migration made)."""
    user = User.objects.create_user(username, f"{username}@clinic.example", PASSWORD, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def clock(time_machine):
    """The clock stopped at tests.referrals.care.NOW; the care tests use it on every test
    (`pytest.mark.usefixtures("clock")`), and move it with `clock.move_to`."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def desk(db) -> User:
    """A staff member who may book appointments, and nothing else."""
    return staff("desk", "book_appointment")


@pytest.fixture
def front_desk(db) -> User:
    """Front desk: reads cases, keeps contact details right."""
    return staff_member("frank", FRONT_DESK)


@pytest.fixture
def nurse(db) -> User:
    """A clinician: reads cases and routes, triages."""
    return staff_member("nurse", CLINICIAN)


@pytest.fixture
def clinic_admin(db) -> User:
    """The clinic administrator: staff accounts, rules, audit trail, erasure."""
    return staff_member("ada", CLINIC_ADMINISTRATOR)


@pytest.fixture
def visitor(db) -> User:
    """A staff account in no role."""
    return staff_member("visitor")


def totp_device(user: User) -> TOTPDevice:
    """The user's authenticator app, as the sign-in finds it."""
    device = TOTPDevice.objects.filter(user=user, name="default").first()
    return device or TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def totp_now(device: TOTPDevice) -> TOTP:
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now, as a phone computes it."""
    return f"{totp_now(device).token():0{device.digits}d}"


def sign_in_password(client: Client, username: str, password: str = PASSWORD):
    return client.post(
        LOGIN_URL,
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
    )


def sign_in_code(client: Client, code: str, step: str = "token"):
    return client.post(LOGIN_URL, {"login_view-current_step": step, f"{step}-otp_token": code})


def staff_login(client: Client, user: User) -> Client:
    """Sign in through the real two-step sign-in: password, then a code from a real TOTP device.

    A TOTP code works once; signing the same account in again within its 30
    seconds takes a fresh device.
    """
    device = totp_device(user)
    if device.last_t >= totp_now(device).t():
        device.delete()
        device = totp_device(user)
    assert sign_in_password(client, user.get_username()).status_code == 200
    response = sign_in_code(client, totp_code(device))
    assert response.status_code == 302, response.context and response.context["form"].errors
    return client


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    """pytest-django's superuser client, signed in with both factors."""
    admin_user.set_password(PASSWORD)
    admin_user.save()
    return staff_login(client, admin_user)


def grant(user: User, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


# --- Chromium, through Playwright ---------------------------------------------


@pytest.fixture
def browser(live_server):
    executable = chromium_path()
    require(executable is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes around it are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        # With Playwright's loop in this thread, the ORM keeps a connection per
        # context; close it here so the test database can be dropped.
        connections.close_all()
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    return browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
