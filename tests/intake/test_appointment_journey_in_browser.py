"""From booking to a patient's cancel, in Chromium without JavaScript: the front desk books the first
step, the reminder a real worker delivers links the patient to their page and to the cancel button,
and the case comes back in the queue as a step to book again. The page, with its appointments,
passes axe-core's checks."""

import re
from datetime import timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from intake.models import Case, CaseStatus
from intake.roles import FRONT_DESK, ROLE_PERMISSIONS
from intake.subscription import case_unsubscribe
from referrals.appointments import appointment_book
from referrals.models import Appointment, AppointmentState, Referral, ReferralStatus
from referrals.overrides import OverrideAction, RouteChange, route_override
from tests.conftest import PHONE, staff_member, wait_until
from tests.intake.test_case_page_in_browser import sign_in
from tests.intake.test_intake_in_browser import AXE
from tests.referrals.care import place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(transactional_db) -> User:
    """The front desk's permissions given one by one: a transactional test empties the roles' groups."""
    member = staff_member("frank")
    for app_label, codename in ROLE_PERMISSIONS[FRONT_DESK]:
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return member


def body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def link(text: str, pattern: str, live_server) -> str:
    """A link from an email, on the test's own server."""
    return live_server.url + urlsplit(re.search(pattern, text).group(0)).path


def test_it_books_reminds_and_lets_the_patient_cancel(
    page, browser, live_server, alice, desk, celery_worker, smtp_server
):
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    Case.objects.filter(pk=alice.pk).update(status=CaseStatus.TRIAGED)
    place("Main clinic", address="1 High Street, Townsville")
    # Within the reminder's hours, so the worker sends it at once.
    when = (timezone.localtime() + timedelta(hours=3)).replace(second=0, microsecond=0)
    sign_in(page, live_server, desk)

    page.goto(f"{live_server.url}/admin/intake/case/{alice.pk}/change/")
    booking = page.locator("form", has=page.get_by_role("button", name="Book")).first
    booking.get_by_label("When").fill(when.strftime("%Y-%m-%dT%H:%M"))
    booking.get_by_label("Where").select_option(label="Main clinic")
    booking.get_by_role("button", name="Book").click()
    assert page.get_by_text("Booked Therapist (family doctor)").is_visible()

    def reminder() -> Message | None:
        sent = [m for m in smtp_server.messages if m["To"] == alice.email and "/cancel/" in body(m)]
        return sent[0] if sent else None

    assert wait_until(lambda: reminder() is not None, timeout=60)
    email = body(reminder())
    patient = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    patient.on("console", lambda message: warnings.append(message.text))

    patient.goto(link(email, r"http://testserver/status/\S+/", live_server))
    appointments = patient.locator("section", has=patient.get_by_role("heading", name="Your appointments"))
    listed = appointments.inner_text()
    assert f"{when:%A} {when.day} {when:%B %Y} at {when:%H:%M}" in listed
    assert "Main clinic, 1 High Street, Townsville" in listed
    calendar = appointments.get_by_role("link", name=re.compile("Add to my calendar"))
    download = patient.request.get(live_server.url + calendar.get_attribute("href"))
    assert download.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "BEGIN:VEVENT" in download.text()

    patient.goto(link(email, r"http://testserver/appointments/\d+/cancel/\S+/", live_server))
    patient.get_by_role("button", name="Cancel the appointment").click()
    assert patient.get_by_role("heading", name="Your appointment is cancelled").is_visible()
    appointment = Appointment.objects.get(referral__case=alice)
    assert appointment.state == AppointmentState.CANCELLED
    assert appointment.referral.status == ReferralStatus.REFERRED
    patient.goto(link(email, r"http://testserver/status/\S+/", live_server))
    assert patient.get_by_role("heading", name="Your appointments").count() == 0

    page.goto(live_server.url + "/admin/intake/case/")
    assert "Book step 1" in page.locator("#result_list tbody tr", has_text="Alice Example").inner_text()
    assert not [text for text in warnings if "Content Security Policy" in text]


def test_it_passes_axe_on_a_page_with_a_revised_route_appointments_and_reminders_off(
    browser, live_server, alice, desk
):
    """axe-core needs script to run; the page is the same HTML either way."""
    route_override(
        case=alice,
        by=staff_member("nina"),
        reason="Seen in clinic",
        changes=[RouteChange(OverrideAction.ADD_STEP, specialist="orthopedist", urgency="soon")],
    )
    therapist = Referral.objects.get(case=alice, specialist="therapist")
    when = timezone.now() + timedelta(days=2)
    appointment_book(referral=therapist, starts_at=when, location=place(), with_whom="Dr Grey", by=desk)
    case_unsubscribe(case=alice)
    page = browser.new_context(viewport=PHONE).new_page()

    page.goto(live_server.url + reverse("intake:status", args=[alice.status_token()]))
    assert page.get_by_role("heading", name="Your appointments").is_visible()
    assert page.get_by_role("button", name="Send me reminders again").is_visible()
    assert page.locator('[data-specialist="orthopedist"]').count() == 1
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    assert violations == []
