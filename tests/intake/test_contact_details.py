"""The contact step: names and email addresses the clinic can safely write to."""

import pytest
from django.urls import reverse

from intake.forms import ContactForm
from intake.models import Case
from tests.intake.helpers import CONTACT, post_step, step_data, step_url
from tests.intake.test_submit_intake import CAROL, reach_review

pytestmark = pytest.mark.django_db

LOCAL_PART = "a" * 64
LONGEST_EMAIL = f"{LOCAL_PART}@{'b' * 63}.{'c' * 63}.{'d' * 57}.org"
TOO_LONG_EMAIL = f"{LOCAL_PART}@{'b' * 63}.{'c' * 63}.{'d' * 58}.org"


def contact_form(**changes) -> ContactForm:
    data = {**CONTACT, "consent_contact": "on", "consent_health_data": "on", **changes}
    return ContactForm(data={key: value for key, value in data.items() if value is not None})


@pytest.mark.parametrize(
    "name",
    ["Zoë O'Brien-Łukasz", "李小龙", "محمد\u200cرضا", "Anne-Marie d’Arc", "J. R. Smith Jr."],
)
def test_it_accepts_names_as_people_write_them(name):
    assert contact_form(name=name).is_valid()


@pytest.mark.parametrize(
    "name",
    [
        "Eve\nPlease call +1 555 0100 now",
        "Eve\r\nBcc: someone@example.org",
        "Eve\tExample",
        "Eve\x07",
        "Eve \u202eelpmaxE",
        "Eve\u2028Example",
        "Eve\u200bExample",
    ],
)
def test_it_refuses_control_and_hidden_characters_in_names(name):
    form = contact_form(name=name)
    assert not form.is_valid()
    assert form.errors.as_data()["name"][0].code in {"control_character", "null_characters_not_allowed"}


def test_it_refuses_a_name_without_a_letter():
    form = contact_form(name="12345")
    assert form.errors.as_data()["name"][0].code == "no_letter"


def test_it_limits_names_to_a_sane_length():
    assert contact_form(name="A" * 100).is_valid()
    form = contact_form(name="A" * 101)
    assert "at most 100 characters" in form.errors["name"][0]


def test_it_agrees_with_the_column_on_the_email_length():
    assert len(LONGEST_EMAIL) == 254 and len(TOO_LONG_EMAIL) == 255
    column = Case._meta.get_field("email").max_length
    assert ContactForm.base_fields["email"].max_length == column == 254


def test_it_saves_the_longest_valid_email_address(client):
    reach_review(client)
    response = post_step(client, "contact", {**step_data(CAROL)["contact"], "email": LONGEST_EMAIL})
    assert response.url == step_url("review")
    response = post_step(client, "review", {})
    case = Case.objects.get()
    assert response.url == reverse("intake:status", args=[case.status_token()])
    assert case.email == LONGEST_EMAIL


def test_it_names_the_field_for_an_email_address_too_long(client):
    reach_review(client)
    response = post_step(client, "contact", {**step_data(CAROL)["contact"], "email": TOO_LONG_EMAIL})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["An email address has at most 254 characters."]
    assert TOO_LONG_EMAIL in response.content.decode()
    assert Case.objects.count() == 0
