"""Patient reminders that follow the referral status, end to end: the booking or outcome
writes the row, beat's tick claims it at the travelled time, the real worker sends it to
the real SMTP server."""

from datetime import timedelta

import pytest

from intake.models import CaseStatus, Reminder, ReminderKind, ReminderState
from referrals.appointments import appointment_book, appointment_cancel, appointment_reschedule
from referrals.models import ReferralStatus
from referrals.referral_status import referral_move
from referrals.vocabulary import urgency_within
from tests.conftest import wait_until
from tests.intake import mail
from tests.intake.mail import beat_tick, health_words_in, link, per_address, text_of
from tests.referrals.care import NOW, place, referral

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clock")]
VISIT = NOW + timedelta(days=3, hours=1)  # Thursday 5 March 2026, 10:00
ALICE = "alice@example.org"
module_worker = mail.module_worker


@pytest.fixture
def sent_confirmation(module_worker, alice, smtp_server):
    """Alice's intake confirmation, sent at once, so each test counts what follows."""
    beat_tick()
    assert len(smtp_server.wait_for(1)) == 1
    confirmation = alice.reminders.get(kind=ReminderKind.CONFIRMATION)
    assert wait_until(lambda: Reminder.objects.get(pk=confirmation.pk).state == ReminderState.SENT)
    return smtp_server


def book(case, desk, specialist="therapist", starts_at=VISIT):
    details = {"starts_at": starts_at, "location": place(), "with_whom": "Dr Grey"}
    return appointment_book(referral=referral(case, specialist), by=desk, **details)


def kinds(case, kind) -> list[str]:
    return list(case.reminders.filter(kind=kind).values_list("state", flat=True))


