"""The reminder outbox: rows written with the case, claimed and sent by Celery in batches.

Every email goes through here, to patients and to staff (intake.alerts)
alike. A reminder moves pending -> queued -> sending -> sent (or back to
pending with a backoff after a transient SMTP error or a lost connection,
and failed at once on a permanent 5xx reply or after the last attempt; a
patient email failed for good alerts staff).

Dispatch claims what is due in batches of CLAIM_BATCH, one statement per
batch (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two dispatchers never wait
on nor take each other's rows), until nothing is left, and hands each batch's
ids to a worker. The worker moves the batch to `sending` in one statement,
sends it over one SMTP connection and marks the outcomes in bulk, each
update guarded by the state and the claim time it holds: a row someone else
claimed meanwhile is left alone. When two dispatchers or two deliveries of
the same Celery message race, exactly one wins each row.

A queued id that no worker picked up (Redis or the worker was down, or the
broker lost it) is claimed again after QUEUED_LEASE; a row left in `sending`
by a worker that died mid-batch is retried after SENDING_LEASE, with the same
Message-ID so that mail clients fold the rare duplicate into one. A batch
never outlives its lease: it stops starting new sends after BATCH_BUDGET and
hands the rest back.
"""

import logging
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from intake.alerts import alert_is_wanted, alert_recipients, alert_reminder_failed, alerts_for_new_case
from intake.care_reminders import TO_BOOK
from intake.emails import email_connection, email_connection_drop, reminder_message
from intake.models import REQUESTED_KINDS, Case, CaseStatus, Reminder, ReminderKind, ReminderState
from referrals.models import AppointmentState, ReferralStatus
from referrals.vocabulary import Urgency

logger = logging.getLogger(__name__)

# Rows per claim and per worker task (one SMTP connection, one bulk update).
CLAIM_BATCH = 200
# A queued id waits this long for a worker before dispatch claims it again.
QUEUED_LEASE = timedelta(minutes=2)
# A batch stops starting sends after BATCH_BUDGET; its task is killed at BATCH_TIME_LIMIT;
# a row still `sending` after SENDING_LEASE belonged to a worker that died.
BATCH_BUDGET = timedelta(seconds=30)
BATCH_TIME_LIMIT = timedelta(seconds=60)
SENDING_LEASE = timedelta(minutes=2)

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


