"""Staff alerts, end to end: the event writes the row, beat's tick claims it at the travelled
time, the real worker sends it to STAFF_ALERT_EMAILS and the assignee at the real SMTP server."""

from datetime import timedelta

import pytest
from django.test import Client

from intake.alerts import alerts_untriaged_add
from intake.casework import case_assign
from intake.models import CaseStatus, ReminderKind
from intake.submission import intake_submit
from intake.tasks import alerts_untriaged
from referrals.appointments import appointment_book
from referrals.models import AppointmentState, ReferralStatus
from referrals.vocabulary import URGENCY_TIME_FRAMES, Urgency, urgency_within
from tests.conftest import wait_until
from tests.intake import mail
from tests.intake.mail import STAFF, beat_tick, health_words_in, link, per_address, text_of
from tests.referrals.care import NOW, place, referral, staff

pytestmark = pytest.mark.django_db(transaction=True)
module_worker = mail.module_worker
TRIAGE = "triage@clinic.example"
EMERGENCY_ANSWERS = {
    "sex": "male",
    "age": 61,
    "locations": ["under_left_shoulder_blade"],
    "frequency": "once",
    "symptoms": ["chest_heaviness", "short_breath_at_rest"],
}
# A staff alert names its priority; it never names the patient or anything they told us.
PRIORITY = ("emergency", "Emergency", "urgent", "Urgent")


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.STAFF_ALERT_EMAILS = [STAFF, TRIAGE]
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def inbox(module_worker, smtp_server):
    """Ask for it before the patients: their intakes' emails go at once, to this server."""
    return smtp_server


def alerts(messages, *, to=STAFF):
    return [message for message in messages if to in message["To"]]


def assert_names_only_the_case(message, case):
    text = text_of(message)
    assert f"case {case.pk}" in text.lower()
    assert f"http://testserver/admin/intake/case/{case.pk}/change/" in text
    for private in (case.name, case.name.split()[0], case.email, str(case.public_id)):
        assert private not in text
    assert health_words_in(message, allowed=PRIORITY) == []
    assert "List-Unsubscribe" not in message


def test_it_alerts_staff_at_once_on_an_emergency_intake(inbox):
    contact = {"name": "Carl Example", "email": "carl@example.org", "phone": ""}
    case = intake_submit(contact=contact, answers=EMERGENCY_ANSWERS)
    assert case.urgency == Urgency.EMERGENCY
    beat_tick()
    messages = inbox.wait_for(2)
    assert per_address(messages) == {STAFF: 1, TRIAGE: 1, "carl@example.org": 1}
    [alert] = alerts(messages)
    assert alert["Subject"] == f"Emergency intake: case {case.pk}, triage now"
    assert_names_only_the_case(alert, case)


def test_it_alerts_staff_at_once_on_an_urgent_intake_only(inbox, alice, bob):
    beat_tick()
    messages = inbox.wait_for(3)
    assert per_address(messages) == {STAFF: 1, TRIAGE: 1, "alice@example.org": 1, "bob@example.org": 1}
    [alert] = alerts(messages)
    assert alert["Subject"] == f"Urgent intake: case {alice.pk}, triage now"
    assert_names_only_the_case(alert, alice)


def test_it_alerts_once_when_a_case_stays_untriaged_past_its_deadline(inbox, alice, bob, clock):
    beat_tick()
    sent_at_intake = len(inbox.wait_for(3))
    deadline = NOW + urgency_within(Urgency.URGENT)
    clock.move_to(deadline - timedelta(minutes=1))
    assert alerts_untriaged() == 0
    clock.move_to(deadline)
    assert alerts_untriaged() == 1
    assert alerts_untriaged() == 0
    beat_tick()
    alerts_untriaged_add(now=deadline + timedelta(hours=1))
    beat_tick()
    messages = inbox.messages[sent_at_intake:]
    # Alice's "book your first visit" fell due meanwhile; staff get the one alert.
    assert per_address(messages) == {STAFF: 1, TRIAGE: 1, "alice@example.org": 1}
    [alert] = alerts(messages)
    assert alert["Subject"] == f"Case {alice.pk} is still untriaged"
    assert_names_only_the_case(alert, alice)


def test_it_gives_each_urgency_its_own_untriaged_deadline(alice, bob, settings):
    bob_deadline = NOW + timedelta(minutes=settings.UNTRIAGED_ALERT_MINUTES[Urgency.SELF_CARE])
    assert alerts_untriaged_add(now=bob_deadline - timedelta(minutes=1)) == 1  # Alice's
    assert alerts_untriaged_add(now=bob_deadline) == 1  # Bob's


