"""An intake rolled back after it was saved: no email goes, and the next intake's goes once."""

import pytest
from django.db import transaction

from intake.models import Case
from tests.intake.faults.conftest import ARRIVES, beat_tick, confirmation_id, intake, wait_settled


def test_it_sends_nothing_for_an_intake_rolled_back(broker, smtp, workers):
    worker = workers()
    with pytest.raises(RuntimeError), transaction.atomic():
        intake("rolled.back@example.org")
        raise RuntimeError("the surrounding transaction fails after the intake")
    assert not Case.objects.exists()
    kept = intake("kept@example.org")
    smtp.inbox.wait_for(1, ARRIVES)
    beat_tick(broker.url)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(kept): 1}
    assert [m["To"] for m in smtp.inbox.messages] == ["kept@example.org"]
