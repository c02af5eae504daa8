"""A worker's pool process killed mid-send, after the SMTP server received a message and before
the batch was marked: that email arrives at most twice, with the same Message-ID (the one window
SMTP cannot close, see README.md); every other email of the batch arrives once."""

from datetime import timedelta

from django.utils import timezone

from intake.reminders import SENDING_LEASE
from tests.conftest import wait_until
from tests.intake.faults.conftest import (
    ARRIVES,
    beat_tick,
    confirmation_id,
    intake,
    tick_after_leases,
    wait_settled,
)


def test_it_sends_each_email_again_at_most_once_after_the_pool_process_dies(broker, smtp, workers):
    cases = [intake(f"pat{i}@example.org") for i in range(3)]
    smtp.inbox.hold_next = 1
    worker = workers()
    assert smtp.inbox.holding.wait(ARRIVES), worker.output()
    worker.kill_child()
    smtp.inbox.release.set()
    # The worker starts another pool process; the batch's message comes back, finds its rows
    # still being sent by the dead process, and leaves them to the lease.
    assert wait_until(lambda: len(worker.children()) == 1, ARRIVES)
    beat_tick(broker.url)
    assert len(smtp.inbox.wait_for(2, timeout=3)) == 1
    tick_after_leases(broker.url, later=timezone.now() + SENDING_LEASE + timedelta(seconds=1))
    smtp.inbox.wait_for(4, ARRIVES)
    wait_settled(worker)
    [first, *rest] = [confirmation_id(case) for case in cases]
    assert smtp.inbox.message_ids() == {first: 2, **dict.fromkeys(rest, 1)}
