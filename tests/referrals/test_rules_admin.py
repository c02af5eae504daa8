"""The staff page of referral rules and its "try an intake" form, inside the admin."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from referrals.rulebook import get_rulebook
from tests.conftest import PASSWORD, grant, staff_login

RULES_URL = "/admin/referrals/rules/"
TRY_URL = "/admin/referrals/rules/try/"
INTAKE = {
    "sex": "female",
    "age": "34",
    "locations": ["lower_back"],
    "frequency": "regular",
    "symptoms": ["tingling"],
}


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("head", "head@clinic.example", PASSWORD)


def test_it_serves_the_pages_at_their_admin_names():
    assert reverse("admin:referrals_rules") == RULES_URL
    assert reverse("admin:referrals_try_intake") == TRY_URL


@pytest.mark.parametrize("url", [RULES_URL, TRY_URL])
def test_it_redirects_anonymous_visitors_to_the_admin_login(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", [RULES_URL, TRY_URL])
def test_it_forbids_staff_without_the_route_permission(client, visitor, url):
    staff_login(client, visitor)

    assert client.get(url).status_code == 403


def test_it_sends_a_non_staff_user_with_the_permission_to_the_login(client, db):
    patient = User.objects.create_user("patient", "p@example.org", "pw")
    grant(patient, "view_route")
    client.force_login(patient)

    assert client.get(RULES_URL).status_code == 302


def test_it_lets_staff_with_the_permission_in(client, visitor):
    grant(visitor, "view_route")
    staff_login(client, visitor)

    assert client.get(RULES_URL).status_code == 200


def test_it_lists_every_rule_with_its_source_section_evidence_and_reason(client, nurse):
    staff_login(client, nurse)

    page = client.get(RULES_URL).content.decode()

    for rule in get_rulebook().rules:
        assert f'id="rule-{rule.id}"' in page
    rule = get_rulebook().rule("red-flag-tingling")
    row = page[
        page.index('id="rule-red-flag-tingling"') : page.index('id="rule-red-flag-dizziness-on-rising"')
    ]
    assert rule.source in row and rule.section in row
    assert "there are tingling sensations" in row
    assert "any of the symptoms tingling" in row
    assert "Neurologist: urgent" in row
    assert "a neurologist should see you as soon as possible" in row
    assert get_rulebook().label in page


def test_it_marks_the_safety_net_rules(client, superuser):
    staff_login(client, superuser)

    page = client.get(RULES_URL).content.decode()

    assert page.count('class="safety-net"') == sum(rule.is_safety_net for rule in get_rulebook().rules)


def test_it_shows_the_tests_a_rule_keeps_out_of_the_route(client, nurse):
    staff_login(client, nurse)

    page = client.get(RULES_URL).content.decode()

    row = page[page.index('id="rule-safety-net-pregnancy-imaging"') :]
    row = row[: row.index("</tr>")]
    assert "never: X-ray of the spine (instead: Ultrasound scan of the spine)" in row
    assert "never: CT scan (instead: MRI scan)" in row


def test_it_shows_the_route_and_the_rules_that_fired(client, nurse):
    staff_login(client, nurse)

    response = client.post(TRY_URL, INTAKE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Route: Urgent" in page
    assert "<strong>Neurologist</strong> (Urgent)" in page
    fired = page[page.index('id="fired-rules"') :]
    assert "red-flag-tingling" in fired and "test-nechiporenko-lumbar-tingling" in fired
    assert "spine-sciatica" not in fired
    assert "Detailed urine test" in page


def test_it_puts_an_emergency_first_on_the_try_page(client, nurse):
    staff_login(client, nurse)
    answers = {**INTAKE, "symptoms": ["chest_heaviness", "short_breath_at_rest"]}

    page = client.post(TRY_URL, answers).content.decode()

    assert "EMERGENCY: the patient is told to call emergency services now." in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"age": "130"}, "age", "age: 130 is out of range 0..120"),
        ({"locations": []}, "locations", "locations: at least one location is required"),
        (
            {"sex": "male", "pregnancy": "yes"},
            "pregnancy",
            "pregnancy: &#x27;yes&#x27; applies only with sex",
        ),
        (
            {"pregnancy_trimester": "2"},
            "pregnancy_trimester",
            "pregnancy_trimester: applies only with pregnancy",
        ),
        ({"frequency": ""}, "frequency", "frequency: required"),
        (
            {"symptoms": ["tingle"]},
            "symptoms",
            "Select a valid choice. tingle is not one of the available choices.",
        ),
    ],
)
def test_it_names_the_field_of_a_bad_answer(client, nurse, change, field, message):
    staff_login(client, nurse)

    response = client.post(TRY_URL, {**INTAKE, **change})

    page = response.content.decode()
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in page
    assert 'id="route"' not in page


def test_it_lists_the_rules_page_on_the_admin_index_for_permitted_staff(client, nurse, visitor):
    staff_login(client, nurse)
    assert f'href="{RULES_URL}"' in client.get("/admin/").content.decode()

    staff_login(client, visitor)
    assert f'href="{RULES_URL}"' not in client.get("/admin/").content.decode()
