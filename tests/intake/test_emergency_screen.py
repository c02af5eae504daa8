"""The emergency screen: the first question, before anything about the person."""

import re
import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from intake.forms import NONE_OF_THESE, EmergencySign
from intake.journey import WIZARD_SESSION_KEY
from intake.models import Case, EmergencyScreenStop
from tests.intake.helpers import pass_screen, post_step, step_data, step_url

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def screen(client, *ticked):
    return client.post(reverse("intake:form"), {"now": list(ticked)})


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') :]


def test_it_asks_only_the_screen_question_first(client):
    response = client.get(reverse("intake:form"))
    html = response.content.decode()
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', main_of(html)))
    assert names == {"now", "csrfmiddlewaretoken"}
    for sign in EmergencySign:
        assert str(sign.label) in html
    assert "None of these" in html
    assert "<script>" not in html and "style=" not in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("sign", list(EmergencySign))
def test_it_stops_on_each_sign(client, sign):
    response = screen(client, sign.value)
    assert response.url == reverse("intake:emergency")
    assert EmergencyScreenStop.objects.get().count == 1
    assert client.get(reverse("intake:questions_start")).url == reverse("intake:form")


def test_it_stops_when_a_sign_is_ticked_beside_none_of_these(client):
    assert screen(client, NONE_OF_THESE, EmergencySign.LEG_WEAKNESS).url == reverse("intake:emergency")


def test_it_tells_the_patient_to_call_first_with_nothing_to_fill_in(client, settings):
    settings.EMERGENCY_NUMBER = "999"
    html = client.get(reverse("intake:emergency")).content.decode()
    main = main_of(html)
    first_words = re.sub(r"<[^>]+>", " ", main[main.index(">") + 1 :]).split()
    assert first_words[:4] == ["Call", "emergency", "services", "now"]
    assert re.search(r'<a class="[^"]*emergency-call[^"]*" href="tel:999">Call 999</a>', main)
    # Nothing to fill in: the only form is the header's language switcher.
    assert "<form" not in main and "<input" not in main
    assert html.count("<form") == 1 and 'class="language-switcher"' in html
    assert f'href="{reverse("intake:form")}">Go back to the question' in main
    assert re.search(r"<title>Call emergency services now", html)


def test_it_keeps_nothing_about_the_person_on_a_stop(client):
    pass_screen(client)
    answers = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "once"}
    post_step(client, "where", step_data(answers)["where"])
    assert client.session[WIZARD_SESSION_KEY]["step_data"]
    screen(client, EmergencySign.SEVERE_BREATHING_TROUBLE)
    assert WIZARD_SESSION_KEY not in client.session
    assert Case.objects.count() == 0
    assert EmergencyScreenStop.objects.get().count == 1


def test_it_counts_stops_per_day(client):
    with time_machine.travel(NOON, tick=False):
        screen(client, EmergencySign.SADDLE_NUMBNESS)
        screen(client, EmergencySign.BLADDER_OR_BOWEL)
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        screen(client, EmergencySign.CHEST_PAIN_AND_BREATHLESS)
    counts = dict(EmergencyScreenStop.objects.values_list("day", "count"))
    assert counts == {date(2026, 3, 2): 2, date(2026, 3, 3): 1}


def test_it_continues_to_the_questions_on_none_of_these(client):
    response = screen(client, NONE_OF_THESE)
    assert response.url == reverse("intake:questions_start")
    assert client.get(response.url).url == step_url("where")
    assert EmergencyScreenStop.objects.count() == 0


def test_it_sends_the_questions_back_to_the_screen_until_it_is_answered(client):
    assert client.get(step_url("where")).url == reverse("intake:form")
    assert client.post(step_url("where"), {"sex": "male"}).url == reverse("intake:form")


def test_it_names_the_question_when_nothing_is_ticked(client):
    response = screen(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>\s*Error: ", html)
    assert re.match(r'<main[^>]*>\s*<div[^>]*id="error-summary"', main_of(html))
    assert '<a class="alert-link" href="#id_now_0">Is any of these happening to you now?</a>' in html
    assert EmergencyScreenStop.objects.count() == 0


def test_it_shows_the_daily_counts_read_only_in_the_admin(admin_client):
    EmergencyScreenStop.count_one(day=date(2026, 3, 2))
    changelist = reverse("admin:intake_emergencyscreenstop_changelist")
    html = admin_client.get(changelist).content.decode()
    assert "March 2, 2026" in html or "2026-03-02" in html
    assert admin_client.get(reverse("admin:intake_emergencyscreenstop_add")).status_code == 403
    stop = EmergencyScreenStop.objects.get()
    change = reverse("admin:intake_emergencyscreenstop_change", args=[stop.pk])
    assert admin_client.post(change, {"count": 0}).status_code == 403
    delete = reverse("admin:intake_emergencyscreenstop_delete", args=[stop.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_it_counts_every_stop_when_they_race():
    day, threads, per_thread = date(2026, 3, 2), 4, 5
    start = threading.Barrier(threads)

    def stop_many():
        start.wait()
        try:
            for _ in range(per_thread):
                EmergencyScreenStop.count_one(day=day)
        finally:
            connection.close()

    workers = [threading.Thread(target=stop_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert EmergencyScreenStop.objects.get(day=day).count == threads * per_thread


def test_it_lets_a_patients_unfinished_answers_lapse_after_two_hours(client):
    with time_machine.travel(NOON, tick=False):
        screen(client, NONE_OF_THESE)
        assert client.session.get_expiry_age() == 2 * 3600
