"""Spine conditions: the neurologist and/or the orthopaedist, with X-ray, CT or MRI."""

import pytest

from tests.referrals.helpers import referrals, route


@pytest.mark.parametrize(
    ("history", "specialists", "test"),
    [
        ("disc_hernia", {"neurologist", "orthopedist"}, "mri"),
        ("osteochondrosis", {"neurologist", "orthopedist"}, "spine_xray"),
        ("scoliosis_or_kyphosis", {"orthopedist", "neurologist"}, "spine_xray"),
        ("posture_problems", {"orthopedist"}, "spine_xray"),
        ("sciatica", {"neurologist"}, "mri"),
        ("intercostal_neuralgia", {"neurologist"}, None),
    ],
)
def test_it_routes_each_spine_condition_to_its_specialists(history, specialists, test):
    result = route(history=[history])

    assert specialists <= set(referrals(result))
    assert all(referrals(result)[name] == "routine" for name in specialists)
    assert test is None or test in result["tests"]


def test_it_sends_shooting_pain_along_the_spine_to_the_neurologist_with_an_mri():
    result = route(locations=["along_spine"], symptoms=["shooting_pain_along_spine"])

    assert referrals(result)["neurologist"] == "routine"
    assert "mri" in result["tests"]


def test_it_suggests_an_orthopaedic_belt_for_posture_as_information():
    result = route(history=["posture_problems"])

    assert any("orthopaedic belt" in advice for advice in result["advice"])
