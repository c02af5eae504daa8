"""SMTP down, then back: the emails wait with a backoff and each arrives once when it is back."""

from datetime import timedelta

from django.utils import timezone

from intake.models import Reminder, ReminderKind, ReminderState
from tests.conftest import wait_until
from tests.intake.faults.conftest import (
    ARRIVES,
    confirmation_id,
    intake,
    tick_after_leases,
    wait_settled,
)


def test_it_sends_each_email_once_when_smtp_is_back(broker, smtp, workers):
    smtp.down()
    worker = workers()
    cases = [intake(f"pat{i}@example.org") for i in range(3)]
    confirmations = Reminder.objects.filter(kind=ReminderKind.CONFIRMATION)
    waiting = confirmations.filter(state=ReminderState.PENDING, attempts__gte=1)
    assert wait_until(lambda: waiting.count() == 3, ARRIVES), worker.output()
    assert all("Connection" in error for error in confirmations.values_list("last_error", flat=True))
    smtp.up()
    tick_after_leases(broker.url, later=timezone.now() + timedelta(minutes=5))
    smtp.inbox.wait_for(3, ARRIVES)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1 for case in cases}
    assert set(confirmations.values_list("state", flat=True)) == {ReminderState.SENT}
