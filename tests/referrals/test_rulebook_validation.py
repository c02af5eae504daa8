"""A broken rulebook is a clear error when it loads and in `manage.py check`, never a silent skip."""

import copy
import tomllib
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command

from referrals.checks import rulebook_errors
from referrals.rulebook import (
    DEFAULT_PATH,
    RulebookError,
    fingerprint,
    get_rulebook,
    load_rulebook,
    parse_rulebook,
)
from referrals.vocabulary import History, Location, Symptom

RAW = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def problems_after(change: Callable[[dict], None], *, refingerprint: bool = True) -> list[str]:
    data = copy.deepcopy(RAW)
    change(data)
    if refingerprint:
        data["fingerprint"] = fingerprint(data["rules"])
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(data)
    return caught.value.problems


def rule(data: dict, rule_id: str) -> dict:
    return next(raw for raw in data["rules"] if raw["id"] == rule_id)


def test_it_loads_the_clinics_rulebook_cleanly():
    book = load_rulebook()

    assert book.label == f"back-numbness@{RAW['version']}"
    assert RAW["version"] >= 2
    assert len(book.rules) == len(RAW["rules"])


def test_it_rejects_an_unknown_symptom_code_in_a_condition():
    problems = problems_after(lambda d: rule(d, "red-flag-tingling")["when"].update(symptoms=["tingle"]))

    assert problems == ["rule red-flag-tingling.when.symptoms: unknown code 'tingle'"]


def test_it_rejects_an_unknown_specialist_urgency_and_test():
    def change(data):
        rule(data, "injury-traumatologist")["refer"] = {"chiropractor": "soon", "surgeon": "whenever"}
        rule(data, "injury-traumatologist")["tests"] = ["spine_xray", "bone_scan"]

    problems = problems_after(change)

    assert "rule injury-traumatologist.refer: unknown specialist 'chiropractor'" in problems
    assert "rule injury-traumatologist.refer.surgeon: unknown urgency 'whenever'" in problems
    assert "rule injury-traumatologist.tests: unknown code 'bone_scan'" in problems


def test_it_rejects_a_duplicate_id():
    problems = problems_after(lambda d: d["rules"].append(copy.deepcopy(rule(d, "menstruation"))))

    assert problems == ["rule menstruation: duplicate id"]


@pytest.mark.parametrize("key", ["source", "section", "evidence", "reason"])
def test_it_rejects_a_rule_with_part_of_its_citation_missing(key):
    problems = problems_after(lambda d: rule(d, "spine-sciatica").pop(key))

    assert any(problem.startswith(f"rule spine-sciatica.{key}:") for problem in problems)


def test_it_rejects_a_source_that_is_not_one_of_the_articles():
    problems = problems_after(lambda d: rule(d, "spine-sciatica").update(source="003_unknown.txt"))

    assert problems == [
        "rule spine-sciatica.source: '003_unknown.txt' is neither an article nor 'clinic-policy'"
    ]


def test_it_rejects_a_section_the_article_does_not_have():
    problems = problems_after(lambda d: rule(d, "spine-sciatica").update(section="Sciatica"))

    assert len(problems) == 1
    assert problems[0].startswith("rule spine-sciatica.section: 'Sciatica' is not a section of 002_")


@pytest.mark.parametrize(
    "evidence",
    [
        "sciatica",
        "on the sciatica; stretching of muscles; the development of the inflammatory process in the kidneys",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty twentyone",
        "on the\nsciatica",
        " on the sciatica",
        "on the sciatica.",
    ],
)
def test_it_rejects_evidence_that_is_not_a_short_phrase(evidence):
    problems = problems_after(lambda d: rule(d, "spine-sciatica").update(evidence=evidence))

    assert [p for p in problems if p.startswith("rule spine-sciatica.evidence:")] != []


def test_it_rejects_a_reason_that_is_not_a_sentence():
    problems = problems_after(
        lambda d: rule(d, "spine-sciatica").update(reason="see a neurologist about sciatica")
    )

    assert problems == ["rule spine-sciatica.reason: must be a full sentence ending with a full stop"]


def test_it_rejects_unknown_keys_in_a_rule_and_in_a_condition():
    def change(data):
        rule(data, "spine-sciatica")["urgent"] = True
        rule(data, "spine-sciatica")["when"]["symptom"] = ["leg_pain"]

    problems = problems_after(change)

    assert "rule spine-sciatica.urgent: unknown key" in problems
    assert "rule spine-sciatica.when.symptom: unknown condition key" in problems


def test_it_rejects_a_rule_without_any_effect():
    def change(data):
        for key in ("refer", "tests", "advice"):
            rule(data, "spine-sciatica").pop(key, None)

    assert problems_after(change) == ["rule spine-sciatica: has no effect (refer, tests or advice)"]


def test_it_rejects_a_condition_on_no_symptoms_that_sends_to_a_specialist():
    problems = problems_after(lambda d: rule(d, "single-episode").update(refer={"neurologist": "routine"}))

    assert len(problems) == 1
    assert problems[0].startswith("rule single-episode.when: has_symptoms = false stops the rule")


