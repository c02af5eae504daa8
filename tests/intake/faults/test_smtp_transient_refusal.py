"""451 then 250: the email is retried after its backoff and arrives once."""

from datetime import timedelta

from django.utils import timezone

from intake.models import ReminderKind, ReminderState
from tests.conftest import wait_until
from tests.intake.faults.conftest import ARRIVES, confirmation_id, intake, tick_after_leases, wait_settled


def test_it_sends_once_after_a_transient_refusal(broker, smtp, workers):
    smtp.inbox.data_replies = ["451 4.3.0 Try again later"]
    worker = workers()
    case = intake("pat@example.org")
    reminder = case.reminders.get(kind=ReminderKind.CONFIRMATION)
    retrying = case.reminders.filter(pk=reminder.pk, state=ReminderState.PENDING, attempts=1)
    assert wait_until(retrying.exists, ARRIVES), worker.output()
    assert smtp.inbox.messages == []
    assert tick_after_leases(broker.url, later=timezone.now() + timedelta(minutes=2)) == [reminder.pk]
    smtp.inbox.wait_for(1, ARRIVES)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1}
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.SENT, 2)
