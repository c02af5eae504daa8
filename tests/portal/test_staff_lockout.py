"""Lockout after repeated failed sign-ins, per user name and per address, and unlocking it."""

from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, sign_in_password, staff_login, staff_member, totp_device

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def fail(client: Client, username: str, times: int = 5) -> int:
    """Sign in with a wrong password; the status of the last answer."""
    return [sign_in_password(client, username, "wrong password").status_code for _ in range(times)][-1]


def test_it_locks_a_user_name_after_repeated_failures_even_with_the_right_password(client, nurse):
    assert fail(client, "nurse", times=4) == 200
    assert fail(client, "nurse", times=1) == 429

    response = sign_in_password(client, "nurse", PASSWORD)

    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in_password(other_address, "nurse", PASSWORD).status_code == 429


def test_it_locks_an_address_trying_many_user_names(client, nurse):
    totp_device(nurse)
    for username in ["a", "b", "c", "d"]:
        assert fail(client, username, times=1) == 200
    assert fail(client, "e", times=1) == 429

    assert sign_in_password(client, "nurse", PASSWORD).status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in_password(other_address, "nurse", PASSWORD).status_code == 200


def test_it_counts_the_minutes_down_and_lets_in_after_them(client, nurse, time_machine):
    time_machine.move_to(START, tick=False)
    totp_device(nurse)
    fail(client, "nurse")

    time_machine.shift(10 * 60)
    assert "Try again in 5 minutes" in sign_in_password(client, "nurse", PASSWORD).content.decode()

    time_machine.shift(16 * 60)
    response = sign_in_password(client, "nurse", PASSWORD)
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "token"


def test_it_keeps_no_password_with_the_failed_attempts(client, nurse):
    fail(client, "nurse", times=1)

    attempt = AccessAttempt.objects.get(username="nurse")
    assert "wrong password" not in attempt.post_data


def test_it_lets_an_administrator_unlock_an_account(client, clinic_admin):
    locked = staff_member("locked")
    fail(Client(REMOTE_ADDR="10.0.0.9"), "locked")
    assert sign_in_password(Client(REMOTE_ADDR="10.0.0.9"), "locked").status_code == 429

    staff_login(client, clinic_admin)
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [locked.pk]}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="locked").exists()
    response = sign_in_password(Client(REMOTE_ADDR="10.0.0.9"), "locked")
    assert response.status_code == 302  # password accepted; no device yet, so enrolment is next
    assert User.objects.get(pk=locked.pk).is_active
