import pytest
from django.urls import reverse

from intake.models import Case, CaseStatus
from intake.submission import intake_submit
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:intake_case_changelist")
CONTACT = {"email": "p@example.org", "phone": ""}
REGULAR = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "regular"}
ONCE = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "once"}


def make_case(name: str, answers: dict) -> Case:
    return intake_submit(contact={**CONTACT, "name": name}, answers=answers)


def listed(response) -> list[str]:
    return [case.name for case in response.context["cl"].result_list]


def test_it_redirects_anonymous_to_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_forbids_staff_without_the_permission(client, visitor, alice):
    staff_login(client, visitor)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:intake_case_change", args=[alice.pk])).status_code == 403


def test_it_lists_most_urgent_and_oldest_first(client, nurse):
    make_case("Old routine", ONCE)
    make_case("Old urgent", REGULAR)
    make_case("New urgent", REGULAR)
    make_case("New routine", ONCE)
    staff_login(client, nurse)
    assert listed(client.get(CHANGELIST)) == ["Old urgent", "New urgent", "Old routine", "New routine"]


def test_it_filters_by_urgency_and_status(client, nurse):
    make_case("Urgent", REGULAR)
    closed = make_case("Closed", ONCE)
    closed.status = CaseStatus.CLOSED
    closed.save()
    staff_login(client, nurse)
    assert listed(client.get(CHANGELIST, {"urgency": "urgent"})) == ["Urgent"]
    assert listed(client.get(CHANGELIST, {"status": "closed"})) == ["Closed"]


def test_it_searches_by_name_and_email(client, nurse, alice, bob):
    staff_login(client, nurse)
    assert listed(client.get(CHANGELIST, {"q": "alice"})) == ["Alice Example"]
    assert listed(client.get(CHANGELIST, {"q": "BOB@example.org"})) == ["Bob Example"]


def test_it_lists_cases_without_a_query_per_row(client, nurse, django_assert_max_num_queries):
    staff_login(client, nurse)
    for n in range(3):
        make_case(f"Patient {n}", REGULAR)
    with django_assert_max_num_queries(18) as few:
        client.get(CHANGELIST)
    for n in range(3, 25):
        make_case(f"Patient {n}", REGULAR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST)
    assert len(listed(response)) == 25


def test_it_shows_the_route_with_reasons_and_rules(client, nurse, alice):
    staff_login(client, nurse)
    response = client.get(reverse("admin:intake_case_change", args=[alice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Neurologist" in html
    assert "red-flag-tingling" in html
    assert "000_f872c3d1c522e607.txt" in html
    assert alice.route.rulebook in html


def test_it_lets_staff_triage_a_case(client, nurse, alice):
    staff_login(client, nurse)
    url = reverse("admin:intake_case_change", args=[alice.pk])
    data = {
        "name": alice.name,
        "email": alice.email,
        "phone": "",
        "status": CaseStatus.TRIAGED,
        "reminders-TOTAL_FORMS": "2",
        "reminders-INITIAL_FORMS": "2",
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "1000",
        **{f"reminders-{n}-id": str(r.pk) for n, r in enumerate(alice.reminders.all())},
        **{f"reminders-{n}-case": str(alice.pk) for n in range(2)},
    }
    response = client.post(url, data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.status == CaseStatus.TRIAGED
    assert alice.answers["symptoms"] == ["tingling"]


def test_it_shows_the_answers_in_words(client, nurse, alice):
    staff_login(client, nurse)
    html = client.get(reverse("admin:intake_case_change", args=[alice.pk])).content.decode()
    assert "Tingling or pins and needles" in html
    assert "Lower back" in html


def test_it_leaves_adding_cases_to_the_intake_form(admin_client):
    assert admin_client.get(reverse("admin:intake_case_add")).status_code == 403
