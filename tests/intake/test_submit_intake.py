"""The stepped intake, after the emergency screen: steps, Back, review and saving."""

import re

import pytest
from django.test import Client
from django.urls import resolve, reverse

from intake.journey import WIZARD_SESSION_KEY
from intake.models import Case, CaseStatus, Reminder, ReminderKind, ReminderState
from intake.reminders import BOOKING_DELAY
from referrals.rulebook import get_rulebook
from tests.intake.helpers import (
    pass_screen,
    post_step,
    step_data,
    step_of,
    step_url,
    submit_intake,
    walk,
)

pytestmark = pytest.mark.django_db

CAROL = {
    "sex": "female",
    "age": 41,
    "locations": ["between_shoulder_blades", "lower_back"],
    "frequency": "occasional",
    "duration_days": 10,
    "symptoms": ["tingling", "numb_at_night", "leg_pain"],
    "history": ["sedentary_lifestyle"],
    "pregnancy": "no",
}
DAN = {"sex": "male", "age": 52, "locations": ["lower_back"], "frequency": "once"}


def reach_review(client, answers=CAROL):
    """Answer every step up to the review page, without sending."""
    pass_screen(client)
    data = step_data(answers)
    response = client.get(reverse("intake:questions_start"))
    while step_of(response.url) != "review":
        response = post_step(client, step_of(response.url), data[step_of(response.url)])
        assert response.status_code == 302, response.context["form"].errors
    return data


def steps_visited(client, answers) -> list[str]:
    pass_screen(client)
    data, visited = step_data(answers), []
    response = client.get(reverse("intake:questions_start"))
    while "/questions/" in response.url:
        visited.append(step_of(response.url))
        response = post_step(client, visited[-1], data[visited[-1]])
    return visited


def test_it_saves_the_case_with_its_route_and_reminders(client):
    response = submit_intake(client, CAROL)
    case = Case.objects.get()
    assert response.status_code == 302
    # The token carries a timestamp: compare what it names, not the string.
    redirect = resolve(response.url)
    assert redirect.url_name == "status"
    assert Case.public_id_from_token(redirect.kwargs["token"]) == str(case.public_id)
    assert case.status == CaseStatus.NEW
    assert (case.name, case.email) == ("Carol Example", "carol@example.org")
    assert case.answers["symptoms"] == ["tingling", "numb_at_night", "leg_pain"]
    assert case.answers["locations"] == ["between_shoulder_blades", "lower_back"]
    assert case.answers["history"] == ["sedentary_lifestyle"]
    assert case.answers["duration_days"] == 10
    route = case.route
    assert route.rulebook == get_rulebook().label
    assert case.urgency == route.urgency
    assert route.steps.first().specialist == "therapist"
    assert all(step.reasons and step.rules for step in route.steps.all())


def test_it_writes_the_reminders_in_the_same_transaction(client):
    submit_intake(client, CAROL)
    case = Case.objects.get()
    reminders = {r.kind: r for r in Reminder.objects.filter(case=case)}
    assert set(reminders) == {ReminderKind.CONFIRMATION, ReminderKind.BOOK_THERAPIST}
    assert all(r.state == ReminderState.PENDING for r in reminders.values())
    confirmation, booking = reminders[ReminderKind.CONFIRMATION], reminders[ReminderKind.BOOK_THERAPIST]
    assert booking.due_at - confirmation.due_at == BOOKING_DELAY[case.urgency]


def test_it_asks_for_dispatch_only_after_commit(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        submit_intake(client, CAROL)
    assert len(callbacks) == 1
    assert Case.objects.count() == 1


def test_it_asks_in_steps_and_pregnancy_only_where_it_applies(client):
    expected = ["where", "signs", "companions", "history", "more-about-you", "contact", "review"]
    assert steps_visited(client, CAROL) == expected
    client.cookies.clear()
    assert steps_visited(client, DAN) == [step for step in expected if step != "more-about-you"]


def test_it_forgets_the_answers_once_the_case_is_saved(client):
    submit_intake(client, CAROL)
    assert WIZARD_SESSION_KEY not in client.session or not client.session[WIZARD_SESSION_KEY]["step_data"]
    # The next request starts again with the emergency screen.
    assert client.get(reverse("intake:questions_start")).url == reverse("intake:form")


def test_it_keeps_the_answers_in_the_session_never_in_the_url(client):
    data = reach_review(client)
    html = client.get(step_url("review")).content.decode()
    stored = client.session[WIZARD_SESSION_KEY]["step_data"]
    assert stored["where"]["locations"] == CAROL["locations"]
    assert "csrfmiddlewaretoken" not in stored["contact"]
    hidden = re.findall(r'<input type="hidden" name="([^"]+)"', html)
    # The form's own, and the language switcher's (its token and the page to come back to).
    assert sorted(hidden) == ["csrfmiddlewaretoken", "csrfmiddlewaretoken", "intake-current_step", "next"]
    assert re.findall(r'name="next" value="([^"]*)"', html) == [step_url("review")]
    links = re.findall(r'href="([^"]+)"', html) + re.findall(r'action="([^"]*)"', html)
    assert not [link for link in links if "?" in link or "carol" in link.lower()]
    assert data["contact"]["email"] in html


def test_it_names_each_bad_field_and_keeps_what_was_typed(client):
    pass_screen(client)
    where = {**step_data(CAROL)["where"], "age": "300", "locations": []}
    response = post_step(client, "where", where)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"age", "locations"}
    html = response.content.decode()
    assert 'value="300"' in html
    assert re.search(r'value="occasional"[^>]*checked', html)
    assert "Tick at least one place" in html
    assert "There is a problem with 2 answers" in html
    assert Case.objects.count() == 0


