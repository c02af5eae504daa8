"""Appointments for a step: book, reschedule, cancel, and the patient's upcoming ones.

Booking moves the step to booked; cancelling moves it back to referred, open
for booking again. A reschedule closes the booked row and books a new one
with the same calendar UID and the next SEQUENCE, so the history stays and a
patient's calendar updates the one event.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from intake.care_reminders import reminders_on_booked, reminders_on_cancelled, reminders_on_rescheduled
from intake.models import Case
from referrals.models import Appointment, AppointmentState, Location, Referral, ReferralStatus
from referrals.referral_status import case_status_sync, referral_lock, referral_record_move
from referrals.routes import route_current

WITH_WHOM_MAX_LENGTH = Appointment._meta.get_field("with_whom").max_length
SHORTEST, LONGEST = timedelta(minutes=5), timedelta(hours=8)


def appointment_book(
    *,
    referral: Referral,
    starts_at: datetime,
    location: Location,
    with_whom: str = "",
    duration: timedelta | None = None,
    by: AbstractBaseUser | None,
) -> Appointment:
    """Book a visit for a step of the case's current route; the step becomes booked.

    Raises ValidationError naming the field: `starts_at`, `location`,
    `with_whom`, `duration`, or `status` when the step cannot be booked now.
    """
    with_whom, duration = with_whom.strip(), duration or Appointment._meta.get_field("duration").default
    _check_details(starts_at=starts_at, location=location, with_whom=with_whom, duration=duration)
    with transaction.atomic():
        locked = referral_lock(referral)
        _check_bookable(locked)
        appointment = Appointment.objects.create(
            referral=locked,
            starts_at=starts_at,
            duration=duration,
            location=location,
            with_whom=with_whom,
            booked_by=by,
        )
        referral_record_move(referral=locked, to=ReferralStatus.BOOKED, by=by, note=_booked_note(appointment))
        case_status_sync(case=locked.case)
        reminders_on_booked(appointment=appointment)
    referral.refresh_from_db()
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    location: Location,
    with_whom: str = "",
    duration: timedelta | None = None,
    by: AbstractBaseUser | None,
    note: str = "",
) -> Appointment:
    """Move a booked appointment; returns the new one (the old one stays, as rescheduled)."""
    with_whom, duration = with_whom.strip(), duration or appointment.duration
    _check_details(starts_at=starts_at, location=location, with_whom=with_whom, duration=duration)
    with transaction.atomic():
        old = _locked_booked(appointment)
        if (old.starts_at, old.location_id, old.with_whom, old.duration) == (
            starts_at,
            location.pk,
            with_whom,
            duration,
        ):
            raise ValidationError({"starts_at": "This is the appointment booked: change the time or place."})
        old.close(AppointmentState.RESCHEDULED, by=by, note=note.strip())
        new = Appointment.objects.create(
            referral=old.referral,
            starts_at=starts_at,
            duration=duration,
            location=location,
            with_whom=with_whom,
            booked_by=by,
            calendar_uid=old.calendar_uid,
            sequence=old.sequence + 1,
            replaces=old,
        )
        reminders_on_rescheduled(old=old, new=new)
    appointment.refresh_from_db()
    return new


def appointment_cancel(
    *, appointment: Appointment, by: AbstractBaseUser | None, note: str = ""
) -> Appointment:
    """Cancel a booked appointment; its step goes back to referred, to be booked again.

    `by` is None when the patient cancels (from a reminder's link).
    """
    note = note.strip()
    with transaction.atomic():
        locked = _locked_booked(appointment)
        referral = referral_lock(locked.referral)
        locked.close(AppointmentState.CANCELLED, by=by, note=note)
        move_note = "Appointment cancelled" + (f": {note}" if note else ".")
        referral_record_move(referral=referral, to=ReferralStatus.REFERRED, by=by, note=move_note)
        case_status_sync(case=referral.case)
        reminders_on_cancelled(appointment=locked)
    appointment.refresh_from_db()
    return appointment


def appointments_upcoming(*, case: Case, now: datetime | None = None) -> QuerySet[Appointment]:
    """The case's booked appointments from now on, soonest first, with their places."""
    return (
        Appointment.objects.filter(referral__case=case, state=AppointmentState.BOOKED)
        .filter(starts_at__gte=now or timezone.now())
        .select_related("location")
        .order_by("starts_at", "id")
    )


def _check_details(*, starts_at: datetime, location: Location, with_whom: str, duration: timedelta) -> None:
    errors: dict[str, str] = {}
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = "Give the appointment's date and time."
    elif starts_at <= timezone.now():
        errors["starts_at"] = "The appointment time is in the past."
    if location is None or not Location.objects.filter(pk=location.pk, active=True).exists():
        errors["location"] = "Choose a place the clinic uses now: this one is not active."
    if len(with_whom) > WITH_WHOM_MAX_LENGTH:
        errors["with_whom"] = f"At most {WITH_WHOM_MAX_LENGTH} characters."
    if not SHORTEST <= duration <= LONGEST:
        errors["duration"] = "An appointment lasts between 5 minutes and 8 hours."
    if errors:
        raise ValidationError(errors)


def _check_bookable(referral: Referral) -> None:
    if route_current(case=referral.case).step(referral.specialist) is None:
        raise ValidationError({"status": "This step is no longer on the case's route."})
    if referral.status == ReferralStatus.BOOKED:
        raise ValidationError({"status": "This step is booked already: reschedule its appointment instead."})
    if not referral.can_move_to(ReferralStatus.BOOKED):
        raise ValidationError({"status": f"A step that is {referral.get_status_display()} cannot be booked."})


def _locked_booked(appointment: Appointment) -> Appointment:
    locked = Appointment.objects.select_for_update().select_related("referral").get(pk=appointment.pk)
    if locked.state != AppointmentState.BOOKED:
        state = locked.get_state_display().lower()
        raise ValidationError({"state": f"This appointment is {state}, not booked."})
    return locked


def _booked_note(appointment: Appointment) -> str:
    when = timezone.localtime(appointment.starts_at)
    return f"Booked for {when:%Y-%m-%d %H:%M} at {appointment.location.name}."
