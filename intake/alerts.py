"""Staff alerts: outbox rows like the patient reminders, sent to STAFF_ALERT_EMAILS and to
the case's assignee (intake.emails). An alert names the case number, what happened and an
admin link; nothing about the patient's health, name or answers.

An alert row is written only when someone would receive it (STAFF_ALERT_EMAILS
set, or the case assigned), and cancelled at sending when nobody would.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from intake.models import Case, CaseStatus, Reminder, ReminderKind
from intake.outbox import outbox_add
from referrals.vocabulary import Urgency

# Intakes staff hear about the moment they arrive.
ALERT_AT_ONCE = frozenset({Urgency.EMERGENCY, Urgency.URGENT})


def alerts_for_new_case(case: Case, *, now: datetime) -> list[Reminder]:
    """The alert rows an intake writes with the case, for its own bulk insert."""
    if case.urgency not in ALERT_AT_ONCE or not alert_recipients(case):
        return []
    return [Reminder(case=case, kind=ReminderKind.ALERT_NEW_CASE, due_at=now)]


def untriaged_alert_after(urgency: str) -> timedelta:
    """How long a case of this urgency may stay untriaged before staff are alerted."""
    return timedelta(minutes=settings.UNTRIAGED_ALERT_MINUTES[urgency])


def alerts_untriaged_add(*, now: datetime) -> int:
    """Write an alert for each case still untriaged past its deadline, once per case; returns how many."""
    overdue = Q()
    for urgency in Urgency.values:
        overdue |= Q(urgency=urgency, created_at__lte=now - untriaged_alert_after(urgency))
    cases = Case.objects.filter(overdue, status=CaseStatus.NEW).exclude(
        reminders__kind=ReminderKind.ALERT_UNTRIAGED
    )
    if not settings.STAFF_ALERT_EMAILS:
        cases = cases.filter(assigned_to__is_active=True, assigned_to__email__gt="")
    rows = [
        Reminder(case_id=pk, kind=ReminderKind.ALERT_UNTRIAGED, due_at=now)
        for pk in cases.values_list("pk", flat=True)
    ]
    # A row another beat tick wrote meanwhile wins: the constraint keeps one per case.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def alert_reminder_failed(reminder: Reminder) -> Reminder | None:
    """Tell staff an email to the patient failed for good (write it with the failed state)."""
    if not alert_recipients(reminder.case):
        return None
    return outbox_add(
        case=reminder.case,
        kind=ReminderKind.ALERT_REMINDER_FAILED,
        key=str(reminder.pk),
        due_at=timezone.now(),
    )


def alert_patient_cancelled(appointment) -> Reminder | None:
    """Tell staff the patient cancelled an appointment from their reminder's link."""
    if not alert_recipients(appointment.referral.case):
        return None
    return outbox_add(
        case=appointment.referral.case,
        kind=ReminderKind.ALERT_PATIENT_CANCELLED,
        key=str(appointment.pk),
        appointment=appointment,
        due_at=timezone.now(),
    )


def alert_unsubscribed(case: Case) -> Reminder | None:
    """Tell staff the patient turned reminder emails off (once per time they do)."""
    if not alert_recipients(case):
        return None
    return outbox_add(
        case=case,
        kind=ReminderKind.ALERT_UNSUBSCRIBED,
        key=case.unsubscribed_at.isoformat(),
        due_at=timezone.now(),
    )


def alert_is_wanted(reminder: Reminder) -> bool:
    """An untriaged alert is moot once someone triaged the case; the others always stand."""
    if reminder.kind == ReminderKind.ALERT_UNTRIAGED:
        return reminder.case.status == CaseStatus.NEW
    return True


def alert_recipients(case: Case) -> list[str]:
    """STAFF_ALERT_EMAILS and the assignee's address, each once, in that order."""
    addresses = [*settings.STAFF_ALERT_EMAILS]
    if case.assigned_to_id and case.assigned_to.is_active and case.assigned_to.email:
        addresses.append(case.assigned_to.email)
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())
