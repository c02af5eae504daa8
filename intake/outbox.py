"""Writing to the outbox: every email, to a patient or to staff, starts as a Reminder row
written in the transaction of the change that causes it. intake.reminders claims and sends.

After the commit, `outbox_dispatch_now` asks a worker to send what is due at
once. It publishes from a background thread with short broker timeouts, so a
broker that accepts connections but never answers cannot hold the request
that caused the email; when the publish fails, beat's next tick sends.
"""

import logging
import threading
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
    args = (settings.CELERY_BROKER_URL, settings.BROKER_PUBLISH_TIMEOUT)
    threading.Thread(target=_publish_dispatch, args=args, name="outbox-dispatch", daemon=True).start()


def _publish_dispatch(url: str, timeout: int) -> None:
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
    try:
        with app.connection_for_write(url, connect_timeout=timeout, transport_options=options) as conn:
            app.send_task(DISPATCH_TASK, connection=conn, retry=False)
    except Exception as exc:  # noqa: BLE001 (any broker fault: beat's next tick sends instead)
        logger.warning("broker unavailable (%s): due emails wait for the next dispatch", type(exc).__name__)
