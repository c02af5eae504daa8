"""What the clinic's rulebook cannot show, shown on small rulebooks made in the test:
checks of the loader that the real rules pass, and how the engine merges equal sentences."""

import pytest

from referrals.engine import route_for
from referrals.intakes import parse_intake
from referrals.rulebook import SECTIONS, RulebookError, RuleIndex, fingerprint, parse_rulebook

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


def test_it_withholds_every_test_any_fired_rule_withholds():
    ordering = a_rule("imaging", refer={"therapist": "routine"}, tests=["blood_count", "spine_xray", "ct"])
    no_xray = a_rule("no-xray", refer={"therapist": "self_care"}, withhold_tests={"spine_xray": []})
    no_ct = a_rule("no-ct", refer={"therapist": "self_care"}, withhold_tests={"ct": ["mri"]})
    no_xray["when"], no_ct["when"] = {"frequency": ["regular"]}, {"symptoms": ["tingling"]}
    book = parse_rulebook(a_book(THERAPIST_FIRST, ordering, no_xray, no_ct))
    intake = {"sex": "female", "age": 40, "locations": ["lower_back"], "frequency": "regular"}

    assert route_for(intake, book)["tests"] == ["blood_count", "ct"]
    assert route_for({**intake, "symptoms": ["tingling"]}, book)["tests"] == ["blood_count", "mri"]


def test_it_keeps_what_each_rule_says_as_written():
    imaging = a_rule(
        "imaging",
        refer={"therapist": "routine"},
        tests=["blood_count", "ct"],
        withhold_tests={"spine_xray": ["spine_ultrasound"]},
    )

    rule = parse_rulebook(a_book(THERAPIST_FIRST, imaging)).rule("imaging")

    assert (rule.source, rule.section, rule.evidence) == (
        ARTICLE,
        "Which doctor to contact",
        "you must first contact the therapist",
    )
    assert rule.tests == ("blood_count", "ct")
    assert rule.withheld == (("spine_xray", ("spine_ultrasound",)),)


PLAIN = {"sex": "unspecified", "age": 40, "locations": ["lower_back"], "frequency": "once"}
WOMAN = {"sex": "female"}
PREGNANT = {**WOMAN, "pregnancy": "yes"}
# condition -> (answers with which it holds, answers with which it does not), each over PLAIN
CONDITIONS = {
    "sex": ({"sex": ["male", "other"]}, {"sex": "other"}, {"sex": "female"}),
    "frequency": ({"frequency": ["regular"]}, {"frequency": "regular"}, {"frequency": "occasional"}),
    "pregnancy": ({"pregnancy": ["yes", "possible"]}, {**WOMAN, "pregnancy": "possible"}, WOMAN),
    "trimester": ({"pregnancy_trimester": [2, 3]}, {**PREGNANT, "pregnancy_trimester": 3}, PREGNANT),
    "first trimester": (
        {"pregnancy_trimester": [1]},
        {**PREGNANT, "pregnancy_trimester": 1},
        {**PREGNANT, "pregnancy_trimester": 2},
    ),
    "locations": (
        {"locations": ["along_spine", "between_shoulder_blades"]},
        {"locations": ["lower_back", "between_shoulder_blades"]},
        {},
    ),
    "symptoms": ({"symptoms": ["weakness", "fever"]}, {"symptoms": ["fever"]}, {"symptoms": ["dizziness"]}),
    "symptoms_all": (
        {"symptoms_all": ["weakness", "fever"]},
        {"symptoms": ["dizziness", "fever", "weakness"]},
        {"symptoms": ["fever", "dizziness"]},
    ),
    "history": ({"history": ["sciatica"]}, {"history": ["sciatica"]}, {"history": ["hypothermia"]}),
    "history_all": (
        {"history_all": ["sciatica", "hypothermia"]},
        {"history": ["hypothermia", "sciatica"]},
        {"history": ["sciatica"]},
    ),
    "has_symptoms": ({"has_symptoms": True}, {"symptoms": ["dizziness"]}, {"history": ["sciatica"]}),
    "has_history": ({"has_history": True}, {"history": ["hypothermia"]}, {"symptoms": ["fever"]}),
    "no symptoms": ({"has_symptoms": False}, {"history": ["sciatica"]}, {"symptoms": ["fever"]}),
    "no history": ({"has_history": False}, {"symptoms": ["fever"]}, {"history": ["sciatica"]}),
    "menstruation": ({"menstruation_related": True}, {**WOMAN, "menstruation_related": True}, WOMAN),
    "not menstruation": ({"menstruation_related": False}, WOMAN, {**WOMAN, "menstruation_related": True}),
    "min_age": ({"min_age": 50}, {"age": 50}, {"age": 49}),
    "max_age": ({"max_age": 17}, {"age": 17}, {"age": 18}),
    "min_duration_days": ({"min_duration_days": 30}, {"duration_days": 30}, {"duration_days": 29}),
    "no duration given": ({"min_duration_days": 1}, {"duration_days": 1}, {}),
    "any": ({"any": [{"sex": ["male"]}, {"symptoms": ["fever"]}]}, {"symptoms": ["fever"]}, WOMAN),
    "any with a number": ({"any": [{"sex": ["male"]}, {"min_age": 60}]}, {"age": 61}, {"age": 59}),
    "any of two keys": (
        {"any": [{"sex": ["male"], "frequency": ["regular"]}, {"history": ["sciatica"]}]},
        {"sex": "male", "frequency": "regular"},
        {"sex": "male"},
    ),
    "all keys": ({"sex": ["male"], "min_age": 60}, {"sex": "male", "age": 60}, {"sex": "female", "age": 60}),
    "all code keys": (
        {"locations": ["between_shoulder_blades"], "symptoms": ["fever"]},
        {"locations": ["between_shoulder_blades"], "symptoms": ["fever"]},
        {"locations": ["between_shoulder_blades"], "symptoms": ["weakness"]},
    ),
}


