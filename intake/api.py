"""Cases over HTTP, for staff with an API token, and the intake as a FHIR Questionnaire for anyone.

Each call acts as the token's user and needs the permission the admin page
would: reading cases needs `view_case`, a case's route and its FHIR export
`view_route` as well. Every call that reads a case is in the audit trail,
as a page view is.
"""

import re
from datetime import date, datetime
from math import ceil
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator

from intake.api_tokens import StaffSession, TokenAuth
from intake.audit import audit_case_read, audit_search
from intake.fhir import QUESTIONNAIRE_ID, case_bundle, questionnaire
from intake.models import Case, CaseStatus, ReminderState
from referrals.api import (
    STAFF_ERRORS,
    AppointmentOut,
    Citation,
    Detail,
    Id,
    StepOut,
    case_appointments,
    need,
    step_out,
)
from referrals.api import RouteStep as RouteStepOut
from referrals.intakes import shown
from referrals.referral_status import case_steps
from referrals.routes import RouteView, route_current, route_engine_view
from referrals.vocabulary import Test, Urgency

router = Router(tags=["cases"], auth=TokenAuth())
fhir = Router(tags=["FHIR"])

PAGE_SIZE_MAX = 100
LIST_PARAMETERS = frozenset(
    {"urgency", "status", "assigned", "created_from", "created_to", "page", "page_size"}
)
FHIR_JSON = "application/fhir+json"
# A user name as Django allows it; "me" and "nobody" are the two words the filter adds.
Assigned = Annotated[
    str, Field(pattern=r"^[\w.@+-]{1,150}$", description='"me", "nobody" or a staff member\'s user name')
]


def _iso_date(value: Any) -> Any:
    # Without this, pydantic would read "0" as a Unix time.
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_date)]


class CaseSummary(Schema):
    id: int
    name: str
    email: str
    phone: str
    urgency: Urgency
    status: CaseStatus
    created_at: datetime
    assigned_to: str | None
    closed_at: datetime | None
    erased: bool


class CasePage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[CaseSummary]


class Revision(Schema):
    number: int
    by: str
    at: datetime
    reason: str


class RouteOut(Schema):
    urgency: Urgency
    steps: list[RouteStepOut]
    tests: list[Test]
    rulebook: str
    rules: list[Citation]
    revision: Revision | None


class Routes(Schema):
    """The route the case follows now (the latest override, or the engine's), and the engine's own."""

    current: RouteOut
    engine: RouteOut


class ReminderOut(Schema):
    id: int
    # A plain code, not an enum: the outbox gains kinds, and a row of a kind since retired
    # must still read, not fail the whole case.
    kind: str = Field(description="The email's kind in the outbox, e.g. confirmation.")
    state: ReminderState
    due_at: datetime
    sent_at: datetime | None


class CaseDetail(CaseSummary):
    answers: dict[str, Any]
    route: Routes | None = Field(description="Only for roles that read routes (view_route).")
    steps: list[StepOut]
    appointments: list[AppointmentOut]
    reminders: list[ReminderOut]


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "name": case.name,
        "email": case.email,
        "phone": case.phone,
        "urgency": case.urgency,
        "status": case.status,
        "created_at": case.created_at,
        "assigned_to": case.assigned_to.get_username() if case.assigned_to else None,
        "closed_at": case.closed_at,
        "erased": case.erased_at is not None,
    }


def route_out(route: RouteView) -> dict[str, Any]:
    revision = route.revision
    return {
        "urgency": route.urgency,
        "steps": [step.as_dict() for step in route.steps],
        "tests": list(route.tests),
        "rulebook": route.rulebook,
        "rules": [
            {key: str(citation.get(key, "")) for key in ("id", "source", "section", "evidence")}
            for citation in route.citations
        ],
        "revision": {
            "number": revision.number,
            "by": revision.by.get_username(),
            "at": revision.created_at,
            "reason": revision.reason,
        }
        if revision
        else None,
    }


