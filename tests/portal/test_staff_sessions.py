"""Staff sessions end after 30 minutes idle and after 12 hours in all."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.conftest import LOGIN_URL, staff_login

pytestmark = pytest.mark.django_db
CASES = reverse("admin:intake_case_changelist")
START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


def test_it_keeps_a_session_used_within_the_idle_limit(client, nurse, time_machine):
    time_machine.move_to(START, tick=False)
    staff_login(client, nurse)

    for _ in range(4):
        time_machine.shift(timedelta(minutes=29))
        assert client.get(CASES).status_code == 200


def test_it_ends_a_session_after_30_minutes_idle(client, nurse, time_machine):
    time_machine.move_to(START, tick=False)
    staff_login(client, nurse)
    assert client.get(CASES).status_code == 200

    time_machine.shift(timedelta(minutes=31))
    response = client.get(CASES)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    time_machine.shift(timedelta(seconds=5))
    assert client.get(CASES).status_code == 302


def test_it_ends_a_busy_session_after_12_hours(client, nurse, time_machine):
    time_machine.move_to(START, tick=False)
    staff_login(client, nurse)
    for _ in range(35):  # 11 h 40 min of work, never 30 minutes idle
        time_machine.shift(timedelta(minutes=20))
        assert client.get(CASES).status_code == 200

    time_machine.shift(timedelta(minutes=21))
    response = client.get(CASES, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN_URL)
    assert "a staff session lasts 12 hours at most" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_takes_both_limits_from_the_settings(client, nurse, time_machine, settings):
    settings.STAFF_IDLE_MINUTES = 5
    time_machine.move_to(START, tick=False)
    staff_login(client, nurse)

    time_machine.shift(timedelta(minutes=6))

    assert client.get(CASES).status_code == 302
