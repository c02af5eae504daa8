"""Staff sign-in: a password and a second factor from a real TOTP device, enrolment at first sign-in."""

import re
from base64 import b32decode
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import (
    LOGIN_URL,
    sign_in_code,
    sign_in_password,
    staff_login,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.django_db
CASES = reverse("admin:intake_case_changelist")


def test_it_sends_a_visitor_from_the_console_to_the_two_step_sign_in(client):
    response = client.get(CASES, follow=True)

    assert response.redirect_chain[-1][0] == f"{LOGIN_URL}?next={CASES}"
    assert "Sign in with your user name and password" in response.content.decode()


def test_it_signs_staff_in_with_a_password_then_a_totp_code(client, nurse):
    device = totp_device(nurse)

    response = client.post(
        f"{LOGIN_URL}?next={CASES}",
        {
            "login_view-current_step": "auth",
            "auth-username": "nurse",
            "auth-password": "correct horse battery staple",
        },
    )
    assert "six-digit code your authenticator app shows" in response.content.decode()
    assert client.get(CASES).status_code == 302

    response = client.post(
        f"{LOGIN_URL}?next={CASES}",
        {"login_view-current_step": "token", "token-otp_token": totp_code(device)},
    )

    assert response.status_code == 302 and response.url == CASES
    assert client.get(CASES).status_code == 200
    assert client.get(reverse("admin:login"), {"next": CASES}).url == CASES


def test_it_refuses_a_wrong_code_and_a_code_used_before(client, nurse, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC), tick=False)
    device = totp_device(nurse)
    code = totp_code(device)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    sign_in_password(client, "nurse")
    assert "Invalid token" in sign_in_code(client, wrong).content.decode()
    assert client.get(CASES).status_code == 302
    time_machine.shift(5)  # past the pause a wrong code imposes, within the same 30 s code
    assert sign_in_code(client, code).status_code == 302
    client.logout()

    time_machine.shift(5)
    sign_in_password(client, "nurse")
    assert sign_in_code(client, code).status_code == 200
    assert client.get(CASES).status_code == 302


def test_it_refuses_the_console_to_a_session_with_the_password_only(client, nurse):
    totp_device(nurse)
    client.force_login(nurse)

    assert client.get(CASES).status_code == 302
    response = client.get(reverse("admin:login"))

    assert response.url.startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session


def test_it_enrols_a_new_staff_member_at_first_sign_in(client, nurse):
    assert sign_in_password(client, "nurse").status_code == 302  # no device yet: no code step
    response = client.get(CASES, follow=True)
    assert response.redirect_chain[-1][0] == reverse("two_factor:setup")

    response = client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    page = response.content.decode()
    assert f'src="{reverse("two_factor:qr")}"' in page
    assert client.get(reverse("two_factor:qr"))["Content-Type"].startswith("image/svg+xml")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)

    code = f"{TOTP(b32decode(secret)).token():06d}"
    response = client.post(
        reverse("two_factor:setup"), {"setup_view-current_step": "generator", "generator-token": code}
    )

    assert response.url == reverse("two_factor:setup_complete")
    assert TOTPDevice.objects.get(user=nurse, name="default").confirmed
    assert client.get(CASES).status_code == 200


def test_it_makes_single_use_backup_codes_that_sign_in(client, nurse):
    staff_login(client, nurse)
    client.post(reverse("two_factor:backup_tokens"))
    codes = re.findall(
        r"<li><code>(\w+)</code></li>", client.get(reverse("two_factor:backup_tokens")).content.decode()
    )
    assert len(codes) == 10
    client.logout()

    sign_in_password(client, "nurse")
    client.post(LOGIN_URL, {"login_view-current_step": "token", "wizard_goto_step": "backup"})
    assert sign_in_code(client, codes[0], step="backup").status_code == 302
    assert client.get(CASES).status_code == 200
    assert StaticDevice.objects.get(user=nurse).token_set.count() == 9


def test_it_takes_the_password_alone_when_the_second_factor_is_off(client, nurse, settings):
    settings.STAFF_2FA = False

    response = client.post(
        reverse("admin:login"),
        {"username": "nurse", "password": "correct horse battery staple", "next": CASES},
    )

    assert response.status_code == 302
    assert client.get(CASES).status_code == 200
    assert not User.objects.get(pk=nurse.pk).totpdevice_set.exists()


def inline_code(page: str) -> list[str]:
    """Inline scripts, style elements and style attributes, which the CSP forbids."""
    scripts = [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag]
    return scripts + re.findall(r"<style|\sstyle=", page)


def test_it_keeps_the_sign_in_pages_within_the_content_security_policy(client, nurse):
    pages = [client.get(LOGIN_URL)]
    assert sign_in_password(client, "nurse").status_code == 302
    pages.append(client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"}))
    client = staff_login(Client(), nurse)
    pages += [
        client.get(reverse("two_factor:setup_complete")),
        client.get(reverse("two_factor:backup_tokens")),
    ]
    for _ in range(5):
        locked = sign_in_password(Client(), "nurse", "wrong")
    pages.append(locked)

    assert locked.status_code == 429
    for response in pages:
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert inline_code(response.content.decode()) == []


def test_it_offers_no_way_to_turn_the_second_factor_off(client, nurse):
    staff_login(client, nurse)

    assert client.get("/staff/account/two_factor/disable/").status_code == 404
    assert client.post("/staff/account/two_factor/disable/", {"understand": "on"}).status_code == 404
    assert TOTPDevice.objects.filter(user=nurse).exists()
