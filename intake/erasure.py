"""Erasure of a patient's personal data, by an administrator or after RETENTION_DAYS.

The case stays, so that the clinic's anonymous counts (urgency, status,
route, answers by age and sex) still add up; its name, email and phone go,
its status link stops working (a new public id), its unsent reminders are
cancelled, the free text staff wrote about the patient (internal notes, the
notes on a step's moves and on a closed appointment) is erased, and the
audit trail is scrubbed of the old values: an audit row
must not keep what the erasure removed. The erasure itself is audited.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet

from intake.models import Case, CaseNote, CaseStatus, Reminder, ReminderState

ERASED = "[erased]"
PERSONAL_FIELDS = ("name", "email", "phone")
# Reminder fields that may quote the patient's address (an SMTP error does).
REMINDER_PERSONAL_FIELDS = ("last_error",)
RETENTION_BATCH = 200


def _staff_texts(case: Case) -> list[tuple[Any, QuerySet, str]]:
    """The free-text fields staff write about a patient, per model: (model, the case's rows, field)."""
    from referrals.models import Appointment, ReferralMove

    return [
        (CaseNote, CaseNote.objects.filter(case=case), "text"),
        (ReferralMove, ReferralMove.objects.filter(referral__case=case), "note"),
        (Appointment, Appointment.objects.filter(referral__case=case), "close_note"),
    ]


def case_erase(*, case: Case, now: datetime, reason: str, actor: AbstractBaseUser | None = None) -> bool:
    """Erase the patient's personal data from a case; False if it was already erased."""
    with transaction.atomic():
        erased = Case.objects.filter(pk=case.pk, erased_at__isnull=True).update(
            name=ERASED, email="", phone="", public_id=uuid.uuid4(), erased_at=now
        )
        if not erased:
            return False
        unsent = [ReminderState.PENDING, ReminderState.QUEUED]
        case.reminders.filter(state__in=unsent).update(state=ReminderState.CANCELLED)
        case.reminders.update(last_error="")
        for _model, rows, field in _staff_texts(case):
            rows.exclude(**{field: ""}).update(**{field: ERASED})
        case.refresh_from_db()
        _scrub_audit(case)
        LogEntry.objects.log_create(
            case,
            action=LogEntry.Action.UPDATE,
            force_log=True,
            changes={field: ["(personal data)", ERASED] for field in PERSONAL_FIELDS},
            additional_data={"erased": reason},
            actor=actor,
            actor_email=getattr(actor, "email", None),
        )
    return True


def _scrub(changes: dict | None, fields: tuple[str, ...]) -> dict | None:
    if not changes:
        return changes
    return {
        field: [ERASED if value not in (None, "", "None") else value for value in values]
        if field in fields
        else values
        for field, values in changes.items()
    }


def _scrub_audit(case: Case) -> None:
    """Replace the erased values in the case's audit rows and in Django's admin history."""
    case_type = ContentType.objects.get_for_model(Case)
    for entry in LogEntry.objects.filter(content_type=case_type, object_pk=str(case.pk)):
        entry.changes = _scrub(entry.changes, PERSONAL_FIELDS)
        entry.object_repr, entry.changes_text, entry.serialized_data = str(case), "", None
        entry.save(update_fields=["changes", "object_repr", "changes_text", "serialized_data"])
    reminder_pks = [str(pk) for pk in case.reminders.values_list("pk", flat=True)]
    reminder_type = ContentType.objects.get_for_model(Reminder)
    for entry in LogEntry.objects.filter(content_type=reminder_type, object_pk__in=reminder_pks):
        entry.changes = _scrub(entry.changes, REMINDER_PERSONAL_FIELDS)
        entry.save(update_fields=["changes"])
    for model, rows, field in _staff_texts(case):
        pks = [str(pk) for pk in rows.values_list("pk", flat=True)]
        content_type = ContentType.objects.get_for_model(model)
        for entry in LogEntry.objects.filter(content_type=content_type, object_pk__in=pks):
            entry.changes = _scrub(entry.changes, (field,))
            entry.changes_text, entry.serialized_data = "", None
            entry.save(update_fields=["changes", "changes_text", "serialized_data"])
    AdminLogEntry.objects.filter(content_type=case_type, object_id=str(case.pk)).update(object_repr=str(case))


def cases_anonymise_expired(*, now: datetime) -> int:
    """Erase closed cases older than RETENTION_DAYS since closing (off when 0); returns how many."""
    days = settings.RETENTION_DAYS
    if not days:
        return 0
    expired = Case.objects.filter(
        status=CaseStatus.CLOSED, erased_at__isnull=True, closed_at__lte=now - timedelta(days=days)
    )
    reason = f"retention: closed more than {days} days ago"
    return sum(case_erase(case=case, now=now, reason=reason) for case in expired[:RETENTION_BATCH])
