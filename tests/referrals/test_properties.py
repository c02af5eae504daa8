"""Properties of the whole engine over random valid (and invalid) intakes."""

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.engine import route_for, suggest_route
from referrals.intakes import FIELDS, IntakeError, parse_intake
from referrals.management.commands.bench_routes import mixed_intakes
from referrals.rulebook import get_rulebook, load_rulebook
from referrals.vocabulary import (
    TEST_RANK,
    URGENCY_RANK,
    Frequency,
    History,
    Location,
    Pregnancy,
    Sex,
    Specialist,
    Symptom,
)

# No example database: the tests must not leave files in the working tree.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
BOOK = get_rulebook()


@st.composite
def intakes(draw) -> dict[str, Any]:
    sex = draw(st.sampled_from(Sex.values))
    data: dict[str, Any] = {
        "sex": sex,
        "age": draw(st.integers(0, 120)),
        "locations": draw(st.lists(st.sampled_from(Location.values), min_size=1, unique=True)),
        "frequency": draw(st.sampled_from(Frequency.values)),
    }
    optional = {
        "duration_days": st.integers(0, 36500),
        "symptoms": st.lists(st.sampled_from(Symptom.values), unique=True),
        "history": st.lists(st.sampled_from(History.values), unique=True),
        "menstruation_related": st.booleans(),
    }
    for field, strategy in optional.items():
        if draw(st.booleans()):
            data[field] = draw(strategy)
    if sex in ("female", "other") and draw(st.booleans()):
        data["pregnancy"] = draw(st.sampled_from(Pregnancy.values))
        if data["pregnancy"] == "yes" and draw(st.booleans()):
            data["pregnancy_trimester"] = draw(st.integers(1, 3))
    return data


def specialists(route: dict[str, Any]) -> list[str]:
    return [step["specialist"] for step in route["steps"]]


@PROPERTY
@given(intakes())
def test_it_always_sends_the_patient_to_the_therapist_first(data):
    route = route_for(data)

    assert route["steps"][0]["specialist"] == "therapist"
    assert [step["order"] for step in route["steps"]] == list(range(1, len(route["steps"]) + 1))


@PROPERTY
@given(intakes())
def test_it_never_lists_a_specialist_twice(data):
    names = specialists(route_for(data))

    assert len(names) == len(set(names))
    assert set(names) <= set(Specialist.values)


@PROPERTY
@given(intakes())
def test_it_cites_every_step(data):
    route = route_for(data)
    cited = [citation["id"] for citation in route["rules"]]

    assert len(cited) == len(set(cited))
    for step in route["steps"]:
        assert step["reasons"] and step["rules"]
        assert set(step["rules"]) <= set(cited)
    for citation in route["rules"]:
        assert citation == BOOK.rule(citation["id"]).citation
    assert route["rulebook"] == BOOK.label


@PROPERTY
@given(intakes())
def test_it_orders_steps_by_urgency_and_tests_the_therapists_way(data):
    route = route_for(data)
    ranks = [URGENCY_RANK[step["urgency"]] for step in route["steps"]]

    assert route["urgency"] == route["steps"][0]["urgency"]
    assert ranks[0] == max(ranks)
    assert ranks[1:] == sorted(ranks[1:], reverse=True)
    assert route["tests"] == sorted(set(route["tests"]), key=TEST_RANK.__getitem__)


@PROPERTY
@given(
    intakes(),
    st.sampled_from(
        [("symptoms", code) for code in Symptom.values] + [("history", c) for c in History.values]
    ),
)
def test_it_never_lowers_urgency_or_drops_a_specialist_when_something_is_added(data, extra):
    field, code = extra
    more = {**data, field: [*data.get(field, []), code]} if code not in data.get(field, []) else data
    before, after = route_for(data), route_for(more)

    assert URGENCY_RANK[after["urgency"]] >= URGENCY_RANK[before["urgency"]]
    assert set(specialists(after)) >= set(specialists(before))
    # Only a pregnancy withholds tests, so one more symptom never takes a test away.
    assert set(after["tests"]) >= set(before["tests"])
    urgency_after = {step["specialist"]: URGENCY_RANK[step["urgency"]] for step in after["steps"]}
    assert all(urgency_after[s["specialist"]] >= URGENCY_RANK[s["urgency"]] for s in before["steps"])


@PROPERTY
@given(intakes(), st.randoms(use_true_random=False))
def test_it_gives_the_same_intake_the_same_route_byte_for_byte(data, rng: random.Random):
    shuffled = {
        field: rng.sample(value, len(value)) if isinstance(value, list) else value
        for field, value in data.items()
    }
    first = json.dumps(route_for(data))

    assert json.dumps(route_for(data)) == first
    assert json.dumps(route_for(shuffled)) == first
    assert json.dumps(route_for(parse_intake(data).as_dict())) == first


@PROPERTY
@given(intakes())
def test_it_fires_the_same_rules_through_the_index_as_rule_by_rule(data):
    intake = parse_intake(data)

    assert BOOK.fired(intake) == [rule for rule in BOOK.rules if rule.matches(intake)]


