"""The confirm and cancel links of an appointment reminder: a GET shows a page, the POST acts,
once, until the appointment starts, for that appointment only."""

from datetime import timedelta

import pytest

from intake.models import ReminderKind
from referrals.appointment_links import appointment_link_url
from referrals.appointments import appointment_book, appointment_reschedule
from referrals.models import AppointmentState, ReferralStatus
from tests.referrals.care import NOW, place, referral, staff

pytestmark = pytest.mark.django_db
VISIT = NOW + timedelta(days=2)


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.STAFF_ALERT_EMAILS = ["desk@clinic.example"]
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def visit(alice):
    desk = staff("desk", "book_appointment")
    return appointment_book(referral=referral(alice, "therapist"), starts_at=VISIT, location=place(), by=desk)


def path(appointment, action: str) -> str:
    return appointment_link_url(appointment, action).removeprefix("http://testserver")


def state_of(appointment) -> tuple:
    appointment.refresh_from_db()
    return appointment.state, appointment.confirmed_at


def test_it_shows_the_appointment_and_a_button_without_changing_anything(client, visit):
    for action in ("confirm", "cancel"):
        response = client.get(path(visit, action))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Wednesday 4 March 2026" in html and "09:00" in html and "Main clinic" in html
        assert '<form method="post"' in html
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert state_of(visit) == (AppointmentState.BOOKED, None)


def test_it_confirms_once(client, visit, clock):
    response = client.post(path(visit, "confirm"))
    assert "your appointment is confirmed" in response.content.decode()
    assert state_of(visit) == (AppointmentState.BOOKED, NOW)
    clock.shift(timedelta(hours=1))
    assert "already confirmed" in client.post(path(visit, "confirm")).content.decode()
    assert "already confirmed" in client.get(path(visit, "confirm")).content.decode()
    assert state_of(visit) == (AppointmentState.BOOKED, NOW)


def test_it_cancels_once_reopens_the_step_and_tells_staff(client, visit, alice):
    response = client.post(path(visit, "cancel"))
    assert response.status_code == 200
    assert "Your appointment is cancelled" in response.content.decode()
    assert state_of(visit) == (AppointmentState.CANCELLED, None)
    step = referral(alice, "therapist")
    assert step.status == ReferralStatus.REFERRED
    move = step.moves.order_by("-id").first()
    assert (move.by, move.to_status) == (None, ReferralStatus.REFERRED)
    again = client.post(path(visit, "cancel"))
    assert again.status_code == 410
    assert "This appointment was cancelled" in again.content.decode()
    assert alice.reminders.filter(kind=ReminderKind.ALERT_PATIENT_CANCELLED).count() == 1
    assert step.moves.count() == 2


def test_it_refuses_to_confirm_a_cancelled_appointment(client, visit):
    client.post(path(visit, "cancel"))
    response = client.post(path(visit, "confirm"))
    assert response.status_code == 410
    assert state_of(visit) == (AppointmentState.CANCELLED, None)


def test_it_expires_when_the_appointment_starts(client, visit, clock, alice):
    clock.move_to(VISIT)
    for action in ("confirm", "cancel"):
        response = client.post(path(visit, action))
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert state_of(visit) == (AppointmentState.BOOKED, None)
    assert not alice.reminders.filter(kind=ReminderKind.ALERT_PATIENT_CANCELLED).exists()


def test_it_refuses_another_patients_appointment(client, visit, bob):
    desk = staff("desk2", "book_appointment")
    bobs = appointment_book(referral=referral(bob, "therapist"), starts_at=VISIT, location=place(), by=desk)
    alices_token = path(visit, "cancel").split("/")[-2]
    for method in (client.get, client.post):
        response = method(f"/appointments/{bobs.pk}/cancel/{alices_token}/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert state_of(bobs) == (AppointmentState.BOOKED, None)
    assert state_of(visit) == (AppointmentState.BOOKED, None)


def test_it_refuses_a_tampered_token(client, visit):
    good = path(visit, "cancel")
    token = good.split("/")[-2]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for bad in (good.replace(token, tampered), f"/appointments/{visit.pk}/cancel/not-a-token/"):
        response = client.post(bad)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert state_of(visit) == (AppointmentState.BOOKED, None)


def test_it_never_lets_a_confirm_link_cancel(client, visit):
    confirm_token = path(visit, "confirm").split("/")[-2]
    response = client.post(f"/appointments/{visit.pk}/cancel/{confirm_token}/")
    assert response.status_code == 404
    assert state_of(visit) == (AppointmentState.BOOKED, None)


def test_it_sends_the_old_link_of_a_moved_appointment_to_the_new_email(client, visit):
    desk = staff("desk2", "book_appointment")
    later = VISIT + timedelta(days=1)
    moved = appointment_reschedule(appointment=visit, starts_at=later, location=place(), by=desk)
    response = client.post(path(visit, "cancel"))
    assert response.status_code == 410
    assert "This appointment was moved" in response.content.decode()
    assert state_of(moved) == (AppointmentState.BOOKED, None)


def test_it_answers_unknown_appointments_and_methods_without_an_error(client, visit):
    assert client.get("/appointments/999999/confirm/x/").status_code == 404
    assert client.put(path(visit, "confirm")).status_code == 405