def _filtered(
    request: HttpRequest,
    *,
    urgency: Urgency | None,
    status: CaseStatus | None,
    assigned: str | None,
    created_from: date | None,
    created_to: date | None,
) -> QuerySet[Case]:
    cases = Case.objects.select_related("assigned_to").order_by("-created_at", "-id")
    if urgency:
        cases = cases.filter(urgency=urgency)
    if status:
        cases = cases.filter(status=status)
    if assigned == "me":
        cases = cases.filter(assigned_to=request.user)
    elif assigned == "nobody":
        cases = cases.filter(assigned_to__isnull=True)
    elif assigned:
        cases = cases.filter(**{f"assigned_to__{get_user_model().USERNAME_FIELD}": assigned})
    if created_from:
        cases = cases.filter(created_at__date__gte=created_from)
    if created_to:
        cases = cases.filter(created_at__date__lte=created_to)
    return cases


@router.get("/cases", response={200: CasePage, **STAFF_ERRORS}, summary="List cases, newest first")
def case_list(
    request: HttpRequest,
    urgency: Urgency | None = None,
    status: CaseStatus | None = None,
    assigned: Assigned | None = None,
    created_from: Annotated[Day | None, Query(description="Cases made on this day or later")] = None,
    created_to: Annotated[Day | None, Query(description="Cases made on this day or earlier")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 25,
):
    need(request, "intake.view_case", "read cases")
    unknown = [name for name in request.GET if name not in LIST_PARAMETERS]
    if unknown:
        # As in the route contract: a misspelt filter is an error, not a silently wider list.
        return Status(422, {"problems": [f"{shown(name)}: unknown parameter" for name in unknown]})
    cases = _filtered(
        request,
        urgency=urgency,
        status=status,
        assigned=assigned,
        created_from=created_from,
        created_to=created_to,
    )
    count = cases.count()
    audit_search(request, results=count)
    start = (page - 1) * page_size
    items = [case_summary(case) for case in cases[start : start + page_size]]
    return Status(
        200,
        {
            "count": count,
            "page": page,
            "pages": max(1, ceil(count / page_size)),
            "page_size": page_size,
            "items": items,
        },
    )


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetail, **STAFF_ERRORS},
    summary="A case with its route, steps, appointments and reminders",
)
def case_detail(request: HttpRequest, case_id: Id):
    need(request, "intake.view_case", "read cases")
    case = get_object_or_404(Case.objects.select_related("assigned_to", "route"), pk=case_id)
    audit_case_read(request, case, page="API: case")
    routes = None
    if request.user.has_perm("referrals.view_route"):
        current, engine = route_current(case=case), route_engine_view(case.route)
        routes = {"current": route_out(current), "engine": route_out(engine)}
    reminders = []
    if request.user.has_perm("intake.view_reminder"):
        reminders = case.reminders.order_by("due_at", "id")
    return Status(
        200,
        {
            **case_summary(case),
            "answers": case.answers,
            "route": routes,
            "steps": [step_out(tracked) for tracked in case_steps(case=case)],
            "appointments": case_appointments(case),
            "reminders": [
                {"id": r.pk, "kind": r.kind, "state": r.state, "due_at": r.due_at, "sent_at": r.sent_at}
                for r in reminders
            ],
        },
    )


FHIR_RESPONSE = {
    "responses": {
        200: {
            "description": "A FHIR R4 resource",
            "content": {FHIR_JSON: {"schema": {"type": "object", "required": ["resourceType"]}}},
        }
    }
}


def fhir_response(resource: dict[str, Any]) -> JsonResponse:
    return JsonResponse(resource, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False})


@router.get(
    "/cases/{case_id}/fhir",
    url_name="case_fhir",
    auth=[TokenAuth(), StaffSession()],
    response={401: Detail, 403: Detail, 404: Detail, 422: STAFF_ERRORS[422]},
    summary="A case as a FHIR R4 Bundle",
    openapi_extra=FHIR_RESPONSE,
)
def case_fhir(request: HttpRequest, case_id: Id):
    need(request, "intake.view_case", "read cases")
    need(request, "referrals.view_route", "export a case's route")
    case = get_object_or_404(Case.objects.select_related("route"), pk=case_id)
    audit_case_read(request, case, page="API: FHIR export")
    response = fhir_response(case_bundle(case))
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}.fhir.json"'
    return response


@fhir.get(
    f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}",
    auth=None,
    summary="The intake's questions as a FHIR R4 Questionnaire",
    openapi_extra=FHIR_RESPONSE,
)
def fhir_questionnaire(request: HttpRequest):
    return fhir_response(questionnaire())