def test_a_freshly_loaded_rulebook_fires_through_its_index_what_each_rule_says():
    """The index as the loader builds it (the one above is the process's, built before any test)."""
    book = load_rulebook()
    unindexed = book.__class__(book.name, book.version, book.rules, book.changelog)

    for data in mixed_intakes(400, seed=11):
        intake = parse_intake(data)
        assert book.fired(intake) == [rule for rule in book.rules if rule.matches(intake)]
        assert suggest_route(intake, book) == suggest_route(intake, unindexed)


def test_it_routes_the_same_without_the_index():
    unindexed = BOOK.__class__(BOOK.name, BOOK.version, BOOK.rules, BOOK.changelog)
    intake = parse_intake({"sex": "male", "age": 60, "locations": ["lower_back"], "frequency": "regular"})

    assert suggest_route(intake, unindexed) == suggest_route(intake, BOOK)


# --- Invalid intakes ----------------------------------------------------------

NOT_A_CODE = st.text(max_size=12).filter(
    lambda t: t not in {*Location.values, *Symptom.values, *History.values}
)
JUNK = st.one_of(
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
BAD_CODES = st.one_of(
    NOT_A_CODE.map(lambda t: [t]),
    st.sampled_from(["tingling", "lower_back", "disc_hernia"]).map(lambda code: ["x" + code]),
    JUNK.filter(lambda v: not isinstance(v, list)),
    st.lists(st.integers(), min_size=1, max_size=2),
)
BAD_VALUES = {
    "sex": st.one_of(st.none(), JUNK.filter(lambda v: v not in Sex.values)),
    "age": st.one_of(st.none(), st.integers(max_value=-1), st.integers(min_value=121), st.booleans(), JUNK),
    "locations": st.one_of(st.just([]), BAD_CODES, st.just(["lower_back", "lower_back"])),
    "frequency": st.one_of(st.none(), JUNK.filter(lambda v: v not in Frequency.values)),
    "duration_days": st.one_of(st.integers(max_value=-1), st.integers(min_value=36501), st.booleans(), JUNK),
    "symptoms": st.one_of(BAD_CODES, st.just(["fever", "fever"]), st.none()),
    "history": st.one_of(BAD_CODES, st.just(["hypothermia", "hypothermia"]), st.none()),
    "pregnancy": st.one_of(st.none(), JUNK.filter(lambda v: v not in Pregnancy.values)),
    "pregnancy_trimester": st.one_of(st.integers().filter(lambda n: n not in (1, 2, 3)), st.booleans(), JUNK),
    "menstruation_related": st.one_of(st.none(), st.integers(), JUNK),
}


def named_fields(problems: list[str]) -> set[str]:
    return {problem.split(":")[0].split("[")[0] for problem in problems}


@PROPERTY
@given(intakes(), st.sampled_from(sorted(BAD_VALUES)), st.data())
def test_it_rejects_a_bad_value_with_a_message_naming_the_field(data, field, draw):
    bad = {**data, field: draw.draw(BAD_VALUES[field])}

    try:
        parse_intake(bad)
    except IntakeError as exc:
        assert field in named_fields(exc.problems)
        assert all(problem.split(":")[0] for problem in exc.problems)
    else:
        raise AssertionError(f"accepted {field}={bad[field]!r}")


@PROPERTY
@given(
    intakes(),
    st.text(st.characters(categories=["L", "N", "Pd", "Pc"]), min_size=1, max_size=12).filter(
        lambda name: name not in FIELDS
    ),
)
def test_it_rejects_an_unknown_field_by_name(data, name):
    try:
        parse_intake({**data, name: 1})
    except IntakeError as exc:
        assert f"{name}: unknown field" in exc.problems
    else:
        raise AssertionError(f"accepted unknown field {name!r}")


def test_it_quotes_an_unknown_field_name_that_would_break_the_line():
    try:
        parse_intake({"sex": "male", "age": 3, "locations": ["lower_back"], "frequency": "once", "a\nb": 1})
    except IntakeError as exc:
        assert exc.problems == ["'a\\nb': unknown field"]
    else:
        raise AssertionError("accepted an unknown field")


@PROPERTY
@given(intakes().filter(lambda d: d["sex"] in ("male", "unspecified")), st.sampled_from(["yes", "possible"]))
def test_it_rejects_a_pregnancy_for_a_man_or_an_unspecified_sex(data, pregnancy):
    try:
        parse_intake({**data, "pregnancy": pregnancy})
    except IntakeError as exc:
        assert named_fields(exc.problems) == {"pregnancy"}
    else:
        raise AssertionError("accepted a pregnancy")


@PROPERTY
@given(intakes(), st.sampled_from(["sex", "age", "locations", "frequency"]))
def test_it_rejects_an_intake_missing_a_required_field(data, field):
    missing = {key: value for key, value in data.items() if key != field}

    try:
        parse_intake(missing)
    except IntakeError as exc:
        assert field in named_fields(exc.problems)
    else:
        raise AssertionError(f"accepted an intake without {field}")


# --- The safety net over random intakes -----------------------------------------

PAINS = {
    "pain_worse_on_movement",
    "acute_paroxysmal_pain",
    "pain_radiates_to_heart",
    "pain_radiates_to_liver",
    "pain_radiates_to_stomach",
    "pain_radiates_to_kidneys",
    "groin_pain",
    "leg_pain",
    "shooting_pain_along_spine",
}
FAINTNESS = {"dizziness", "dizziness_on_rising", "weakness"}
HEART = {"chest_heaviness", "pain_radiates_to_heart"}
BREATH = {"breathing_difficulty", "short_breath_at_rest", "short_breath_on_exertion"}


def least_urgency(data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """What the route contract and the issue's patterns ask for, written out by hand:
    the lowest acceptable route urgency, and specialists with their lowest urgency."""
    symptoms = set(data.get("symptoms", []))
    pregnant = data.get("pregnancy") in ("yes", "possible")
    least, specialists = "self_care", {}

    def at_least(urgency: str, specialist: str | None = None) -> None:
        nonlocal least
        least = max(least, urgency, key=URGENCY_RANK.__getitem__)
        if specialist:
            specialists[specialist] = max(
                specialists.get(specialist, "self_care"), urgency, key=URGENCY_RANK.__getitem__
            )

    if data["age"] < 16:
        at_least("routine")
    if symptoms & (BREATH | HEART | {"loss_of_sensation", "weakness", "leg_weakness"}):
        at_least("soon")
    if "fever" in symptoms and symptoms & PAINS or pregnant and symptoms & (PAINS | FAINTNESS):
        at_least("soon")
    if symptoms & HEART:
        at_least("urgent", "cardiologist")
    if symptoms & {"breathing_difficulty", "short_breath_at_rest"}:
        at_least("urgent")
    if "leg_weakness" in symptoms:
        at_least("urgent", "neurologist")
    if "fever" in symptoms and symptoms & {"pain_radiates_to_kidneys", "shooting_pain_along_spine"}:
        at_least("urgent")
    if pregnant and symptoms & {"acute_paroxysmal_pain", "dizziness", "weakness", "groin_pain"}:
        at_least("urgent", "gynecologist")
    if symptoms & HEART and "short_breath_at_rest" in symptoms:
        at_least("emergency", "cardiologist")
    if symptoms & {"saddle_numbness", "bladder_or_bowel_control_loss"}:
        at_least("emergency")
    return least, specialists


@PROPERTY
@given(intakes())
def test_it_never_routes_a_pattern_below_what_the_safety_net_asks(data):
    route = route_for(data)
    least, specialists = least_urgency(data)
    urgency_of = {step["specialist"]: URGENCY_RANK[step["urgency"]] for step in route["steps"]}

    assert URGENCY_RANK[route["urgency"]] >= URGENCY_RANK[least]
    for specialist, urgency in specialists.items():
        assert urgency_of.get(specialist, -1) >= URGENCY_RANK[urgency]


@PROPERTY
@given(intakes())
def test_it_never_routes_below_the_most_urgent_safety_net_rule_that_fires(data):
    route = route_for(data)
    fired = [BOOK.rule(citation["id"]) for citation in route["rules"]]
    urgency_of = {step["specialist"]: URGENCY_RANK[step["urgency"]] for step in route["steps"]}

    for rule in (rule for rule in fired if rule.is_safety_net):
        for specialist, urgency in rule.refer:
            assert urgency_of[specialist] >= URGENCY_RANK[urgency]
            assert URGENCY_RANK[route["urgency"]] >= URGENCY_RANK[urgency]


@PROPERTY
@given(intakes().filter(lambda d: d.get("pregnancy") in ("yes", "possible")))
def test_it_never_suggests_an_x_ray_or_ct_in_a_pregnancy(data):
    route = route_for(data)

    assert not {"spine_xray", "ct"} & set(route["tests"])
    assert "safety-net-pregnancy-imaging" in step_rules(route, "therapist")


def step_rules(route: dict[str, Any], specialist: str) -> list[str]:
    return next(step["rules"] for step in route["steps"] if step["specialist"] == specialist)


@PROPERTY
@given(intakes())
def test_it_says_each_sentence_once_per_step_and_each_advice_once(data):
    route = route_for(data)

    for step in route["steps"]:
        assert len(step["reasons"]) == len(set(step["reasons"]))
    assert len(route["advice"]) == len(set(route["advice"]))
    assert not set(route["advice"]) & {reason for step in route["steps"] for reason in step["reasons"]}


@PROPERTY
@given(intakes().filter(lambda d: d["sex"] in ("female", "other")), st.sampled_from(["yes", "possible"]))
def test_it_never_lowers_urgency_or_drops_a_specialist_for_a_pregnancy(data, pregnancy):
    plain = {key: value for key, value in data.items() if not key.startswith("pregnancy")}
    before, after = route_for(plain), route_for({**plain, "pregnancy": pregnancy})
    urgency_after = {step["specialist"]: URGENCY_RANK[step["urgency"]] for step in after["steps"]}

    assert URGENCY_RANK[after["urgency"]] >= URGENCY_RANK[before["urgency"]]
    assert all(urgency_after.get(s["specialist"], -1) >= URGENCY_RANK[s["urgency"]] for s in before["steps"])
