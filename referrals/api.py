"""The life of a route over HTTP: the route contract for anyone, a case's steps for staff.

`POST /routes` is the `suggest_route` command as a web call: stateless, no
sign-in, the body read by the one safe JSON reader and checked by the
engine's own validation, so a bad intake gets exactly the command's lines.
The staff calls act as the API token's user, with that user's permissions,
and go through the same functions as the admin (referral_move,
appointment_book). Every schema's codes come from the vocabulary.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime, ConfigDict

from intake.api_tokens import TokenAuth
from intake.audit import audit_case_read
from intake.models import Case
from referrals.appointments import LONGEST, SHORTEST, WITH_WHOM_MAX_LENGTH, appointment_book
from referrals.engine import suggest_route
from referrals.intakes import (
    AGE_RANGE,
    DURATION_RANGE,
    PREGNANCY_SEXES,
    TRIMESTERS,
    IntakeError,
    parse_intake,
    read_json,
)
from referrals.models import (
    REFERRAL_TRANSITIONS,
    Appointment,
    AppointmentState,
    Location,
    Referral,
    ReferralStatus,
)
from referrals.referral_status import TrackedStep, case_steps, referral_move, referral_move_targets
from referrals.rulebook import get_rulebook
from referrals.vocabulary import (
    Frequency,
    History,
    Pregnancy,
    Sex,
    Specialist,
    Symptom,
    Test,
    Urgency,
)
from referrals.vocabulary import Location as BodyLocation

router = Router(tags=["routes"])
staff = Router(tags=["steps"], auth=TokenAuth())

# Ids are database keys: bounded, so a huge number is a 422, not a database overflow.
Id = Annotated[int, Field(ge=1, le=2**53)]
# PostgreSQL text cannot hold NUL; refusing it here keeps that a field error, not a server error.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
NOTE_MAX_LENGTH = 5000
# How far ahead a visit can be booked.
BOOKING_HORIZON = timedelta(days=2 * 365)


# --- Errors, the same two shapes everywhere -----------------------------------


class Problems(Schema):
    """One line per problem, each naming the field (`symptoms[2]: unknown code 'tingle'`)."""

    problems: list[str]


class Detail(Schema):
    detail: str


STAFF_ERRORS: dict[int, Any] = {401: Detail, 403: Detail, 404: Detail, 422: Problems}


def problems_of(error: ValidationError) -> list[str]:
    """A Django ValidationError as field-named lines."""
    if hasattr(error, "error_dict"):
        return [f"{field}: {message}" for field, errors in error.message_dict.items() for message in errors]
    return list(error.messages)


def request_body(request: HttpRequest) -> bytes:
    """The body, or IntakeError past Django's upload limit (well below read_json's 10 MB)."""
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        raise IntakeError([f"input: more than {limit:g} MB"]) from None


def need(request: HttpRequest, permission: str, what: str) -> None:
    if not request.user.has_perm(permission):
        raise HttpError(403, f"Your role may not {what}.")


# --- The route contract -------------------------------------------------------


class Intake(Schema):
    """One intake, as the route contract defines it. Unknown fields, codes and repeats are refused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Pregnancy applies only to some sexes, and a trimester only to a pregnancy.
            "allOf": [
                {
                    "if": {
                        "properties": {"pregnancy": {"not": {"const": Pregnancy.NO.value}}},
                        "required": ["pregnancy"],
                    },
                    "then": {"properties": {"sex": {"enum": sorted(PREGNANCY_SEXES)}}},
                },
                {
                    "if": {
                        "properties": {"pregnancy_trimester": {"type": "integer"}},
                        "required": ["pregnancy_trimester"],
                    },
                    "then": {
                        "properties": {"pregnancy": {"const": Pregnancy.YES.value}},
                        "required": ["pregnancy"],
                    },
                },
            ]
        },
    )

    sex: Sex
    age: int = Field(ge=AGE_RANGE[0], le=AGE_RANGE[1])
    locations: list[BodyLocation] = Field(min_length=1, json_schema_extra={"uniqueItems": True})
    frequency: Frequency
    duration_days: int | None = Field(None, ge=DURATION_RANGE[0], le=DURATION_RANGE[1])
    symptoms: list[Symptom] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
    history: list[History] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
    pregnancy: Pregnancy = Pregnancy.NO
    pregnancy_trimester: int | None = Field(None, ge=min(TRIMESTERS), le=max(TRIMESTERS))
    menstruation_related: bool = False


class RouteStep(Schema):
    order: int
    specialist: Specialist
    urgency: Urgency
    reasons: list[str]
    rules: list[str]


class Citation(Schema):
    id: str
    source: str
    section: str
    evidence: str


class Route(Schema):
    urgency: Urgency
    steps: list[RouteStep]
    tests: list[Test]
    advice: list[str]
    rules: list[Citation]
    rulebook: str


INTAKE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Intake"}}},
    }
}


@router.post(
    "/routes",
    url_name="route_suggest",
    auth=None,
    response={200: Route, 422: Problems, 429: Detail},
    summary="Suggest a route for one intake",
    description=(
        "The route contract over HTTP: send one intake (JSON), get its route. Stateless, no sign-in, "
        "rate-limited per address. A bad intake gets 422 with one line per problem, naming the field, "
        "exactly as `manage.py suggest_route` prints them."
    ),
    openapi_extra=INTAKE_BODY,
)
def route_suggest(request: HttpRequest):
    try:
        intake = parse_intake(read_json(request_body(request)))
    except IntakeError as error:
        return Status(422, {"problems": error.problems})
    return Status(200, suggest_route(intake, get_rulebook()))


