"""What staff alerts say, as the outbox builds them: to whom, the case number and its
admin link, what happened, in the clinic's language; nothing a patient email carries."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from intake.emails import reminder_message
from intake.models import Case, Reminder, ReminderKind
from referrals.models import Appointment
from tests.referrals.care import place, referral

pytestmark = pytest.mark.django_db

STAFF = ["desk@clinic.example", "triage@clinic.example"]


@pytest.fixture(autouse=True)
def staff_addresses(settings):
    settings.STAFF_ALERT_EMAILS = STAFF
    settings.CLINIC_NAME = "Northside Clinic"


def alert(case: Case, kind: str, key: str = "", **fields) -> Reminder:
    return Reminder.objects.create(case=case, kind=kind, key=key, due_at=timezone.now(), **fields)


def test_it_names_the_priority_and_the_case_of_a_new_urgent_intake(alice):
    message = reminder_message(alert(alice, ReminderKind.ALERT_NEW_CASE, key="new"))
    assert message.to == STAFF
    assert message.subject == f"Urgent intake: case {alice.pk}, triage now"
    assert message.body.startswith(f"Urgent intake: case {alice.pk} has just arrived")
    assert f"Open the case: http://testserver/admin/intake/case/{alice.pk}/change/\n" in message.body
    assert "\nNorthside Clinic intake portal\n" in message.body


def test_it_gives_an_alert_its_own_message_id_and_no_unsubscribe_link(alice, settings):
    settings.DEFAULT_FROM_EMAIL = "Northside Clinic <desk@mail.northside.example>"
    reminder = alert(alice, ReminderKind.ALERT_UNTRIAGED)
    message = reminder_message(reminder)
    assert message.subject == f"Case {alice.pk} is still untriaged"
    assert message.extra_headers == {
        "Message-ID": f"<reminder-{reminder.pk}.{alice.public_id}@mail.northside.example>"
    }


def test_it_says_which_email_to_the_patient_failed(alice):
    failed = alice.reminders.get(kind=ReminderKind.BOOK_THERAPIST)
    message = reminder_message(alert(alice, ReminderKind.ALERT_REMINDER_FAILED, key=str(failed.pk)))
    assert message.subject == f"Case {alice.pk}: an email to the patient could not be delivered"
    assert "will not be tried again (Book the therapist visit)." in message.body


def test_it_says_when_and_where_the_cancelled_appointment_was(alice, settings):
    settings.TIME_ZONE = "UTC"
    visit = Appointment.objects.create(
        referral=referral(alice, "therapist"),
        starts_at=datetime(2026, 3, 4, 9, 5, tzinfo=UTC),
        location=place(),
        with_whom="Dr Grey",
    )
    reminder = alert(alice, ReminderKind.ALERT_PATIENT_CANCELLED, key=str(visit.pk), appointment=visit)
    message = reminder_message(reminder)
    assert f"case {alice.pk} cancelled their appointment on Wednesday 4 March 2026 at 09:05 (" in message.body
    assert "Main clinic" in message.body and "Dr Grey" not in message.body


def test_it_writes_to_staff_in_the_clinics_language_and_to_the_patient_in_theirs(alice):
    Case.objects.filter(pk=alice.pk).update(language="ru")
    alice.refresh_from_db()
    staff_message = reminder_message(alert(alice, ReminderKind.ALERT_UNSUBSCRIBED))
    assert staff_message.subject == f"Case {alice.pk}: the patient turned reminder emails off"
    patient_message = reminder_message(alice.reminders.get(kind=ReminderKind.CONFIRMATION))
    assert patient_message.to == ["alice@example.org"]
    assert not patient_message.subject.isascii()



def test_it_dates_an_alert_in_the_clinics_own_language(alice, settings):
    settings.LANGUAGE_CODE, settings.TIME_ZONE = "ru", "UTC"
    visit = Appointment.objects.create(
        referral=referral(alice, "therapist"),
        starts_at=datetime(2026, 3, 4, 9, 5, tzinfo=UTC),
        location=place(),
    )
    reminder = alert(alice, ReminderKind.ALERT_PATIENT_CANCELLED, key=str(visit.pk), appointment=visit)
    assert "appointment on Среда 4 марта 2026 at 09:05" in reminder_message(reminder).body