@pytest.mark.parametrize(("when", "holds", "fails"), CONDITIONS.values(), ids=CONDITIONS.keys())
def test_it_fires_a_rule_exactly_when_its_condition_holds(when, holds, fails):
    probe = a_rule("probe", refer={"therapist": "self_care"}, when=when)
    book = parse_rulebook(a_book(THERAPIST_FIRST, probe))
    probe = book.rule("probe")

    for answers, expected in ((holds, True), (fails, False)):
        intake = parse_intake({**PLAIN, **answers})
        assert probe.matches(intake) is expected, answers
        assert ("probe" in [rule.id for rule in book.fired(intake)]) is expected, answers
        assert book.rule("therapist-first") in book.fired(intake)


STOP_OR_BREAK = "must be one phrase, without sentence breaks or a final stop"
NOT_CODES = "must be a non-empty list of codes"
UNKNOWN_KEY = "unknown condition key"
NOT_A_COUNT = "must be a non-negative integer"
TRIMESTERS = "when.pregnancy_trimester: must list trimesters 1, 2 or 3"
NOT_A_SENTENCE = "advice: 'Rest your back now' must be a full sentence ending with a stop"
BAD_RULES = {
    "empty code list": ({"when": {"symptoms": []}}, "when.symptoms: must be a non-empty list of codes"),
    "codes not a list": ({"when": {"symptoms": "fever"}}, "when.symptoms: must be a non-empty list of codes"),
    "repeated code": ({"when": {"symptoms": ["fever", "fever"]}}, "when.symptoms: repeats a code"),
    "code not text": ({"when": {"history": [3]}}, "when.history: unknown code 3"),
    "unknown sex": ({"when": {"sex": ["m"]}}, "when.sex: unknown code 'm'"),
    "all of one twice": ({"when": {"history_all": ["sciatica"] * 2}}, "when.history_all: repeats a code"),
    "a place as text": ({"when": {"locations": "loin"}}, f"when.locations: {NOT_CODES}"),
    "any of one": ({"when": {"any": [{"sex": ["male"]}]}}, "when.any: must list at least two conditions"),
    "any not a list": ({"when": {"any": {"sex": ["male"]}}}, "when.any: must list at least two conditions"),
    "trimester 4": ({"when": {"pregnancy_trimester": [4]}}, TRIMESTERS),
    "trimester true": ({"when": {"pregnancy_trimester": [True]}}, TRIMESTERS),
    "no trimester": ({"when": {"pregnancy_trimester": []}}, TRIMESTERS),
    "trimester alone": ({"when": {"pregnancy_trimester": 2}}, TRIMESTERS),
    "has_symptoms text": ({"when": {"has_symptoms": "yes"}}, "when.has_symptoms: must be true or false"),
    "negative age": ({"when": {"min_age": -1}}, f"when.min_age: {NOT_A_COUNT}"),
    "age true": ({"when": {"max_age": True}}, f"when.max_age: {NOT_A_COUNT}"),
    "duration text": ({"when": {"min_duration_days": "3"}}, f"when.min_duration_days: {NOT_A_COUNT}"),
    "when a list": ({"when": ["sex"]}, "when: must be a table of conditions"),
    "nested key": ({"when": {"any": [{"max_age": 9}, {"hue": 1}]}}, f"when.any[1].hue: {UNKNOWN_KEY}"),
    "advice text": ({"advice": "Rest."}, "advice: must be a list of sentences"),
    "advice blank": ({"advice": [" "]}, "advice: must be a list of sentences"),
    "advice no stop": ({"advice": ["Rest your back now"]}, NOT_A_SENTENCE),
    "reason short": ({"reason": "See a doctor."}, "reason: must be one line of 4 to 60 words"),
    "reason number": ({"reason": 5}, "reason: missing"),
    "evidence one word": ({"evidence": "therapist"}, "evidence: must be one line of 2 to 20 words"),
    "evidence colon": ({"evidence": "you must first contact the therapist:"}, f"evidence: {STOP_OR_BREAK}"),
    "evidence comma": ({"evidence": "you must first contact the therapist,"}, f"evidence: {STOP_OR_BREAK}"),
    "evidence question": ({"evidence": "must you? then contact the therapist"}, f"evidence: {STOP_OR_BREAK}"),
}


