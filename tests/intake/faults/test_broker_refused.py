"""The broker refuses connections during an intake: the patient gets their answer, and the email
goes once when the broker is back, on beat's next tick."""

from intake.models import Case
from tests.intake.faults.conftest import ARRIVES, beat_tick, confirmation_id, wait_settled
from tests.intake.helpers import submit_intake
from tests.intake.test_reminder_delivery import ERIN


def test_it_saves_the_intake_and_sends_once_when_the_broker_is_back(client, broker, smtp, workers):
    broker.kill()
    response = submit_intake(client, ERIN, {"name": "Erin Example", "email": "erin@example.org"})
    assert response.status_code == 302
    case = Case.objects.get()
    broker.start()
    worker = workers()
    beat_tick(broker.url)
    smtp.inbox.wait_for(1, ARRIVES)
    beat_tick(broker.url)
    wait_settled(worker)
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1}
