"""The front desk books a case's first step in Chromium, on a phone-sized screen without JavaScript."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import Case, CaseStatus
from intake.roles import FRONT_DESK, ROLE_PERMISSIONS
from referrals.models import Appointment, ReferralStatus
from tests.conftest import PASSWORD, staff_member, totp_code, totp_device
from tests.referrals.care import place

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user) -> None:
    totp_device(user)
    page.goto(live_server.url + "/admin/")
    page.locator("#id_auth-username").fill(user.get_username())
    page.locator("#id_auth-password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.locator("#id_token-otp_token").fill(totp_code(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/admin/")


@pytest.fixture
def desk(transactional_db) -> User:
    """The front desk's permissions given one by one: a transactional test empties the roles' groups."""
    member = staff_member("frank")
    for app_label, codename in ROLE_PERMISSIONS[FRONT_DESK]:
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return member


def test_it_books_the_first_step_and_the_queue_moves_on_to_the_next(page, live_server, alice, desk):
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    Case.objects.filter(pk=alice.pk).update(status=CaseStatus.TRIAGED)
    place()
    when = timezone.localtime() + timedelta(days=2)
    sign_in(page, live_server, desk)

    page.get_by_role("link", name="Cases", exact=True).click()
    row = page.locator("#result_list tbody tr", has_text="Alice Example")
    assert "Book step 1" in row.inner_text()
    row.get_by_role("link", name=f"#{alice.pk}").click()
    booking = page.locator("form", has=page.get_by_role("button", name="Book")).first
    booking.get_by_label("When").fill(when.strftime("%Y-%m-%dT%H:%M"))
    booking.get_by_label("Where").select_option(label="Main clinic")
    booking.get_by_label("With whom").fill("Dr Grey")
    booking.get_by_role("button", name="Book").click()

    assert page.get_by_text("Booked Therapist (family doctor)").is_visible()
    assert (
        f"Booked for {when:%Y-%m-%d %H:%M} at Main clinic with Dr Grey" in page.locator("#steps").inner_text()
    )
    appointment = Appointment.objects.get(referral__case=alice)
    assert (appointment.with_whom, appointment.referral.status) == ("Dr Grey", ReferralStatus.BOOKED)
    page.goto(live_server.url + "/admin/intake/case/")
    assert "Book step 2" in page.locator("#result_list tbody tr", has_text="Alice Example").inner_text()
    assert not [text for text in warnings if "Content Security Policy" in text]
