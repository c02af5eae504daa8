"""Two dispatchers and two workers racing on 1,000 due emails: each arrives exactly once."""

import threading

from django.db import connection
from django.utils import timezone

from intake.management.commands.bench_drain import Command
from intake.reminders import reminders_claim_due
from tests.intake.faults.conftest import ARRIVES, DISPATCH, SEND_BATCH, publish, wait_settled

COUNT = 1000


def test_it_sends_each_of_a_thousand_emails_once(broker, smtp, workers):
    due = Command().make_due_reminders(COUNT)
    racing = [workers(), workers()]
    barrier = threading.Barrier(2)

    def dispatcher():
        """Beat's dispatch in this process, batch after batch, while the workers dispatch too."""
        barrier.wait()
        try:
            while batch := reminders_claim_due(now=timezone.now()):
                publish(broker.url, SEND_BATCH, batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(2):
        publish(broker.url, DISPATCH)
    for thread in threads:
        thread.join(ARRIVES)
    smtp.inbox.wait_for(COUNT, 3 * ARRIVES)
    wait_settled(*racing)
    expected = {f"<reminder-{r.pk}.{r.case.public_id}@localhost>" for r in due}
    received = smtp.inbox.message_ids()
    assert set(received) == expected
    assert set(received.values()) == {1}
