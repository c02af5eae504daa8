"""The emails the outbox sends: who they greet, where they link, how long the link works."""

import re

import pytest
from django.utils import timezone

from intake.emails import reminder_message
from intake.models import Case, ReminderKind
from intake.reminders import reminder_send, reminders_claim_due

pytestmark = pytest.mark.django_db


def send(case: Case, kind: str, inbox) -> dict:
    reminder = case.reminders.get(kind=kind)
    reminders_claim_due(now=max(reminder.due_at, timezone.now()))
    reminder_send(reminder_id=reminder.pk)
    message = inbox.messages[-1]
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    return {"message": message, "body": body, "reminder": reminder}


def message_id(sent: dict) -> str:
    return "".join(sent["message"]["Message-ID"].split())


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (ReminderKind.CONFIRMATION, "Northside Clinic: we received your request"),
        (ReminderKind.BOOK_THERAPIST, "Northside Clinic: a reminder to book your visit"),
    ],
)
def test_it_greets_the_patient_and_links_to_their_page_for_as_long_as_it_works(
    alice, smtp_server, settings, kind, subject
):
    settings.CLINIC_NAME, settings.STATUS_LINK_MAX_AGE_DAYS = "Northside Clinic", 12
    sent = send(alice, kind, smtp_server)
    assert sent["message"]["Subject"] == subject
    assert sent["message"]["To"] == "alice@example.org"
    # The greeting never echoes what the patient typed; the clinic signs with its contact details.
    assert sent["body"].startswith("Hello,\n") and "Alice" not in sent["body"]
    assert "The link works for 12 days." in sent["body"]
    assert "\nNorthside Clinic\n" in sent["body"]
    token = re.search(r"^http://testserver/status/([^/\s]+)/$", sent["body"], re.MULTILINE).group(1)
    assert Case.public_id_from_token(token) == str(alice.public_id)


def test_it_names_each_email_after_its_reminder_on_the_senders_domain(alice, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Northside Clinic <desk@mail.northside.example>"
    sent = send(alice, ReminderKind.CONFIRMATION, smtp_server)
    expected = f"<reminder-{sent['reminder'].pk}.{alice.public_id}@mail.northside.example>"
    assert message_id(sent) == expected



@pytest.mark.parametrize(
    ("sender", "domain"),
    [
        ('"front@desk" <"front@desk"@mail.northside.example>', "mail.northside.example"),
        ("The clinic <>", "localhost"),
    ],
)
def test_it_takes_the_message_id_domain_after_the_senders_last_at_sign(alice, settings, sender, domain):
    settings.DEFAULT_FROM_EMAIL = sender
    reminder = alice.reminders.get(kind=ReminderKind.CONFIRMATION)
    message = reminder_message(reminder)
    assert message.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}.{alice.public_id}@{domain}>"
