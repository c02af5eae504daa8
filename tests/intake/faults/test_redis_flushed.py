"""Redis flushed after the ids were queued: the outbox still has the rows, and dispatch claims them
again after the queued lease; each email arrives once."""

from datetime import timedelta

from django.utils import timezone

from intake.models import Reminder, ReminderState
from intake.reminders import QUEUED_LEASE, reminders_claim_due
from tests.intake.faults.conftest import (
    ARRIVES,
    SEND_BATCH,
    beat_tick,
    confirmation_id,
    intake,
    publish,
    tick_after_leases,
    wait_settled,
)


def test_it_sends_each_email_once_after_the_queue_was_lost(broker, smtp, workers):
    cases = [intake(f"pat{i}@example.org") for i in range(3)]
    queued = reminders_claim_due(now=timezone.now())
    publish(broker.url, SEND_BATCH, queued)
    broker.flushall()
    worker = workers()
    beat_tick(broker.url)
    assert smtp.inbox.wait_for(1, timeout=3) == []
    states = Reminder.objects.filter(pk__in=queued).values_list("state", flat=True)
    assert set(states) == {ReminderState.QUEUED}
    later = timezone.now() + QUEUED_LEASE + timedelta(seconds=1)
    assert sorted(tick_after_leases(broker.url, later=later)) == queued
    smtp.inbox.wait_for(3, ARRIVES)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1 for case in cases}
