"""Red flags of the first article: the neurologist as soon as possible; night numbness."""

import pytest

from tests.referrals.helpers import fired, referrals, route


@pytest.mark.parametrize(
    "symptom",
    ["pain_worse_on_movement", "tingling", "dizziness_on_rising", "frequent_urination"],
)
def test_it_sends_each_red_flag_symptom_to_the_neurologist_urgently(symptom):
    result = route(symptoms=[symptom])

    assert referrals(result)["neurologist"] == "urgent"
    assert result["urgency"] == "urgent"


def test_it_sends_regular_numbness_to_the_neurologist_urgently():
    result = route(frequency="regular")

    assert referrals(result)["neurologist"] == "urgent"
    assert "red-flag-regular-numbness" in fired(result)


def test_it_does_not_send_occasional_numbness_alone_to_the_neurologist():
    result = route(frequency="occasional", locations=["lower_back"])

    assert "neurologist" not in referrals(result)


def test_it_treats_night_numbness_as_a_possible_sign_of_spine_damage():
    result = route(symptoms=["numb_at_night"])

    assert referrals(result)["neurologist"] == "soon"
    assert {"spine_xray", "mri"} <= set(result["tests"])
    assert "night-numbness-spine" in fired(result)


def test_it_keeps_the_neurologist_urgent_when_night_numbness_joins_a_red_flag():
    result = route(symptoms=["numb_at_night", "tingling"])

    assert referrals(result)["neurologist"] == "urgent"
