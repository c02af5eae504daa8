"""Turn an intake into a route, following the route contract.

One short loop applies the fired rules' effects in rulebook order (the
rulebook hands them over in runs, see rulebook.Effects); the route's shape
(therapist first, each specialist once, most urgent first, tests in the
therapist's order) is settled here and nowhere else. No clock, no
randomness: the same intake always gives the same route.
"""

from typing import Any

from referrals.intakes import Intake, parse_intake
from referrals.rulebook import Citation, Rulebook, get_rulebook
from referrals.vocabulary import Specialist, Test, Urgency

THERAPIST = Specialist.THERAPIST.value
_URGENCIES = tuple(Urgency.values)
# Every set of tests, in the therapist's order, by its bit mask.
_TESTS_BY_MASK = tuple(
    tuple(code for bit, code in enumerate(Test.values) if mask >> bit & 1)
    for mask in range(1 << len(Test.values))
)

Route = dict[str, Any]


def suggest_route(intake: Intake, rulebook: Rulebook | None = None) -> Route:
    book = rulebook or get_rulebook()
    # specialist -> [urgency rank, reasons, rule ids], in the order first named
    steps: dict[str, list] = {THERAPIST: [0, [], []]}
    tests = 0
    advice: list[str] = []
    withholding: list = []
    cited: list[Citation] = []
    # The fired rules come in runs, each with its effects gathered in rulebook order.
    for effects in book.effects(intake):
        for specialist, rank, reason, rule_id in effects.refer:
            step = steps.get(specialist)
            if step is None:
                steps[specialist] = [rank, [reason], [rule_id]]
                continue
            if rank > step[0]:
                step[0] = rank
            if reason not in step[1]:
                step[1].append(reason)
            step[2].append(rule_id)
        tests |= effects.test_mask
        advice += effects.advice
        if effects.withholding:
            withholding += effects.withholding
        cited += effects.cited
    if withholding:
        tests = _withhold(tests, withholding)
    therapist = steps.pop(THERAPIST)
    # Most urgent first; the sort is stable, so ties keep the order first named.
    others = sorted(steps.items(), key=lambda item: -item[1][0])
    # Everyone goes through the therapist first, so the therapist is seen at
    # least as urgently as the most urgent specialist after them.
    if others and others[0][1][0] > therapist[0]:
        therapist[0] = others[0][1][0]
    return {
        "urgency": _URGENCIES[therapist[0]],
        "steps": [
            {
                "order": order,
                "specialist": specialist,
                "urgency": _URGENCIES[step[0]],
                "reasons": step[1],
                "rules": step[2],
            }
            for order, (specialist, step) in enumerate([(THERAPIST, therapist), *others], start=1)
        ],
        "tests": list(_TESTS_BY_MASK[tests]),
        "advice": list(dict.fromkeys(advice)),
        # Shared with the rulebook, and read-only (see Citation).
        "rules": cited,
        "rulebook": book.label,
    }


def _withhold(tests: int, rules: list) -> int:
    """Tests without the withheld ones, plus what is offered instead of those ordered."""
    withheld = 0
    for rule in rules:
        withheld |= rule.withhold_mask
        for bit, instead in rule.instead:
            if tests & bit:
                tests |= instead
    return tests & ~withheld


def route_for(data: Any, rulebook: Rulebook | None = None) -> Route:
    """Validate one JSON-shaped intake and route it; raises IntakeError."""
    return suggest_route(parse_intake(data), rulebook)
