"""The reminder outbox: rows written with the case, claimed and sent by Celery.

Every email goes through here, to patients and to staff (intake.alerts)
alike. A reminder moves pending -> queued -> sending -> sent (or back to
pending with a backoff after a transient SMTP error or a lost connection,
and failed at once on a permanent 5xx reply or after the last attempt; a
patient email failed for good alerts staff).
Each move is a conditional update on the row's current state, so when two
dispatchers or two deliveries of the same Celery message race, exactly one
wins. A queued id that no worker picked up (Redis or the worker was down)
is claimed again after QUEUED_LEASE; a row left in `sending` by a worker
that died mid-send is retried after SENDING_LEASE, with the same Message-ID
so that mail clients fold a rare duplicate into one.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from intake.alerts import alert_is_wanted, alert_recipients, alert_reminder_failed, alerts_for_new_case
from intake.care_reminders import TO_BOOK
from intake.emails import reminder_message
from intake.models import REQUESTED_KINDS, Case, CaseStatus, Reminder, ReminderKind, ReminderState
from referrals.models import AppointmentState, ReferralStatus
from referrals.vocabulary import Urgency

logger = logging.getLogger(__name__)

CLAIM_BATCH = 200
QUEUED_LEASE = timedelta(minutes=5)
SENDING_LEASE = timedelta(minutes=15)

# How long after the intake the patient is reminded to book the therapist.
BOOKING_DELAY = {
    Urgency.EMERGENCY: timedelta(minutes=15),
    Urgency.URGENT: timedelta(hours=2),
    Urgency.SOON: timedelta(days=1),
    Urgency.ROUTINE: timedelta(days=3),
    Urgency.SELF_CARE: timedelta(days=14),
}


def reminders_for_new_case(case: Case, *, now: datetime) -> list[Reminder]:
    return [
        Reminder(case=case, kind=ReminderKind.CONFIRMATION, due_at=now),
        Reminder(case=case, kind=ReminderKind.BOOK_THERAPIST, due_at=now + BOOKING_DELAY[case.urgency]),
        *alerts_for_new_case(case, now=now),
    ]


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the first, second, third ... failed attempt."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def reminders_due(*, now: datetime) -> list[tuple[int, str, datetime | None]]:
    """What is due (or stuck) as a dispatcher sees it now: (id, state, claimed_at) per row."""
    claimable = (
        Q(state=ReminderState.PENDING, due_at__lte=now)
        | Q(state=ReminderState.QUEUED, claimed_at__lt=now - QUEUED_LEASE)
        | Q(state=ReminderState.SENDING, claimed_at__lt=now - SENDING_LEASE)
    )
    rows = Reminder.objects.filter(claimable).order_by("due_at", "id")
    return list(rows.values_list("pk", "state", "claimed_at")[:CLAIM_BATCH])


def reminders_claim(seen: list[tuple[int, str, datetime | None]], *, now: datetime) -> list[int]:
    """Claim the rows still as they were seen; returns the ids this caller won.

    By the time a dispatcher claims, another may have claimed the same rows:
    the update only applies to a row whose state and claim time are unchanged.
    """
    won = []
    for pk, state, claimed_at in seen:
        mine = Reminder.objects.filter(pk=pk, state=state, claimed_at=claimed_at)
        if mine.update(state=ReminderState.QUEUED, claimed_at=now) == 1:
            won.append(pk)
    return won


def reminders_claim_due(*, now: datetime) -> list[int]:
    """Claim what is due (or stuck) for sending; returns the ids this caller won."""
    return reminders_claim(reminders_due(now=now), now=now)


# What each patient email needs to still make sense when its turn comes.
STILL_WANTED: dict[str, Callable[[Reminder, datetime], bool]] = {
    ReminderKind.BOOK_THERAPIST: lambda r, now: r.case.status in (CaseStatus.NEW, CaseStatus.TRIAGED),
    ReminderKind.APPOINTMENT: lambda r, now: (
        r.appointment.state == AppointmentState.BOOKED and r.appointment.starts_at > now
    ),
    ReminderKind.BOOK_NEXT_STEP: lambda r, now: r.referral.status in TO_BOOK,
    ReminderKind.MISSED_VISIT: lambda r, now: r.referral.status == ReferralStatus.NO_SHOW,
}


def reminder_is_wanted(reminder: Reminder, *, now: datetime | None = None) -> bool:
    """Whether the email still makes sense now: the row may have waited for days."""
    if reminder.is_staff_alert:
        return alert_is_wanted(reminder) and bool(alert_recipients(reminder.case))
    case = reminder.case
    if case.status == CaseStatus.CLOSED:
        return False
    if not case.wants_reminders and reminder.kind not in REQUESTED_KINDS:
        return False
    check = STILL_WANTED.get(reminder.kind)
    return check is None or check(reminder, now or timezone.now())


def smtp_error_is_permanent(exc: Exception) -> bool:
    """A 5xx reply about this email: sending it again would be refused again.

    A refused login (530, 535) is the portal's own settings, not the email:
    it is retried, like a 4xx reply or a lost connection.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def reminder_send(*, reminder_id: int) -> str | None:
    """Send one queued reminder; returns its new state, or None if another worker has it."""
    now = timezone.now()
    claimed = Reminder.objects.filter(pk=reminder_id, state=ReminderState.QUEUED).update(
        state=ReminderState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    reminder = Reminder.objects.select_related(
        "case__assigned_to", "appointment__location", "referral"
    ).get(pk=reminder_id)
    if not reminder_is_wanted(reminder, now=now):
        return _finish(reminder, ReminderState.CANCELLED, claim=now)
    try:
        reminder_message(reminder).send()
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(reminder, exc, claim=now)
    return _finish(reminder, ReminderState.SENT, claim=now, sent_at=timezone.now(), last_error="")


def _finish(reminder: Reminder, state: str, *, claim: datetime, **fields) -> str | None:
    """Record the outcome, unless the send outlived its lease and another worker took the row over."""
    mine = Reminder.objects.filter(pk=reminder.pk, state=ReminderState.SENDING, claimed_at=claim)
    if mine.update(state=state, **fields) != 1:
        logger.warning("reminder %s was taken over by another worker: %s not recorded", reminder.pk, state)
        return None
    logger.info("reminder %s %s", reminder.pk, state)
    return state


def _record_failure(reminder: Reminder, exc: Exception, *, claim: datetime) -> str | None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    logger.warning("reminder %s attempt %s failed: %s", reminder.pk, reminder.attempts, type(exc).__name__)
    if smtp_error_is_permanent(exc) or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        with transaction.atomic():
            state = _finish(reminder, ReminderState.FAILED, claim=claim, last_error=error)
            if state == ReminderState.FAILED and not reminder.is_staff_alert:
                alert_reminder_failed(reminder)
        return state
    retry = {"due_at": claim + retry_delay(reminder.attempts), "claimed_at": None}
    return _finish(reminder, ReminderState.PENDING, claim=claim, last_error=error, **retry)
