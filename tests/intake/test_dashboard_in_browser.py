"""The dashboard in Chromium at 1280 px wide, without JavaScript: charts drawn, figures read, a screenshot."""

import struct
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from intake.models import Case, EmergencyScreenStop, Reminder, ReminderState
from intake.roles import CLINICIAN, ROLE_PERMISSIONS
from intake.submission import intake_submit
from referrals.appointments import appointment_book
from referrals.models import ReferralStatus
from referrals.referral_status import referral_move
from tests.conftest import ALICE_ANSWERS, BOB_ANSWERS, PHONE, staff_member
from tests.intake.test_case_page_in_browser import sign_in
from tests.referrals.care import place, referral

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
URGENCIES = ["emergency", "urgent", "soon", "routine", "self_care"]


@pytest.fixture
def clinician(transactional_db) -> User:
    """A clinician's permissions given one by one: a transactional test empties the roles' groups."""
    member = staff_member("nurse")
    for app_label, codename in ROLE_PERMISSIONS[CLINICIAN]:
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return member


def a_month_of_cases(clinician: User) -> int:
    """Cases over the last thirty days, triaged after a while, some steps and reminders: the total made."""
    now, total = timezone.now(), 0
    for days_ago in range(30):
        for n in range(days_ago * 7 % 5):
            number = Case.objects.count()
            answers = ALICE_ANSWERS if n == 0 else BOB_ANSWERS
            case = intake_submit(
                contact={"name": f"Patient {number}", "email": f"p{number}@example.org", "phone": ""},
                answers=answers,
            )
            day = timezone.localdate() - timedelta(days=days_ago)
            created = datetime.combine(day, time(0, n), tzinfo=timezone.get_current_timezone())
            Case.objects.filter(pk=case.pk).update(
                created_at=created,
                urgency=URGENCIES[(days_ago + n) % 5],
                triaged_at=created + timedelta(hours=1 + n * 3) if days_ago % 4 else None,
            )
            total += 1
        if days_ago % 6 == 0:
            EmergencyScreenStop.objects.create(day=timezone.localdate() - timedelta(days=days_ago), count=2)
    with_neurologist = Case.objects.filter(referrals__specialist="neurologist")
    steps = [referral(case, "neurologist") for case in with_neurologist]
    with time_machine.travel(now - timedelta(hours=2)):
        for step in steps[:4]:
            visit = now - timedelta(hours=1)
            appointment_book(referral=step, starts_at=visit, location=place(), by=clinician)
    referral_move(referral=steps[0], to=ReferralStatus.ATTENDED, by=clinician)
    referral_move(referral=steps[1], to=ReferralStatus.NO_SHOW, by=clinician)
    reminders = list(Reminder.objects.values_list("pk", flat=True))
    Reminder.objects.filter(pk__in=reminders[:5]).update(state=ReminderState.SENT, sent_at=now)
    Reminder.objects.filter(pk__in=reminders[5:7]).update(state=ReminderState.FAILED, due_at=now)
    return total


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as image:
        header = image.read(24)
    return struct.unpack(">II", header[16:24])


def test_it_draws_the_dashboard_at_desktop_width(browser, live_server, clinician, tmp_path):
    total = a_month_of_cases(clinician)
    page = browser.new_context(viewport=DESKTOP, java_script_enabled=False).new_page()
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    sign_in(page, live_server, clinician)

    dashboard = page.locator("#dashboard")
    dashboard.scroll_into_view_if_needed()
    shot = tmp_path / "dashboard-1280.png"
    dashboard.screenshot(path=str(shot))

    assert f"{total} intakes" in page.locator(".dashboard-summary").inner_text()
    assert page.locator("svg.chart").count() == 6
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box and box["width"] > 250 and box["x"] + box["width"] <= DESKTOP["width"]
    steps = page.locator("#dashboard-steps").inner_text()
    assert "Steps booked\t4" in steps and "Steps attended\t1" in steps and "No-shows\t1" in steps
    assert "Reminders sent\t5" in steps and "Reminders failed\t2" in steps
    assert page.locator("#dashboard-days tbody tr").count() == 30
    width, height = png_size(shot)
    assert width <= DESKTOP["width"] and height > 600
    assert not [text for text in warnings if "Content Security Policy" in text]


def test_it_fits_the_dashboard_on_a_phone(browser, live_server, clinician, tmp_path):
    a_month_of_cases(clinician)
    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page, live_server, clinician)

    page.locator(".dashboard-grid").screenshot(path=str(tmp_path / "dashboard-phone.png"))
    charts = page.locator("svg.chart").all()

    assert len(charts) == 6
    for chart in charts:
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.get_by_label("From").is_visible() and page.get_by_role("button", name="Show").is_visible()
