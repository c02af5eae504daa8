"""Each step's referral status: its moves, and the case status that follows from them.

The allowed moves are REFERRAL_TRANSITIONS (referrals.models). Booking and
cancelling an appointment move a step into and out of booked
(referrals.appointments); overrides cancel a removed step and reopen one
added again (referrals.overrides). Everything else goes through
`referral_move`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake.care_reminders import reminders_on_outcome
from intake.models import Case, CaseStatus
from referrals.models import (
    FINISHED_STATUSES,
    REFERRAL_TRANSITIONS,
    Appointment,
    AppointmentState,
    Referral,
    ReferralMove,
    ReferralStatus,
)
from referrals.routes import StepView, route_current

# A move away from these needs a word on why, as an override's removal does.
NOTE_REQUIRED = frozenset({ReferralStatus.DECLINED, ReferralStatus.CANCELLED})
# What a visit's outcome makes of the appointment it was booked for.
OUTCOME_APPOINTMENT_STATE = {
    ReferralStatus.ATTENDED: AppointmentState.ATTENDED,
    ReferralStatus.NO_SHOW: AppointmentState.MISSED,
}

# Steps still waiting for a visit to be booked: these can fall behind their urgency.
WAITING_STATUSES = frozenset({ReferralStatus.SUGGESTED, ReferralStatus.REFERRED, ReferralStatus.NO_SHOW})


@dataclass(frozen=True)
class TrackedStep:
    """A step of the case's current route with its referral and its booked appointment, if any."""

    step: StepView
    referral: Referral
    appointment: Appointment | None

    @property
    def due_by(self) -> datetime:
        return self.referral.due_by(self.step.urgency)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Still waiting for a booking past its urgency's time frame."""
        return self.referral.status in WAITING_STATUSES and (now or timezone.now()) > self.due_by


# Those who may move steps but not triage (the front desk) record what
# happened, not clinical decisions; "booked" comes from booking a visit.
MOVE_PERMISSION = "referrals.move_referral"
CLINICAL_PERMISSION = "intake.triage_case"
DESK_MOVES = frozenset({ReferralStatus.REFERRED, ReferralStatus.ATTENDED, ReferralStatus.NO_SHOW})


def referral_move_targets(*, user: AbstractBaseUser, referral: Referral) -> list[tuple[str, str]]:
    """The moves this member may record on this step now, for every way in (console and API)."""
    if not user.has_perm(MOVE_PERMISSION):
        return []
    targets = set(REFERRAL_TRANSITIONS[referral.status]) - {ReferralStatus.BOOKED}
    if referral.status == ReferralStatus.BOOKED:
        targets.discard(ReferralStatus.REFERRED)  # by cancelling the appointment
    if not user.has_perm(CLINICAL_PERMISSION):
        targets &= DESK_MOVES
    return [(code, label) for code, label in ReferralStatus.choices if code in targets]


def case_steps(*, case: Case) -> list[TrackedStep]:
    """The current route's steps in order, each with its referral status and booked appointment."""
    referrals = {referral.specialist: referral for referral in case.referrals.all()}
    booked = Appointment.objects.filter(referral__case=case, state=AppointmentState.BOOKED)
    appointments = {appointment.referral_id: appointment for appointment in booked.select_related("location")}
    return [
        TrackedStep(step, referrals[step.specialist], appointments.get(referrals[step.specialist].pk))
        for step in route_current(case=case).steps
    ]


def case_status_from_steps(statuses: Iterable[str]) -> str | None:
    """The case status its steps imply, or None when they leave it to staff (new or triaged).

    Every step finished (done, declined, cancelled): closed. Any step under
    way or finished: in progress. Only suggestions: no opinion.
    """
    statuses = list(statuses)
    if not statuses:
        return None
    if all(status in FINISHED_STATUSES for status in statuses):
        return CaseStatus.CLOSED
    if any(status != ReferralStatus.SUGGESTED for status in statuses):
        return CaseStatus.IN_PROGRESS
    return None


