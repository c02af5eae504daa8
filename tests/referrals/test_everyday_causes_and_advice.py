"""Everyday causes and the advice drawn from the treatment and prevention sections."""

import pytest

from referrals.rulebook import get_rulebook
from tests.referrals.helpers import fired, referrals, route


@pytest.mark.parametrize(
    ("history", "rule"),
    [
        ("prolonged_uncomfortable_position", "everyday-prolonged-position"),
        ("hypothermia", "everyday-hypothermia"),
        ("sedentary_lifestyle", "everyday-sedentary"),
        ("heavy_exertion", "everyday-muscle-strain"),
    ],
)
def test_it_keeps_everyday_causes_with_the_therapist(history, rule):
    result = route(history=[history])

    assert rule in fired(result)
    assert referrals(result) == {"therapist": "routine"}
    assert "everyday-muscle-tension" in fired(result)


def test_it_advises_walking_to_someone_who_sits_all_day():
    result = route(history=["sedentary_lifestyle"])

    assert any("couple of kilometres" in advice for advice in result["advice"])


def test_it_advises_keeping_warm_after_getting_chilled():
    result = route(history=["hypothermia"])

    assert any("warm" in advice for advice in result["advice"])


def test_it_gives_everyone_the_prevention_advice():
    assert "advice-prevention" in fired(route(frequency="once"))


TREATMENTS = ("medicine", "massage", "physiotherapy", "acupuncture", "belt", "exercises")


def test_it_leaves_every_treatment_in_advice_to_the_doctor():
    advice = [sentence for rule in get_rulebook().rules for sentence in rule.advice]
    about_treatment = [s for s in advice if any(word in s for word in TREATMENTS)]

    assert len(about_treatment) >= 3
    assert all("doctor" in s or "orthopaedist" in s for s in about_treatment)


def test_it_does_not_repeat_an_advice_sentence():
    result = route(
        frequency="regular",
        symptoms=["pain_worse_on_movement", "leg_pain"],
        history=["heavy_exertion", "prolonged_uncomfortable_position", "sedentary_lifestyle"],
    )

    assert len(result["advice"]) == len(set(result["advice"]))


def test_it_suggests_no_anti_inflammatory_medicine_in_a_pregnancy():
    pregnant = route(sex="female", pregnancy="possible", symptoms=["leg_pain"])
    not_pregnant = route(sex="female", symptoms=["leg_pain"])

    assert any("Anti-inflammatory" in advice for advice in not_pregnant["advice"])
    assert not any("Anti-inflammatory" in advice for advice in pregnant["advice"])
