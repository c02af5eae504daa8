"""The broker hangs (accepts, never answers) during an intake: the patient's answer does not wait
for it, and the email arrives once after the broker answers again."""

import threading

from django.db import connection

from intake.models import Case
from tests.intake.faults.conftest import ARRIVES, beat_tick, confirmation_id, wait_settled
from tests.intake.helpers import submit_intake
from tests.intake.test_reminder_delivery import ERIN


def test_it_answers_the_intake_and_sends_once_after_the_broker_answers(
    client, settings, broker, smtp, workers
):
    # The background publish outlasts the hang: "send what is due now" gets through once it ends.
    settings.BROKER_PUBLISH_TIMEOUT = 30
    worker = workers()
    broker.pause()
    answers = []

    def patient():
        try:
            answers.append(submit_intake(client, ERIN, {"name": "Erin Example", "email": "erin@example.org"}))
        finally:
            connection.close()

    request = threading.Thread(target=patient)
    try:
        request.start()
        request.join(timeout=5)
        assert not request.is_alive(), "the intake waited on the hung broker"
    finally:
        broker.resume()
        request.join(timeout=30)
    assert answers[0].status_code == 302
    case = Case.objects.get()
    smtp.inbox.wait_for(1, ARRIVES)
    beat_tick(broker.url)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1}
