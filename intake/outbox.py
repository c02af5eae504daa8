"""Writing to the outbox: every email, to a patient or to staff, starts as a Reminder row
written in the transaction of the change that causes it. intake.reminders claims and sends.

After the commit, `outbox_dispatch_now` asks a worker to send what is due at
once. The request only raises a flag: one background thread per process (per
broker) publishes the dispatch task, with short broker timeouts, so a broker
that accepts connections but never answers cannot hold the request that
caused the email; when the publish fails, beat's next tick sends. The thread
keeps its broker connection between publishes, and the commits that come in
while it publishes share the next one: a dispatch claims everything due, so
one publish after a commit is all that commit needs.
"""

import contextlib
import logging
import os
import threading
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from intake.models import Case, Reminder, ReminderState
from portal.celery import app

logger = logging.getLogger(__name__)

DISPATCH_TASK = "intake.tasks.reminders_dispatch"
OPEN_STATES = (ReminderState.PENDING, ReminderState.QUEUED)
# Seconds a publish waits for more commits to share it (an email goes that much later).
PUBLISH_GATHER = 0.05


def outbox_add(
    *,
    case: Case,
    kind: str,
    due_at: datetime,
    key: str = "",
    appointment=None,
    referral=None,
) -> Reminder | None:
    """Write an email's row, at most once per case, kind and key; None when it exists already.

    Call it inside the transaction of the change that causes the email.
    """
    fields = {"due_at": due_at, "appointment": appointment, "referral": referral}
    # A savepoint: a row that exists already leaves the caller's transaction usable.
    with transaction.atomic():
        reminder, created = Reminder.objects.get_or_create(case=case, kind=kind, key=key, defaults=fields)
    if not created:
        return None
    if due_at <= timezone.now():
        transaction.on_commit(outbox_dispatch_now)
    return reminder


def outbox_cancel(reminders: QuerySet[Reminder]) -> int:
    """Cancel the rows not yet being sent; a queued id a worker receives later is then skipped."""
    return reminders.filter(state__in=OPEN_STATES).update(state=ReminderState.CANCELLED, claimed_at=None)


def outbox_dispatch_now() -> None:
    """Ask a worker to send what is due, without waiting for the broker."""
    key = (settings.CELERY_BROKER_URL, settings.BROKER_PUBLISH_TIMEOUT)
    dispatcher = _dispatchers.get(key)
    if dispatcher is None:
        with _dispatchers_lock:
            dispatcher = _dispatchers.get(key) or _dispatchers.setdefault(key, _Dispatcher(*key))
    dispatcher.wanted.set()


class _Dispatcher:
    """The thread that publishes "send what is due" to one broker, once per run of requests for it."""

    def __init__(self, url: str, timeout: int) -> None:
        self.url, self.timeout = url, timeout
        self.wanted = threading.Event()
        self.connection = None
        threading.Thread(target=self._serve, name="outbox-dispatch", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self.wanted.wait()
            # The commits of the next moment share this publish; a busy web process then
            # publishes a few times a second at most, not once per intake.
            time.sleep(PUBLISH_GATHER)
            # Cleared before publishing: a commit from now on gets a publish of its own.
            self.wanted.clear()
            self.publish()

    def publish(self) -> bool:
        # A connection kept from an earlier publish may have been dropped by the broker
        # meanwhile: that one failure is retried at once on a new connection.
        for fresh in (self.connection is None, True):
            try:
                if self.connection is None:
                    options = {
                        "socket_timeout": self.timeout,
                        "socket_connect_timeout": self.timeout,
                        "max_retries": 0,
                    }
                    self.connection = app.connection_for_write(
                        self.url, connect_timeout=self.timeout, transport_options=options
                    )
                app.send_task(DISPATCH_TASK, connection=self.connection, retry=False)
                return True
            except Exception as exc:  # noqa: BLE001 (any broker fault: beat's next tick sends instead)
                self.disconnect()
                if fresh:
                    logger.warning(
                        "broker unavailable (%s): due emails wait for the next dispatch", type(exc).__name__
                    )
                    return False
        return False

    def disconnect(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.release()
            self.connection = None


_dispatchers: dict[tuple[str, int], _Dispatcher] = {}
_dispatchers_lock = threading.Lock()


def _forget_dispatchers() -> None:
    """A forked child (a gunicorn or Celery worker) starts its own thread: the parent's is not in it."""
    global _dispatchers_lock
    _dispatchers.clear()
    _dispatchers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_dispatchers)
