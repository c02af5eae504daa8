"""Small helpers for routing one intake in the rule family tests."""

from typing import Any

from referrals.engine import route_for
from referrals.vocabulary import URGENCY_RANK

BASE_INTAKE: dict[str, Any] = {
    "sex": "unspecified",
    "age": 40,
    "locations": ["lower_back"],
    "frequency": "once",
}


def route(**answers: Any) -> dict[str, Any]:
    """The route for a plain intake (once, lower back, age 40) with these answers changed."""
    return route_for({**BASE_INTAKE, **answers})


def referrals(route: dict[str, Any]) -> dict[str, str]:
    """specialist -> urgency, for every step."""
    return {step["specialist"]: step["urgency"] for step in route["steps"]}


def fired(route: dict[str, Any]) -> list[str]:
    return [citation["id"] for citation in route["rules"]]


def step(route: dict[str, Any], specialist: str) -> dict[str, Any]:
    return next(step for step in route["steps"] if step["specialist"] == specialist)


def rank(urgency: str) -> int:
    return URGENCY_RANK[urgency]