def test_it_reminds_of_the_appointment_the_set_hours_before(alice, desk, clock, sent_confirmation, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    book(alice, desk)
    clock.move_to(VISIT - timedelta(hours=24, minutes=1))
    assert beat_tick() == []
    clock.move_to(VISIT - timedelta(hours=24))
    beat_tick()
    messages = sent_confirmation.wait_for(2)
    assert per_address(messages) == {ALICE: 2}
    reminder = messages[1]
    assert reminder["Subject"] == "The clinic: your appointment on Thursday 5 March 2026 at 10:00"
    assert "Main clinic, 1 High Street, Townsville" in text_of(reminder)
    assert link(reminder, r"/appointments/\d+/confirm/[^\s]+/")
    assert link(reminder, r"/appointments/\d+/cancel/[^\s]+/")
    assert "Dr Grey" not in text_of(reminder)
    assert health_words_in(reminder) == []
    assert beat_tick() == []
    assert len(sent_confirmation.messages) == 2


def test_it_reminds_sooner_when_the_setting_says_so(alice, desk, clock, sent_confirmation, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 2
    book(alice, desk)
    clock.move_to(VISIT - timedelta(hours=3))
    assert beat_tick() == []
    clock.move_to(VISIT - timedelta(hours=2))
    beat_tick()
    assert per_address(sent_confirmation.wait_for(2)) == {ALICE: 2}


def test_it_cancels_book_your_first_visit_once_that_step_is_booked(alice, desk, clock, sent_confirmation):
    first_visit = alice.reminders.get(kind=ReminderKind.BOOK_THERAPIST)
    book(alice, desk, starts_at=NOW + timedelta(days=5))
    assert kinds(alice, ReminderKind.BOOK_THERAPIST) == [ReminderState.CANCELLED]
    clock.move_to(first_visit.due_at + timedelta(minutes=1))
    assert beat_tick() == []
    assert len(sent_confirmation.messages) == 1


def test_it_moves_the_reminder_with_a_reschedule(alice, desk, clock, sent_confirmation):
    appointment = book(alice, desk)
    later = VISIT + timedelta(days=2)
    appointment_reschedule(appointment=appointment, starts_at=later, location=place(), by=desk)
    states = dict(alice.reminders.filter(kind=ReminderKind.APPOINTMENT).values_list("appointment", "state"))
    assert states[appointment.pk] == ReminderState.CANCELLED
    clock.move_to(VISIT - timedelta(hours=23))
    assert beat_tick() == []
    clock.move_to(later - timedelta(hours=24))
    beat_tick()
    messages = sent_confirmation.wait_for(2)
    assert per_address(messages) == {ALICE: 2}
    assert "Saturday 7 March 2026 at 10:00" in messages[1]["Subject"]


def test_it_sends_no_reminder_for_a_cancelled_appointment(alice, desk, clock, sent_confirmation):
    appointment = book(alice, desk)
    appointment_cancel(appointment=appointment, by=desk, note="The patient phoned.")
    assert kinds(alice, ReminderKind.APPOINTMENT) == [ReminderState.CANCELLED]
    clock.move_to(VISIT - timedelta(hours=24))
    assert beat_tick() == []
    assert len(sent_confirmation.messages) == 1


def test_it_sends_no_reminder_for_a_closed_case(alice, desk, clock, sent_confirmation):
    book(alice, desk)
    alice.status = CaseStatus.CLOSED
    alice.save(update_fields=["status"])
    clock.move_to(VISIT - timedelta(hours=24))
    beat_tick()
    assert kinds(alice, ReminderKind.APPOINTMENT) == [ReminderState.CANCELLED]
    assert len(sent_confirmation.messages) == 1


def test_it_asks_to_book_the_next_step_timed_by_its_urgency(alice, desk, clock, sent_confirmation):
    book(alice, desk)
    clock.move_to(VISIT + timedelta(hours=1))
    beat_tick()  # the appointment reminder, overdue by now, is dropped: the visit has started
    referral_move(referral=referral(alice, "therapist"), to=ReferralStatus.ATTENDED, by=desk)
    referral_move(referral=referral(alice, "therapist"), to=ReferralStatus.DONE, by=desk)
    due = VISIT + timedelta(hours=1) + urgency_within("urgent") / 4
    clock.move_to(due - timedelta(minutes=1))
    assert beat_tick() == []
    clock.move_to(due)
    beat_tick()
    messages = sent_confirmation.wait_for(2)
    assert per_address(messages) == {ALICE: 2}
    assert messages[1]["Subject"] == "The clinic: time to book your next visit"
    assert health_words_in(messages[1]) == []
    assert alice.reminders.filter(kind=ReminderKind.BOOK_NEXT_STEP).count() == 1


def test_it_drops_book_your_next_step_once_that_step_is_booked(alice, desk, clock, sent_confirmation):
    book(alice, desk)
    clock.move_to(VISIT + timedelta(hours=1))
    referral_move(referral=referral(alice, "therapist"), to=ReferralStatus.ATTENDED, by=desk)
    book(alice, desk, "neurologist", starts_at=VISIT + timedelta(days=2))
    assert kinds(alice, ReminderKind.BOOK_NEXT_STEP) == [ReminderState.CANCELLED]
    clock.move_to(VISIT + timedelta(hours=8))
    assert beat_tick() == []
    assert len(sent_confirmation.messages) == 1


def test_it_says_we_missed_you_after_a_no_show(alice, desk, clock, sent_confirmation):
    book(alice, desk)
    clock.move_to(VISIT + timedelta(hours=2))
    referral_move(referral=referral(alice, "therapist"), to=ReferralStatus.NO_SHOW, by=desk)
    beat_tick()  # or the dispatch the no-show asked for after its commit
    messages = sent_confirmation.wait_for(2)
    assert kinds(alice, ReminderKind.MISSED_VISIT) == [ReminderState.SENT]
    assert per_address(messages) == {ALICE: 2}
    missed = messages[1]
    assert missed["Subject"] == "The clinic: we missed you, please book again"
    assert "Thursday 5 March 2026 at 10:00" in text_of(missed)
    assert missed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert health_words_in(missed) == []
