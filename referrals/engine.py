"""Turn an intake into a route, following the route contract.

One short loop applies the rulebook in order; the route's shape (therapist
first, each specialist once, most urgent first, tests in the therapist's
order) is settled here and nowhere else. No clock, no randomness: the same
intake always gives the same route.
"""

from typing import Any

from referrals.intakes import Intake, parse_intake
from referrals.rulebook import Rulebook, get_rulebook
from referrals.vocabulary import TEST_RANK, URGENCY_RANK, Specialist, Urgency

THERAPIST = Specialist.THERAPIST.value
_URGENCIES = Urgency.values

Route = dict[str, Any]


class _Step:
    __slots__ = ("specialist", "rank", "reasons", "rules", "first_seen")

    def __init__(self, specialist: str, first_seen: int):
        self.specialist = specialist
        self.rank = 0
        self.reasons: list[str] = []
        self.rules: list[str] = []
        self.first_seen = first_seen

    def add(self, rank: int, reason: str, rule_id: str) -> None:
        self.rank = max(self.rank, rank)
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.rules.append(rule_id)


def suggest_route(intake: Intake, rulebook: Rulebook | None = None) -> Route:
    book = rulebook or get_rulebook()
    steps: dict[str, _Step] = {THERAPIST: _Step(THERAPIST, -1)}
    tests: set[str] = set()
    advice: list[str] = []
    fired = [rule for rule in book.rules if rule.matches(intake)]
    for rule in fired:
        for specialist, urgency in rule.refer or ((THERAPIST, _URGENCIES[0]),):
            step = steps.get(specialist) or steps.setdefault(specialist, _Step(specialist, len(steps)))
            step.add(URGENCY_RANK[urgency], rule.reason, rule.id)
        tests.update(rule.tests)
        advice.extend(a for a in rule.advice if a not in advice)
    therapist = steps.pop(THERAPIST)
    others = sorted(steps.values(), key=lambda s: (-s.rank, s.first_seen))
    # Everyone goes through the therapist first, so the therapist is seen at
    # least as urgently as the most urgent specialist after them.
    therapist.rank = max([therapist.rank, *(s.rank for s in others)])
    return {
        "urgency": _URGENCIES[therapist.rank],
        "steps": [
            {
                "order": order,
                "specialist": step.specialist,
                "urgency": _URGENCIES[step.rank],
                "reasons": step.reasons,
                "rules": step.rules,
            }
            for order, step in enumerate([therapist, *others], start=1)
        ],
        "tests": sorted(tests, key=TEST_RANK.__getitem__),
        "advice": advice,
        "rules": [rule.citation for rule in fired],
        "rulebook": book.label,
    }


def route_for(data: Any, rulebook: Rulebook | None = None) -> Route:
    """Validate one JSON-shaped intake and route it; raises IntakeError."""
    return suggest_route(parse_intake(data), rulebook)
