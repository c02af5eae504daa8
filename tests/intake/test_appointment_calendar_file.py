"""The .ics file of an appointment, under the patient's status link."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse

from referrals.appointments import appointment_book, appointment_cancel
from tests.referrals.care import NOW, place, referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def book(case, desk, specialist: str = "therapist"):
    return appointment_book(
        referral=referral(case, specialist),
        starts_at=NOW + timedelta(days=2),
        location=place("Main clinic", address="1 High Street, Townsville"),
        with_whom="Dr Grey",
        by=desk,
    )


def calendar_url(token: str, appointment) -> str:
    return reverse("intake:appointment_calendar", args=[token, appointment.pk])


def test_it_gives_the_owner_the_calendar_file(client, alice, desk):
    appointment = book(alice, desk)
    response = client.get(calendar_url(alice.status_token(), appointment))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="appointment-20260304-0900.ics"'
    assert "no-store" in response["Cache-Control"]
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == appointment.starts_at
    assert str(event["location"]) == "Main clinic, 1 High Street, Townsville"
    assert str(event["status"]) == "CONFIRMED"


def test_it_gives_a_cancelled_appointment_as_cancelled(client, alice, desk):
    appointment = book(alice, desk)
    appointment_cancel(appointment=appointment, by=desk, note="")
    response = client.get(calendar_url(alice.status_token(), appointment))
    assert str(icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_it_404s_on_another_cases_appointment(client, alice, bob, desk):
    appointment = book(alice, desk)
    response = client.get(calendar_url(bob.status_token(), appointment))
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_it_404s_on_an_appointment_that_does_not_exist(client, alice, desk):
    appointment = book(alice, desk)
    url = reverse("intake:appointment_calendar", args=[alice.status_token(), appointment.pk + 1])
    assert client.get(url).status_code == 404


def test_it_404s_on_a_tampered_token(client, alice, desk):
    appointment = book(alice, desk)
    token = alice.status_token()
    assert client.get(calendar_url(token[:-2] + "xx", appointment)).status_code == 404
    assert client.get(calendar_url("nonsense", appointment)).status_code == 404
    assert client.get(calendar_url(alice.email_preferences_token(), appointment)).status_code == 404


def test_it_says_the_link_expired(client, alice, desk, clock, settings):
    appointment = book(alice, desk)
    url = calendar_url(alice.status_token(), appointment)
    clock.shift(timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS, hours=1))
    response = client.get(url)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert b"BEGIN:VCALENDAR" not in response.content
    assert b"Alice" not in response.content


def test_it_only_answers_get(client, alice, desk):
    appointment = book(alice, desk)
    assert client.post(calendar_url(alice.status_token(), appointment)).status_code == 405
