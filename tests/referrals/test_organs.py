"""Companion symptoms that point to the heart, lungs, infection, kidneys, liver, stomach, pancreas."""

import pytest

from tests.referrals.helpers import fired, referrals, route


@pytest.mark.parametrize("symptom", ["chest_heaviness", "pain_radiates_to_heart"])
def test_it_sends_heart_companions_to_the_cardiologist_urgently(symptom):
    result = route(locations=["under_left_shoulder_blade"], symptoms=[symptom])

    # The article names the cardiologist; the clinic's safety net makes it urgent.
    assert referrals(result)["cardiologist"] == "urgent"
    assert {"heart-cardiologist", "safety-net-heart"} <= set(fired(result))


def test_it_sends_difficult_breathing_to_the_pulmonologist_urgently():
    result = route(locations=["under_right_shoulder_blade"], symptoms=["breathing_difficulty"])

    assert referrals(result)["pulmonologist"] == "urgent"
    assert {"lungs-breathing", "safety-net-breathless"} <= set(fired(result))


def test_it_sends_shortness_of_breath_to_the_pulmonologist_or_the_cardiologist():
    result = route(symptoms=["short_breath_on_exertion"])

    assert referrals(result)["pulmonologist"] == "routine"
    assert referrals(result)["cardiologist"] == "routine"
    assert "lungs-or-heart-short-breath" in fired(result)


@pytest.mark.parametrize(("field", "code"), [("history", "recent_viral_illness"), ("symptoms", "fever")])
def test_it_sends_a_viral_illness_to_the_infectious_disease_specialist(field, code):
    result = route(**{field: [code]})

    assert referrals(result)["infectious_disease_specialist"] == "routine"
    assert "blood_count" in result["tests"]


def test_it_sends_breathing_trouble_after_a_virus_to_the_lungs_soon():
    result = route(history=["recent_viral_illness"], symptoms=["short_breath_on_exertion"])

    assert referrals(result)["pulmonologist"] == "soon"
    assert referrals(result)["infectious_disease_specialist"] == "soon"


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("history", "kidney_disease"),
        ("symptoms", "pain_radiates_to_kidneys"),
        ("symptoms", "frequent_urination"),
    ],
)
def test_it_sends_kidney_signs_to_the_nephrologist_or_urologist_with_nechiporenko(field, code):
    result = route(**{field: [code]})

    assert referrals(result)["nephrologist"] == "routine"
    assert referrals(result)["urologist"] == "routine"
    assert "urine_nechiporenko" in result["tests"]


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("symptoms", "pain_radiates_to_liver"),
        ("symptoms", "pain_radiates_to_stomach"),
        ("history", "pancreas_disease"),
    ],
)
def test_it_leaves_liver_stomach_and_pancreas_with_the_therapist_and_biochemistry(field, code):
    result = route(**{field: [code]})

    assert set(referrals(result)) == {"therapist"}
    assert referrals(result)["therapist"] == "routine"
    assert {"blood_biochemistry", "ultrasound"} <= set(result["tests"])
