import asyncio
import re
import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from intake.models import CaseStatus, Reminder, ReminderKind, ReminderState
from intake.outbox import outbox_add, outbox_cancel
from intake.reminders import (
    QUEUED_LEASE,
    SENDING_LEASE,
    reminder_is_wanted,
    reminder_send,
    reminders_claim_due,
    reminders_send,
    retry_delay,
    smtp_error_is_permanent,
)
from referrals.models import Appointment, Location, Referral
from referrals.vocabulary import History, Specialist, Symptom
from tests.conftest import free_port, wait_until
from tests.intake import mail

pytestmark = pytest.mark.django_db
scripted_smtp = mail.scripted_smtp


def confirmation(case) -> Reminder:
    return case.reminders.get(kind=ReminderKind.CONFIRMATION)


def booking(case) -> Reminder:
    return case.reminders.get(kind=ReminderKind.BOOK_THERAPIST)


def test_it_claims_only_what_is_due(alice):
    claimed = reminders_claim_due(now=timezone.now())
    assert claimed == [confirmation(alice).pk]
    assert confirmation(alice).state == ReminderState.QUEUED
    assert booking(alice).state == ReminderState.PENDING


def test_it_claims_the_booking_reminder_when_it_falls_due(alice):
    due_at = booking(alice).due_at
    assert booking(alice).pk not in reminders_claim_due(now=due_at - timedelta(seconds=1))
    assert booking(alice).pk in reminders_claim_due(now=due_at)


def test_it_claims_each_reminder_once(alice, bob):
    now = timezone.now()
    first = reminders_claim_due(now=now)
    assert len(first) == 2
    assert reminders_claim_due(now=now) == []
    assert reminders_claim_due(now=now + QUEUED_LEASE - timedelta(seconds=1)) == []


