"""The clinic's safety net: few rules, labelled, where the articles are silent."""

from referrals.rulebook import get_rulebook
from tests.referrals.helpers import fired, referrals, route


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


def test_it_does_not_call_breathlessness_at_rest_alone_an_emergency():
    result = route(symptoms=["short_breath_at_rest"])

    assert result["urgency"] != "emergency"


def test_it_sends_chest_heaviness_with_breathlessness_on_exertion_urgently():
    result = route(symptoms=["chest_heaviness", "short_breath_on_exertion"])

    assert referrals(result)["cardiologist"] == "urgent"


def test_it_sends_a_possible_pregnancy_with_sudden_sharp_pain_to_the_gynaecologist_urgently():
    result = route(sex="female", pregnancy="possible", symptoms=["acute_paroxysmal_pain"])

    assert referrals(result)["gynecologist"] == "urgent"
    assert "safety-net-pregnancy-acute-pain" in fired(result)


def test_it_does_not_apply_the_pregnancy_safety_net_without_a_pregnancy():
    result = route(sex="female", symptoms=["acute_paroxysmal_pain"])

    assert "gynecologist" not in referrals(result)


def test_it_keeps_the_safety_net_few_and_labelled():
    safety_net = [rule for rule in get_rulebook().rules if rule.is_safety_net]

    assert 1 <= len(safety_net) <= 5
    assert all(rule.id.startswith("safety-net-") and rule.section == "Safety net" for rule in safety_net)
    assert [rule.id for rule in get_rulebook().rules if rule.source == "clinic-policy"] == [
        r.id for r in safety_net
    ]


def test_it_reminds_a_possibly_pregnant_patient_to_mention_it_before_an_x_ray():
    result = route(sex="female", pregnancy="possible", history=["recent_injury"])

    assert "spine_xray" in result["tests"]
    assert any("pregnant" in advice and "X-ray" in advice for advice in result["advice"])
