"""What the clinic's rulebook cannot show, shown on small rulebooks made in the test:
checks of the loader that the real rules pass, and how the engine merges equal sentences."""

import pytest

from referrals.engine import route_for
from referrals.rulebook import RulebookError, fingerprint, parse_rulebook

ARTICLE = "000_f872c3d1c522e607.txt"


def a_rule(rule_id: str, **effects) -> dict:
    return {
        "id": rule_id,
        "source": ARTICLE,
        "section": "Which doctor to contact",
        "evidence": "you must first contact the therapist",
        "reason": effects.pop("reason", "See the therapist about the numbness in your back."),
        **effects,
    }


THERAPIST_FIRST = a_rule("therapist-first", refer={"therapist": "self_care"})


def a_book(*rules: dict) -> dict:
    raw = [*rules]
    return {
        "name": "small-book",
        "version": 1,
        "changelog": [{"version": 1, "note": "Made in a test."}],
        "fingerprint": fingerprint(raw),
        "rules": raw,
    }


def problems(book: dict) -> list[str]:
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(book)
    return caught.value.problems


def test_it_loads_a_small_book_with_the_unconditional_therapist_rule():
    book = parse_rulebook(a_book(THERAPIST_FIRST, a_rule("regular", refer={"neurologist": "urgent"})))
    assert [rule.id for rule in book.rules] == ["therapist-first", "regular"]


@pytest.mark.parametrize("key", ["has_symptoms", "has_history"])
def test_it_refuses_no_symptoms_or_history_inside_any_when_the_rule_refers_on(key):
    when = {"any": [{"frequency": ["regular"]}, {key: False}]}
    book = a_book(THERAPIST_FIRST, a_rule("quiet", refer={"neurologist": "routine"}, when=when))

    [problem] = problems(book)

    assert problem.startswith(f"rule quiet.when: {key} = false stops the rule")


def test_it_refuses_no_symptoms_nested_deeper_inside_any():
    when = {"any": [{"frequency": ["regular"]}, {"any": [{"sex": ["male"]}, {"has_symptoms": False}]}]}
    book = a_book(THERAPIST_FIRST, a_rule("quiet", tests=["blood_count"], when=when))

    assert [p.split(":")[0] for p in problems(book)] == ["rule quiet.when"]


def test_it_accepts_no_symptoms_inside_any_for_therapist_self_care():
    when = {"any": [{"frequency": ["once"]}, {"has_symptoms": False}]}
    parse_rulebook(a_book(THERAPIST_FIRST, a_rule("calm", refer={"therapist": "self_care"}, when=when)))


@pytest.mark.parametrize(
    "therapist_rule",
    [
        a_rule("therapist-when-regular", refer={"therapist": "self_care"}, when={"frequency": ["regular"]}),
        a_rule("therapist-routine", refer={"therapist": "routine"}),
        a_rule("neurologist-for-all", refer={"neurologist": "self_care"}),
    ],
    ids=["with a condition", "not self-care", "not the therapist"],
)
def test_it_refuses_a_book_without_an_unconditional_therapist_rule(therapist_rule):
    [problem] = problems(a_book(therapist_rule, a_rule("regular", refer={"neurologist": "urgent"})))

    assert problem.startswith("rulebook: ")
    assert "no condition" in problem and "therapist" in problem


def test_it_names_each_reason_and_piece_of_advice_once():
    reason = "Numbness that comes back needs a neurologist and a check-up with the therapist."
    advice = ["Change position often and rest your back several times a day."]
    both = {"reason": reason, "advice": advice}
    regular = a_rule("regular", refer={"therapist": "routine", "neurologist": "soon"}, **both)
    tingling = a_rule("tingling", refer={"therapist": "routine", "neurologist": "urgent"}, **both)
    regular["when"], tingling["when"] = {"frequency": ["regular"]}, {"symptoms": ["tingling"]}
    book = parse_rulebook(a_book(THERAPIST_FIRST, regular, tingling))
    intake = {"sex": "female", "age": 40, "locations": ["lower_back"], "frequency": "regular"}

    route = route_for({**intake, "symptoms": ["tingling"]}, book)

    therapist, neurologist = route["steps"]
    assert therapist["reasons"] == [THERAPIST_FIRST["reason"], reason]
    assert (neurologist["specialist"], neurologist["urgency"]) == ("neurologist", "urgent")
    assert neurologist["reasons"] == [reason]
    assert neurologist["rules"] == ["regular", "tingling"]
    assert therapist["rules"] == ["therapist-first", "regular", "tingling"]
    assert route["advice"] == advice