@pytest.mark.django_db(transaction=True)
def test_it_has_one_winner_when_dispatchers_race(alice, bob):
    now, results, barrier = timezone.now(), [], threading.Barrier(4)

    def dispatcher():
        barrier.wait()
        try:
            results.append(reminders_claim_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [pk for ids in results for pk in ids]
    assert len(results) == 4
    assert sorted(won) == sorted([confirmation(alice).pk, confirmation(bob).pk])


def test_it_claims_again_an_id_the_broker_lost(alice):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    assert reminders_claim_due(now=now + QUEUED_LEASE + timedelta(seconds=1)) == [pk]


def test_it_sends_and_marks_the_reminder_sent(alice, smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.state == ReminderState.SENT
    assert reminder.sent_at is not None and reminder.attempts == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "alice@example.org"
    assert f"reminder-{pk}." in message["Message-ID"]
    body = message.get_payload(decode=True).decode()
    token = re.search(r"http://testserver/status/([^/\s]+)/", body).group(1)
    assert alice.public_id_from_token(token) == str(alice.public_id)


def test_it_sends_nothing_twice_when_the_id_arrives_twice(alice, smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    assert reminder_send(reminder_id=pk) is None
    assert len(smtp_server.wait_for(2, timeout=1)) == 1


def test_it_keeps_health_data_out_of_the_email(alice, smtp_server):
    reminders_claim_due(now=booking(alice).due_at)
    for reminder in alice.reminders.all():
        reminder_send(reminder_id=reminder.pk)
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    words = [*Symptom.values, *Symptom.labels, *History.values, *Specialist.labels[1:], "neurolog", "urgent"]
    for message in messages:
        text = (message["Subject"] + message.get_payload(decode=True).decode()).lower()
        assert not [word for word in words if word.lower() in text]


def test_it_backs_off_when_smtp_is_down(alice, smtp_down):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    with time_machine.travel(now, tick=False):
        assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.attempts == 1
    assert reminder.due_at == now + timedelta(minutes=1)
    assert "ConnectionRefusedError" in reminder.last_error
    assert reminders_claim_due(now=now + timedelta(seconds=30)) == []
    assert reminders_claim_due(now=now + timedelta(minutes=1)) == [pk]


def test_it_marks_the_reminder_failed_after_the_last_attempt(alice, smtp_down, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    pk = confirmation(alice).pk
    now = timezone.now()
    for attempt in range(2):
        assert reminders_claim_due(now=now + timedelta(hours=attempt)) == [pk]
        reminder_send(reminder_id=pk)
    reminder = Reminder.objects.get(pk=pk)
    assert reminder.state == ReminderState.FAILED
    assert reminder.attempts == 2
    assert pk not in reminders_claim_due(now=now + timedelta(days=1))


def test_it_retries_a_send_interrupted_by_a_dying_worker(alice):
    now = timezone.now()
    [pk] = reminders_claim_due(now=now)
    Reminder.objects.filter(pk=pk).update(state=ReminderState.SENDING, claimed_at=now)
    assert reminders_claim_due(now=now + SENDING_LEASE - timedelta(seconds=1)) == []
    assert reminders_claim_due(now=now + SENDING_LEASE + timedelta(seconds=1)) == [pk]


def test_it_cancels_the_booking_reminder_of_a_closed_case(alice, smtp_server):
    alice.status = CaseStatus.CLOSED
    alice.save()
    [_, pk] = reminders_claim_due(now=booking(alice).due_at)
    assert reminder_send(reminder_id=pk) == ReminderState.CANCELLED
    assert Reminder.objects.get(pk=pk).state == ReminderState.CANCELLED
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_it_doubles_the_wait_after_each_failed_attempt(alice, smtp_down):
    pk = confirmation(alice).pk
    attempt_at, waits = timezone.now(), []
    for _ in range(3):
        assert reminders_claim_due(now=attempt_at) == [pk]
        with time_machine.travel(attempt_at, tick=False):
            assert reminder_send(reminder_id=pk) == ReminderState.PENDING
        due_at = Reminder.objects.get(pk=pk).due_at
        waits.append(due_at - attempt_at)
        attempt_at = due_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]


@pytest.mark.parametrize(
    ("status", "kind", "outcome"),
    [
        (CaseStatus.NEW, ReminderKind.BOOK_THERAPIST, ReminderState.SENT),
        (CaseStatus.TRIAGED, ReminderKind.BOOK_THERAPIST, ReminderState.SENT),
        (CaseStatus.IN_PROGRESS, ReminderKind.BOOK_THERAPIST, ReminderState.CANCELLED),
        (CaseStatus.CLOSED, ReminderKind.BOOK_THERAPIST, ReminderState.CANCELLED),
        (CaseStatus.IN_PROGRESS, ReminderKind.CONFIRMATION, ReminderState.SENT),
        (CaseStatus.CLOSED, ReminderKind.CONFIRMATION, ReminderState.CANCELLED),
    ],
)
def test_it_sends_only_what_the_case_still_needs(alice, smtp_server, status, kind, outcome):
    alice.status = status
    alice.save()
    reminder = alice.reminders.get(kind=kind)
    assert reminder.pk in reminders_claim_due(now=reminder.due_at)
    assert reminder_send(reminder_id=reminder.pk) == outcome
    assert Reminder.objects.get(pk=reminder.pk).state == outcome
    assert len(smtp_server.messages) == (1 if outcome == ReminderState.SENT else 0)


def test_it_tells_the_patient_to_call_emergency_services_in_the_confirmation(alice, smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    reminder_send(reminder_id=pk)
    [message] = smtp_server.messages
    assert message["Subject"].endswith("we received your request")
    assert "call emergency services" in message.get_payload(decode=True).decode()


class HeldInbox:
    """An SMTP server that holds each message until the test answers it: a slow mail server."""

    def __init__(self) -> None:
        self.held: list[tuple[threading.Event, list[str]]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        answered, reply = threading.Event(), []
        with self.arrived:
            self.held.append((answered, reply))
            self.arrived.notify_all()
        await asyncio.get_running_loop().run_in_executor(None, answered.wait)
        return reply[0]

    def wait_for(self, count: int) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.held) >= count, timeout=30)

    def answer(self, index: int, reply: str) -> None:
        answered, replies = self.held[index]
        replies.append(reply)
        answered.set()


@pytest.fixture
def slow_smtp_server(settings) -> Iterator[HeldInbox]:
    inbox = HeldInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 60
    yield inbox
    for answered, replies in inbox.held:
        replies.append("421 closing")
        answered.set()
    controller.stop()


class Worker(threading.Thread):
    """A Celery worker's delivery of one reminder id, in a thread of its own."""

    def __init__(self, reminder_id: int) -> None:
        super().__init__()
        self.reminder_id, self.result = reminder_id, "not finished"

    def run(self) -> None:
        try:
            self.result = reminder_send(reminder_id=self.reminder_id)
        finally:
            connection.close()


def _take_over_after_the_lease(pk: int, inbox: HeldInbox) -> tuple[Worker, Worker]:
    """Worker A stalls on a slow SMTP server; past the lease, worker B claims the row and sends."""
    late = Worker(pk)
    late.start()
    inbox.wait_for(1)
    assert reminders_claim_due(now=timezone.now() + SENDING_LEASE + timedelta(seconds=1)) == [pk]
    takeover = Worker(pk)
    takeover.start()
    inbox.wait_for(2)
    return late, takeover


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("late_reply", ["451 Try again later", "550 No such user here"])
def test_it_keeps_a_sent_row_sent_when_the_stalled_worker_fails_late(
    alice, slow_smtp_server, caplog, late_reply
):
    [pk] = reminders_claim_due(now=timezone.now())
    late, takeover = _take_over_after_the_lease(pk, slow_smtp_server)
    slow_smtp_server.answer(1, "250 OK")
    takeover.join()
    sent = Reminder.objects.get(pk=pk)
    assert (takeover.result, sent.state) == (ReminderState.SENT, ReminderState.SENT)
    with caplog.at_level("INFO", logger="intake.reminders"):
        slow_smtp_server.answer(0, late_reply)
        late.join()
    reminder = Reminder.objects.get(pk=pk)
    assert late.result is None
    assert f"reminder {pk} was claimed again meanwhile" in caplog.messages
    assert (reminder.state, reminder.sent_at, reminder.last_error) == (ReminderState.SENT, sent.sent_at, "")


@pytest.mark.django_db(transaction=True)
def test_it_lets_the_worker_holding_the_claim_finish_when_a_stalled_one_fails(alice, slow_smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    late, takeover = _take_over_after_the_lease(pk, slow_smtp_server)
    slow_smtp_server.answer(0, "451 Try again later")
    late.join()
    assert late.result is None
    assert Reminder.objects.get(pk=pk).state == ReminderState.SENDING
    slow_smtp_server.answer(1, "250 OK")
    takeover.join()
    reminder = Reminder.objects.get(pk=pk)
    assert (takeover.result, reminder.state) == (ReminderState.SENT, ReminderState.SENT)
    assert reminder.last_error == ""
    assert pk not in reminders_claim_due(now=timezone.now() + timedelta(days=30))


@pytest.mark.django_db(transaction=True)
def test_it_leaves_the_row_to_the_claim_holder_when_a_stalled_worker_succeeds(alice, slow_smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    late, takeover = _take_over_after_the_lease(pk, slow_smtp_server)
    slow_smtp_server.answer(0, "250 OK")
    late.join()
    assert Reminder.objects.get(pk=pk).state == ReminderState.SENDING
    slow_smtp_server.answer(1, "451 Try again later")
    takeover.join()
    reminder = Reminder.objects.get(pk=pk)
    assert (takeover.result, reminder.state) == (ReminderState.PENDING, ReminderState.PENDING)
    assert "451" in reminder.last_error


class RefusingInbox:
    """An SMTP server that refuses every message with a long temporary error."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        return "451 " + "Mailbox busy, try again later. " * 30


@pytest.fixture
def refusing_smtp_server(settings) -> Iterator[None]:
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield
    controller.stop()


def test_it_keeps_the_start_of_a_long_smtp_error(alice, refusing_smtp_server):
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    error = Reminder.objects.get(pk=pk).last_error
    assert len(error) == 500
    assert error.startswith("SMTPDataError: (451, b'Mailbox busy, try again later.")


def test_it_keeps_the_error_of_a_reminder_it_gives_up_on(alice, settings, smtp_down):
    settings.REMINDER_MAX_ATTEMPTS = 1
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.FAILED
    assert Reminder.objects.get(pk=pk).last_error.startswith("ConnectionRefusedError: ")


def test_it_clears_the_last_error_once_the_reminder_is_sent(alice, smtp_server, settings):
    server_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    [pk] = reminders_claim_due(now=timezone.now())
    assert reminder_send(reminder_id=pk) == ReminderState.PENDING
    assert Reminder.objects.get(pk=pk).last_error
    settings.EMAIL_PORT = server_port
    assert reminders_claim_due(now=timezone.now() + timedelta(minutes=2)) == [pk]
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    reminder = Reminder.objects.get(pk=pk)
    assert (reminder.state, reminder.attempts, reminder.last_error) == (ReminderState.SENT, 2, "")


def test_it_records_the_outcome_on_its_own_row_only(alice, bob, smtp_server):
    now = timezone.now()
    mine, other = confirmation(alice).pk, confirmation(bob).pk
    assert sorted(reminders_claim_due(now=now)) == sorted([mine, other])
    with time_machine.travel(now, tick=False):
        # Another worker took the other row at the very same instant and is still sending.
        Reminder.objects.filter(pk=other).update(state=ReminderState.SENDING, claimed_at=now)
        assert reminder_send(reminder_id=mine) == ReminderState.SENT
    assert Reminder.objects.get(pk=other).state == ReminderState.SENDING


def test_it_logs_each_outcome_by_reminder_id_only(alice, smtp_down, caplog):
    pk = confirmation(alice).pk
    reminders_claim_due(now=timezone.now())
    with caplog.at_level("INFO", logger="intake.reminders"):
        reminder_send(reminder_id=pk)
    failed = f"reminder {pk} attempt 1 failed: ConnectionRefusedError"
    assert caplog.messages == [failed, f"reminder {pk} pending"]


def test_it_claims_the_longest_overdue_first(alice, bob):
    now = timezone.now()
    Reminder.objects.filter(pk=confirmation(alice).pk).update(due_at=now - timedelta(minutes=1))
    Reminder.objects.filter(pk=confirmation(bob).pk).update(due_at=now - timedelta(minutes=5))
    assert reminders_claim_due(now=now, limit=1) == [confirmation(bob).pk]
    assert reminders_claim_due(now=now, limit=1) == [confirmation(alice).pk]


def test_it_claims_a_batch_at_a_time(alice, bob):
    now = timezone.now()
    first, second = reminders_claim_due(now=now, limit=1), reminders_claim_due(now=now, limit=1)
    assert sorted(first + second) == sorted([confirmation(alice).pk, confirmation(bob).pk])
    assert reminders_claim_due(now=now, limit=1) == []


def test_it_fails_only_the_refused_email_of_a_batch(alice, bob, scripted_smtp):
    scripted_smtp.rcpt_replies = ["550 5.1.1 No such user here"]
    claimed = reminders_claim_due(now=timezone.now())
    states = reminders_send(reminder_ids=claimed)
    assert sorted(states.values()) == [ReminderState.FAILED, ReminderState.SENT]
    [sent] = [pk for pk, state in states.items() if state == ReminderState.SENT]
    [message] = scripted_smtp.wait_for(1)
    assert f"reminder-{sent}." in message["Message-ID"]
    assert Reminder.objects.get(pk=sent).state == ReminderState.SENT
    # The refusal was about that email: the next one went over the same connection.
    assert len(scripted_smtp.peers) == 2 and len(set(scripted_smtp.peers)) == 1


def test_it_sends_the_rest_of_a_batch_on_a_new_connection_when_the_server_hangs_up(alice, bob, scripted_smtp):
    scripted_smtp.rcpt_replies = ["421 4.7.0 Closing the connection"]
    claimed = reminders_claim_due(now=timezone.now())
    states = reminders_send(reminder_ids=claimed)
    assert sorted(states.values()) == [ReminderState.PENDING, ReminderState.SENT]
    [retried] = [pk for pk, state in states.items() if state == ReminderState.PENDING]
    assert "421" in Reminder.objects.get(pk=retried).last_error
    assert len(scripted_smtp.wait_for(1)) == 1
    assert len(set(scripted_smtp.peers)) == 2


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_row_claimed_again_while_it_was_being_sent(alice, scripted_smtp):
    [pk] = reminders_claim_due(now=timezone.now())
    later = timezone.now() + SENDING_LEASE + timedelta(minutes=1)

    def claimed_again():
        try:
            assert reminders_claim_due(now=later) == [pk]
        finally:
            connection.close()

    scripted_smtp.while_accepting = claimed_again
    assert reminder_send(reminder_id=pk) == ReminderState.SENT
    assert len(scripted_smtp.wait_for(1)) == 1
    reminder = Reminder.objects.get(pk=pk)
    assert (reminder.state, reminder.claimed_at) == (ReminderState.QUEUED, later)


def test_it_hands_back_what_a_batch_had_no_time_to_send(alice, bob, smtp_server, monkeypatch):
    monkeypatch.setattr("intake.reminders.BATCH_BUDGET", timedelta(seconds=-1))
    claimed = reminders_claim_due(now=timezone.now())
    assert set(reminders_send(reminder_ids=claimed).values()) == {ReminderState.PENDING}
    untried = Reminder.objects.filter(pk__in=claimed)
    assert {(r.state, r.attempts, r.claimed_at) for r in untried} == {(ReminderState.PENDING, 0, None)}
    assert smtp_server.wait_for(1, timeout=0.5) == []
    assert sorted(reminders_claim_due(now=timezone.now())) == sorted(claimed)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (500, b""), "b@example.org": (599, b"")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b""), "b@example.org": (451, b"")}), False),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (499, b"")}), False),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (600, b"")}), False),
        (smtplib.SMTPRecipientsRefused({}), False),
        (smtplib.SMTPDataError(554, b"Message refused"), True),
        (smtplib.SMTPDataError(500, b""), True),
        (smtplib.SMTPDataError(599, b""), True),
        (smtplib.SMTPDataError(451, b"Try again later"), False),
        (smtplib.SMTPDataError(499, b""), False),
        (smtplib.SMTPDataError(600, b""), False),
        (smtplib.SMTPSenderRefused(553, b"Sender refused", "clinic@example.org"), True),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(), False),
    ],
)
def test_it_gives_up_at_once_only_on_a_5xx_reply_about_the_email(error, permanent):
    assert smtp_error_is_permanent(error) is permanent


def test_it_waits_one_minute_after_the_first_failure_then_doubles():
    minutes = [retry_delay(attempts) / timedelta(minutes=1) for attempts in range(6)]
    assert minutes == [1, 1, 2, 4, 8, 16]


def test_it_sends_a_batch_over_one_connection_and_says_goodbye(alice, bob, smtp_server):
    batch = reminders_claim_due(now=timezone.now())
    assert len(batch) == 2
    reminders_send(reminder_ids=batch)
    assert len(smtp_server.messages) == 2
    assert len(set(smtp_server.peers)) == 1
    assert wait_until(lambda: smtp_server.quits == 1)


def test_it_cancels_an_email_no_longer_wanted_and_sends_the_rest_of_the_batch(alice, bob, smtp_server):
    alice.status = CaseStatus.CLOSED
    alice.save()
    claimed = reminders_claim_due(now=timezone.now())
    assert claimed == sorted([confirmation(alice).pk, confirmation(bob).pk])
    states = reminders_send(reminder_ids=claimed)
    cancelled, sent = confirmation(alice).pk, confirmation(bob).pk
    assert states == {cancelled: ReminderState.CANCELLED, sent: ReminderState.SENT}
    assert [message["To"] for message in smtp_server.messages] == ["bob@example.org"]


def test_it_judges_an_appointment_reminder_at_the_time_it_is_sent(alice):
    visit = Appointment.objects.create(
        referral=Referral.objects.get(case=alice, specialist=Specialist.THERAPIST),
        starts_at=timezone.now() + timedelta(hours=1),
        location=Location.objects.create(name="Main clinic", address="1 High Street"),
    )
    reminder = Reminder.objects.create(
        case=alice, kind=ReminderKind.APPOINTMENT, key="visit", due_at=timezone.now(), appointment=visit
    )
    assert reminder_is_wanted(reminder, now=visit.starts_at - timedelta(minutes=1))
    assert not reminder_is_wanted(reminder, now=visit.starts_at)


def test_it_writes_an_email_once_per_case_kind_and_key(alice, django_capture_on_commit_callbacks):
    # The intake wrote Alice's confirmation with the empty key: a second one is refused.
    assert outbox_add(case=alice, kind=ReminderKind.CONFIRMATION, due_at=timezone.now()) is None
    with time_machine.travel(timezone.now(), tick=False), django_capture_on_commit_callbacks() as due_now:
        written = outbox_add(case=alice, kind=ReminderKind.ALERT_UNTRIAGED, due_at=timezone.now())
    assert written == alice.reminders.get(kind=ReminderKind.ALERT_UNTRIAGED)
    assert (written.key, written.state) == ("", ReminderState.PENDING)
    assert len(due_now) == 1
    with django_capture_on_commit_callbacks() as due_later:
        later = outbox_add(
            case=alice, kind=ReminderKind.APPOINTMENT, key="visit", due_at=timezone.now() + timedelta(days=1)
        )
    assert later is not None and due_later == []
    assert outbox_add(case=alice, kind=ReminderKind.APPOINTMENT, key="visit", due_at=timezone.now()) is None


def test_it_cancels_a_queued_email_and_forgets_its_claim(alice):
    [pk, *_] = reminders_claim_due(now=timezone.now())
    assert outbox_cancel(Reminder.objects.filter(pk=pk)) == 1
    cancelled = Reminder.objects.get(pk=pk)
    assert (cancelled.state, cancelled.claimed_at) == (ReminderState.CANCELLED, None)
