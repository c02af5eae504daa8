"""The referral rulebook: declarative rules loaded from TOML and checked.

A rule is data: a citation (source file, section, a short verbatim evidence
phrase), a condition over the intake, and its effects (specialists with an
urgency, tests, advice) with the sentence a patient reads. Loading checks
every rule and raises `RulebookError` listing every problem; nothing is
skipped. The condition keys are:

    sex, frequency, pregnancy         the intake's value is one of the list
    pregnancy_trimester               the trimester is one of the list
    locations, symptoms, history      at least one of the codes is present
    symptoms_all, history_all         every one of the codes is present
    has_symptoms, has_history         some (true) or no (false) codes at all
    menstruation_related              equals the boolean
    min_age, max_age, min_duration_days
    any                               a list of conditions, one must hold

Keys of one condition must all hold; an empty condition always holds.

Besides the codes, loading checks the citation: `source` is one of the two
articles or "clinic-policy"; `section` is one of that source's sections
(`SECTIONS`); `evidence` is a short phrase on one line (2 to 20 words, not a
sentence of its own). Clinic-policy rules are the safety net: their section
is "Safety net", their id starts with "safety-net-", so staff can tell them
apart at a glance, and their evidence is their rationale in one line, naming
the guideline they follow where there is one.

Effects: `refer` (specialist = urgency; the reason goes on each of those
steps), `tests` (listed under the route's tests, each with its own purpose,
so a rule that only orders tests adds no sentence to any step), `advice`,
and `withhold_tests`, a table of test = [tests offered instead]: a withheld
test never appears in the route, whichever rule ordered it, and the tests
offered instead are added only when it was ordered (pregnancy: no X-ray or
CT). A rule that withholds tests says why through a step (`refer`).

Adding a symptom or a history item must never lower a route's urgency or
remove a specialist. `has_symptoms = false` and `has_history = false` break
that (one more symptom and the rule stops firing), so a rule using them may
only send the patient to the therapist for self-care, with no tests.
"""

import hashlib
import itertools
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from referrals.intakes import Intake
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
    Test,
    Urgency,
)

ARTICLE_SOURCES = ("000_f872c3d1c522e607.txt", "002_081e3edaf3760b5a.txt")
CLINIC_POLICY = "clinic-policy"
SAFETY_NET_SECTION = "Safety net"
SAFETY_NET_PREFIX = "safety-net-"
# Article 000's own headings; article 002 has few, so its sections are named
# by topic (the tests check every evidence phrase lies in its section).
SECTIONS: dict[str, tuple[str, ...]] = {
    "000_f872c3d1c522e607.txt": (
        "Introduction",
        "Numbness of the back: is it serious?",
        "Who is suffering",
        "Common causes",
        "Under the shoulder blades",
        "Loin",
        "Diagnostics",
        "Most common methods",
        "Which doctor to contact",
        "Treatment",
    ),
    "002_081e3edaf3760b5a.txt": (
        "Introduction",
        "Common causes",
        "Lower back",
        "Between the shoulder blades",
        "Causes in women",
        "Causes in men",
        "Companion symptoms",
        "Diagnostics",
        "Which doctor",
        "Treatment",
        "Prevention and prognosis",
    ),
    CLINIC_POLICY: (SAFETY_NET_SECTION,),
}
DEFAULT_PATH = Path(__file__).resolve().parent / "rules" / "back_numbness.toml"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CITED_KEYS = ("source", "section", "evidence")
_CITATION_KEYS = {"id", "source", "section", "evidence", "reason"}
_RULE_KEYS = {*_CITATION_KEYS, "when", "refer", "tests", "advice", "withhold_tests"}
_ANY_OF = {"locations": Location.values, "symptoms": Symptom.values, "history": History.values}
_ALL_OF = {"symptoms_all": Symptom.values, "history_all": History.values}
_ONE_OF = {"sex": Sex.values, "frequency": Frequency.values, "pregnancy": Pregnancy.values}
_MINIMUMS = {"min_age": "age", "min_duration_days": "duration_days"}
_ANTI_MONOTONE = ("has_symptoms", "has_history")
# A sentence break inside the evidence means a quoted passage, not a phrase.
_SENTENCE_BREAK = re.compile(r"[.!?;]\s")

Check = Callable[[Intake], bool]


