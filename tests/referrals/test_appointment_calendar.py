from datetime import timedelta

import icalendar
import pytest

from referrals.appointments import appointment_book, appointment_cancel, appointment_reschedule
from referrals.calendar import appointment_ics, appointment_ics_filename
from referrals.models import Specialist
from tests.referrals.care import NOW, place, referral

pytestmark = pytest.mark.django_db
TOMORROW = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.CLINIC_NAME = "Riverside Clinic, Back Care; East"
    settings.CLINIC_PHONE = "+1 555 0199"
    settings.SITE_URL = "https://intake.clinic.example"
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def booked(alice, desk):
    location = place("Riverside, Room 4", address="12 Long Road; Floor 2, Townsville — Ünterstadt")
    return appointment_book(
        referral=referral(alice, "neurologist"),
        starts_at=TOMORROW,
        location=location,
        with_whom="Dr Neuro Grey",
        duration=timedelta(minutes=40),
        by=desk,
    )


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_it_writes_one_event_in_a_calendar_with_crlf_lines_of_at_most_75_octets(booked):
    text = appointment_ics(appointment=booked)
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\n" not in text.replace("\r\n", "")
    names = [line.split(":")[0].split(";")[0] for line in unfolded(text) if line and not line.startswith(" ")]
    assert names[0] == "BEGIN" and names[-1] == "END"
    assert unfolded(text)[0] == "BEGIN:VCALENDAR"
    assert unfolded(text)[-2] == "END:VCALENDAR"
    assert unfolded(text).count("BEGIN:VEVENT") == 1
    for required in ("VERSION:2.0", "PRODID:-//Clinic intake portal//Appointments//EN", "METHOD:PUBLISH"):
        assert required in unfolded(text)


def test_it_gives_the_time_place_and_clinic(booked):
    lines = unfolded(appointment_ics(appointment=booked))
    assert "DTSTART:20260303T090000Z" in lines
    assert "DTEND:20260303T094000Z" in lines
    assert "DTSTAMP:20260302T090000Z" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "SEQUENCE:0" in lines
    assert "SUMMARY:Appointment at Riverside Clinic\\, Back Care\\; East" in lines
    assert "LOCATION:Riverside\\, Room 4\\, 12 Long Road\\; Floor 2\\, Townsville — Ünterstadt" in lines
    description = "DESCRIPTION:Your appointment at Riverside Clinic\\, Back Care\\; East."
    assert description + "\\nTo change or cancel it\\, call +1 555 0199." in lines
    assert f"UID:{booked.calendar_uid}@intake.clinic.example" in lines


def test_it_reads_back_as_one_event(booked):
    calendar = icalendar.Calendar.from_ical(appointment_ics(appointment=booked))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == TOMORROW
    assert event.decoded("dtend") == TOMORROW + timedelta(minutes=40)
    assert str(event["location"]).startswith("Riverside, Room 4, 12 Long Road; Floor 2")


def test_it_says_nothing_about_health_or_who_is_seen(booked, alice):
    text = appointment_ics(appointment=booked).lower()
    forbidden = [
        Specialist.NEUROLOGIST.label,
        "neurologist",
        "urgent",
        "Dr Neuro Grey",
        alice.name,
        alice.email,
    ]
    forbidden += [reason for step in alice.route.steps.all() for reason in step.reasons]
    assert [word for word in forbidden if word.lower() in text] == []


def test_it_is_the_same_file_every_time(booked, clock):
    first = appointment_ics(appointment=booked)
    clock.shift(timedelta(hours=5))
    booked.refresh_from_db()
    assert appointment_ics(appointment=booked) == first


def test_it_keeps_the_uid_and_raises_the_sequence_on_a_reschedule(booked, desk, clock):
    clock.shift(timedelta(hours=1))
    moved = appointment_reschedule(
        appointment=booked, starts_at=TOMORROW + timedelta(hours=5), location=booked.location, by=desk
    )
    before, after = (
        unfolded(appointment_ics(appointment=booked)),
        unfolded(appointment_ics(appointment=moved)),
    )
    uid = f"UID:{booked.calendar_uid}@intake.clinic.example"
    assert uid in before and uid in after
    assert "SEQUENCE:1" in after
    assert "DTSTART:20260303T140000Z" in after
    assert "DTSTAMP:20260302T100000Z" in after


def test_it_marks_a_cancelled_appointment_cancelled(booked, desk, clock):
    clock.shift(timedelta(hours=2))
    appointment_cancel(appointment=booked, by=desk)
    lines = unfolded(appointment_ics(appointment=booked))
    assert "STATUS:CANCELLED" in lines
    assert "SEQUENCE:1" in lines
    assert "DTSTAMP:20260302T110000Z" in lines


def test_it_leaves_out_the_phone_when_the_clinic_has_none(booked, settings):
    settings.CLINIC_PHONE = ""
    text = appointment_ics(appointment=booked)
    assert "call" not in text


def test_it_names_the_file_by_date(booked):
    assert appointment_ics_filename(booked) == "appointment-20260303-0900.ics"
