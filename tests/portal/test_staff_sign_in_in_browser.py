"""A new staff member's first sign-in in Chromium, without JavaScript: password, enrolment, the console."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, staff_member, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_enrols_at_first_sign_in_then_asks_for_a_code(page, live_server):
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    member = staff_member("grace")

    page.goto(live_server.url + "/admin/")
    page.locator("#id_auth-username").fill("grace")
    page.locator("#id_auth-password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/two_factor/setup/")
    page.get_by_role("button", name="Next").click()
    assert page.get_by_alt_text("QR code for your authenticator app").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_generator-token").fill(f"{TOTP(b32decode(secret)).token():06d}")
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/setup/complete/")
    page.get_by_role("link", name="Go to the staff console").click()
    assert page.get_by_role("link", name="Cases").count() == 0  # in no role yet: nothing to see
    assert "You don’t have permission to view or edit anything" in page.content()

    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/")
    page.locator("#id_auth-username").fill("grace")
    page.locator("#id_auth-password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    assert page.get_by_text("Enter the six-digit code").is_visible()
    page.locator("#id_token-otp_token").fill(totp_code(TOTPDevice.objects.get(user=member)))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(live_server.url + "/admin/")
    assert not [text for text in warnings if "Content Security Policy" in text]
