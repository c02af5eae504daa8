"""The audit trail of cases: who changed what (old and new values), who read what, and when.

django-auditlog records every save of a case and of what hangs off it
(reminders, internal notes, the route, its steps and revisions, each step's
referral status, moves and appointments, and the clinic's locations) as a JSON diff, with the signed-in
staff member from its middleware. Reads are recorded here: a staff member
opening a case page, a staff search of cases (who and when and how many
matched, never the words searched), and a patient opening their status page
(when only: no address is stored anywhere in the trail).
"""

from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from intake.models import Case, CaseNote, Reminder

PATIENT_READ = "patient status page"


def audit_register() -> None:
    """Put cases and everything attached to them under the audit trail (at start-up)."""
    from referrals.models import (
        Appointment,
        Location,
        Referral,
        ReferralMove,
        RevisionStep,
        Route,
        RouteRevision,
        RouteStep,
    )

    models = (Case, Reminder, CaseNote, Route, RouteStep, RouteRevision, RevisionStep)
    for model in (*models, Referral, ReferralMove, Appointment, Location):
        if not auditlog.contains(model):
            # A case's route is a row of its own, with its own entries: reading the
            # reverse relation would cost every case save a query and record nothing.
            auditlog.register(model, exclude_fields=["route"] if model is Case else None)


def _staff(request: HttpRequest) -> dict:
    user = request.user
    return {"actor": user, "actor_email": user.email} if user.is_authenticated else {}


def audit_case_read(request: HttpRequest, case: Case, *, page: str = "case page") -> LogEntry:
    """A staff member read a case's page (or its audit trail)."""
    return LogEntry.objects.log_create(
        case, action=LogEntry.Action.ACCESS, force_log=True, additional_data={"read": page}, **_staff(request)
    )


def audit_search(request: HttpRequest, *, results: int) -> LogEntry:
    """A staff member searched the cases: who, when and how many matched; not the words."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_pk="",
        object_repr="Search of cases",
        action=LogEntry.Action.ACCESS,
        additional_data={"search": True, "results": results},
        **_staff(request),
    )


def audit_patient_view(case: Case) -> LogEntry:
    """The patient opened their status page: when, and nothing about who or where from."""
    return LogEntry.objects.log_create(
        case,
        action=LogEntry.Action.ACCESS,
        force_log=True,
        actor=None,
        additional_data={"read": PATIENT_READ},
    )


def case_audit_entries(case: Case) -> QuerySet[LogEntry]:
    """Every audit row of a case and of what hangs off it (reminders, notes, route, steps,
    revisions, referrals, moves, appointments), newest first."""
    from referrals.models import Appointment, Referral, ReferralMove, Route, RouteRevision, RouteStep

    def pks(rows: QuerySet) -> list:
        return list(rows.values_list("pk", flat=True))

    related = {
        Case: [case.pk],
        Reminder: pks(case.reminders.all()),
        CaseNote: pks(case.notes.all()),
        Route: pks(Route.objects.filter(case=case)),
        RouteStep: pks(RouteStep.objects.filter(route__case=case)),
        RouteRevision: pks(RouteRevision.objects.filter(route__case=case)),
        Referral: pks(Referral.objects.filter(case=case)),
        ReferralMove: pks(ReferralMove.objects.filter(referral__case=case)),
        Appointment: pks(Appointment.objects.filter(referral__case=case)),
    }
    rows = Q(pk__in=[])
    for model, pks in related.items():
        if pks:
            content_type = ContentType.objects.get_for_model(model)
            rows |= Q(content_type=content_type, object_pk__in=[str(pk) for pk in pks])
    return LogEntry.objects.filter(rows).select_related("actor", "content_type").order_by("-timestamp", "-pk")


def audit_row(entry: LogEntry) -> dict[str, Any]:
    """One audit row as the audit page shows it: when, who, what, and the old and new values."""
    data = entry.additional_data or {}
    if data.get("read") == PATIENT_READ:
        who = "the patient"
    else:
        who = entry.actor.get_username() if entry.actor else entry.actor_email or "the portal"
    changes = [(field, values[0], values[1]) for field, values in (entry.changes_dict or {}).items()]
    return {
        "when": entry.timestamp,
        "who": who,
        "action": entry.get_action_display(),
        "object": entry.object_repr,
        "read": data.get("read", ""),
        "erased": data.get("erased", ""),
        "changes": changes,
    }
