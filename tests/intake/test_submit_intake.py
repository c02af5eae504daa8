import re
from datetime import timedelta

import pytest
from django.urls import resolve, reverse

from intake.models import Case, CaseStatus, Reminder, ReminderKind, ReminderState
from intake.reminders import BOOKING_DELAY
from referrals.rulebook import get_rulebook

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Carol Example",
    "email": "carol@example.org",
    "phone": "",
    "sex": "female",
    "age": "41",
    "locations": ["between_shoulder_blades", "lower_back"],
    "frequency": "occasional",
    "duration_days": "10",
    "symptoms": ["tingling", "numb_at_night"],
    "history": ["sedentary_lifestyle"],
    "pregnancy": "no",
    "consent_contact": "on",
    "consent_health_data": "on",
}


def post(client, **changes):
    data = {**VALID, **changes}
    return client.post(reverse("intake:form"), {k: v for k, v in data.items() if v is not None})


def test_it_shows_the_form_with_vendored_bootstrap(client):
    response = client.get(reverse("intake:form"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()
    assert 'name="locations"' in html and 'name="consent_health_data"' in html
    assert "Content-Security-Policy" in response.headers
    assert "<script>" not in html and "style=" not in html


def test_it_saves_the_case_with_its_route_and_reminders(client):
    response = post(client)
    case = Case.objects.get()
    assert response.status_code == 302
    # The token carries a timestamp: compare what it names, not the string.
    redirect = resolve(response.url)
    assert redirect.url_name == "status"
    assert Case.public_id_from_token(redirect.kwargs["token"]) == str(case.public_id)
    assert case.status == CaseStatus.NEW
    assert case.answers["symptoms"] == ["tingling", "numb_at_night"]
    assert case.answers["duration_days"] == 10
    route = case.route
    assert route.rulebook == get_rulebook().label
    assert case.urgency == route.urgency == "urgent"
    specialists = list(route.steps.values_list("specialist", flat=True))
    assert specialists[0] == "therapist"
    assert "neurologist" in specialists
    assert all(step.reasons and step.rules for step in route.steps.all())


def test_it_writes_the_reminders_in_the_same_transaction(client):
    post(client)
    case = Case.objects.get()
    reminders = {r.kind: r for r in Reminder.objects.filter(case=case)}
    assert set(reminders) == {ReminderKind.CONFIRMATION, ReminderKind.BOOK_THERAPIST}
    assert all(r.state == ReminderState.PENDING for r in reminders.values())
    confirmation, booking = reminders[ReminderKind.CONFIRMATION], reminders[ReminderKind.BOOK_THERAPIST]
    assert booking.due_at - confirmation.due_at == BOOKING_DELAY["urgent"]


def test_it_asks_for_dispatch_only_after_commit(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        post(client)
    assert len(callbacks) == 1
    assert Case.objects.count() == 1


def test_it_shortens_the_booking_delay_with_urgency():
    delays = [BOOKING_DELAY[code] for code in ("self_care", "routine", "soon", "urgent", "emergency")]
    assert delays == sorted(delays, reverse=True)
    assert delays[-1] < timedelta(hours=1)


def test_it_keeps_every_answer_and_names_each_bad_field(client):
    response = post(client, email="not-an-email", age="300", locations=None)
    assert response.status_code == 200
    assert Case.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) == {"email", "age", "locations"}
    html = response.content.decode()
    assert 'value="Carol Example"' in html
    assert 'value="not-an-email"' in html
    assert re.search(r'value="tingling"[^>]*checked', html)
    assert re.search(r'value="between_shoulder_blades"', html)
    assert not re.search(r'value="fever"[^>]*checked', html)
    assert "Tick at least one place" in html
    assert "Please check 3 answers" in html


def test_it_requires_both_consents(client):
    response = post(client, consent_contact=None, consent_health_data=None)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"consent_contact", "consent_health_data"}
    assert Case.objects.count() == 0


def test_it_rejects_a_code_not_in_the_vocabulary(client):
    response = post(client, symptoms=["tingle"])
    assert "symptoms" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_it_ignores_pregnancy_answers_that_do_not_apply(client):
    post(client, sex="male", pregnancy="yes", pregnancy_trimester="3", menstruation_related="on")
    case = Case.objects.get()
    assert case.answers["pregnancy"] == "no"
    assert "pregnancy_trimester" not in case.answers
    assert case.answers["menstruation_related"] is False


def test_it_keeps_the_trimester_only_for_a_pregnancy(client):
    post(client, pregnancy="yes", pregnancy_trimester="3")
    assert Case.objects.get().answers["pregnancy_trimester"] == 3


def test_it_routes_a_single_episode_to_self_care(client):
    post(client, frequency="once", symptoms=None, history=None)
    case = Case.objects.get()
    assert case.urgency == "self_care"
    assert list(case.route.steps.values_list("specialist", flat=True)) == ["therapist"]


def test_it_keeps_a_returned_form_out_of_caches(client):
    response = post(client, email="wrong")
    assert "no-store" in response.headers["Cache-Control"]
