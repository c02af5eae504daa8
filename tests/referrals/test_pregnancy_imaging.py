"""In a pregnancy, no X-ray or CT: the route says why and offers ultrasound and MRI instead."""

import pytest

from referrals.vocabulary import TEST_PURPOSES
from tests.referrals.helpers import fired, route, step

PREGNANT = {"sex": "female", "age": 31, "pregnancy": "yes", "pregnancy_trimester": 2}


def pregnancy_sentences(result: dict) -> list[str]:
    return [
        reason
        for each in result["steps"]
        for reason in each["reasons"]
        if "pregnan" in reason.lower()
    ]


def test_it_orders_an_x_ray_and_ct_for_a_broken_spine_without_a_pregnancy():
    result = route(sex="female", age=31, history=["rib_or_spine_fracture"])

    assert {"spine_xray", "ct"} <= set(result["tests"])


@pytest.mark.parametrize("pregnancy", ["yes", "possible"])
def test_it_offers_ultrasound_and_mri_instead_of_x_ray_and_ct_in_a_pregnancy(pregnancy):
    result = route(sex="female", age=31, pregnancy=pregnancy, history=["rib_or_spine_fracture"])

    assert "spine_xray" not in result["tests"] and "ct" not in result["tests"]
    assert {"spine_ultrasound", "mri"} <= set(result["tests"])
    assert "safety-net-pregnancy-imaging" in fired(result)


def test_it_says_why_in_one_plain_sentence_on_the_therapists_step():
    result = route(**PREGNANT, history=["recent_injury"])
    therapist = step(result, "therapist")

    why = [reason for reason in therapist["reasons"] if "X-ray" in reason]
    assert len(why) == 1
    assert "ultrasound" in why[0] and "MRI" in why[0] and why[0].count(". ") == 0
    assert not any("X-ray" in advice for advice in result["advice"])


def test_it_adds_no_scan_when_none_was_ordered():
    result = route(**PREGNANT, locations=["under_left_shoulder_blade"])

    assert not {"spine_ultrasound", "mri", "spine_xray", "ct"} & set(result["tests"])


def test_it_keeps_a_scan_ordered_for_its_own_reason():
    result = route(sex="female", age=31, pregnancy="possible", symptoms=["numb_at_night"])

    assert "mri" in result["tests"]
    assert "spine_xray" not in result["tests"]


def test_it_says_pregnancy_once_on_the_gynaecologists_step():
    result = route(**{**PREGNANT, "pregnancy_trimester": 3}, locations=["lower_back"], frequency="regular")

    assert len(step(result, "gynecologist")["reasons"]) == 1
    assert len(pregnancy_sentences(result)) == 2  # why the gynaecologist, why no X-ray


def test_it_describes_every_test_it_can_offer_instead():
    assert TEST_PURPOSES["spine_ultrasound"].endswith("without radiation.")
    assert TEST_PURPOSES["mri"].endswith("without radiation.")
