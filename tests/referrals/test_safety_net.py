"""The clinic's safety net: few rules, labelled, where the articles are silent.

Each expectation comes from the rule's rationale (the route contract's
"Safety net" section), not from the engine's output.
"""

import pytest

from referrals.rulebook import get_rulebook
from tests.referrals.helpers import fired, rank, referrals, route, step

SAFETY_NET = [rule for rule in get_rulebook().rules if rule.is_safety_net]


@pytest.mark.parametrize("symptom", ["saddle_numbness", "bladder_or_bowel_control_loss"])
def test_it_calls_signs_of_cauda_equina_an_emergency(symptom):
    result = route(frequency="once", symptoms=[symptom])

    assert result["urgency"] == "emergency"
    assert referrals(result)["neurologist"] == "emergency"
    assert "safety-net-cauda-equina" in fired(result)
    assert "call emergency services now" in " ".join(step(result, "neurologist")["reasons"])


def test_it_sends_new_leg_weakness_to_the_neurologist_urgently():
    result = route(symptoms=["leg_weakness"])

    assert result["urgency"] == "urgent"
    assert referrals(result)["neurologist"] == "urgent"


def test_it_calls_chest_heaviness_with_breathlessness_at_rest_an_emergency():
    result = route(
        locations=["under_left_shoulder_blade"], symptoms=["chest_heaviness", "short_breath_at_rest"]
    )

    assert result["urgency"] == "emergency"
    assert result["steps"][0] == {**result["steps"][0], "specialist": "therapist", "urgency": "emergency"}
    assert referrals(result)["cardiologist"] == "emergency"
    assert result["steps"][1]["specialist"] == "cardiologist"


def test_it_calls_heart_pain_with_breathlessness_at_rest_an_emergency():
    result = route(symptoms=["pain_radiates_to_heart", "short_breath_at_rest"])

    assert result["urgency"] == "emergency"


@pytest.mark.parametrize("symptom", ["chest_heaviness", "pain_radiates_to_heart"])
def test_it_sends_heart_signs_alone_to_the_cardiologist_urgently(symptom):
    result = route(locations=["under_left_shoulder_blade"], frequency="once", symptoms=[symptom])

    assert result["urgency"] == "urgent"
    assert referrals(result)["cardiologist"] == "urgent"


def test_it_sends_chest_heaviness_with_breathlessness_on_exertion_urgently():
    result = route(symptoms=["chest_heaviness", "short_breath_on_exertion"])

    assert referrals(result)["cardiologist"] == "urgent"


@pytest.mark.parametrize("symptom", ["breathing_difficulty", "short_breath_at_rest"])
def test_it_sends_breathing_trouble_at_rest_alone_urgently(symptom):
    result = route(locations=["under_right_shoulder_blade"], symptoms=[symptom])

    assert result["urgency"] == "urgent"
    assert referrals(result)["pulmonologist"] == "urgent"


def test_it_does_not_call_breathlessness_at_rest_alone_an_emergency():
    result = route(symptoms=["short_breath_at_rest"])

    assert result["urgency"] != "emergency"


@pytest.mark.parametrize("pain", ["pain_radiates_to_kidneys", "shooting_pain_along_spine"])
def test_it_sends_a_fever_with_kidney_or_spine_pain_urgently(pain):
    result = route(symptoms=["fever", pain])

    assert result["urgency"] == "urgent"
    assert referrals(result)["infectious_disease_specialist"] == "urgent"


def test_it_does_not_raise_kidney_pain_without_a_fever_to_urgent():
    result = route(symptoms=["pain_radiates_to_kidneys"])

    assert "safety-net-fever-with-kidney-or-spine-pain" not in fired(result)
    assert rank(result["urgency"]) < rank("urgent")


@pytest.mark.parametrize("pregnancy", ["yes", "possible"])
@pytest.mark.parametrize("symptom", ["acute_paroxysmal_pain", "dizziness", "weakness", "groin_pain"])
def test_it_sends_a_pregnancy_with_pain_or_faintness_to_the_gynaecologist_urgently(pregnancy, symptom):
    result = route(sex="female", age=27, pregnancy=pregnancy, symptoms=[symptom])

    assert result["urgency"] == "urgent"
    assert referrals(result)["gynecologist"] == "urgent"
    assert "safety-net-pregnancy-pain-or-faintness" in fired(result)


def test_it_does_not_apply_the_pregnancy_safety_net_without_a_pregnancy():
    result = route(sex="female", symptoms=["acute_paroxysmal_pain"])

    assert "gynecologist" not in referrals(result)


@pytest.mark.parametrize("age", [0, 4, 15])
def test_it_never_leaves_a_child_to_self_care(age):
    result = route(age=age, frequency="once")

    assert rank(result["urgency"]) >= rank("routine")
    assert "single-episode" not in fired(result)
    assert "safety-net-child" in fired(result)


def test_it_still_lets_a_sixteen_year_old_with_a_single_episode_care_for_themselves():
    result = route(age=16, frequency="once")

    assert result["urgency"] == "self_care"


@pytest.mark.parametrize(
    "answers",
    [
        {"symptoms": ["short_breath_on_exertion"]},
        {"symptoms": ["loss_of_sensation", "leg_pain"]},
        {"symptoms": ["loss_of_sensation"], "locations": ["under_left_shoulder_blade"]},
        {"symptoms": ["fever", "leg_pain"]},
        {"symptoms": ["fever", "pain_worse_on_movement"], "frequency": "once"},
        {"sex": "female", "pregnancy": "yes", "pregnancy_trimester": 3, "symptoms": ["leg_pain"]},
        {"sex": "other", "pregnancy": "possible", "symptoms": ["dizziness_on_rising"]},
    ],
    ids=[
        "breathless-on-exertion",
        "numbness-without-feeling-and-leg-pain",
        "no-feeling-under-the-shoulder-blade",
        "fever-with-leg-pain",
        "fever-with-pain-on-movement",
        "pregnancy-with-leg-pain",
        "possible-pregnancy-dizzy-on-rising",
    ],
)
def test_it_never_leaves_the_heart_lungs_infection_nerves_or_pregnancy_for_weeks(answers):
    result = route(**answers)

    assert rank(result["urgency"]) >= rank("soon")


@pytest.mark.parametrize(
    ("sex", "code", "specialist"),
    [
        ("male", "polycystic_ovary", "gynecologist"),
        ("unspecified", "ovarian_cyst", "gynecologist"),
        ("male", "endometriosis", "gynecologist"),
        ("female", "prostate_disease", "urologist"),
        ("other", "prostate_disease", "urologist"),
    ],
)
def test_it_sends_an_organs_history_to_that_organs_specialist_whatever_the_sex(sex, code, specialist):
    result = route(sex=sex, history=[code])

    assert specialist in referrals(result)


def test_it_keeps_the_safety_net_few_labelled_and_explained():
    assert 1 <= len(SAFETY_NET) <= 12
    assert all(rule.id.startswith("safety-net-") and rule.section == "Safety net" for rule in SAFETY_NET)
    assert [rule.id for rule in get_rulebook().rules if rule.source == "clinic-policy"] == [
        r.id for r in SAFETY_NET
    ]
    # The evidence of a clinic rule is its rationale in one line.
    assert all("\n" not in rule.evidence and len(rule.evidence.split()) >= 8 for rule in SAFETY_NET)


def test_it_only_raises_with_the_safety_net():
    for rule in SAFETY_NET:
        assert rule.refer, rule.id
        assert not rule.advice, rule.id
        assert not {"has_symptoms", "has_history"} & set(rule.when), rule.id
