"""The confirm and cancel links of an appointment reminder.

Each link names one appointment of one case behind a signed token (a salt
per action, so a confirm token never cancels). It works until the
appointment starts, and once: a confirm sets `confirmed_at`, a cancel
closes the appointment, and both are conditional on the row as it was.
A GET only shows the page; the POST acts, so a mail scanner that fetches
links changes nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from intake.alerts import alert_patient_cancelled
from referrals.appointments import appointment_cancel
from referrals.models import Appointment, AppointmentState

SALT = "referrals.appointment-link"
ACTIONS = ("confirm", "cancel")
PATIENT_CANCEL_NOTE = "Cancelled by the patient from the reminder email."


class LinkProblem(Exception):
    """Why a link cannot act: `code` picks the page the patient sees."""

    def __init__(self, code: str, appointment: Appointment | None = None) -> None:
        super().__init__(code)
        self.code, self.appointment = code, appointment


@dataclass(frozen=True)
class LinkOutcome:
    appointment: Appointment
    done: bool  # False when the link had been used already


def appointment_link_token(appointment: Appointment, action: str) -> str:
    payload = {"a": appointment.pk, "c": str(appointment.referral.case.public_id)}
    return signing.dumps(payload, salt=f"{SALT}.{action}", compress=True)


def appointment_link_url(appointment: Appointment, action: str) -> str:
    token = appointment_link_token(appointment, action)
    return settings.SITE_URL + reverse(f"referrals:appointment_{action}", args=[appointment.pk, token])


def appointment_for_link(*, pk: int, action: str, token: str) -> Appointment:
    """The appointment a link names, still open to the action; raises LinkProblem otherwise.

    Codes: `invalid` (tampered, another appointment's or another action's
    token), `expired` (the appointment has started), `closed` (cancelled,
    moved, attended or missed since the email was sent).
    """
    try:
        payload = signing.loads(token, salt=f"{SALT}.{action}")
    except signing.BadSignature:
        raise LinkProblem("invalid") from None
    appointment = (
        Appointment.objects.select_related("referral__case", "location").filter(pk=pk).first()
        if isinstance(payload, dict) and payload.get("a") == pk
        else None
    )
    if appointment is None or str(appointment.referral.case.public_id) != payload.get("c"):
        raise LinkProblem("invalid")
    if appointment.state != AppointmentState.BOOKED:
        raise LinkProblem(f"closed_{appointment.state}", appointment)
    if timezone.now() >= appointment.starts_at:
        raise LinkProblem("expired", appointment)
    return appointment


def appointment_patient_confirm(*, appointment: Appointment) -> LinkOutcome:
    """The patient says they will come; a second use changes nothing."""
    now = timezone.now()
    updated = Appointment.objects.filter(
        pk=appointment.pk, state=AppointmentState.BOOKED, confirmed_at=None, starts_at__gt=now
    ).update(confirmed_at=now)
    appointment.refresh_from_db()
    return LinkOutcome(appointment, done=updated == 1)


def appointment_patient_cancel(*, appointment: Appointment) -> LinkOutcome:
    """The patient cancels: the step opens for booking again and staff are told, in one transaction."""
    try:
        with transaction.atomic():
            appointment_cancel(appointment=appointment, by=None, note=PATIENT_CANCEL_NOTE)
            alert_patient_cancelled(appointment)
    except ValidationError:
        # Cancelled, moved or closed by someone else since the page was shown.
        appointment.refresh_from_db()
        return LinkOutcome(appointment, done=False)
    return LinkOutcome(appointment, done=True)
