"""Golden cases: intakes taken from the articles' statements, with their expected routes.

Each case in golden_cases.json names the statement it comes from (source
and a verbatim quote), the intake, what a reader of the article expects
(`expect`: the route's urgency, its steps in order, its tests and the rules
that must fire) and the engine's full route (`route`), which must come out
byte for byte. After a deliberate rulebook change, rewrite the routes with

    .venv/bin/python -m tests.referrals.golden

which refuses to write while any case's `expect` fails.
"""

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_PATH = Path(__file__).resolve().parent / "golden_cases.json"


def load_cases() -> list[dict[str, Any]]:
    return json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))["cases"]


def canonical(route: dict[str, Any]) -> str:
    return json.dumps(route, ensure_ascii=False, indent=1)


def unmet(case: dict[str, Any], route: dict[str, Any]) -> list[str]:
    """What the route gets wrong against the case's hand-written expectation."""
    expect, problems = case["expect"], []
    steps = [[step["specialist"], step["urgency"]] for step in route["steps"]]
    if route["urgency"] != expect["urgency"]:
        problems.append(f"urgency {route['urgency']!r}, expected {expect['urgency']!r}")
    if steps != expect["steps"]:
        problems.append(f"steps {steps}, expected {expect['steps']}")
    if route["tests"] != expect["tests"]:
        problems.append(f"tests {route['tests']}, expected {expect['tests']}")
    fired = {citation["id"] for citation in route["rules"]}
    if missing := [rule for rule in expect["fired"] if rule not in fired]:
        problems.append(f"rules {missing} did not fire")
    return problems


def write_routes() -> None:
    from referrals.engine import route_for

    data = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    failures = []
    for case in data["cases"]:
        route = route_for(case["intake"])
        failures.extend(f"{case['name']}: {problem}" for problem in unmet(case, route))
        case["route"] = route
    if failures:
        raise SystemExit("\n".join(["Not written; these expectations fail:", *failures]))
    GOLDEN_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['cases'])} routes to {GOLDEN_PATH}")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    write_routes()