def test_it_puts_error_first_in_the_title_and_the_page(client):
    pass_screen(client)
    response = post_step(client, "where", {"sex": "female"})
    html = response.content.decode()
    assert re.search(r"<title>\s*Error: ", html)
    main = html[html.index('<main id="main"') :]
    first_element = re.search(r"<main[^>]*>\s*<(\w+)([^>]*)>", main)
    assert 'id="error-summary"' in first_element.group(2)
    assert "autofocus" in first_element.group(2)
    assert '<a class="alert-link" href="#id_locations_0">Where do you feel the numbness?</a>' in html
    assert '<a class="alert-link" href="#id_age">Age in years</a>' in html


def test_it_has_no_error_in_the_title_of_a_fresh_step(client):
    pass_screen(client)
    html = client.get(step_url("where")).content.decode()
    assert "Error:" not in html and "error-summary" not in html


def test_it_requires_both_consents(client):
    reach_review(client)
    contact = {**step_data(CAROL)["contact"], "consent_contact": None, "consent_health_data": None}
    response = post_step(client, "contact", contact)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"consent_contact", "consent_health_data"}
    assert Case.objects.count() == 0


def test_it_rejects_a_code_not_in_the_vocabulary(client):
    pass_screen(client)
    post_step(client, "where", step_data(CAROL)["where"])
    response = post_step(client, "signs", {"symptoms_general": ["tingle"]})
    assert response.status_code == 200
    assert "symptoms_general" in response.context["form"].errors


def test_it_goes_back_keeping_what_was_typed_on_the_step(client):
    reach_review(client)
    response = post_step(client, "history", {"history": ["heavy_exertion"]}, wizard_goto_step="companions")
    assert response.url == step_url("companions")
    html = client.get(step_url("history")).content.decode()
    assert re.search(r'value="heavy_exertion"[^>]*checked', html)
    assert not re.search(r'value="sedentary_lifestyle"[^>]*checked', html)


def test_it_goes_back_even_from_an_unfinished_step(client):
    pass_screen(client)
    post_step(client, "where", step_data(CAROL)["where"])
    response = post_step(client, "signs", {"symptoms_general": ["fever"]}, wizard_goto_step="where")
    assert response.url == step_url("where")
    html = client.get(step_url("where")).content.decode()
    assert re.search(r'value="lower_back"[^>]*checked', html)
    assert re.search(r'value="fever"[^>]*checked', client.get(step_url("signs")).content.decode())


def test_it_reviews_every_answer_in_words_with_change_links(client):
    reach_review(client)
    response = client.get(step_url("review"))
    html = response.content.decode()
    for words in (
        "Between the shoulder blades, Lower back",
        "It comes and goes",
        "Tingling or pins and needles, Numbness at night or on waking",
        "Pain in the legs",
        "Sitting most of the day, walking little",
        "Carol Example",
        "carol@example.org",
    ):
        assert words in html
    for step in ("where", "signs", "companions", "history", "more-about-you", "contact"):
        assert f'href="{step_url(step)}"' in html
    # One section per step answered, in order; the review does not list itself.
    sections = re.findall(r'<section class="review-step[^"]*" aria-labelledby="review-([\w-]+)"', html)
    assert sections == ["where", "signs", "companions", "history", "more-about-you", "contact"]
    assert "Send and see where to go" in html
    assert Case.objects.count() == 0


def test_it_returns_to_the_review_after_a_change(client):
    data = reach_review(client)
    client.get(step_url("review"))
    client.get(step_url("where"))
    response = post_step(client, "where", {**data["where"], "frequency": "regular"})
    assert response.url == step_url("review")
    assert "It happens regularly" in client.get(step_url("review")).content.decode()


def test_it_asks_questions_a_change_brings_before_the_review(client):
    reach_review(client, DAN)
    client.get(step_url("review"))
    response = post_step(client, "where", {**step_data(DAN)["where"], "sex": "female"})
    assert response.url == step_url("more-about-you")
    response = post_step(client, "more-about-you", {"pregnancy": "possible"})
    assert response.url == step_url("review")
    # New places bring their companion questions back into view.
    where = {**step_data(DAN)["where"], "sex": "female"}
    where["locations"] = ["lower_back", "under_left_shoulder_blade"]
    assert post_step(client, "where", where).url == step_url("companions")


