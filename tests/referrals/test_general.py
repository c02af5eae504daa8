"""The therapist comes first; a single episode with nothing else is self-care."""

from tests.referrals.helpers import fired, referrals, route


def test_it_sends_a_single_episode_with_nothing_else_to_self_care():
    result = route(frequency="once")

    assert result["urgency"] == "self_care"
    assert referrals(result) == {"therapist": "self_care"}
    assert "single-episode" in fired(result)
    assert result["tests"] == []


def test_it_tells_a_single_episode_to_see_the_therapist_if_it_returns():
    result = route(frequency="once")

    assert any("if it comes back" in reason for reason in result["steps"][0]["reasons"])


def test_it_stops_calling_an_episode_single_once_a_symptom_is_added():
    result = route(frequency="once", symptoms=["skin_redness"])

    assert "single-episode" not in fired(result)
    assert referrals(result)["therapist"] == "routine"


def test_it_sends_numbness_that_comes_and_goes_to_a_therapist_check_up():
    result = route(frequency="occasional")

    assert referrals(result)["therapist"] == "routine"
    assert "therapist-checkup" in fired(result)
    assert "blood_count" in result["tests"]


def test_it_puts_the_therapist_first_even_when_a_specialist_is_more_urgent():
    result = route(frequency="regular")

    assert [step["specialist"] for step in result["steps"]][:2] == ["therapist", "neurologist"]
    assert result["steps"][0]["urgency"] == "urgent"


def test_it_does_not_call_a_possible_pregnancy_a_single_episode_with_nothing_else():
    result = route(sex="female", frequency="once", pregnancy="possible")

    assert "single-episode" not in fired(result)
    assert result["steps"][0]["urgency"] == "routine"


def test_it_does_not_call_numbness_with_the_period_a_single_episode_with_nothing_else():
    result = route(sex="female", frequency="once", menstruation_related=True)

    assert "single-episode" not in fired(result)
