"""550 for one recipient of a batch: that email fails at once (staff are told), the others go once."""

from intake.models import ReminderKind, ReminderState
from tests.intake.faults.conftest import ARRIVES, beat_tick, confirmation_id, intake, wait_settled
from tests.intake.mail import STAFF


def test_it_fails_the_refused_email_only_and_tells_staff_once(broker, smtp, workers):
    smtp.inbox.rcpt_replies = ["550 5.1.1 No such user here"]
    # Both intakes' emails wait in Redis for the worker, and go as one batch.
    refused, accepted = intake("gone@example.org"), intake("pat@example.org")
    worker = workers()
    beat_tick(broker.url)
    smtp.inbox.wait_for(2, ARRIVES)  # the accepted email, then the staff alert
    beat_tick(broker.url)
    wait_settled(worker)
    failed = refused.reminders.get(kind=ReminderKind.CONFIRMATION)
    assert (failed.state, failed.attempts) == (ReminderState.FAILED, 1)
    [alert] = refused.reminders.filter(kind=ReminderKind.ALERT_REMINDER_FAILED)
    ids = smtp.inbox.message_ids()
    assert ids == {confirmation_id(accepted): 1, f"<reminder-{alert.pk}.{refused.public_id}@localhost>": 1}
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(["pat@example.org", STAFF])