class RulebookError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Citation(dict):
    """A rule's citation (id, source, section, evidence) as routes carry it.

    Every route that cites the rule shares this one dict, so it cannot be
    changed: a change made by whoever stores a route would otherwise rewrite
    the rulebook for every route after it. It is still a dict to JSON, and a
    copy (copy, deepcopy, pickle) is a plain dict, free to change.
    """

    __slots__ = ()

    def _unchangeable(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a rule's citation cannot be changed; change a copy")

    __setitem__ = __delitem__ = __ior__ = _unchangeable
    clear = pop = popitem = setdefault = update = _unchangeable

    def __reduce__(self) -> tuple[type, tuple[dict[str, str]]]:
        return dict, (dict(self),)

    def __deepcopy__(self, memo: dict) -> dict[str, str]:
        return dict(self)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    source: str
    section: str
    evidence: str
    reason: str
    when: dict[str, Any]
    refer: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]
    advice: tuple[str, ...]
    matches: Check
    # The effects as the engine applies them: (specialist, urgency rank)
    # pairs, the therapist at self-care when the rule refers no one, and the
    # tests as a bit mask in the vocabulary's order.
    ranked_refer: tuple[tuple[str, int], ...] = ()
    test_mask: int = 0
    # withhold_tests as the engine applies it: the withheld tests' mask, and
    # per withheld test (its bit) the mask of the tests offered instead.
    withheld: tuple[tuple[str, tuple[str, ...]], ...] = ()
    withhold_mask: int = 0
    instead: tuple[tuple[int, int], ...] = ()
    cited: Citation = field(default_factory=Citation, repr=False, compare=False)

    @property
    def citation(self) -> dict[str, str]:
        """A plain copy, free to change (routes carry the shared, read-only `cited`)."""
        return self.cited.copy()

    @property
    def is_safety_net(self) -> bool:
        return self.source == CLINIC_POLICY


@dataclass(frozen=True, slots=True)
class Effects:
    """What a run of fired rules adds to a route, in rulebook order; the engine merges the runs."""

    rules: tuple[Rule, ...]
    # (specialist, urgency rank, reason, rule id) per referral, in order.
    refer: tuple[tuple[str, int, str, str], ...]
    test_mask: int
    advice: tuple[str, ...]
    withholding: tuple[Rule, ...]
    cited: tuple[Citation, ...]


def effects_of(rules: tuple[Rule, ...]) -> Effects:
    return Effects(
        rules=rules,
        refer=tuple(
            (specialist, rank, rule.reason, rule.id)
            for rule in rules
            for specialist, rank in rule.ranked_refer
        ),
        test_mask=_union(rule.test_mask for rule in rules),
        advice=tuple(dict.fromkeys(sentence for rule in rules for sentence in rule.advice)),
        withholding=tuple(rule for rule in rules if rule.withhold_mask),
        cited=tuple(rule.cited for rule in rules),
    )


@dataclass(frozen=True, slots=True)
class Rulebook:
    name: str
    version: int
    rules: tuple[Rule, ...]
    changelog: tuple[dict[str, Any], ...]
    _index: "RuleIndex | None" = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)

    def fired(self, intake: Intake) -> list[Rule]:
        """The rules whose condition holds, in rulebook order."""
        return [rule for effects in self.effects(intake) for rule in effects.rules]

    def effects(self, intake: Intake) -> list[Effects]:
        """The fired rules' effects, in runs in rulebook order."""
        if self._index is None:
            return [effects_of((rule,)) for rule in self.rules if rule.matches(intake)]
        return self._index.effects(intake)


