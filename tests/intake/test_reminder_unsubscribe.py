"""Unsubscribe: every patient email carries List-Unsubscribe (one-click, RFC 8058) and a link
in the body; an unsubscribed patient gets no reminders; they can turn them on again."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from intake.models import Case, ReminderKind, ReminderState
from intake.reminders import reminder_send, reminders_claim_due
from referrals.appointment_links import appointment_link_url
from referrals.appointments import appointment_book
from tests.intake.mail import STAFF, link
from tests.referrals.care import place, referral, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def staff_alerts(settings):
    settings.STAFF_ALERT_EMAILS = [STAFF]


def send_due(case, *, at) -> dict[str, str]:
    """Claim and send what is due at `at`, as beat and the worker would; returns kind -> new state."""
    return {
        case.reminders.get(pk=pk).kind: reminder_send(reminder_id=pk)
        for pk in reminders_claim_due(now=at)
        if case.reminders.filter(pk=pk).exists()
    }


def unsubscribe_path(case) -> str:
    return f"/emails/{case.email_preferences_token()}/unsubscribe/"


def test_it_puts_one_click_unsubscribe_on_every_patient_email(bob, smtp_server):
    send_due(bob, at=bob.reminders.get(kind=ReminderKind.BOOK_THERAPIST).due_at)
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    for message in messages:
        # A long header is folded onto a second line; a mail client unfolds it.
        header = "".join(message["List-Unsubscribe"].split())
        in_body = link(message, r"/emails/[^/\s]+/unsubscribe/")
        assert header == f"<http://testserver{in_body}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = in_body.split("/")[2]
        assert Case.public_id_from_preferences_token(token) == str(bob.public_id)


def test_it_unsubscribes_with_the_mail_providers_one_click_post(bob):
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        unsubscribe_path(bob), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.unsubscribed_at is not None
    assert bob.reminders.filter(kind=ReminderKind.ALERT_UNSUBSCRIBED).count() == 1


def test_it_changes_nothing_when_a_scanner_fetches_the_link(client, bob):
    response = client.get(unsubscribe_path(bob))
    assert response.status_code == 200
    assert "Stop reminder emails?" in response.content.decode()
    bob.refresh_from_db()
    assert bob.unsubscribed_at is None
    assert not bob.reminders.filter(kind=ReminderKind.ALERT_UNSUBSCRIBED).exists()


def test_it_alerts_staff_once_for_one_unsubscribe(client, bob):
    client.post(unsubscribe_path(bob))
    response = client.post(unsubscribe_path(bob))
    assert "already off" in response.content.decode()
    assert bob.reminders.filter(kind=ReminderKind.ALERT_UNSUBSCRIBED).count() == 1


def test_it_sends_no_reminder_to_an_unsubscribed_patient(client, bob, smtp_server):
    client.post(unsubscribe_path(bob))
    states = send_due(bob, at=bob.reminders.get(kind=ReminderKind.BOOK_THERAPIST).due_at)
    assert states[ReminderKind.BOOK_THERAPIST] == ReminderState.CANCELLED
    # The confirmation of the patient's own request still goes, and the staff alert.
    assert states[ReminderKind.CONFIRMATION] == ReminderState.SENT
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted(["bob@example.org", STAFF])
    [to_bob] = [message for message in messages if message["To"] == "bob@example.org"]
    assert "we received your request" in to_bob["Subject"]


def test_it_keeps_the_appointment_links_working_when_unsubscribed(client, bob):
    desk = staff("desk", "book_appointment")
    starts = timezone.now() + timedelta(days=2)
    visit = appointment_book(referral=referral(bob, "therapist"), starts_at=starts, location=place(), by=desk)
    client.post(unsubscribe_path(bob))
    response = client.post(appointment_link_url(visit, "confirm").removeprefix("http://testserver"))
    assert "your appointment is confirmed" in response.content.decode()
    visit.refresh_from_db()
    assert visit.confirmed_at is not None


def test_it_lets_the_patient_subscribe_again(client, bob, smtp_server):
    client.post(unsubscribe_path(bob))
    response = client.post(f"/emails/{bob.email_preferences_token()}/subscribe/")
    assert response.status_code == 200
    assert "Reminder emails are on" in response.content.decode()
    bob.refresh_from_db()
    assert bob.unsubscribed_at is None
    states = send_due(bob, at=bob.reminders.get(kind=ReminderKind.BOOK_THERAPIST).due_at)
    assert states[ReminderKind.BOOK_THERAPIST] == ReminderState.SENT


def test_it_needs_a_post_with_a_csrf_token_to_subscribe_again(bob):
    browser = Client(enforce_csrf_checks=True)
    path = f"/emails/{bob.email_preferences_token()}/subscribe/"
    assert browser.get(path).status_code == 405
    assert browser.post(path).status_code == 403


def test_it_answers_a_broken_link_with_a_clear_page(client, bob):
    token = bob.email_preferences_token()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in ("/emails/nonsense/unsubscribe/", f"/emails/{tampered}/unsubscribe/"):
        response = client.post(path)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    bob.refresh_from_db()
    assert bob.unsubscribed_at is None


def test_it_gives_the_status_page_a_preferences_include(client, bob):
    request = RequestFactory().get("/")
    html = render_to_string("intake/_reminder_preferences.html", {"case": bob}, request=request)
    assert f'action="{unsubscribe_path(bob)}"' in html
    client.post(unsubscribe_path(bob))
    bob.refresh_from_db()
    html = render_to_string("intake/_reminder_preferences.html", {"case": bob}, request=request)
    assert f'action="/emails/{bob.email_preferences_token()}/subscribe/"' in html
    assert "You turned reminder emails off" in html