# --- A case's steps, for staff ---------------------------------------------------


class Place(Schema):
    id: int
    name: str
    address: str


class AppointmentOut(Schema):
    id: int
    specialist: Specialist
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    location: Place
    with_whom: str
    state: AppointmentState
    sequence: int
    replaces: int | None


class StepOut(Schema):
    order: int
    specialist: Specialist
    urgency: Urgency
    status: ReferralStatus
    status_changed_at: datetime
    due_by: datetime
    overdue: bool
    appointment: AppointmentOut | None


def place_out(location: Location) -> dict[str, Any]:
    return {"id": location.pk, "name": location.name, "address": location.address}


def appointment_out(appointment: Appointment, specialist: str) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "specialist": specialist,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "duration_minutes": int(appointment.duration.total_seconds() // 60),
        "location": place_out(appointment.location),
        "with_whom": appointment.with_whom,
        "state": appointment.state,
        "sequence": appointment.sequence,
        "replaces": appointment.replaces_id,
    }


def step_out(tracked: TrackedStep) -> dict[str, Any]:
    step, referral = tracked.step, tracked.referral
    booked = tracked.appointment
    return {
        "order": step.order,
        "specialist": step.specialist,
        "urgency": step.urgency,
        "status": referral.status,
        "status_changed_at": referral.status_changed_at,
        "due_by": tracked.due_by,
        "overdue": tracked.is_overdue(),
        "appointment": appointment_out(booked, step.specialist) if booked else None,
    }


def case_appointments(case: Case) -> list[dict[str, Any]]:
    """Every appointment of the case, booked or not, in time order."""
    rows = (
        Appointment.objects.filter(referral__case=case)
        .select_related("location", "referral")
        .order_by("starts_at", "id")
    )
    return [appointment_out(row, row.referral.specialist) for row in rows]


def _step(case_id: int, specialist: Specialist) -> tuple[Case, Referral]:
    case = get_object_or_404(Case.objects.select_related("route"), pk=case_id)
    referral = get_object_or_404(Referral, case=case, specialist=specialist)
    return case, referral


def _tracked(case: Case, specialist: str) -> dict[str, Any]:
    tracked = next(step for step in case_steps(case=case) if step.step.specialist == specialist)
    return step_out(tracked)


class StatusChange(Schema):
    model_config = ConfigDict(extra="forbid")

    status: ReferralStatus
    note: Text = Field("", max_length=NOTE_MAX_LENGTH, description="Required to decline or cancel a step.")


class Booking(Schema):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="With its UTC offset, e.g. 2030-05-04T09:30:00+02:00.")
    location: Id = Field(description="A place from GET /locations.")
    with_whom: Text = Field("", max_length=WITH_WHOM_MAX_LENGTH)
    duration_minutes: int = Field(
        int(timedelta(minutes=30).total_seconds() // 60),
        ge=int(SHORTEST.total_seconds() // 60),
        le=int(LONGEST.total_seconds() // 60),
    )


@staff.get(
    "/locations", response={200: list[Place], **STAFF_ERRORS}, summary="The places the clinic uses now"
)
def locations(request: HttpRequest):
    need(request, "intake.view_case", "read cases")
    return Status(200, [place_out(location) for location in Location.objects.filter(active=True)])


@staff.post(
    "/cases/{case_id}/steps/{specialist}/status",
    response={200: StepOut, **STAFF_ERRORS},
    summary="Record a step's new referral status",
)
def step_status(request: HttpRequest, case_id: Id, specialist: Specialist, change: StatusChange):
    need(request, "referrals.move_referral", "record a step's status")
    case, referral = _step(case_id, specialist)
    audit_case_read(request, case, page="API: step status")
    allowed = {code for code, _ in referral_move_targets(user=request.user, referral=referral)}
    possible = set(REFERRAL_TRANSITIONS[referral.status]) - {ReferralStatus.BOOKED}
    if change.status in possible - allowed:
        # A move the step may make, but not by this member (the front desk records outcomes only).
        raise HttpError(403, f"status: your role cannot record {change.status!r} for this step")
    try:
        with set_actor(request.user):
            referral_move(referral=referral, to=change.status, by=request.user, note=change.note)
    except ValidationError as error:
        return Status(422, {"problems": problems_of(error)})
    return Status(200, _tracked(case, specialist))


@staff.post(
    "/cases/{case_id}/steps/{specialist}/appointments",
    response={201: AppointmentOut, **STAFF_ERRORS},
    summary="Book an appointment for a step",
)
def step_book(request: HttpRequest, case_id: Id, specialist: Specialist, booking: Booking):
    need(request, "referrals.book_appointment", "book appointments")
    case, referral = _step(case_id, specialist)
    audit_case_read(request, case, page="API: booking")
    location = Location.objects.filter(pk=booking.location).first()
    if location is None:
        return Status(422, {"problems": [f"location: no place with id {booking.location}"]})
    if booking.starts_at > timezone.now() + BOOKING_HORIZON:
        return Status(422, {"problems": ["starts_at: more than two years ahead"]})
    try:
        with set_actor(request.user):
            appointment = appointment_book(
                referral=referral,
                starts_at=booking.starts_at,
                location=location,
                with_whom=booking.with_whom,
                duration=timedelta(minutes=booking.duration_minutes),
                by=request.user,
            )
    except ValidationError as error:
        return Status(422, {"problems": problems_of(error)})
    return Status(201, appointment_out(appointment, specialist))
