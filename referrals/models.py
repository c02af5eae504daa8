"""The life of a case's route: as suggested, as revised by clinicians, as followed.

The engine's route keeps the rulebook version it was made with and copies
every reason and citation, so a later rulebook never rewrites what a patient
and staff were shown. A clinician's override never edits it either: it adds a
revision. Each step is tracked as a referral (suggested ... done) with its
moves and appointments.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from referrals.vocabulary import TEST_PURPOSES, Specialist, Test, Urgency, urgency_time_frame, urgency_within


class RouteReading:
    """A route as the patient reads it, every sentence once: for the engine's route and a revision alike.

    A class using it has `urgency`, `tests` and `advice`, and gives its steps
    in order through `step_list()` (a related manager on the stored route, a
    tuple on referrals.routes.RouteView).
    """

    urgency: str
    tests: Any
    advice: Any

    def step_list(self) -> Sequence[Any]:
        raise NotImplementedError

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY

    @property
    def time_frame(self) -> str:
        return urgency_time_frame(self.urgency)

    def test_labels(self) -> list[str]:
        return [Test(code).label for code in self.tests]

    def tests_explained(self) -> list[tuple[str, str]]:
        """Each test's plain name with one line on what it looks for."""
        return [(Test(code).label, TEST_PURPOSES.get(code, "")) for code in self.tests]

    def patient_steps(self) -> list["PatientStep"]:
        """The steps with the reasons a patient reads under each.

        A reason that several steps share (a neurologist or an orthopaedist)
        is said once, under the first of them; the others point to that step.
        """
        said: dict[str, int] = {}
        shown = []
        for step in self.step_list():
            own = [reason for reason in dict.fromkeys(step.reasons) if reason not in said]
            earlier = [said[reason] for reason in step.reasons if reason in said]
            said.update((reason, step.order) for reason in own)
            shown.append(PatientStep(step=step, reasons=own, see_step=min(earlier, default=None)))
        return shown

    def patient_advice(self) -> list[str]:
        """Lifestyle advice, once each; none on an emergency, where only calling for help matters."""
        if self.is_emergency:
            return []
        reasons = {reason for step in self.step_list() for reason in step.reasons}
        return [line for line in dict.fromkeys(self.advice) if line not in reasons]


class StepReading:
    """A step as the patient reads it, stored or in a RouteView."""

    urgency: str

    @property
    def time_frame(self) -> str:
        return urgency_time_frame(self.urgency)


class Route(RouteReading, models.Model):
    case = models.OneToOneField("intake.Case", models.CASCADE, related_name="route")
    rulebook = models.CharField(max_length=50)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    tests = models.JSONField(default=list, blank=True)
    advice = models.JSONField(default=list, blank=True)
    citations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Route for case {self.case_id} ({self.rulebook})"

    def step_list(self) -> Sequence["RouteStep"]:
        return self.steps.all()


