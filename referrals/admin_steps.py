"""The case page's care panels: each step with its status, moves and appointments, and the route
as the engine made it beside the one followed now, with the actions staff may take on them.

The panels are read with a fixed number of queries however many steps and
moves a case has. Each action posts to a page of its own (`ACTIONS`): a
success goes back to the case, a refusal shows the same form again with
what was typed and the reason on the field it concerns.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from intake.models import Case
from referrals.admin_forms import (
    BookForm,
    CancelForm,
    MoveForm,
    OverrideForm,
    RescheduleForm,
    form_errors_from,
)
from referrals.appointments import appointment_book, appointment_cancel, appointment_reschedule
from referrals.models import (
    Appointment,
    AppointmentState,
    Location,
    Referral,
    ReferralMove,
    ReferralStatus,
)
from referrals.overrides import change_description, route_compare, route_override
from referrals.referral_status import TrackedStep, case_steps, referral_move, referral_move_targets
from referrals.vocabulary import Test

MOVE, BOOK, OVERRIDE = "referrals.move_referral", "referrals.book_appointment", "referrals.override_route"
def move_targets(user: AbstractBaseUser, referral: Referral) -> list[tuple[str, str]]:
    return referral_move_targets(user=user, referral=referral)


def active_locations() -> list[tuple[int, str]]:
    return list(Location.objects.filter(active=True).values_list("pk", "name"))


@dataclass
class StepPanel:
    number: int
    tracked: TrackedStep
    moves: list[ReferralMove] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    move_form: forms.Form | None = None
    book_form: forms.Form | None = None
    reschedule_form: forms.Form | None = None
    cancel_form: forms.Form | None = None


def _step_panel(user: Any, number: int, tracked: TrackedStep, locations: list, history: dict) -> StepPanel:
    referral, booked = tracked.referral, tracked.appointment
    moves, appointments = history["moves"][referral.pk], history["appointments"][referral.pk]
    panel = StepPanel(number, tracked, moves, appointments)
    prefix = f"id_step{referral.pk}_%s"
    targets = move_targets(user, referral)
    if targets:
        panel.move_form = MoveForm(targets=targets, auto_id=prefix.replace("_%s", "_move_%s"))
    if user.has_perm(BOOK) and booked:
        initial = {"location": booked.location_id, "with_whom": booked.with_whom}
        initial["minutes"] = int(booked.duration.total_seconds() // 60)
        panel.reschedule_form = RescheduleForm(
            locations=locations, initial=initial, auto_id=prefix.replace("_%s", "_resched_%s")
        )
        panel.cancel_form = CancelForm(auto_id=prefix.replace("_%s", "_cancel_%s"))
    elif user.has_perm(BOOK) and referral.can_move_to(ReferralStatus.BOOKED):
        panel.book_form = BookForm(locations=locations, auto_id=prefix.replace("_%s", "_book_%s"))
    return panel


def _history(case: Case) -> dict[str, dict[int, list]]:
    moves: dict[int, list] = defaultdict(list)
    for move in ReferralMove.objects.filter(referral__case=case).select_related("by").order_by("at", "id"):
        moves[move.referral_id].append(move)
    appointments: dict[int, list] = defaultdict(list)
    rows = Appointment.objects.filter(referral__case=case).select_related(
        "location", "booked_by", "closed_by"
    )
    for appointment in rows.order_by("-created_at", "-id"):
        appointments[appointment.referral_id].append(appointment)
    return {"moves": moves, "appointments": appointments}


def case_care_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What the case page shows below the case: steps, their history, the route compared, the forms."""
    user = request.user
    locations = active_locations() if user.has_perm(BOOK) else []
    history = _history(case)
    panels = [
        _step_panel(user, number, tracked, locations, history)
        for number, tracked in enumerate(case_steps(case=case), start=1)
    ]
    comparison = route_compare(case=case)
    revisions = [
        {"revision": revision, "changes": [change_description(change) for change in revision.changes]}
        for revision in comparison.revisions
    ]
    can_override = user.has_perm(OVERRIDE) and not case.erased_at
    return {
        "step_panels": panels,
        "comparison": comparison,
        "test_rows": [(Test(code).label, engine, now) for code, engine, now in comparison.tests],
        "revisions": revisions,
        "override_form": OverrideForm(auto_id="id_override_%s") if can_override else None,
    }


# --- The action pages ----------------------------------------------------------


def _case_url(case: Case, anchor: str = "steps") -> str:
    return reverse("admin:intake_case_change", args=[case.pk]) + f"#{anchor}"


