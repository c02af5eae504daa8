import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from intake.models import CaseStatus
from referrals.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointments_upcoming,
)
from referrals.models import Appointment, AppointmentState, ReferralStatus
from referrals.referral_status import referral_move
from tests.referrals.care import NOW, place, referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
S = ReferralStatus
TOMORROW = NOW + timedelta(days=1)


def book(case, desk, specialist="therapist", **details):
    details = {"starts_at": TOMORROW, "location": place(), "with_whom": "Dr Grey", **details}
    return appointment_book(referral=referral(case, specialist), by=desk, **details)


def test_it_books_a_step_and_records_the_move(alice, desk):
    appointment = book(alice, desk, duration=timedelta(minutes=45))
    step = referral(alice, "therapist")
    assert step.status == S.BOOKED
    assert (appointment.starts_at, appointment.ends_at, appointment.with_whom) == (
        TOMORROW,
        TOMORROW + timedelta(minutes=45),
        "Dr Grey",
    )
    assert (appointment.state, appointment.booked_by, appointment.sequence) == (
        AppointmentState.BOOKED,
        desk,
        0,
    )
    move = step.moves.get()
    assert (move.from_status, move.to_status, move.by) == (S.SUGGESTED, S.BOOKED, desk)
    assert "2026-03-03 09:00 at Main clinic" in move.note
    alice.refresh_from_db()
    assert alice.status == CaseStatus.IN_PROGRESS


def test_it_books_a_referred_step(alice, desk):
    referral_move(referral=referral(alice, "neurologist"), to=S.REFERRED, by=desk)
    book(alice, desk, "neurologist")
    assert referral(alice, "neurologist").status == S.BOOKED


def test_it_names_each_bad_field_and_books_nothing(alice, desk):
    closed = place("Old wing", active=False)
    with pytest.raises(ValidationError) as refused:
        book(
            alice,
            desk,
            starts_at=NOW - timedelta(minutes=1),
            location=closed,
            with_whom="x" * 201,
            duration=timedelta(hours=9),
        )
    assert set(refused.value.message_dict) == {"starts_at", "location", "with_whom", "duration"}
    assert refused.value.message_dict["starts_at"] == ["The appointment time is in the past."]
    assert "not active" in refused.value.message_dict["location"][0]
    assert not Appointment.objects.exists()
    assert referral(alice, "therapist").status == S.SUGGESTED


def test_it_refuses_a_time_without_a_time_zone(alice, desk):
    with pytest.raises(ValidationError) as refused:
        book(alice, desk, starts_at=TOMORROW.replace(tzinfo=None))
    assert "starts_at" in refused.value.message_dict


def test_it_refuses_to_book_a_step_twice(alice, desk):
    book(alice, desk)
    with pytest.raises(ValidationError) as refused:
        book(alice, desk, starts_at=TOMORROW + timedelta(hours=2))
    assert "reschedule" in refused.value.message_dict["status"][0]
    assert Appointment.objects.count() == 1