def case_status_sync(*, case: Case) -> str:
    """Bring the case's status in line with the steps of its current route; returns the status."""
    statuses = dict(case.referrals.values_list("specialist", "status"))
    steps = route_current(case=case).steps
    suggested = ReferralStatus.SUGGESTED
    derived = case_status_from_steps(statuses.get(step.specialist, suggested) for step in steps)
    if derived and derived != case.status:
        case.set_status(derived, now=timezone.now())
        Case.objects.filter(pk=case.pk).update(
            status=case.status, closed_at=case.closed_at, triaged_at=case.triaged_at
        )
    return case.status


def referral_lock(referral: Referral) -> Referral:
    """The referral's row, fresh and locked until the transaction ends."""
    return Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)


def referral_record_move(
    *, referral: Referral, to: str, by: AbstractBaseUser | None, note: str = ""
) -> ReferralMove:
    """Move a locked referral along the transition table and record it; the callers check the rest."""
    if not referral.can_move_to(to):
        raise ValidationError({"status": _not_allowed(referral, to)})
    now = timezone.now()
    move = ReferralMove.objects.create(
        referral=referral, from_status=referral.status, to_status=to, by=by, at=now, note=note
    )
    referral.status, referral.status_changed_at = to, now
    referral.save(update_fields=["status", "status_changed_at"])
    return move


def referral_move(
    *, referral: Referral, to: str, by: AbstractBaseUser | None, note: str = ""
) -> ReferralMove:
    """Record a step's new status (referred, attended, done, declined, cancelled, no-show...).

    Raises ValidationError naming the field: `status` for a move the table or
    the step's appointment does not allow, `note` when a decline or a cancel
    comes without one. The case's status follows.
    """
    note = note.strip()
    with transaction.atomic():
        locked = referral_lock(referral)
        _check_move(locked, to, note)
        appointment = locked.appointments.filter(state=AppointmentState.BOOKED).first()
        if to in OUTCOME_APPOINTMENT_STATE and appointment:
            appointment.close(OUTCOME_APPOINTMENT_STATE[to], by=by, note=note)
        move = referral_record_move(referral=locked, to=to, by=by, note=note)
        case_status_sync(case=locked.case)
        reminders_on_outcome(referral=locked, to=to, appointment=appointment)
    referral.refresh_from_db()
    return move


def _check_move(referral: Referral, to: str, note: str) -> None:
    if to not in ReferralStatus.values:
        raise ValidationError({"status": f"Unknown status {to!r}."})
    if route_current(case=referral.case).step(referral.specialist) is None:
        raise ValidationError({"status": "This step is no longer on the case's route."})
    if not referral.can_move_to(to):
        raise ValidationError({"status": _not_allowed(referral, to)})
    if to == ReferralStatus.BOOKED:
        raise ValidationError({"status": "Book an appointment to move a step to booked."})
    if referral.status == ReferralStatus.BOOKED and to == ReferralStatus.REFERRED:
        raise ValidationError({"status": "Cancel the appointment to open the step for booking again."})
    if to == ReferralStatus.NO_SHOW:
        _check_missed(referral)
    if to in NOTE_REQUIRED and not note:
        raise ValidationError({"note": f"Say why the step is {ReferralStatus(to).label.lower()}."})


def _check_missed(referral: Referral) -> None:
    appointment = referral.appointments.filter(state=AppointmentState.BOOKED).first()
    if appointment and appointment.starts_at > timezone.now():
        when = timezone.localtime(appointment.starts_at)
        message = f"The appointment is on {when:%Y-%m-%d at %H:%M}: it has not been missed yet."
        raise ValidationError({"status": message})


def _not_allowed(referral: Referral, to: str) -> str:
    targets = REFERRAL_TRANSITIONS[referral.status]
    allowed = [ReferralStatus(code).label for code in ReferralStatus.values if code in targets]
    now = referral.get_status_display()
    target = ReferralStatus(to).label if to in ReferralStatus.values else to
    if not allowed:
        return f"A step that is {now} stays so; it cannot become {target}."
    return f"A step that is {now} can become {', '.join(allowed)}; not {target}."