def test_it_rejects_clinic_policy_that_is_not_labelled_as_safety_net():
    problems = problems_after(lambda d: rule(d, "spine-sciatica").update(source="clinic-policy"))

    assert "rule spine-sciatica.id: a safety-net rule's id starts with 'safety-net-'" in problems


def test_it_rejects_rules_changed_without_a_new_fingerprint():
    problems = problems_after(
        lambda d: rule(d, "spine-sciatica").update(reason="Sciatica needs a neurologist."),
        refingerprint=False,
    )

    assert len(problems) == 1
    assert problems[0].startswith("fingerprint: the rules are not the ones recorded for version")
    assert "raise version, add a changelog entry" in problems[0]


def test_it_rejects_a_version_without_a_changelog_entry():
    problems = problems_after(lambda d: d.update(version=d["version"] + 1))

    assert problems == [f"changelog: has no entry for version {RAW['version'] + 1}"]


def test_it_rejects_a_rulebook_without_rules():
    with pytest.raises(RulebookError) as caught:
        parse_rulebook({"name": "back-numbness", "version": 1, "rules": []})

    assert caught.value.problems == ["rules: the rulebook has no rules"]


def test_it_reports_every_problem_at_once():
    def change(data):
        rule(data, "red-flag-tingling")["when"]["symptoms"] = ["tingle"]
        rule(data, "menstruation")["section"] = "Periods"

    assert len(problems_after(change)) == 2


def test_it_names_the_file_when_the_rulebook_is_not_valid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "back-numbness"\n[[rules]\n', encoding="utf-8")

    with pytest.raises(RulebookError) as caught:
        load_rulebook(path)

    assert caught.value.problems[0].startswith("broken.toml: ")


def test_it_reports_a_broken_rulebook_as_a_system_check_error(tmp_path):
    path = tmp_path / "back_numbness.toml"
    path.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8").replace('"tingling"]', '"tingle"]', 1), encoding="utf-8"
    )

    errors = rulebook_errors(path)

    assert [error.id for error in errors] == ["referrals.E001", "referrals.E001"]
    assert "unknown code 'tingle'" in errors[0].msg
    assert errors[1].msg.startswith("fingerprint:")


def test_it_passes_manage_py_check_with_the_clinics_rulebook():
    out = StringIO()

    call_command("check", stdout=out)

    assert "no issues" in out.getvalue()
    assert rulebook_errors() == []


def test_it_loads_the_rulebook_once_per_process():
    assert get_rulebook() is get_rulebook()


def test_it_rejects_withholding_an_unknown_test_or_offering_a_withheld_one_instead():
    def change(data):
        rule(data, "safety-net-pregnancy-imaging")["withhold_tests"] = {"bone_scan": [], "ct": ["ct", "mri"]}

    problems = problems_after(change)

    assert "rule safety-net-pregnancy-imaging.withhold_tests: unknown test 'bone_scan'" in problems
    assert "rule safety-net-pregnancy-imaging.withhold_tests.ct: offers instead a test it withholds" in (
        problems
    )


def test_it_names_withheld_tests_given_in_the_wrong_shape_and_checks_every_one():
    def withholding(table):
        return lambda data: rule(data, "safety-net-pregnancy-imaging").update(withhold_tests=table)

    here = "rule safety-net-pregnancy-imaging.withhold_tests"

    assert problems_after(withholding("ct")) == [f"{here}: must be a table of test = [tests offered instead]"]
    assert problems_after(withholding({"ct": "mri", "bone_scan": []})) == [
        f"{here}.ct: must list the tests offered instead (may be empty)",
        f"{here}: unknown test 'bone_scan'",
    ]


def test_it_asks_for_a_changelog_entry_when_the_changelog_is_missing():
    problems = problems_after(lambda d: d.pop("changelog"))

    assert problems == [f"changelog: has no entry for version {RAW['version']}"]


def test_it_rejects_withholding_tests_without_saying_why_on_a_step():
    problems = problems_after(lambda d: rule(d, "safety-net-pregnancy-imaging").pop("refer"))

    assert problems == [
        "rule safety-net-pregnancy-imaging.withhold_tests: say why on a step (refer), so the patient reads it"
    ]


def test_it_reports_a_list_where_a_test_code_belongs_instead_of_crashing():
    def change(data):
        rule(data, "safety-net-pregnancy-imaging")["withhold_tests"] = {"ct": [["mri"]]}
        rule(data, "spine-sciatica")["tests"] = [["mri"]]

    problems = problems_after(change)

    assert "rule safety-net-pregnancy-imaging.withhold_tests.ct: unknown code ['mri']" in problems
    assert "rule spine-sciatica.tests: unknown code ['mri']" in problems


def test_no_code_is_in_more_than_one_of_locations_symptoms_and_history():
    """The rule index knows these answers by their bare codes: a code in two lists would match wrongly."""
    codes = [*Location.values, *Symptom.values, *History.values]

    assert sorted({code for code in codes if codes.count(code) > 1}) == []
