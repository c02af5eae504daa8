"""End to end: a form submission, a real Celery worker on the configured broker
(Redis under CI) and a real SMTP server on loopback."""

import re

import pytest
from django.utils import timezone

from intake.models import Case, Reminder, ReminderKind, ReminderState
from intake.tasks import reminders_dispatch
from tests.conftest import wait_until
from tests.intake.helpers import submit_intake

ERIN = {"sex": "female", "age": 29, "locations": ["lower_back"], "frequency": "regular", "pregnancy": "no"}


@pytest.mark.django_db(transaction=True)
def test_it_emails_the_confirmation_through_a_worker(client, celery_worker, smtp_server):
    response = submit_intake(client, ERIN, {"name": "Erin Example", "email": "erin@example.org"})
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1, timeout=60)
    case = Case.objects.get()
    assert message["To"] == "erin@example.org"
    assert "we received your request" in message["Subject"]
    link = re.search(r"http://testserver(/status/[^\s]+/)", message.get_payload(decode=True).decode())
    assert client.get(link.group(1)).status_code == 200
    confirmation = case.reminders.get(kind=ReminderKind.CONFIRMATION)
    assert wait_until(lambda: case.reminders.get(pk=confirmation.pk).state == ReminderState.SENT)
    assert case.reminders.get(kind=ReminderKind.BOOK_THERAPIST).state == ReminderState.PENDING


@pytest.mark.django_db(transaction=True)
def test_it_sends_what_beat_dispatches(client, celery_worker, smtp_server):
    submit_intake(client, ERIN, {"email": "frank@example.org", "name": "Frank"})
    smtp_server.wait_for(1, timeout=60)
    # A second dispatch, as beat's next tick would run, finds nothing left to send.
    reminders_dispatch.delay()
    assert len(smtp_server.wait_for(2, timeout=3)) == 1


@pytest.mark.django_db(transaction=True)
def test_it_dispatches_batch_after_batch_until_nothing_is_due(
    smtp_server, celery_worker, alice, bob, monkeypatch
):
    # The confirmations go first, on the dispatch each intake asks for.
    smtp_server.wait_for(2)
    assert wait_until(lambda: Reminder.objects.filter(state=ReminderState.SENT).count() == 2)
    monkeypatch.setattr("intake.reminders.CLAIM_BATCH", 1)
    Reminder.objects.filter(kind=ReminderKind.BOOK_THERAPIST).update(due_at=timezone.now())
    assert reminders_dispatch() == 2
    messages = smtp_server.wait_for(4)
    assert sorted(m["To"] for m in messages) == ["alice@example.org"] * 2 + ["bob@example.org"] * 2
    assert wait_until(lambda: Reminder.objects.filter(state=ReminderState.SENT).count() == 4)