def test_it_drops_pregnancy_answers_that_no_longer_apply(client):
    data = reach_review(client, {**CAROL, "pregnancy": "yes", "pregnancy_trimester": 2})
    client.get(step_url("review"))
    post_step(client, "where", {**data["where"], "sex": "male"})
    response = post_step(client, "review", {})
    case = Case.objects.get()
    assert response.url == reverse("intake:status", args=[case.status_token()])
    assert case.answers["pregnancy"] == "no"
    assert "pregnancy_trimester" not in case.answers


def test_it_keeps_the_trimester_only_for_a_pregnancy(client):
    submit_intake(client, {**CAROL, "pregnancy": "yes", "pregnancy_trimester": 3})
    assert Case.objects.get().answers["pregnancy_trimester"] == 3
    Case.objects.all().delete()
    submit_intake(client, {**CAROL, "pregnancy": "possible", "pregnancy_trimester": 3})
    assert "pregnancy_trimester" not in Case.objects.get().answers


def test_it_sends_a_page_left_open_from_before_a_change_to_the_next_question(client):
    reach_review(client, DAN)
    response = post_step(client, "more-about-you", {"pregnancy": "yes"})
    assert response.status_code == 302
    assert response.url == step_url("review")


def test_it_counts_the_steps_that_apply(client):
    pass_screen(client)
    assert "Step 1 of 7" in client.get(step_url("where")).content.decode()
    post_step(client, "where", step_data(DAN)["where"])
    assert "Step 2 of 6" in client.get(step_url("signs")).content.decode()


def test_it_says_what_to_do_for_a_required_answer(client):
    pass_screen(client)
    errors = post_step(client, "where", {"locations": ["lower_back"]}).context["form"].errors
    assert errors["sex"] == ["Choose one answer, or \u201cPrefer not to say\u201d."]
    assert errors["age"] == ["Enter your age in whole years."]
    assert errors["frequency"] == ["Choose how often the numbness happens."]


def test_it_never_saves_a_case_on_a_get(client):
    reach_review(client)
    response = client.get(step_url("done"))
    assert response.url == step_url("review")
    assert Case.objects.count() == 0


def test_it_sends_a_skipped_step_back_before_the_review(client):
    pass_screen(client)
    post_step(client, "where", step_data(CAROL)["where"])
    response = client.get(step_url("review"))
    assert response.url == step_url("signs")


def test_it_keeps_the_steps_out_of_caches_and_error_reports(client):
    pass_screen(client)
    response = post_step(client, "where", {"age": "x"})
    assert "no-store" in response.headers["Cache-Control"]
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"
    assert "no-store" in client.get(step_url("where")).headers["Cache-Control"]


def test_it_refuses_a_step_without_its_csrf_token(client):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = client.cookies
    pass_screen(client)
    response = post_step(csrf_client, "where", step_data(CAROL)["where"])
    assert response.status_code == 403


def test_it_routes_a_single_episode_with_nothing_else_through_the_therapist(client):
    submit_intake(client, DAN)
    case = Case.objects.get()
    assert case.route.steps.first().specialist == "therapist"
    assert case.answers["symptoms"] == [] and case.answers["history"] == []


def test_it_answers_replayed_or_forged_steps_without_a_server_error(client):
    pass_screen(client)
    assert client.post(step_url("where"), step_data(CAROL)["where"]).status_code == 400
    assert client.post(step_url("where"), {"intake-current_step": "nowhere"}).status_code == 302
    assert client.get(step_url("nowhere")).url == step_url("where")
    assert post_step(client, "where", {**step_data(CAROL)["where"], "age": "9" * 5000}).status_code == 200
    assert client.post(reverse("intake:form"), {"now": ["bogus"]}).status_code == 200


def test_it_thanks_the_patient_on_their_page_once_the_case_is_saved(client):
    reach_review(client)
    response = post_step(client, "review", {})
    assert Case.objects.count() == 1
    page = client.get(response.url).content.decode()
    thanks = "Thank you. We have emailed you a link to this page."
    assert f'<div class="alert alert-success" role="status">{thanks}</div>' in page


def test_it_sends_the_patient_back_to_a_step_spoilt_since_instead_of_saving(client):
    data = reach_review(client)
    # "Back" from the contact step keeps what was typed there, even an address that is not one.
    post_step(client, "contact", {**data["contact"], "email": "not an address"}, wizard_goto_step="history")
    response = post_step(client, "review", {})
    assert Case.objects.count() == 0
    assert response.url == step_url("contact")
    page = client.get(response.url)
    assert "email" in page.context["form"].errors
    assert 'value="not an address"' in page.content.decode()


def test_it_asks_the_companion_questions_of_the_places_chosen_and_keeps_the_answers(client):
    answers = {**DAN, "symptoms": ["stone_back"]}
    pass_screen(client)
    post_step(client, "where", step_data(answers)["where"])
    post_step(client, "signs", {})
    page = client.get(step_url("companions")).content.decode()
    assert 'name="symptoms_lower_back"' in page and 'name="symptoms_shoulder_blades"' not in page
    data = step_data(answers)
    response = walk(client, data, post_step(client, "companions", data["companions"]))
    assert response.status_code == 302 and "/status/" in response.url
    assert Case.objects.get().answers["symptoms"] == ["stone_back"]
