"""Delivery faults: a permanent SMTP refusal (5xx) fails an email at once and tells staff; a
transient one (4xx) or a lost connection retries with a growing delay; a broker that accepts
connections but never answers does not hold the patient's request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intake.models import Case, ReminderKind, ReminderState
from intake.reminders import reminder_send, reminders_claim_due
from tests.conftest import wait_until
from tests.intake import mail
from tests.intake.helpers import submit_intake
from tests.intake.mail import STAFF, SilentListener, beat_tick, per_address, text_of
from tests.intake.test_reminder_delivery import ERIN

module_worker = mail.module_worker
scripted_smtp = mail.scripted_smtp
BOB = "bob@example.org"


@pytest.fixture(autouse=True)
def staff_alerts(settings):
    settings.STAFF_ALERT_EMAILS = [STAFF]
    settings.REMINDER_MAX_ATTEMPTS = 6


def confirmation(case):
    return case.reminders.get(kind=ReminderKind.CONFIRMATION)


@pytest.mark.django_db(transaction=True)
def test_it_fails_at_once_on_a_permanent_refusal_and_tells_staff(bob, module_worker, scripted_smtp):
    scripted_smtp.rcpt_replies = ["550 5.1.1 No such user here"]
    beat_tick()
    failed = confirmation(bob)
    assert (failed.state, failed.attempts) == (ReminderState.FAILED, 1)
    assert "550" in failed.last_error
    beat_tick()
    [alert] = scripted_smtp.wait_for(1)
    assert per_address(scripted_smtp.messages) == {STAFF: 1}
    assert alert["Subject"] == f"Case {bob.pk}: an email to the patient could not be delivered"
    assert "Confirmation of the request" in text_of(alert)
    assert BOB not in text_of(alert)


@pytest.mark.django_db
def test_it_fails_at_once_when_the_message_itself_is_refused(bob, scripted_smtp):
    scripted_smtp.data_replies = ["554 5.6.0 Message refused"]
    [pk, *_] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.FAILED
    assert bob.reminders.filter(kind=ReminderKind.ALERT_REMINDER_FAILED, key=str(pk)).count() == 1


@pytest.mark.django_db
def test_it_retries_a_transient_refusal_with_backoff(bob, scripted_smtp, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    scripted_smtp.data_replies = ["451 4.3.0 Try again later"]
    [pk] = reminders_claim_due(now=now)
    assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    retry = confirmation(bob)
    assert (retry.attempts, retry.due_at) == (1, now + timedelta(minutes=1))
    assert "451" in retry.last_error
    assert reminders_claim_due(now=now + timedelta(seconds=59)) == []
    time_machine.move_to(now + timedelta(minutes=1))
    assert reminders_claim_due(now=now + timedelta(minutes=1)) == [pk]
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    assert per_address(scripted_smtp.wait_for(1)) == {BOB: 1}
    assert not bob.reminders.filter(kind=ReminderKind.ALERT_REMINDER_FAILED).exists()


@pytest.mark.django_db
def test_it_retries_when_the_connection_is_lost(bob, settings, time_machine):
    hangs_up = SilentListener(hang_up=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", hangs_up.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    try:
        [pk] = reminders_claim_due(now=now)
        assert reminder_send(reminder_id=pk) == ReminderState.PENDING
        time_machine.move_to(now + timedelta(minutes=1))
        assert reminders_claim_due(now=now + timedelta(minutes=1)) == [pk]
        assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    finally:
        hangs_up.stop()
    retry = confirmation(bob)
    assert "SMTPServerDisconnected" in retry.last_error
    assert (retry.attempts, retry.due_at) == (2, now + timedelta(minutes=1) + timedelta(minutes=2))


@pytest.mark.django_db
def test_it_tells_staff_when_the_last_transient_attempt_fails(bob, scripted_smtp, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    scripted_smtp.data_replies = ["421 4.4.2 Busy", "421 4.4.2 Busy"]
    now = timezone.now()
    pk = confirmation(bob).pk
    for hours in (0, 1):
        assert reminders_claim_due(now=now + timedelta(hours=hours)) == [pk]
        reminder_send(reminder_id=pk)
    assert confirmation(bob).state == ReminderState.FAILED
    assert bob.reminders.filter(kind=ReminderKind.ALERT_REMINDER_FAILED).count() == 1


@pytest.mark.django_db
def test_it_never_alerts_about_a_failed_alert(alice, scripted_smtp):
    scripted_smtp.rcpt_replies = ["550 5.1.1 No such user here"] * 2
    for pk in reminders_claim_due(now=timezone.now()):
        reminder_send(reminder_id=pk)
    failed = alice.reminders.filter(state=ReminderState.FAILED)
    kinds = sorted(failed.values_list("kind", flat=True))
    assert kinds == [ReminderKind.ALERT_NEW_CASE, ReminderKind.CONFIRMATION]
    assert alice.reminders.filter(kind=ReminderKind.ALERT_REMINDER_FAILED).count() == 1


@pytest.mark.django_db
def test_it_answers_the_intake_while_the_broker_never_answers(
    client, settings, django_capture_on_commit_callbacks
):
    broker = SilentListener()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{broker.port}/0"
    # The background publish may wait on the broker for a minute; the patient must not.
    settings.BROKER_PUBLISH_TIMEOUT = 60
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = submit_intake(client, ERIN, {"name": "Erin Example", "email": "erin@example.org"})
        assert response.status_code == 302
        assert len(callbacks) == 1
        # The dispatch was asked for, and the broker still holds it: the answer did not wait.
        assert wait_until(lambda: len(broker.accepted) == 1)
        assert broker.closed_by_client == 0
    finally:
        broker.stop()
    case = Case.objects.get()
    # Beat's next tick sends what the broker did not take.
    assert confirmation(case).pk in reminders_claim_due(now=timezone.now())