@pytest.mark.parametrize(("change", "problem"), BAD_RULES.values(), ids=BAD_RULES.keys())
def test_it_names_the_rule_and_the_key_of_each_problem(change, problem):
    probe = {**a_rule("probe", refer={"therapist": "self_care"}), **change}

    assert problems(a_book(THERAPIST_FIRST, probe)) == [f"rule probe.{problem}"]


def test_it_names_a_rule_by_position_when_its_id_is_unusable():
    probe = a_rule("Probe Rule", refer={"therapist": "self_care"})

    assert problems(a_book(THERAPIST_FIRST, probe, "not a table")) == [
        "rules[1].id: 'Probe Rule' must be lowercase words joined by '-'",
        "rules[2]: must be a table",
    ]


def test_it_refuses_referrals_that_are_not_a_table():
    probe = a_rule("probe", refer=["neurologist"])

    assert problems(a_book(THERAPIST_FIRST, probe)) == [
        "rule probe.refer: must be a table of specialist = urgency",
        "rule probe: has no effect (refer, tests or advice)",
    ]


@pytest.mark.parametrize("version", [0, -1, True, "1"])
def test_it_refuses_a_version_that_is_not_a_positive_integer(version):
    changelog = [{"version": version, "note": "An odd version."}]
    book = {**a_book(THERAPIST_FIRST), "version": version, "changelog": changelog}

    assert problems(book) == ["version: must be a positive integer"]


def test_it_accepts_a_sentence_ending_in_an_exclamation_mark_and_names_an_unnamed_book_back_numbness():
    probe = a_rule("probe", reason="Call the therapist about your back today!", advice=["Rest your back!"])
    book = a_book(THERAPIST_FIRST, {**probe, "tests": ["blood_count"]})
    del book["name"]

    assert parse_rulebook(book).label == "back-numbness@1"


def test_it_keeps_test_and_advice_sentences_out_of_the_therapists_reasons():
    reason = "The therapist may order a blood count first."
    tests_only = a_rule("tests-only", reason=reason, tests=["blood_count"])
    advice_only = a_rule("advice-only", reason="Rest helps the back recover.", advice=["Rest your back."])
    book = parse_rulebook(a_book(THERAPIST_FIRST, tests_only, advice_only))

    route = route_for(PLAIN, book)

    [therapist] = route["steps"]
    # The tests carry their own purpose on the patient's page; the rules are still cited.
    assert therapist["reasons"] == [THERAPIST_FIRST["reason"]]
    assert therapist["rules"] == ["therapist-first"]
    assert therapist["urgency"] == "self_care"
    assert (route["tests"], route["advice"]) == (["blood_count"], ["Rest your back."])
    assert [cited["id"] for cited in route["rules"]] == ["therapist-first", "tests-only", "advice-only"]


def test_it_puts_each_problem_on_its_own_line_in_the_error_that_stops_start_up():
    probe = a_rule("probe", refer={"neurologist": "soon"}, when={"symptoms": []})

    with pytest.raises(RulebookError) as caught:
        parse_rulebook(a_book(probe))

    assert str(caught.value) == (
        "rule probe.when.symptoms: must be a non-empty list of codes\n"
        "rulebook: needs a rule with no condition that refers to the therapist"
    )


