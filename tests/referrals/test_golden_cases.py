"""Golden cases: the articles' own statements as intakes, with their expected routes."""

import copy

import pytest

from referrals.engine import route_for
from referrals.rulebook import get_rulebook, load_rulebook
from tests.referrals.articles import seeds_dir
from tests.referrals.golden import canonical, load_cases, unmet

CASES = load_cases()


def test_it_has_at_least_forty_golden_cases_with_unique_names():
    names = [case["name"] for case in CASES]

    assert len(names) >= 40
    assert len(set(names)) == len(names)


def test_it_covers_both_articles_and_the_safety_net():
    sources = {case["source"] for case in CASES}

    assert sources == {"000_f872c3d1c522e607.txt", "002_081e3edaf3760b5a.txt", "clinic-policy"}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_it_routes_the_golden_case_as_the_article_says(case):
    route = route_for(case["intake"])

    assert unmet(case, route) == []


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_it_routes_the_golden_case_byte_for_byte(case):
    route = route_for(case["intake"])

    assert canonical(route) == canonical(case["route"])


def test_a_rulebook_loaded_from_its_file_routes_every_golden_case():
    """The loader itself, not the process's cached rulebook: what a worker or a new web process loads."""
    book = load_rulebook()
    routes = {case["name"]: route_for(case["intake"], book) for case in CASES}

    wrong = [case["name"] for case in CASES if canonical(routes[case["name"]]) != canonical(case["route"])]

    assert wrong == []


def test_it_notices_a_golden_expectation_the_route_does_not_meet():
    case = copy.deepcopy(next(case for case in CASES if case["name"] == "red-flag-tingling"))
    case["expect"]["steps"] = [["therapist", "urgent"]]
    case["expect"]["fired"].append("spine-sciatica")

    problems = unmet(case, route_for(case["intake"]))

    assert len(problems) == 2


def test_it_quotes_each_golden_case_from_its_source():
    policy = {rule.evidence for rule in get_rulebook().rules if rule.is_safety_net}
    articles = [case for case in CASES if case["source"] != "clinic-policy"]
    assert all(case["quote"] in policy for case in CASES if case["source"] == "clinic-policy")
    if not seeds_dir().is_dir():
        pytest.skip(f"the source articles are not at {seeds_dir()} (set SEEDS_DIR)")
    texts = {
        source: (seeds_dir() / source).read_text(encoding="utf-8")
        for source in {c["source"] for c in articles}
    }

    assert [case["name"] for case in articles if case["quote"] not in texts[case["source"]]] == []


def test_it_has_a_golden_case_for_every_safety_net_rule():
    expected = {rule for case in CASES for rule in case["expect"]["fired"]}
    safety_net = [rule.id for rule in get_rulebook().rules if rule.is_safety_net]

    assert [rule for rule in safety_net if rule not in expected] == []