class RouteStep(StepReading, models.Model):
    route = models.ForeignKey(Route, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    specialist = models.CharField(max_length=40, choices=Specialist.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    reasons = models.JSONField(default=list)
    rules = models.JSONField(default=list)

    class Meta:
        ordering = ["route", "order"]
        constraints = [
            models.UniqueConstraint(fields=["route", "order"], name="route_step_order_unique"),
            models.UniqueConstraint(fields=["route", "specialist"], name="route_step_specialist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_specialist_display()} ({self.get_urgency_display()})"


@dataclass(frozen=True)
class PatientStep:
    # A RouteStep, or a referrals.routes.StepView.
    step: StepReading
    reasons: list[str]
    # The earlier step where a reason this step shares is given.
    see_step: int | None


def route_record(*, case: Any, route: dict[str, Any]) -> Route:
    """Store an engine route (the contract's dict) for a case, each step a suggested referral."""
    stored = route_row(case=case, route=route)
    stored.save()
    RouteStep.objects.bulk_create(route_step_rows(stored=stored, route=route))
    Referral.objects.bulk_create(route_referral_rows(case=case, route=route))
    return stored


def route_row(*, case: Any, route: dict[str, Any]) -> Route:
    """The unsaved Route row of an engine route (route_record; bulk loads build many at once)."""
    return Route(
        case=case,
        rulebook=route["rulebook"],
        urgency=route["urgency"],
        tests=route["tests"],
        advice=route["advice"],
        citations=route["rules"],
    )


def route_step_rows(*, stored: Route, route: dict[str, Any]) -> list[RouteStep]:
    return [
        RouteStep(
            route=stored,
            order=step["order"],
            specialist=step["specialist"],
            urgency=step["urgency"],
            reasons=step["reasons"],
            rules=step["rules"],
        )
        for step in route["steps"]
    ]


def route_referral_rows(*, case: Any, route: dict[str, Any]) -> "list[Referral]":
    """Each step a suggested referral; its urgency's time frame counts from the intake."""
    opened = case.created_at
    return [
        Referral(case=case, specialist=step["specialist"], opened_at=opened, status_changed_at=opened)
        for step in route["steps"]
    ]


class RouteRevision(models.Model):
    """A clinician's override: the whole route as it stands after it, who made it, when and why.

    The latest revision is the case's current route; the engine's route stays beside it.
    """

    route = models.ForeignKey(Route, models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    # What this revision changed, one entry per change (see referrals.overrides).
    changes = models.JSONField()
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    tests = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["route", "number"]
        constraints = [
            models.UniqueConstraint(fields=["route", "number"], name="route_revision_number_unique"),
        ]
        permissions = [("override_route", "Can override a route (with a reason)")]

    def __str__(self) -> str:
        return f"Revision {self.number} of the route for case {self.route.case_id}"


class RevisionStep(models.Model):
    revision = models.ForeignKey(RouteRevision, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    specialist = models.CharField(max_length=40, choices=Specialist.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    reasons = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["revision", "order"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "order"], name="revision_step_order_unique"),
            models.UniqueConstraint(fields=["revision", "specialist"], name="revision_specialist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_specialist_display()} ({self.get_urgency_display()})"


class ReferralStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    REFERRED = "referred", "Referred"
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined by the patient"
    CANCELLED = "cancelled", "Cancelled by the clinic"
    NO_SHOW = "no_show", "Did not attend"


S = ReferralStatus
# The only moves a step may make. Booked is left by the visit's outcome or by
# cancelling the appointment (back to referred, to book again); a step the
# clinic cancelled comes back only as a suggestion, when an override adds it again.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUGGESTED: frozenset({S.REFERRED, S.BOOKED, S.DECLINED, S.CANCELLED}),
    S.REFERRED: frozenset({S.BOOKED, S.DECLINED, S.CANCELLED}),
    S.BOOKED: frozenset({S.ATTENDED, S.NO_SHOW, S.REFERRED}),
    S.ATTENDED: frozenset({S.DONE, S.BOOKED}),
    S.DONE: frozenset(),
    S.DECLINED: frozenset({S.REFERRED}),
    S.CANCELLED: frozenset({S.SUGGESTED}),
    S.NO_SHOW: frozenset({S.BOOKED, S.REFERRED, S.DECLINED, S.CANCELLED}),
}
# A step in one of these needs nothing more from anyone.
FINISHED_STATUSES = frozenset({S.DONE, S.DECLINED, S.CANCELLED})
del S


class Referral(models.Model):
    """One step of a case's route as the clinic follows it, by specialist.

    Kept across revisions: an override that removes a step cancels its
    referral, one that adds the step again reopens it.
    """

    case = models.ForeignKey("intake.Case", models.CASCADE, related_name="referrals")
    specialist = models.CharField(max_length=40, choices=Specialist.choices)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SUGGESTED)
    # When the step joined the route: its urgency's time frame counts from here.
    opened_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "id"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(fields=["case", "specialist"], name="referral_once_per_case_specialist"),
        ]
        permissions = [("move_referral", "Can record a step's referral status")]

    def __str__(self) -> str:
        return f"{self.get_specialist_display()} for case {self.case_id}: {self.get_status_display()}"

    def can_move_to(self, status: str) -> bool:
        return status in REFERRAL_TRANSITIONS[self.status]

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def due_by(self, urgency: str) -> datetime:
        """When a step of this urgency should have been seen."""
        return self.opened_at + urgency_within(urgency)


class ReferralMove(models.Model):
    """One recorded change of a step's referral status; never edited."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="moves")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    # None when the patient or the portal made the move (a cancel link, say).
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["referral", "at", "id"]
        # The dashboard counts moves by where they went, over a date range.
        indexes = [models.Index(fields=["to_status", "at"], name="referrals_move_to_at_idx")]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status} ({self.at:%Y-%m-%d %H:%M})"


class Location(models.Model):
    """A place the clinic sees patients; retired places stay, inactive, for past appointments."""

    name = models.CharField(max_length=200, unique=True)
    address = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name if self.active else f"{self.name} (no longer used)"

    def calendar_text(self) -> str:
        return ", ".join(part for part in (self.name, self.address) if part)


class AppointmentState(models.TextChoices):
    BOOKED = "booked", "Booked"
    RESCHEDULED = "rescheduled", "Moved to another time"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    MISSED = "missed", "Missed"


class Appointment(models.Model):
    """A visit booked for one step. A reschedule books a new row and keeps this one as it was."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    duration = models.DurationField(default=timedelta(minutes=30))
    location = models.ForeignKey(Location, models.PROTECT, related_name="appointments")
    with_whom = models.CharField("with whom", max_length=200, blank=True)
    state = models.CharField(max_length=20, choices=AppointmentState.choices, default=AppointmentState.BOOKED)
    # Shared by an appointment and its reschedules, so calendars update one event (RFC 5545 UID, SEQUENCE).
    calendar_uid = models.UUIDField(default=uuid.uuid4, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    replaces = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # When and by whom it was cancelled, rescheduled or its outcome recorded.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(blank=True)
    # When the patient confirmed they will come, from their reminder's link.
    confirmed_at = models.DateTimeField("confirmed by the patient at", null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["state", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(state="booked"),
                name="appointment_one_booked_per_step",
            ),
        ]
        permissions = [("book_appointment", "Can book, reschedule and cancel appointments")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} at {self.location.name} ({self.get_state_display()})"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    def close(self, state: str, *, by: Any, note: str = "") -> None:
        """End a booked appointment: cancelled, rescheduled, attended or missed."""
        self.state, self.closed_at, self.closed_by, self.close_note = state, timezone.now(), by, note
        self.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
