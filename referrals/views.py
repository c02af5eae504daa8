"""The patient's confirm and cancel links from an appointment reminder (referrals.appointment_links).

A GET shows the appointment and one button; only the POST acts. Every
outcome is a plain page: done, used already, expired, no longer booked, or
not a valid link; nothing changes but what the button says.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from intake.emails import appointment_details
from referrals.appointment_links import (
    LinkProblem,
    appointment_for_link,
    appointment_patient_cancel,
    appointment_patient_confirm,
)
from referrals.models import Appointment, AppointmentState

TEMPLATE = "referrals/appointment_link.html"
PROBLEM_STATUS = {"invalid": 404}


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    return _link(request, pk, token, "confirm")


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_cancel_link(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    return _link(request, pk, token, "cancel")


def _link(request: HttpRequest, pk: int, token: str, action: str) -> HttpResponse:
    try:
        appointment = appointment_for_link(pk=pk, action=action, token=token)
    except LinkProblem as problem:
        return _page(
            request, action, problem.code, problem.appointment, status=PROBLEM_STATUS.get(problem.code, 410)
        )
    if request.method == "GET":
        outcome = "confirmed_already" if action == "confirm" and appointment.confirmed_at else "ask"
        return _page(request, action, outcome, appointment)
    act = appointment_patient_confirm if action == "confirm" else appointment_patient_cancel
    result = act(appointment=appointment)
    if result.done:
        return _page(request, action, "confirmed" if action == "confirm" else "cancelled", appointment)
    if result.appointment.state == AppointmentState.BOOKED:
        return _page(request, action, "confirmed_already", appointment)
    return _page(request, action, f"closed_{result.appointment.state}", appointment, status=410)


def _page(
    request: HttpRequest, action: str, outcome: str, appointment: Appointment | None, status: int = 200
) -> HttpResponse:
    context = {
        "action": action,
        "outcome": outcome,
        "appointment": appointment_details(appointment) if appointment else None,
        "token": request.resolver_match.kwargs.get("token"),
        "pk": request.resolver_match.kwargs.get("pk"),
    }
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