def test_it_takes_the_untriaged_deadlines_from_the_settings(bob, settings):
    settings.UNTRIAGED_ALERT_MINUTES = {**settings.UNTRIAGED_ALERT_MINUTES, Urgency.SELF_CARE: 60}
    assert alerts_untriaged_add(now=NOW + timedelta(minutes=59)) == 0
    assert alerts_untriaged_add(now=NOW + timedelta(minutes=60)) == 1


def test_it_defaults_the_deadlines_to_the_urgency_time_frames(settings):
    for urgency in (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE, Urgency.SELF_CARE):
        assert timedelta(minutes=settings.UNTRIAGED_ALERT_MINUTES[urgency]) == URGENCY_TIME_FRAMES[urgency][0]
    # An emergency's time frame is "now", which the alert with the intake covers.
    assert settings.UNTRIAGED_ALERT_MINUTES[Urgency.EMERGENCY] == 15


def test_it_sends_no_untriaged_alert_for_a_triaged_case(inbox, alice, clock):
    beat_tick()
    sent_at_intake = len(inbox.wait_for(2))
    clock.move_to(NOW + timedelta(hours=23))
    alerts_untriaged_add(now=NOW + timedelta(hours=23))  # none due yet
    clock.move_to(NOW + timedelta(hours=25))
    alerts_untriaged_add(now=NOW + timedelta(hours=25))
    alice.status = CaseStatus.TRIAGED
    alice.save(update_fields=["status"])
    beat_tick()
    assert alerts(inbox.messages[sent_at_intake:]) == []
    assert alice.reminders.get(kind=ReminderKind.ALERT_UNTRIAGED).state == "cancelled"


def test_it_alerts_the_assigned_staff_member_too(inbox, alice, clock):
    beat_tick()
    sent_at_intake = len(inbox.wait_for(2))
    case_assign(case=alice, to=staff("nora", "change_case"))
    clock.move_to(NOW + timedelta(days=1))
    alerts_untriaged_add(now=NOW + timedelta(days=1))
    beat_tick()
    messages = alerts(inbox.messages[sent_at_intake:])
    assert per_address(messages) == {STAFF: 1, TRIAGE: 1, "nora@clinic.example": 1}


def test_it_alerts_staff_when_the_patient_cancels_from_the_reminder(inbox, alice, clock, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    visit_at = NOW + timedelta(days=2)
    desk = staff("desk", "book_appointment")
    step = referral(alice, "therapist")
    visit = appointment_book(referral=step, starts_at=visit_at, location=place(), by=desk)
    beat_tick()
    inbox.wait_for(2)
    clock.move_to(visit_at - timedelta(hours=24))
    beat_tick()
    [reminder] = [m for m in inbox.wait_for(3) if "your appointment on" in m["Subject"]]
    patient = Client(enforce_csrf_checks=True)
    cancel = link(reminder, r"/appointments/\d+/cancel/[^\s]+/")
    page = patient.get(cancel)
    visit.refresh_from_db()
    assert visit.state == AppointmentState.BOOKED
    patient.post(cancel, {"csrfmiddlewaretoken": page.context["csrf_token"]})
    visit.refresh_from_db()
    assert visit.state == AppointmentState.CANCELLED
    assert referral(alice, "therapist").status == ReferralStatus.REFERRED
    beat_tick()
    assert wait_until(lambda: len(alerts(inbox.messages)) == 2)
    alert = alerts(inbox.messages)[-1]
    assert alert["Subject"] == f"Case {alice.pk}: the patient cancelled an appointment"
    assert "Wednesday 4 March 2026 at 09:00" in text_of(alert)
    assert_names_only_the_case(alert, alice)
    assert per_address(inbox.messages) == {STAFF: 2, TRIAGE: 2, "alice@example.org": 2}


def test_it_alerts_staff_when_the_patient_unsubscribes(inbox, bob):
    beat_tick()
    inbox.wait_for(1)
    Client(enforce_csrf_checks=True).post(
        f"/emails/{bob.email_preferences_token()}/unsubscribe/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    beat_tick()
    messages = inbox.wait_for(2)
    assert per_address(messages) == {STAFF: 1, TRIAGE: 1, "bob@example.org": 1}
    [alert] = alerts(messages)
    assert alert["Subject"] == f"Case {bob.pk}: the patient turned reminder emails off"
    assert_names_only_the_case(alert, bob)
