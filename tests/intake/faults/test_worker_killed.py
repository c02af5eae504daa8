"""The whole worker killed mid-send (pool and all, nothing acknowledged): a new worker sends the
rest once after the lease; the email the server had received arrives at most twice, with the same
Message-ID."""

from datetime import timedelta

from django.utils import timezone

from intake.reminders import SENDING_LEASE
from tests.intake.faults.conftest import ARRIVES, confirmation_id, intake, tick_after_leases, wait_settled


def test_it_sends_each_email_again_at_most_once_after_the_worker_dies(broker, smtp, workers):
    cases = [intake(f"pat{i}@example.org") for i in range(3)]
    smtp.inbox.hold_next = 1
    first_worker = workers()
    assert smtp.inbox.holding.wait(ARRIVES), first_worker.output()
    first_worker.kill()
    smtp.inbox.release.set()
    second_worker = workers()
    tick_after_leases(broker.url, later=timezone.now() + SENDING_LEASE + timedelta(seconds=1))
    smtp.inbox.wait_for(4, ARRIVES)
    wait_settled(second_worker)
    [first, *rest] = [confirmation_id(case) for case in cases]
    assert smtp.inbox.message_ids() == {first: 2, **dict.fromkeys(rest, 1)}
