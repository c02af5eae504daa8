"""Patient reminders that follow each step's referral status.

The referral workflows (referrals.appointments, referrals.referral_status)
call these inside their own transactions, so each row is written, or
cancelled, with the change that causes it:

- booking a step writes its appointment reminder, APPOINTMENT_REMINDER_HOURS
  before the visit, and booking the first step cancels "book your first visit";
- a reschedule cancels the old appointment's reminder and writes the new one's;
- a cancel cancels the appointment's reminder;
- a step attended or done writes "book your next step", timed by that step's urgency;
- a no-show writes "we missed you, please book again".

What is still wanted is checked again when the row is sent (intake.reminders).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from intake.models import Reminder, ReminderKind
from intake.outbox import outbox_add, outbox_cancel
from referrals.models import Appointment, Referral, ReferralStatus
from referrals.routes import route_current
from referrals.vocabulary import Specialist, urgency_within

# Steps a patient still has to book.
TO_BOOK = frozenset({ReferralStatus.SUGGESTED, ReferralStatus.REFERRED})
# "Book your next step" comes after this share of the step's urgency time frame.
NEXT_STEP_SHARE = 4


def reminders_on_booked(*, appointment: Appointment) -> None:
    referral = appointment.referral
    if referral.specialist == Specialist.THERAPIST:
        outbox_cancel(referral.case.reminders.filter(kind=ReminderKind.BOOK_THERAPIST))
    outbox_cancel(referral.reminders.filter(kind=ReminderKind.BOOK_NEXT_STEP))
    _appointment_reminder_add(appointment)


def reminders_on_rescheduled(*, old: Appointment, new: Appointment) -> None:
    outbox_cancel(old.reminders.filter(kind=ReminderKind.APPOINTMENT))
    _appointment_reminder_add(new)


def reminders_on_cancelled(*, appointment: Appointment) -> None:
    outbox_cancel(appointment.reminders.filter(kind=ReminderKind.APPOINTMENT))


def reminders_on_outcome(*, referral: Referral, to: str, appointment: Appointment | None) -> None:
    """After a step's visit: attended or done asks to book the next step; a no-show to book again."""
    if appointment is not None:
        outbox_cancel(appointment.reminders.filter(kind=ReminderKind.APPOINTMENT))
    if to in (ReferralStatus.ATTENDED, ReferralStatus.DONE):
        _next_step_reminder_add(referral)
    elif to == ReferralStatus.NO_SHOW and appointment is not None:
        outbox_add(
            case=referral.case,
            kind=ReminderKind.MISSED_VISIT,
            key=f"appointment-{appointment.pk}",
            appointment=appointment,
            referral=referral,
            due_at=timezone.now(),
        )


def appointment_reminder_due(appointment: Appointment) -> datetime:
    return appointment.starts_at - timedelta(hours=settings.APPOINTMENT_REMINDER_HOURS)


def _appointment_reminder_add(appointment: Appointment) -> Reminder | None:
    # Booked less than APPOINTMENT_REMINDER_HOURS ahead: the reminder goes at once.
    due_at = max(appointment_reminder_due(appointment), timezone.now())
    return outbox_add(
        case=appointment.referral.case,
        kind=ReminderKind.APPOINTMENT,
        key=f"appointment-{appointment.pk}",
        appointment=appointment,
        due_at=due_at,
    )


def _next_step_reminder_add(after: Referral) -> Reminder | None:
    case = after.case
    referrals = {referral.specialist: referral for referral in case.referrals.all()}
    for step in route_current(case=case).steps:
        referral = referrals.get(step.specialist)
        if referral is None or referral.pk == after.pk or referral.status not in TO_BOOK:
            continue
        return outbox_add(
            case=case,
            kind=ReminderKind.BOOK_NEXT_STEP,
            key=f"referral-{referral.pk}",
            referral=referral,
            due_at=timezone.now() + urgency_within(step.urgency) / NEXT_STEP_SHARE,
        )
    return None
