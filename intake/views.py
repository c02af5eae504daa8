from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from intake.audit import audit_patient_view
from intake.forms import EmergencyScreenForm
from intake.journey import WIZARD_SESSION_KEY, screen_pass, screen_reset
from intake.models import Case, EmergencyScreenStop
from referrals.appointments import appointments_upcoming
from referrals.calendar import appointment_ics, appointment_ics_filename
from referrals.models import Appointment
from referrals.routes import route_current

CALENDAR_TYPE = "text/calendar; charset=utf-8"


@sensitive_post_parameters()  # what is happening to the patient now is health data
@never_cache
@require_http_methods(["GET", "POST"])
def emergency_screen(request: HttpRequest) -> HttpResponse:
    """The first question, before anything about the person: is an emergency happening now?"""
    form = EmergencyScreenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.needs_emergency_help():
            return _emergency_stop(request)
        screen_pass(request)
        return redirect("intake:questions_start")
    return render(request, "intake/screen.html", {"form": form})


def _emergency_stop(request: HttpRequest) -> HttpResponse:
    # Nothing about the person is kept: answers typed before coming back to
    # the screen are dropped, and the stop is only counted for the day.
    screen_reset(request)
    request.session.pop(WIZARD_SESSION_KEY, None)
    EmergencyScreenStop.count_one(day=timezone.localdate())
    return redirect("intake:emergency")


@never_cache
@require_GET
def emergency(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/emergency.html")


def _case_for_token(token: str) -> Case:
    """The one case a status link names; raises SignatureExpired, or 404s on anything else."""
    try:
        public_id = Case.public_id_from_token(token)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        raise Http404 from None
    cases = Case.objects.select_related("route")
    return get_object_or_404(cases, public_id=public_id)


@never_cache
@require_GET
def case_status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = _case_for_token(token)
    except signing.SignatureExpired:
        return render(request, "intake/link_expired.html", status=410)
    audit_patient_view(case)
    upcoming = appointments_upcoming(case=case).select_related("referral")
    context = {"case": case, "token": token, "route": route_current(case=case)}
    response = render(request, "intake/status.html", {**context, "appointments": upcoming})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def appointment_calendar(request: HttpRequest, token: str, appointment_id: int) -> HttpResponse:
    """One of the case's appointments as an .ics file, behind the same token as the status page."""
    try:
        case = _case_for_token(token)
    except signing.SignatureExpired:
        return render(request, "intake/link_expired.html", status=410)
    appointments = Appointment.objects.select_related("location")
    appointment = get_object_or_404(appointments, pk=appointment_id, referral__case=case)
    response = HttpResponse(appointment_ics(appointment=appointment), content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{appointment_ics_filename(appointment)}"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
