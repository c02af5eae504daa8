"""Which symptom questions each patient sees, and how many controls a page holds."""

import re

import pytest
from django.urls import reverse

from intake.forms import CompanionsForm, SignsForm
from intake.symptoms import COMPANION_GROUPS, SCREENING_GROUPS
from referrals.rulebook import get_rulebook
from referrals.vocabulary import Location, Symptom
from tests.intake.helpers import pass_screen, post_step, step_data, step_of

pytestmark = pytest.mark.django_db

# What the safety net reads whatever the rules say today: the heart, the
# lungs, an infection, a nerve losing feeling or strength, a worsening.
ALWAYS_ASKABLE = {
    Symptom.CHEST_HEAVINESS,
    Symptom.PAIN_RADIATES_TO_HEART,
    Symptom.BREATHING_DIFFICULTY,
    Symptom.SHORT_BREATH_ON_EXERTION,
    Symptom.SHORT_BREATH_AT_REST,
    Symptom.FEVER,
    Symptom.LOSS_OF_SENSATION,
    Symptom.LEG_WEAKNESS,
    Symptom.GETTING_WORSE,
}
MAX_CONTROLS = 30
CONTROL = re.compile(r"<(?:input(?![^>]*type=\"hidden\")|button|select|textarea)\b")


def asked(locations: list[str]) -> set[str]:
    forms = (SignsForm(), CompanionsForm(locations=locations))
    return {code for form in forms for field in form.fields.values() for code, _ in field.choices}


def safety_net_codes() -> set[str]:
    """Every symptom code written in a safety-net rule's condition."""
    rules = [rule for rule in get_rulebook().rules if rule.is_safety_net]
    return {code for rule in rules for code in Symptom.values if f"'{code}'" in repr(rule.when)}


def test_it_puts_every_symptom_in_exactly_one_group():
    codes = [code for group in (*SCREENING_GROUPS, *COMPANION_GROUPS) for code in group.symptoms]
    assert sorted(codes) == sorted(Symptom.values)


@pytest.mark.parametrize("location", Location.values)
def test_it_always_asks_what_the_safety_net_reads(location):
    assert ALWAYS_ASKABLE | safety_net_codes() <= asked([location])


def test_it_asks_every_symptom_somewhere():
    assert asked(Location.values) == set(Symptom.values)


def test_it_asks_companions_only_where_they_apply():
    lower_back = set(CompanionsForm(locations=[Location.LOWER_BACK]).fields)
    shoulder = set(CompanionsForm(locations=[Location.UNDER_LEFT_SHOULDER_BLADE]).fields)
    assert lower_back == {"symptoms_lower_back"}
    assert shoulder == {"symptoms_shoulder_blades"}
    assert Symptom.STONE_BACK not in asked([Location.UNDER_LEFT_SHOULDER_BLADE])
    assert Symptom.SKIN_REDNESS not in asked([Location.LOWER_BACK])


def test_it_shows_at_most_30_controls_on_any_page(client):
    counts = {"screen": len(CONTROL.findall(client.get(reverse("intake:form")).content.decode()))}
    pass_screen(client)
    everything = {"sex": "female", "age": 30, "locations": Location.values, "frequency": "regular"}
    data = step_data(everything)
    response = client.get(reverse("intake:questions_start"))
    while "/questions/" in response.url:
        step = step_of(response.url)
        counts[step] = len(CONTROL.findall(client.get(response.url).content.decode()))
        response = post_step(client, step, data[step])
    pages = {"screen", "where", "signs", "companions", "history", "more-about-you", "contact", "review"}
    assert set(counts) == pages
    assert max(counts.values()) <= MAX_CONTROLS, counts
    assert min(counts.values()) > 0
