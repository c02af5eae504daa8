"""Reading an intake: each problem named by field and value, bounds inclusive, answers kept in order."""

import pytest

from referrals.intakes import IntakeError, parse_intake

PLAIN = {"sex": "unspecified", "age": 40, "locations": ["lower_back"], "frequency": "once"}
SEXES = "['female', 'male', 'other', 'unspecified']"
BAD_INTAKES = {
    "unknown field": ({"colour": "red"}, ["colour: unknown field"]),
    "unknown field in capitals": ({"XRay": "yes"}, ["XRay: unknown field"]),
    "unknown sex": ({"sex": "m"}, [f"sex: unknown value 'm', expected one of {SEXES}"]),
    "sex as a list": ({"sex": ["male"]}, [f"sex: unknown value ['male'], expected one of {SEXES}"]),
    "age true": ({"age": True}, ["age: must be an integer, not True"]),
    "age as text": ({"age": "40"}, ["age: must be an integer, not '40'"]),
    "age 121": ({"age": 121}, ["age: 121 is out of range 0..120"]),
    "age -1": ({"age": -1}, ["age: -1 is out of range 0..120"]),
    "duration too long": ({"duration_days": 36501}, ["duration_days: 36501 is out of range 0..36500"]),
    "no location": ({"locations": []}, ["locations: at least one location is required"]),
    "locations as text": ({"locations": "loin"}, ["locations: must be a list of codes, not 'loin'"]),
    "a symptom twice": ({"symptoms": ["fever", "fever"]}, ["symptoms[1]: duplicate code 'fever'"]),
    "a number for a symptom": ({"symptoms": ["fever", 3]}, ["symptoms[1]: unknown code 3"]),
    "pregnant man": (
        {"sex": "male", "pregnancy": "yes"},
        ["pregnancy: 'yes' applies only with sex 'female' or 'other', not 'male'"],
    ),
    "pregnancy unspecified sex": (
        {"pregnancy": "possible"},
        ["pregnancy: 'possible' applies only with sex 'female' or 'other', not 'unspecified'"],
    ),
    "pregnancy as a list": (
        {"pregnancy": ["yes"]},
        ["pregnancy: unknown value ['yes'], expected one of ['no', 'possible', 'yes']"],
    ),
    "trimester, not pregnant": (
        {"sex": "female", "pregnancy_trimester": 2},
        ["pregnancy_trimester: applies only with pregnancy 'yes', not 'no'"],
    ),
    "trimester 4": (
        {"sex": "female", "pregnancy": "yes", "pregnancy_trimester": 4},
        ["pregnancy_trimester: must be 1, 2 or 3, not 4"],
    ),
    "trimester true": (
        {"sex": "female", "pregnancy": "yes", "pregnancy_trimester": True},
        ["pregnancy_trimester: must be 1, 2 or 3, not True"],
    ),
    "menstruation as text": (
        {"menstruation_related": "yes"},
        ["menstruation_related: must be true or false, not 'yes'"],
    ),
}


@pytest.mark.parametrize(("changes", "expected"), BAD_INTAKES.values(), ids=BAD_INTAKES.keys())
def test_it_names_the_field_and_the_value_of_each_problem(changes, expected):
    with pytest.raises(IntakeError) as caught:
        parse_intake({**PLAIN, **changes})

    assert caught.value.problems == expected


def test_it_lists_every_missing_answer_in_one_message():
    with pytest.raises(IntakeError) as caught:
        parse_intake({})

    assert str(caught.value) == (
        "sex: required; age: required; locations: at least one location is required; frequency: required"
    )


def test_it_refuses_an_intake_that_is_not_an_object():
    with pytest.raises(IntakeError) as caught:
        parse_intake(["lower_back"])

    assert caught.value.problems == ["intake: must be a JSON object, not list"]


BOUNDS = [{"age": 0}, {"age": 120}, {"duration_days": 0}, {"duration_days": 36500}]


@pytest.mark.parametrize("changes", BOUNDS)
def test_it_accepts_the_bounds_themselves(changes):
    assert parse_intake({**PLAIN, **changes}).as_dict().items() >= changes.items()


def test_it_accepts_a_pregnancy_for_sex_other_and_keeps_the_trimester_only_when_given():
    other = parse_intake({**PLAIN, "sex": "other", "pregnancy": "possible"})
    assert (other.pregnancy, other.pregnancy_trimester) == ("possible", None)
    assert "pregnancy_trimester" not in other.as_dict()
    woman = parse_intake({**PLAIN, "sex": "female", "pregnancy": "yes", "pregnancy_trimester": 1})
    assert woman.as_dict()["pregnancy_trimester"] == 1


def test_it_gives_the_answers_back_in_the_vocabularys_order_with_defaults_filled_in():
    intake = parse_intake(
        {**PLAIN, "locations": ["lower_back", "between_shoulder_blades"], "symptoms": ["fever", "tingling"]}
    )

    assert intake.as_dict() == {
        "sex": "unspecified",
        "age": 40,
        "locations": ["between_shoulder_blades", "lower_back"],
        "frequency": "once",
        "symptoms": ["tingling", "fever"],
        "history": [],
        "pregnancy": "no",
        "menstruation_related": False,
    }