def _action_page(
    request: HttpRequest,
    case: Case,
    *,
    form: forms.Form,
    title: str,
    perform: Callable[[dict[str, Any]], str],
    context: dict[str, Any],
) -> HttpResponse:
    """Run `perform` on a valid POST and go back to the case; otherwise show the form (again)."""
    if request.method == "POST" and form.is_valid():
        try:
            done = perform(form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(_case_url(case))
    page = {**context, "title": title, "case": case, "form": form, "opts": Case._meta}
    return TemplateResponse(request, "admin/intake/case/action.html", page)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def move_view(request: HttpRequest, case: Case, referral_id: int, context: dict) -> HttpResponse:
    _require(request, MOVE)
    referral = get_object_or_404(Referral, pk=referral_id, case=case)
    form = MoveForm(posted_data(request), targets=move_targets(request.user, referral))

    def perform(data: dict[str, Any]) -> str:
        move = referral_move(referral=referral, to=data["status"], by=request.user, note=data["note"])
        return f"{referral.get_specialist_display()}: {move.get_to_status_display()}."

    title = f"Move {referral.get_specialist_display()} ({referral.get_status_display()})"
    return _action_page(request, case, form=form, title=title, perform=perform, context=context)


def book_view(request: HttpRequest, case: Case, referral_id: int, context: dict) -> HttpResponse:
    _require(request, BOOK)
    referral = get_object_or_404(Referral, pk=referral_id, case=case)
    form = BookForm(posted_data(request), locations=active_locations())

    def perform(data: dict[str, Any]) -> str:
        appointment = appointment_book(
            referral=referral,
            starts_at=data["starts_at"],
            location=Location.objects.filter(pk=data["location"]).first(),
            with_whom=data["with_whom"],
            duration=form.duration,
            by=request.user,
        )
        return f"Booked {referral.get_specialist_display()}: {appointment}."

    title = f"Book {referral.get_specialist_display()}"
    return _action_page(request, case, form=form, title=title, perform=perform, context=context)


def _booked(case: Case, appointment_id: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("referral", "location"),
        pk=appointment_id,
        referral__case=case,
        state=AppointmentState.BOOKED,
    )


def reschedule_view(request: HttpRequest, case: Case, appointment_id: int, context: dict) -> HttpResponse:
    _require(request, BOOK)
    appointment = _booked(case, appointment_id)
    initial = {
        "starts_at": appointment.starts_at,
        "location": appointment.location_id,
        "with_whom": appointment.with_whom,
        "minutes": int(appointment.duration.total_seconds() // 60),
    }
    form = RescheduleForm(posted_data(request), locations=active_locations(), initial=initial)

    def perform(data: dict[str, Any]) -> str:
        new = appointment_reschedule(
            appointment=appointment,
            starts_at=data["starts_at"],
            location=Location.objects.filter(pk=data["location"]).first(),
            with_whom=data["with_whom"],
            duration=form.duration,
            by=request.user,
            note=data["note"],
        )
        return f"Rescheduled {appointment.referral.get_specialist_display()}: {new}."

    title = f"Reschedule {appointment.referral.get_specialist_display()} ({appointment})"
    return _action_page(request, case, form=form, title=title, perform=perform, context=context)


def cancel_view(request: HttpRequest, case: Case, appointment_id: int, context: dict) -> HttpResponse:
    _require(request, BOOK)
    appointment = _booked(case, appointment_id)
    form = CancelForm(posted_data(request))

    def perform(data: dict[str, Any]) -> str:
        appointment_cancel(appointment=appointment, by=request.user, note=data["note"])
        return f"Cancelled the appointment of {appointment.referral.get_specialist_display()}."

    title = f"Cancel {appointment.referral.get_specialist_display()} ({appointment})"
    return _action_page(request, case, form=form, title=title, perform=perform, context=context)


def override_view(request: HttpRequest, case: Case, context: dict) -> HttpResponse:
    _require(request, OVERRIDE)
    form = OverrideForm(posted_data(request))

    def perform(data: dict[str, Any]) -> str:
        revision = route_override(case=case, by=request.user, reason=data["reason"], changes=[form.change()])
        return f"Route revised (revision {revision.number}): {change_description(revision.changes[0])}."

    return _action_page(
        request, case, form=form, title="Override the route", perform=perform, context=context
    )


def posted_data(request: HttpRequest) -> Any:
    """The POST data, even empty (a cancel without a note), or None for a GET."""
    return request.POST if request.method == "POST" else None