def reminders_claim_due(*, now: datetime, limit: int | None = None) -> list[int]:
    """Claim a batch (CLAIM_BATCH rows unless `limit`) of what is due or stuck; returns the ids won."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    # PostgreSQL: rows another dispatcher is claiming are skipped, not waited for. SQLite runs
    # one writing statement at a time, so the same statement without the clause is as safe.
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET state = %s, claimed_at = %s WHERE id IN ("
        f" SELECT id FROM {table} WHERE (state = %s AND due_at <= %s)"
        f" OR (state = %s AND claimed_at < %s) OR (state = %s AND claimed_at < %s)"
        f" ORDER BY due_at, id LIMIT %s{lock}) RETURNING id"
    )
    at = connection.ops.adapt_datetimefield_value
    params = [
        ReminderState.QUEUED, at(now),
        ReminderState.PENDING, at(now),
        ReminderState.QUEUED, at(now - QUEUED_LEASE),
        ReminderState.SENDING, at(now - SENDING_LEASE),
        limit or CLAIM_BATCH,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


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
    return reminders_send(reminder_ids=[reminder_id]).get(reminder_id)


def reminders_send(*, reminder_ids: list[int]) -> dict[int, str]:
    """Send a batch of queued reminders over one SMTP connection; returns id -> new state.

    Ids another worker holds (or that are no longer queued) are left out.
    """
    claimed_at = timezone.now()
    won = _claim_for_sending(reminder_ids, claimed_at)
    if not won:
        return {}
    batch = list(
        Reminder.objects.select_related("case__assigned_to", "appointment__location", "referral")
        .filter(pk__in=won)
        .order_by("id")
    )
    outcomes = _deliver(batch, now=claimed_at)
    return _record(batch, outcomes, claimed_at=claimed_at)


def _claim_for_sending(reminder_ids: list[int], claimed_at: datetime) -> list[int]:
    """queued -> sending for the ids still queued, in one statement; returns those this worker won."""
    if not reminder_ids:
        return []
    table = connection.ops.quote_name(Reminder._meta.db_table)
    marks = ", ".join(["%s"] * len(reminder_ids))
    sql = (
        f"UPDATE {table} SET state = %s, claimed_at = %s, attempts = attempts + 1"
        f" WHERE state = %s AND id IN ({marks}) RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value(claimed_at)
        cursor.execute(sql, [ReminderState.SENDING, at, ReminderState.QUEUED, *reminder_ids])
        return [row[0] for row in cursor.fetchall()]


# SMTP replies about one email; the connection goes on serving the rest of the batch.
ABOUT_THIS_EMAIL = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
# Not sent this time, and why: an SMTP reply or a lost connection.
Outcome = str | Exception


def _deliver(batch: list[Reminder], *, now: datetime) -> dict[int, Outcome]:
    """Send each wanted email of the batch on one connection; a lost connection ends the batch."""
    outcomes: dict[int, Outcome] = {}
    stop_at = time.monotonic() + BATCH_BUDGET.total_seconds()
    mailer = None
    try:
        for reminder in batch:
            if not reminder_is_wanted(reminder, now=now):
                outcomes[reminder.pk] = ReminderState.CANCELLED
                continue
            if time.monotonic() > stop_at:
                outcomes[reminder.pk] = ReminderState.PENDING
                continue
            try:
                mailer = mailer or email_connection()
                mailer.send_messages([reminder_message(reminder)])
            except ABOUT_THIS_EMAIL as exc:
                outcomes[reminder.pk] = exc
                if not _still_connected(mailer):
                    mailer = email_connection_drop(mailer)
            except (smtplib.SMTPException, OSError) as exc:
                # The server is gone or hangs: the rest of the batch waits for the retry too.
                mailer = email_connection_drop(mailer)
                for rest in batch:
                    outcomes.setdefault(rest.pk, exc)
                break
            else:
                outcomes[reminder.pk] = ReminderState.SENT
    finally:
        email_connection_drop(mailer, quit=True)
    return outcomes


def _still_connected(mailer) -> bool:
    smtp = getattr(mailer, "connection", None)
    return smtp is None or getattr(smtp, "sock", None) is not None


def _record(batch: list[Reminder], outcomes: dict[int, Outcome], *, claimed_at: datetime) -> dict[int, str]:
    """Mark the batch in bulk; each update holds only the rows still this claim's."""
    states: dict[int, str] = {}
    by_state: dict[str, list[int]] = {}
    for reminder in batch:
        outcome = outcomes[reminder.pk]
        if isinstance(outcome, Exception):
            states[reminder.pk] = _record_failure(reminder, outcome, claimed_at=claimed_at)
        else:
            by_state.setdefault(outcome, []).append(reminder.pk)
    finished_at = timezone.now()
    fields = {
        ReminderState.SENT: {"sent_at": finished_at, "last_error": ""},
        ReminderState.CANCELLED: {},
        # Not tried before the batch's budget ran out: due again at once, the attempt uncounted.
        ReminderState.PENDING: {"attempts": F("attempts") - 1, "claimed_at": None},
    }
    for state, ids in by_state.items():
        mine = Reminder.objects.filter(pk__in=ids, state=ReminderState.SENDING, claimed_at=claimed_at)
        mine.update(state=state, **fields[state])
        states.update(dict.fromkeys(ids, state))
        logger.info("reminders %s: %s", state, len(ids))
    return states


def _finish(reminder: Reminder, state: str, *, claimed_at: datetime, **fields) -> bool:
    """Move the row on, if it is still this claim's; whether it was."""
    mine = Reminder.objects.filter(pk=reminder.pk, state=ReminderState.SENDING, claimed_at=claimed_at)
    moved = mine.update(state=state, **fields) == 1
    logger.info("reminder %s %s", reminder.pk, state if moved else "was claimed again meanwhile")
    return moved


def _record_failure(reminder: Reminder, exc: Exception, *, claimed_at: datetime) -> str | None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    logger.warning("reminder %s attempt %s failed: %s", reminder.pk, reminder.attempts, type(exc).__name__)
    if smtp_error_is_permanent(exc) or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        with transaction.atomic():
            failed = _finish(reminder, ReminderState.FAILED, claimed_at=claimed_at, last_error=error)
            if failed and not reminder.is_staff_alert:
                alert_reminder_failed(reminder)
        return ReminderState.FAILED if failed else None
    due_at = claimed_at + retry_delay(reminder.attempts)
    fields = {"last_error": error, "due_at": due_at}
    # A worker whose send outlived its lease records nothing: the row is another's now.
    moved = _finish(reminder, ReminderState.PENDING, claimed_at=claimed_at, **fields)
    return ReminderState.PENDING if moved else None