def fingerprint(raw_rules: list[dict[str, Any]]) -> str:
    canonical = json.dumps(raw_rules, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _always(intake: Intake) -> bool:
    return True


def _codes(value: Any, allowed: list[str], where: str, problems: list[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: must be a non-empty list of codes")
        return frozenset()
    codes = [code for code in value if isinstance(code, str)]
    for code in value:
        if code not in allowed:
            problems.append(f"{where}: unknown code {code!r}")
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: repeats a code")
    return frozenset(codes)


def _clause(key: str, value: Any, where: str, problems: list[str]) -> Check | None:
    here = f"{where}.{key}"
    if key == "any":
        if not isinstance(value, list) or len(value) < 2:
            problems.append(f"{here}: must list at least two conditions")
            return None
        subs = tuple(compile_condition(sub, f"{here}[{n}]", problems) for n, sub in enumerate(value))
        return lambda intake: any(sub(intake) for sub in subs)
    if key in _ANY_OF:
        codes, get = _codes(value, _ANY_OF[key], here, problems), attrgetter(key)
        return lambda intake: not codes.isdisjoint(get(intake))
    if key in _ALL_OF:
        codes, get = _codes(value, _ALL_OF[key], here, problems), attrgetter(key.removesuffix("_all"))
        return lambda intake: codes <= get(intake)
    if key in _ONE_OF:
        codes, get = _codes(value, _ONE_OF[key], here, problems), attrgetter(key)
        return lambda intake: get(intake) in codes
    if key == "pregnancy_trimester":
        if (
            not isinstance(value, list)
            or not value
            or not all(v in (1, 2, 3) and v is not True for v in value)
        ):
            problems.append(f"{here}: must list trimesters 1, 2 or 3")
            return None
        allowed = frozenset(value)
        return lambda intake: intake.pregnancy_trimester in allowed
    if key in ("has_symptoms", "has_history", "menstruation_related"):
        if not isinstance(value, bool):
            problems.append(f"{here}: must be true or false")
        get = attrgetter(key.removeprefix("has_"))
        return lambda intake: bool(get(intake)) == value
    if key in _MINIMUMS or key == "max_age":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{here}: must be a non-negative integer")
            return None
        if key == "max_age":
            return lambda intake: intake.age <= value
        get = attrgetter(_MINIMUMS[key])
        return lambda intake: (get(intake) or 0) >= value
    problems.append(f"{here}: unknown condition key")
    return None


def compile_condition(when: Any, where: str, problems: list[str]) -> Check:
    if not isinstance(when, dict):
        problems.append(f"{where}: must be a table of conditions")
        return _always
    checks = tuple(
        check for key, value in when.items() if (check := _clause(key, value, where, problems)) is not None
    )
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda intake: all(check(intake) for check in checks)


# --- The fast path: conditions as clauses over an intake's features --------
#
# An intake's features are its codes plus one token per answer that is not a
# code list ("sex=female", "has_symptoms=False"). A condition compiles to
# clauses, each a set of features of which at least one must be present,
# plus checks for the numbers (age, duration). Every rule is indexed under
# its rarest clause, so routing an intake looks only at rules that can fire.
# `Rule.matches` stays the reference; the tests hold the two to agreement.
#
# Routing works on bits: each feature maps to the rules it triggers (one bit
# per rule) and to its own bit among the features the clauses name, so an
# intake's candidates and features are a few integer ORs, a guard is an AND
# per clause, and the fired rules are read off the candidates a byte at a time.

Clauses = tuple[frozenset[str], ...]
Guard = Callable[[int, Intake], bool]
_FEATURE_KEYS = ("sex", "frequency", "pregnancy", "pregnancy_trimester", "menstruation_related")
_BYTE = 8
_BYTE_MASK = (1 << _BYTE) - 1


def _token(key: str, value: Any) -> str:
    return f"{key}={value}"


def _answer_features(*answers: Any) -> frozenset[str]:
    keys = (*_FEATURE_KEYS, "has_symptoms", "has_history")
    return frozenset(_token(key, value) for key, value in zip(keys, answers, strict=True))


def _answers(intake: Intake) -> tuple[Any, ...]:
    return (
        intake.sex,
        intake.frequency,
        intake.pregnancy,
        intake.pregnancy_trimester,
        intake.menstruation_related,
        bool(intake.symptoms),
        bool(intake.history),
    )


def _clauses(when: dict[str, Any]) -> tuple[list[frozenset[str]], list[Check]] | None:
    """A checked condition as clauses and number checks; None if it has no such form."""
    clauses: list[frozenset[str]] = []
    numbers: list[Check] = []
    for key, value in when.items():
        if key == "any":
            subs = [_clauses(sub) for sub in value]
            if any(sub is None or sub[1] for sub in subs):
                return None
            # (a and b) or (c) is (a or c) and (b or c); an empty side always holds.
            clauses.extend(frozenset().union(*pick) for pick in itertools.product(*(sub[0] for sub in subs)))
        elif key in _ANY_OF:
            # Bare codes: the vocabulary never puts one code in two of these lists (a test holds it).
            clauses.append(frozenset(value))
        elif key in _ALL_OF:
            clauses.extend(frozenset((code,)) for code in value)
        elif key in _FEATURE_KEYS or key in ("has_symptoms", "has_history"):
            clauses.append(frozenset(_token(key, v) for v in (value if isinstance(value, list) else [value])))
        else:
            numbers.append(_clause(key, value, "", []))
    return clauses, numbers


def _rarity(clause: frozenset[str]) -> int:
    """How often a clause holds, roughly: answers always have some value, codes are rarer."""
    return sum(8 if "=" in feature else 3 if feature in Location.values else 1 for feature in clause)


@dataclass(frozen=True, slots=True)
class RuleIndex:
    rules: tuple[Rule, ...]
    # Per rule: the clauses besides the one it is indexed under, and the
    # number checks; both empty for most rules, which then fire on a hit.
    rest: tuple[Clauses, ...]
    checks: tuple[tuple[Check, ...], ...]
    by_feature: dict[str, tuple[int, ...]]
    unindexed: frozenset[int]
    # The same, compiled to bits (see above).
    masks: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    always: int = 0
    guarded: int = 0
    guards: dict[int, Guard] = field(default_factory=dict, repr=False)
    # Per byte of the rule bits: the effects of the rules each value of that byte stands for.
    chunks: tuple[tuple[int, tuple[Effects, ...]], ...] = ()
    # Answer tuple -> (rule bits, feature bits), filled as seen; bounded, since each
    # answer in it has a few possible values (about a thousand tuples in all).
    by_answers: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, rules: tuple[Rule, ...]) -> "RuleIndex":
        rest, checks, by_feature, unindexed = [], [], {}, set()
        for position, rule in enumerate(rules):
            compiled = _clauses(rule.when)
            if compiled is None:
                rest.append(())
                checks.append((rule.matches,))
                unindexed.add(position)
                continue
            clauses, numbers = compiled
            checks.append(tuple(numbers))
            if not clauses:
                rest.append(())
                unindexed.add(position)
                continue
            trigger = min(clauses, key=_rarity)
            rest.append(tuple(clause for clause in clauses if clause is not trigger))
            for feature in trigger:
                by_feature[feature] = (*by_feature.get(feature, ()), position)
        named = sorted({feature for clauses in rest for clause in clauses for feature in clause})
        feature_bit = {feature: 1 << n for n, feature in enumerate(named)}
        masks = {
            feature: (_positions(by_feature.get(feature, ())), feature_bit.get(feature, 0))
            for feature in {*by_feature, *named}
        }
        guards = {
            1 << position: _guard(tuple(_bits(clause, feature_bit) for clause in clauses), checks[position])
            for position, clauses in enumerate(rest)
            if clauses or checks[position]
        }
        chunks = tuple(
            (shift, tuple(effects_of(_byte_rules(rules, shift, value)) for value in range(1 << _BYTE)))
            for shift in range(0, len(rules), _BYTE)
        )
        return cls(
            tuple(rules),
            tuple(rest),
            tuple(checks),
            by_feature,
            frozenset(unindexed),
            masks=masks,
            always=_positions(unindexed),
            guarded=sum(guards),
            guards=guards,
            chunks=chunks,
        )

    def _answer_bits(self, answers: tuple[Any, ...]) -> tuple[int, int]:
        bits = self.by_answers.get(answers)
        if bits is None:
            get = self.masks.get
            pairs = [get(feature, (0, 0)) for feature in _answer_features(*answers)]
            bits = self.by_answers[answers] = (_union(p[0] for p in pairs), _union(p[1] for p in pairs))
        return bits

    def effects(self, intake: Intake) -> list[Effects]:
        candidates, features = self._answer_bits(_answers(intake))
        candidates |= self.always
        get = self.masks.get
        for codes in (intake.locations, intake.symptoms, intake.history):
            for code in codes:
                bits = get(code)
                if bits is not None:
                    candidates |= bits[0]
                    features |= bits[1]
        pending = candidates & self.guarded
        while pending:
            bit = pending & -pending
            pending ^= bit
            if not self.guards[bit](features, intake):
                candidates ^= bit
        return [table[byte] for shift, table in self.chunks if (byte := candidates >> shift & _BYTE_MASK)]


def _byte_rules(rules: tuple[Rule, ...], shift: int, value: int) -> tuple[Rule, ...]:
    return tuple(rules[shift + bit] for bit in range(_BYTE) if value >> bit & 1 and shift + bit < len(rules))


def _positions(positions: Any) -> int:
    return _union(1 << position for position in positions)


def _bits(clause: frozenset[str], feature_bit: dict[str, int]) -> int:
    return _union(feature_bit[feature] for feature in clause)


def _union(bits: Any) -> int:
    total = 0
    for bit in bits:
        total |= bit
    return total


def _guard(clauses: tuple[int, ...], checks: tuple[Check, ...]) -> Guard:
    """What a rule indexed under one clause still needs: a feature of each other clause, its checks."""
    if not checks and len(clauses) == 1:
        (clause,) = clauses
        return lambda features, intake: bool(features & clause)
    if not clauses and len(checks) == 1:
        (check,) = checks
        return lambda features, intake: check(intake)
    return lambda features, intake: (
        all(features & clause for clause in clauses) and all(check(intake) for check in checks)
    )


def _check_text(rule: dict, key: str, where: str, problems: list[str], *, words: tuple[int, int]):
    text = rule.get(key)
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}.{key}: missing")
        return
    count = len(text.split())
    if "\n" in text or text != text.strip() or not words[0] <= count <= words[1]:
        problems.append(f"{where}.{key}: must be one line of {words[0]} to {words[1]} words")


def _check_citation(rule: dict, where: str, problems: list[str]) -> None:
    source = rule.get("source")
    if source not in SECTIONS:
        problems.append(f"{where}.source: {source!r} is neither an article nor {CLINIC_POLICY!r}")
    _check_text(rule, "section", where, problems, words=(1, 12))
    section = rule.get("section")
    if source in SECTIONS and isinstance(section, str) and section not in SECTIONS[source]:
        known = ", ".join(SECTIONS[source])
        problems.append(f"{where}.section: {section!r} is not a section of {source} ({known})")
    _check_evidence(rule.get("evidence"), where, problems)
    _check_text(rule, "reason", where, problems, words=(4, 60))
    reason = rule.get("reason")
    if isinstance(reason, str) and not reason.endswith((".", "!")):
        problems.append(f"{where}.reason: must be a full sentence ending with a full stop")
    rule_id = rule.get("id")
    if source == CLINIC_POLICY and isinstance(rule_id, str) and not rule_id.startswith(SAFETY_NET_PREFIX):
        problems.append(f"{where}.id: a safety-net rule's id starts with {SAFETY_NET_PREFIX!r}")


def _check_evidence(evidence: Any, where: str, problems: list[str]) -> None:
    """Evidence is a phrase quoted from the section, not a paragraph."""
    _check_text({"evidence": evidence}, "evidence", where, problems, words=(2, 20))
    if not isinstance(evidence, str):
        return
    if _SENTENCE_BREAK.search(evidence) or evidence.endswith((".", ";", ":", ",")):
        problems.append(f"{where}.evidence: must be one phrase, without sentence breaks or a final stop")


def _effects(rule: dict, where: str, problems: list[str]) -> tuple[tuple, tuple, tuple]:
    refer = rule.get("refer", {})
    if not isinstance(refer, dict):
        problems.append(f"{where}.refer: must be a table of specialist = urgency")
        refer = {}
    for specialist, urgency in refer.items():
        if specialist not in Specialist.values:
            problems.append(f"{where}.refer: unknown specialist {specialist!r}")
        if urgency not in Urgency.values:
            problems.append(f"{where}.refer.{specialist}: unknown urgency {urgency!r}")
    tests = rule.get("tests", [])
    if tests:
        _codes(tests, Test.values, f"{where}.tests", problems)
    advice = rule.get("advice", [])
    if not isinstance(advice, list) or not all(isinstance(a, str) and a.strip() for a in advice):
        problems.append(f"{where}.advice: must be a list of sentences")
        advice = []
    for sentence in advice:
        if not sentence.rstrip().endswith((".", "!")):
            problems.append(f"{where}.advice: {sentence[:40]!r} must be a full sentence ending with a stop")
    if not refer and not tests and not advice and not rule.get("withhold_tests"):
        problems.append(f"{where}: has no effect (refer, tests or advice)")
    return tuple(refer.items()), tuple(tests), tuple(advice)


def _withheld(rule: dict, where: str, problems: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = rule.get("withhold_tests", {})
    here = f"{where}.withhold_tests"
    if not isinstance(table, dict):
        problems.append(f"{here}: must be a table of test = [tests offered instead]")
        return ()
    for test, instead in table.items():
        if test not in Test.values:
            problems.append(f"{here}: unknown test {test!r}")
        if not isinstance(instead, list):
            problems.append(f"{here}.{test}: must list the tests offered instead (may be empty)")
            continue
        if instead:
            _codes(instead, Test.values, f"{here}.{test}", problems)
        if any(code in table for code in instead if isinstance(code, str)):
            problems.append(f"{here}.{test}: offers instead a test it withholds")
    if table and not rule.get("refer"):
        problems.append(f"{here}: say why on a step (refer), so the patient reads it")
    return tuple((test, tuple(instead)) for test, instead in table.items() if isinstance(instead, list))


def _mask(tests: tuple[str, ...] | list[str]) -> int:
    """Known test codes as bits; anything else has been reported by the checks."""
    return sum(1 << TEST_RANK[code] for code in {c for c in tests if isinstance(c, str)} if code in TEST_RANK)


def _anti_monotone_keys(when: Any) -> list[str]:
    if not isinstance(when, dict):
        return []
    keys = [key for key in _ANTI_MONOTONE if when.get(key) is False]
    for sub in when.get("any", []) if isinstance(when.get("any"), list) else []:
        keys.extend(_anti_monotone_keys(sub))
    return keys


def _check_monotone(when: Any, refer: tuple, tests: tuple, where: str, problems: list[str]) -> None:
    keys = _anti_monotone_keys(when)
    if keys and (tests or any(pair != (Specialist.THERAPIST, Urgency.SELF_CARE) for pair in refer)):
        problems.append(
            f"{where}.when: {keys[0]} = false stops the rule when a symptom or history item is added, "
            "so it may only refer to the therapist for self_care, with no tests"
        )


def _rule(raw: Any, index: int, problems: list[str]) -> Rule | None:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return None
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        problems.append(f"{where}.id: {rule_id!r} must be lowercase words joined by '-'")
    else:
        where = f"rule {rule_id}"
    for key in sorted(set(raw) - _RULE_KEYS):
        problems.append(f"{where}.{key}: unknown key")
    _check_citation(raw, where, problems)
    refer, tests, advice = _effects(raw, where, problems)
    withheld = _withheld(raw, where, problems)
    when = raw.get("when", {})
    _check_monotone(when, refer, tests, where, problems)
    ranked = tuple((specialist, URGENCY_RANK.get(urgency, 0)) for specialist, urgency in refer)
    return Rule(
        id=str(rule_id),
        source=str(raw.get("source")),
        section=str(raw.get("section")),
        evidence=str(raw.get("evidence")),
        reason=str(raw.get("reason")),
        when=when,
        refer=refer,
        tests=tests,
        advice=advice,
        matches=compile_condition(when, f"{where}.when", problems),
        cited=Citation(id=str(rule_id), **{key: str(raw.get(key)) for key in _CITED_KEYS}),
        # A rule that only orders tests or gives advice adds no step reason:
        # the tests (each with its purpose) and the advice carry it, and
        # `rules` still cites it.
        ranked_refer=ranked,
        test_mask=_mask(tests),
        withheld=withheld,
        withhold_mask=_mask([test for test, _ in withheld]),
        instead=tuple((_mask([test]), _mask(instead)) for test, instead in withheld),
    )


def _check_book(data: dict, rules: list[Rule], problems: list[str]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rule {rule.id}: duplicate id")
        seen.add(rule.id)
    if not any(not rule.when and (Specialist.THERAPIST, Urgency.SELF_CARE) in rule.refer for rule in rules):
        problems.append("rulebook: needs a rule with no condition that refers to the therapist")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: must be a positive integer")
    logged = [entry.get("version") for entry in data.get("changelog", []) if isinstance(entry, dict)]
    if version not in logged:
        problems.append(f"changelog: has no entry for version {version}")
    actual = fingerprint(data["rules"])
    if data.get("fingerprint") != actual:
        problems.append(
            f"fingerprint: the rules are not the ones recorded for version {version}; after changing "
            f'a rule, raise version, add a changelog entry and set fingerprint = "{actual}"'
        )


def parse_rulebook(data: dict[str, Any]) -> Rulebook:
    problems: list[str] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulebookError(["rules: the rulebook has no rules"])
    rules = [rule for n, raw in enumerate(raw_rules) if (rule := _rule(raw, n, problems))]
    _check_book(data, rules, problems)
    if problems:
        raise RulebookError(problems)
    return Rulebook(
        name=str(data.get("name", "back-numbness")),
        version=data["version"],
        rules=tuple(rules),
        changelog=tuple(data["changelog"]),
        _index=RuleIndex.build(tuple(rules)),
    )


def load_rulebook(path: Path = DEFAULT_PATH) -> Rulebook:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulebookError([f"{path.name}: {exc}"]) from None
    return parse_rulebook(data)


@cache
def get_rulebook() -> Rulebook:
    """The clinic's current rulebook, loaded and checked once per process."""
    return load_rulebook()
