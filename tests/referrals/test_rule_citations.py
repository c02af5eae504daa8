"""Every rule's evidence is copied verbatim from the section of the article it cites."""

import copy
import json
import re

import pytest

from referrals.engine import route_for
from referrals.rulebook import SECTIONS, get_rulebook
from tests.referrals.articles import SECTION_STARTS, section_texts, seeds_dir

RULES = get_rulebook().rules


def article_sections() -> dict[str, dict[str, list[str]]]:
    if not seeds_dir().is_dir():
        pytest.skip(f"the source articles are not at {seeds_dir()} (set SEEDS_DIR)")
    return {
        source: section_texts((seeds_dir() / source).read_text(encoding="utf-8"), starts)
        for source, starts in SECTION_STARTS.items()
    }


def test_it_knows_where_every_section_the_loader_accepts_starts():
    for source, starts in SECTION_STARTS.items():
        assert {name for name, _ in starts} == set(SECTIONS[source])


def test_it_finds_each_evidence_phrase_verbatim_in_its_cited_section():
    sections = article_sections()
    misplaced = [
        f"{rule.id}: {rule.evidence!r} not in {rule.source} / {rule.section}"
        for rule in RULES
        if not rule.is_safety_net
        and not any(rule.evidence in span for span in sections[rule.source][rule.section])
    ]

    assert misplaced == []


def test_it_would_notice_evidence_quoted_from_the_wrong_section():
    spans = article_sections()["000_f872c3d1c522e607.txt"]
    phrase = "pain during movement intensifies"

    assert not any(phrase in span for span in spans["Loin"])
    assert any(phrase in span for span in spans["Numbness of the back: is it serious?"])


def test_it_cites_both_articles_and_every_section_it_names_from_them():
    cited = {(rule.source, rule.section) for rule in RULES}

    assert {source for source, _ in cited} == {*SECTION_STARTS, "clinic-policy"}
    assert len(RULES) >= 60


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_it_gives_every_rule_a_patient_sentence_and_an_effect(rule):
    assert rule.reason.endswith((".", "!"))
    assert rule.refer or rule.tests or rule.advice
    assert 2 <= len(rule.evidence.split()) <= 20


def test_it_leaves_when_to_the_steps_urgency_and_tests_to_the_test_list():
    # A step's urgency comes with its time frame; a sentence saying "soon" would
    # contradict a step that another rule makes urgent.
    spoken = [rule for rule in RULES if rule.refer]
    tests = ("X-ray", "CT", "MRI", "ultrasound", "Nechiporenko", "Doppler", "blood test")

    assert [rule.id for rule in spoken if re.search(r"\bsoon\b", rule.reason.replace("as soon as", ""))] == []
    assert [
        rule.id for rule in spoken if any(test in rule.reason for test in tests) and not rule.withheld
    ] == []


def test_it_keeps_the_rulebooks_citations_whatever_is_done_to_a_route():
    intake = {"sex": "male", "age": 50, "locations": ["lower_back"], "frequency": "regular"}
    route = route_for(intake)
    citation = route["rules"][0]
    before = dict(citation)

    with pytest.raises(TypeError, match="^a rule's citation cannot be changed; change a copy$"):
        citation["evidence"] = "changed by whoever stored the route"
    with pytest.raises(TypeError):
        citation.update(section="changed")
    with pytest.raises(TypeError):
        del citation["source"]
    copied = copy.deepcopy(route)
    copied["rules"][0]["evidence"] = "a copy may change"

    assert route_for(intake)["rules"][0] == before == RULES[0].citation
    assert json.loads(json.dumps(route)) == route