def test_it_indexes_each_rule_under_its_rarest_clause_and_checks_numbers_apart():
    three_places = ["between_shoulder_blades", "lower_back", "along_spine"]
    rules = {
        "answer-place-code": {"sex": ["male"], "locations": ["lower_back"], "symptoms": ["fever"]},
        "places-then-answer": {"locations": three_places, "sex": ["male"]},
        "place-then-codes": {"locations": ["lower_back"], "symptoms": ["fever", "weakness", "dizziness"]},
        "codes-then-place": {"symptoms": ["fever", "weakness"], "locations": ["lower_back"]},
        "any-of-answers": {"any": [{"frequency": ["regular"]}, {"has_symptoms": True}], "has_history": True},
        "any-with-an-age": {"any": [{"symptoms": ["fever"]}, {"min_age": 60}]},
        "with-an-age": {"symptoms": ["fever"], "min_age": 60},
    }
    raw = [a_rule(rule_id, refer={"neurologist": "soon"}, when=when) for rule_id, when in rules.items()]
    book = parse_rulebook(a_book(THERAPIST_FIRST, *raw))

    index = RuleIndex.build(book.rules)

    ids = [rule.id for rule in book.rules]
    triggers: dict[str, set[str]] = {}
    for feature, positions in index.by_feature.items():
        for position in positions:
            triggers.setdefault(ids[position], set()).add(feature)
    assert triggers == {
        "answer-place-code": {"fever"},
        "places-then-answer": {"sex=male"},
        "place-then-codes": {"lower_back"},
        "codes-then-place": {"fever", "weakness"},
        "any-of-answers": {"has_history=True"},
        "with-an-age": {"fever"},
    }
    assert {ids[position] for position in index.unindexed} == {"therapist-first", "any-with-an-age"}
    checked = {ids[position]: len(checks) for position, checks in enumerate(index.checks) if checks}
    assert checked == {"with-an-age": 1, "any-with-an-age": 1}
    rest = dict(zip(ids, index.rest, strict=True))
    assert rest["answer-place-code"] == (frozenset({"sex=male"}), frozenset({"lower_back"}))
    assert rest["any-of-answers"] == (frozenset({"frequency=regular", "has_symptoms=True"}),)


def test_it_accepts_zero_for_ages_and_durations():
    when = {"min_age": 0, "max_age": 0, "min_duration_days": 0}
    newborn = a_rule("newborn", refer={"therapist": "routine"}, when=when)
    book = parse_rulebook(a_book(THERAPIST_FIRST, newborn))

    assert book.rule("newborn").matches(parse_intake({**PLAIN, "age": 0, "duration_days": 0}))


def test_it_fingerprints_the_rules_in_a_canonical_form_that_never_changes():
    rule = {"id": "café", "reason": "See the therapist’s advice.", "when": {"min_age": 60, "any": []}}
    reordered = {"when": {"any": [], "min_age": 60}, "reason": "See the therapist’s advice.", "id": "café"}

    # Recorded in every rulebook file: a new canonical form would make every one of them stale.
    assert fingerprint([rule]) == fingerprint([reordered]) == "eac94264613c4bf7"


def test_it_accepts_the_longest_reason_and_evidence_and_advice_with_a_trailing_space():
    reason = " ".join(["word"] * 59) + " stop."
    evidence = " ".join(["you", "must", "first", "contact", "the", "therapist"] * 3 + ["right", "away"])
    probe = a_rule("probe", reason=reason, evidence=evidence, advice=["Rest your back. "])

    parse_rulebook(a_book(THERAPIST_FIRST, {**probe, "refer": {"therapist": "self_care"}}))


def test_it_refuses_the_longest_texts_plus_one_word():
    reason = " ".join(["word"] * 60) + " stop."
    evidence = " ".join(["you", "must", "first", "contact", "the", "therapist"] * 3 + ["right", "now", "x"])
    section = " ".join(["Which", "doctor", "to", "contact"] * 3 + ["first"])
    probe = a_rule("probe", reason=reason, evidence=evidence, refer={"therapist": "self_care"})
    probe["section"] = section

    assert problems(a_book(THERAPIST_FIRST, probe)) == [
        "rule probe.section: must be one line of 1 to 12 words",
        f"rule probe.section: {section!r} is not a section of {ARTICLE} ({', '.join(SECTIONS[ARTICLE])})",
        "rule probe.evidence: must be one line of 2 to 20 words",
        "rule probe.reason: must be one line of 4 to 60 words",
    ]


def test_it_quotes_the_start_of_advice_that_is_not_a_sentence_and_refuses_a_final_semicolon():
    advice = "Change position often and give your back a rest"
    probe = a_rule("probe", refer={"therapist": "self_care"}, advice=[advice])
    probe["evidence"] = "you must first contact the therapist;"

    assert problems(a_book(THERAPIST_FIRST, probe)) == [
        f"rule probe.evidence: {STOP_OR_BREAK}",
        f"rule probe.advice: {advice[:40]!r} must be a full sentence ending with a stop",
    ]


def test_it_says_what_a_rule_on_no_symptoms_may_do():
    probe = a_rule("probe", refer={"neurologist": "soon"}, when={"has_symptoms": False})

    assert problems(a_book(THERAPIST_FIRST, probe)) == [
        "rule probe.when: has_symptoms = false stops the rule when a symptom or history item is added, "
        "so it may only refer to the therapist for self_care, with no tests"
    ]


def test_it_keeps_the_books_name_version_and_changelog():
    book = parse_rulebook(a_book(THERAPIST_FIRST))

    assert book.label == "small-book@1"
    assert book.changelog == ({"version": 1, "note": "Made in a test."},)
