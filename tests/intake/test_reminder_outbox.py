import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from intake.models import CaseStatus, Reminder, ReminderKind, ReminderState
from intake.reminders import (
    QUEUED_LEASE,
    SENDING_LEASE,
    reminder_send,
    reminders_claim_due,
    reminders_send,
)
from referrals.vocabulary import History, Specialist, Symptom
from tests.intake import mail

pytestmark = pytest.mark.django_db
scripted_smtp = mail.scripted_smtp


def confirmation(case) -> Reminder:
    return case.reminders.get(kind=ReminderKind.CONFIRMATION)


def booking(case) -> Reminder:
    return case.reminders.get(kind=ReminderKind.BOOK_THERAPIST)


def test_it_claims_only_what_is_due(alice):
    claimed = reminders_claim_due(now=timezone.now())
    assert claimed == [confirmation(alice).pk]
    assert confirmation(alice).state == ReminderState.QUEUED
    assert booking(alice).state == ReminderState.PENDING


def test_it_claims_the_booking_reminder_when_it_falls_due(alice):
    due_at = booking(alice).due_at
    assert booking(alice).pk not in reminders_claim_due(now=due_at - timedelta(seconds=1))
    assert booking(alice).pk in reminders_claim_due(now=due_at)


def test_it_claims_each_reminder_once(alice, bob):
    now = timezone.now()
    first = reminders_claim_due(now=now)
    assert len(first) == 2
    assert reminders_claim_due(now=now) == []
    assert reminders_claim_due(now=now + QUEUED_LEASE - timedelta(seconds=1)) == []


@pytest.mark.django_db(transaction=True)
def test_it_has_one_winner_when_dispatchers_race(alice, bob):
    now, results, barrier = timezone.now(), [], threading.Barrier(4)

    def dispatcher():
        barrier.wait()
        try:
            results.append(reminders_claim_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [pk for ids in results for pk in ids]
    assert len(results) == 4
    assert sorted(won) == sorted([confirmation(alice).pk, confirmation(bob).pk])


def test_it_claims_again_an_id_the_broker_lost(alice):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    assert reminders_claim_due(now=now + QUEUED_LEASE + timedelta(seconds=1)) == [pk]


def test_it_sends_and_marks_the_reminder_sent(alice, smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.state == ReminderState.SENT
    assert reminder.sent_at is not None and reminder.attempts == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "alice@example.org"
    assert f"reminder-{pk}." in message["Message-ID"]
    body = message.get_payload(decode=True).decode()
    token = re.search(r"http://testserver/status/([^/\s]+)/", body).group(1)
    assert alice.public_id_from_token(token) == str(alice.public_id)


def test_it_sends_nothing_twice_when_the_id_arrives_twice(alice, smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    assert reminder_send(reminder_id=pk) is None
    assert len(smtp_server.wait_for(2, timeout=1)) == 1


def test_it_keeps_health_data_out_of_the_email(alice, smtp_server):
    reminders_claim_due(now=booking(alice).due_at)
    for reminder in alice.reminders.all():
        reminder_send(reminder_id=reminder.pk)
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    words = [*Symptom.values, *Symptom.labels, *History.values, *Specialist.labels[1:], "neurolog", "urgent"]
    for message in messages:
        text = (message["Subject"] + message.get_payload(decode=True).decode()).lower()
        assert not [word for word in words if word.lower() in text]


def test_it_backs_off_when_smtp_is_down(alice, smtp_down):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    with time_machine.travel(now, tick=False):
        assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.attempts == 1
    assert reminder.due_at == now + timedelta(minutes=1)
    assert "ConnectionRefusedError" in reminder.last_error
    assert reminders_claim_due(now=now + timedelta(seconds=30)) == []
    assert reminders_claim_due(now=now + timedelta(minutes=1)) == [pk]


def test_it_marks_the_reminder_failed_after_the_last_attempt(alice, smtp_down, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    pk = confirmation(alice).pk
    now = timezone.now()
    for attempt in range(2):
        assert reminders_claim_due(now=now + timedelta(hours=attempt)) == [pk]
        reminder_send(reminder_id=pk)
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.state == ReminderState.FAILED
    assert reminder.attempts == 2
    assert pk not in reminders_claim_due(now=now + timedelta(days=1))


def test_it_retries_a_send_interrupted_by_a_dying_worker(alice):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    Reminder.objects.filter(pk=pk).update(state=ReminderState.SENDING, claimed_at=now)
    assert reminders_claim_due(now=now + SENDING_LEASE - timedelta(seconds=1)) == []
    assert reminders_claim_due(now=now + SENDING_LEASE + timedelta(seconds=1)) == [pk]


def test_it_cancels_the_booking_reminder_of_a_closed_case(alice, smtp_server):
    alice.status = CaseStatus.CLOSED
    alice.save()
    [_, pk] = reminders_claim_due(now=booking(alice).due_at)
    assert reminder_send(reminder_id=pk) == ReminderState.CANCELLED
    assert Reminder.objects.get(pk=pk).state == ReminderState.CANCELLED
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_it_claims_a_batch_at_a_time(alice, bob):
    now = timezone.now()
    first, second = reminders_claim_due(now=now, limit=1), reminders_claim_due(now=now, limit=1)
    assert sorted(first + second) == sorted([confirmation(alice).pk, confirmation(bob).pk])
    assert reminders_claim_due(now=now, limit=1) == []


def test_it_fails_only_the_refused_email_of_a_batch(alice, bob, scripted_smtp):
    scripted_smtp.rcpt_replies = ["550 5.1.1 No such user here"]
    claimed = reminders_claim_due(now=timezone.now())
    states = reminders_send(reminder_ids=claimed)
    assert sorted(states.values()) == [ReminderState.FAILED, ReminderState.SENT]
    [sent] = [pk for pk, state in states.items() if state == ReminderState.SENT]
    [message] = scripted_smtp.wait_for(1)
    assert f"reminder-{sent}." in message["Message-ID"]
    assert Reminder.objects.get(pk=sent).state == ReminderState.SENT


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_row_claimed_again_while_it_was_being_sent(alice, scripted_smtp):
    [pk] = reminders_claim_due(now=timezone.now())
    later = timezone.now() + SENDING_LEASE + timedelta(minutes=1)

    def claimed_again():
        try:
            assert reminders_claim_due(now=later) == [pk]
        finally:
            connection.close()

    scripted_smtp.while_accepting = claimed_again
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    assert len(scripted_smtp.wait_for(1)) == 1
    reminder = Reminder.objects.get(pk=pk)
    assert (reminder.state, reminder.claimed_at) == (ReminderState.QUEUED, later)


def test_it_hands_back_what_a_batch_had_no_time_to_send(alice, bob, smtp_server, monkeypatch):
    monkeypatch.setattr("intake.reminders.BATCH_BUDGET", timedelta(seconds=-1))
    claimed = reminders_claim_due(now=timezone.now())
    assert set(reminders_send(reminder_ids=claimed).values()) == {ReminderState.PENDING}
    untried = Reminder.objects.filter(pk__in=claimed)
    assert {(r.state, r.attempts, r.claimed_at) for r in untried} == {(ReminderState.PENDING, 0, None)}
    assert smtp_server.wait_for(1, timeout=0.5) == []
    assert sorted(reminders_claim_due(now=timezone.now())) == sorted(claimed)
