"""Send pressed twice on the review page: one case, and both presses lead to its page.

A patient on a slow phone taps Send again, or comes Back to the review and
sends it once more. The first press saves the case; any other press of the
same session shows that case's page and saves nothing, even when the presses
arrive together (their session row is locked while the case is written).
"""

import threading
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from intake.models import Case, Reminder
from tests.conftest import require
from tests.intake.helpers import pass_screen, post_step, step_url
from tests.intake.test_submit_intake import CAROL, DAN, reach_review


@pytest.mark.django_db
def test_send_pressed_again_after_saving_leads_to_the_same_page(client):
    reach_review(client)
    first = post_step(client, "review", {})
    again = post_step(client, "review", {})
    assert again.status_code == 302
    assert again.url == first.url
    assert Case.objects.count() == 1
    assert Reminder.objects.count() == 2


@pytest.mark.django_db
def test_a_new_intake_after_sending_is_sent_as_a_new_case(client):
    reach_review(client)
    first = post_step(client, "review", {})
    # Passing the emergency screen starts again: Send saves nothing until the new answers are in.
    pass_screen(client)
    assert post_step(client, "review", {}).status_code == 200
    assert Case.objects.count() == 1
    reach_review(client, DAN)
    second = post_step(client, "review", {})
    assert second.url != first.url
    assert sorted(Case.objects.values_list("answers__sex", flat=True)) == ["female", "male"]


@pytest.mark.django_db
def test_opening_the_review_again_after_sending_starts_at_the_emergency_screen(client):
    reach_review(client)
    post_step(client, "review", {})
    assert client.get(step_url("review")).url == reverse("intake:form")


@pytest.mark.django_db
def test_a_press_that_read_the_answers_before_the_first_saved_them_saves_nothing(client, monkeypatch):
    reach_review(client)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    before = Session.objects.get(session_key=key).session_data
    first = post_step(client, "review", {})
    after = Session.objects.get(session_key=key).session_data
    # The second press reads the session as it was before the first press committed ...
    Session.objects.filter(session_key=key).update(session_data=before)
    load = SessionStore.load

    def load_then_first_press_commits(self):
        data = load(self)
        Session.objects.filter(session_key=key).update(session_data=after)
        monkeypatch.setattr(SessionStore, "load", load)
        return data

    monkeypatch.setattr(SessionStore, "load", load_then_first_press_commits)
    # ... and saves nothing once the first has: it leads to the first's page.
    second = post_step(client, "review", {})
    assert second.url == first.url
    assert Case.objects.count() == 1
    # What the first press wrote stays: the answers are gone for good.
    third = post_step(client, "review", {})
    assert third.url == first.url
    assert Case.objects.count() == 1
    assert Reminder.objects.count() == 2


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        # Statistics views keep one snapshot per transaction unless told to drop it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_send_pressed_twice_at_once_saves_one_case(client):
    require(connection.vendor == "postgresql", "row locks are PostgreSQL's (set DATABASE_URL)")
    reach_review(client, CAROL)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    responses = []

    def press() -> None:
        try:
            browser = Client()
            browser.cookies[settings.SESSION_COOKIE_NAME] = cookie
            responses.append(post_step(browser, "review", {}))
        finally:
            connections.close_all()

    presses = [threading.Thread(target=press) for _ in range(2)]
    # Hold the session's row so that both presses have read the answers before either saves.
    with transaction.atomic():
        Session.objects.select_for_update().get(session_key=cookie)
        for thread in presses:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_on_locks() < 2:
            assert time.monotonic() < deadline, "the two presses did not both wait for the session's row"
            time.sleep(0.05)
    for thread in presses:
        thread.join(timeout=30)
    assert [response.status_code for response in responses] == [302, 302]
    assert responses[0].url == responses[1].url
    assert Case.objects.count() == 1
    assert Reminder.objects.count() == 2
