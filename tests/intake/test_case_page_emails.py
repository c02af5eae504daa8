"""What staff see of a case's emails: reminders on or off, the outbox rows, the patient's confirmation."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from intake.models import Reminder, ReminderKind, ReminderState
from intake.subscription import case_unsubscribe
from referrals.appointment_links import appointment_patient_confirm
from referrals.appointments import appointment_book
from tests.conftest import staff_login
from tests.referrals.care import NOW, place, referral

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:intake_case_changelist")


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(NOW, tick=False)
    return time_machine


def page(case) -> str:
    return reverse("admin:intake_case_change", args=[case.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def book(case, desk):
    therapist = referral(case, "therapist")
    return appointment_book(referral=therapist, starts_at=NOW + timedelta(days=3), location=place(), by=desk)


def listed(response) -> list[str]:
    return [case.name for case in response.context["cl"].result_list]


def test_it_shows_whether_the_patient_turned_reminder_emails_off(client, alice, nurse, clock):
    staff_login(client, nurse)
    assert "Reminder emails: On" in text(client.get(page(alice)))
    clock.shift(timedelta(minutes=5))
    case_unsubscribe(case=alice)
    shown = text(client.get(page(alice)))
    assert "Reminder emails: Off: the patient turned them off on 2026-03-02 09:05" in shown


def test_it_filters_the_queue_by_reminder_emails(client, alice, bob, front_desk):
    case_unsubscribe(case=bob)
    staff_login(client, front_desk)
    assert listed(client.get(CHANGELIST, {"reminder_emails": "off"})) == ["Bob Example"]
    assert listed(client.get(CHANGELIST, {"reminder_emails": "on"})) == ["Alice Example"]
    assert sorted(listed(client.get(CHANGELIST))) == ["Alice Example", "Bob Example"]


def test_it_lists_every_email_row_of_the_case_with_its_delivery(client, alice, bob, nurse, front_desk):
    appointment = book(alice, front_desk)
    Reminder.objects.filter(case=alice, kind=ReminderKind.CONFIRMATION).update(
        state=ReminderState.FAILED, attempts=3, last_error="550 5.1.1 mailbox unavailable"
    )
    Reminder.objects.filter(case=bob).update(last_error="421 bob's own trouble")
    staff_login(client, nurse)
    response = client.get(page(alice))
    shown = text(response)

    assert "Emails: patient reminders and staff alerts" in shown
    assert "550 5.1.1 mailbox unavailable" in shown
    assert "bob's own trouble" not in shown
    reminder = Reminder.objects.get(case=alice, kind=ReminderKind.APPOINTMENT)
    assert reminder.key == f"appointment-{appointment.pk}"
    rows = re.findall(r'<tr[^>]*id="reminders-\d+"[^>]*>.*?</tr>', response.content.decode(), re.S)
    assert len(rows) == Reminder.objects.filter(case=alice).count() >= 3
    appointment_row = next(row for row in rows if "Appointment reminder" in row)
    assert reminder.key in appointment_row
    assert "March 4, 2026, 9 a.m." in appointment_row


def test_it_shows_when_the_patient_confirmed_the_appointment(client, alice, front_desk, clock):
    appointment = book(alice, front_desk)
    staff_login(client, front_desk)
    assert "Not confirmed by the patient yet." in text(client.get(page(alice)))
    clock.shift(timedelta(minutes=7))
    appointment_patient_confirm(appointment=appointment)
    shown = text(client.get(page(alice)))
    assert "Confirmed by the patient on 2026-03-02 09:07." in shown
    assert "Not confirmed by the patient yet." not in shown
