"""What patients' emails say: a greeting without what they typed, the clinic's
contact details, and subjects that name no condition."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from intake.emails import reminder_message
from intake.models import STAFF_ALERT_KINDS, Case, Reminder, ReminderKind
from referrals.models import Appointment
from referrals.vocabulary import Location, Symptom
from tests.referrals.care import place, referral

pytestmark = pytest.mark.django_db

CONDITION_WORDS = {"numb", "numbness", "back", "spine", "pain", "nerve", "emergency", "urgent", "pregnan"}


@pytest.fixture
def clinic(settings):
    settings.CLINIC_PHONE = "+1 555 0199"
    settings.CLINIC_ADDRESS = "1 Clinic Road, Springfield"
    settings.BOOKING_URL = "https://book.clinic.example/"
    settings.EMERGENCY_NUMBER = "999"


PATIENT_KINDS = [kind for kind in ReminderKind if kind not in STAFF_ALERT_KINDS]


def message_for(case: Case, kind: str):
    """The email of this kind for the case, as the outbox would send it."""
    reminder = case.reminders.filter(kind=kind).first()
    if reminder is None:
        step = referral(case, "neurologist")
        visit = Appointment.objects.create(
            referral=step, starts_at=timezone.now() + timedelta(days=2), location=place(), with_whom="Dr Grey"
        )
        reminder = Reminder.objects.create(
            case=case, kind=kind, key=kind, due_at=timezone.now(), appointment=visit, referral=step
        )
    return reminder_message(reminder)


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_it_greets_without_echoing_what_the_patient_typed(alice, kind):
    Case.objects.filter(pk=alice.pk).update(name="Alice\nClick https://evil.example to win")
    alice.refresh_from_db()
    message = message_for(alice, kind)
    assert message.body.startswith("Hello,\n")
    assert "Alice" not in message.body and "evil.example" not in message.body
    assert "Alice" not in message.subject


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_it_tells_how_to_reach_the_clinic_in_every_email(alice, clinic, kind):
    body = message_for(alice, kind).body
    for detail in ("+1 555 0199", "1 Clinic Road, Springfield", "https://book.clinic.example/", "999"):
        assert detail in body


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_it_names_no_condition_in_the_subject(alice, kind):
    subject = message_for(alice, kind).subject.lower()
    assert subject.startswith("the clinic: ")
    assert not [word for word in CONDITION_WORDS if word in subject]
    labels = [choice.label.lower() for choice in (*Symptom, *Location)]
    assert not [label for label in labels if label in subject]


def test_it_links_the_appointment_reminder_to_confirming_and_cancelling_that_visit(alice, client):
    body = message_for(alice, ReminderKind.APPOINTMENT).body
    visit = Appointment.objects.get(referral__case=alice)
    confirm = re.search(r"Yes, I will come: http://testserver(/\S+)", body).group(1)
    cancel = re.search(r"I need to cancel: http://testserver(/\S+)", body).group(1)
    assert confirm.startswith(f"/appointments/{visit.pk}/confirm/")
    assert cancel.startswith(f"/appointments/{visit.pk}/cancel/")
    for link in (confirm, cancel):
        assert client.get(link).status_code == 200