def test_it_keeps_one_booked_appointment_per_step_in_the_database(alice, desk):
    first = book(alice, desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(referral=first.referral, starts_at=TOMORROW, location=first.location)


def test_it_refuses_to_book_a_finished_step(alice, desk):
    referral_move(referral=referral(alice, "neurologist"), to=S.DECLINED, by=desk, note="Not wanted")
    with pytest.raises(ValidationError) as refused:
        book(alice, desk, "neurologist")
    assert "cannot be booked" in refused.value.message_dict["status"][0]


def test_it_reschedules_as_a_new_row_with_the_same_calendar_uid(alice, desk, clock):
    first = book(alice, desk)
    clock.shift(timedelta(hours=1))
    second = appointment_reschedule(
        appointment=first,
        starts_at=TOMORROW + timedelta(days=1),
        location=place("North"),
        by=desk,
        note="Asked",
    )
    first.refresh_from_db()
    assert (first.state, first.closed_by, first.closed_at, first.close_note) == (
        AppointmentState.RESCHEDULED,
        desk,
        NOW + timedelta(hours=1),
        "Asked",
    )
    assert second.replaces == first
    assert (second.calendar_uid, second.sequence, second.state) == (
        first.calendar_uid,
        1,
        AppointmentState.BOOKED,
    )
    assert second.location.name == "North"
    assert second.with_whom == ""
    assert referral(alice, "therapist").status == S.BOOKED
    assert referral(alice, "therapist").moves.count() == 1


def test_it_refuses_a_reschedule_that_changes_nothing_or_lands_in_the_past(alice, desk):
    first = book(alice, desk)
    with pytest.raises(ValidationError) as unchanged:
        appointment_reschedule(
            appointment=first, starts_at=TOMORROW, location=first.location, with_whom="Dr Grey", by=desk
        )
    assert "starts_at" in unchanged.value.message_dict
    with pytest.raises(ValidationError) as past:
        appointment_reschedule(appointment=first, starts_at=NOW, location=first.location, by=desk)
    assert past.value.message_dict["starts_at"] == ["The appointment time is in the past."]
    first.refresh_from_db()
    assert first.state == AppointmentState.BOOKED


def test_it_cancels_and_reopens_the_step_for_booking(alice, desk):
    appointment = book(alice, desk)
    appointment_cancel(appointment=appointment, by=None, note="Patient cancelled from the reminder")
    assert appointment.state == AppointmentState.CANCELLED
    assert appointment.closed_by is None
    step = referral(alice, "therapist")
    assert step.status == S.REFERRED
    last = step.moves.last()
    assert (last.from_status, last.to_status, last.by) == (S.BOOKED, S.REFERRED, None)
    assert last.note == "Appointment cancelled: Patient cancelled from the reminder"
    book(alice, desk, starts_at=TOMORROW + timedelta(days=2))
    assert referral(alice, "therapist").status == S.BOOKED


def test_it_refuses_to_cancel_or_move_an_appointment_that_is_not_booked(alice, desk):
    appointment = book(alice, desk)
    appointment_cancel(appointment=appointment, by=desk)
    with pytest.raises(ValidationError) as again:
        appointment_cancel(appointment=appointment, by=desk)
    assert "state" in again.value.message_dict
    with pytest.raises(ValidationError):
        appointment_reschedule(appointment=appointment, starts_at=TOMORROW, location=place(), by=desk)
    assert Appointment.objects.count() == 1


def test_it_lists_upcoming_appointments_soonest_first(alice, bob, desk, clock):
    neuro = book(alice, desk, "neurologist", starts_at=NOW + timedelta(days=3))
    therapist = book(alice, desk, starts_at=NOW + timedelta(hours=2))
    book(bob, desk)
    assert list(appointments_upcoming(case=alice)) == [therapist, neuro]
    clock.shift(timedelta(hours=3))
    assert list(appointments_upcoming(case=alice)) == [neuro]
    appointment_cancel(appointment=neuro, by=desk)
    assert list(appointments_upcoming(case=alice)) == []


def test_it_shows_the_rescheduled_time_only(alice, desk):
    first = book(alice, desk)
    second = appointment_reschedule(
        appointment=first, starts_at=TOMORROW + timedelta(hours=4), location=place(), by=desk
    )
    assert list(appointments_upcoming(case=alice)) == [second]


def test_it_lists_upcoming_appointments_in_few_queries(alice, desk, django_assert_num_queries):
    book(alice, desk)
    book(alice, desk, "neurologist", starts_at=TOMORROW + timedelta(hours=1))
    with django_assert_num_queries(1):
        assert [a.location.name for a in appointments_upcoming(case=alice)] == ["Main clinic", "Main clinic"]


def test_it_keeps_the_wall_clock_time_given_in_another_zone(alice, desk):
    local = TOMORROW.astimezone(ZoneInfo("Europe/Berlin"))
    appointment = book(alice, desk, starts_at=local)
    appointment.refresh_from_db()
    assert appointment.starts_at == TOMORROW


@pytest.mark.django_db(transaction=True)
def test_it_books_a_step_once_when_two_desks_race(alice, desk):
    step, location = referral(alice, "therapist"), place()
    outcomes, barrier = [], threading.Barrier(2)

    def front_desk(hours):
        barrier.wait()
        try:
            appointment_book(
                referral=step, starts_at=NOW + timedelta(hours=hours), location=location, by=desk
            )
            outcomes.append("booked")
        except ValidationError as refused:
            outcomes.append(refused.message_dict["status"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=front_desk, args=(hours,)) for hours in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["This step is booked already: reschedule its appointment instead.", "booked"]
    assert Appointment.objects.filter(referral=step).count() == 1
    assert referral(alice, "therapist").moves.count() == 1
