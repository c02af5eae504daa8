"""bench_routes: how fast the engine routes, beside the cost of plain JSON.

The baseline is the floor of the `suggest_route` command's own work: loading
each intake's JSON text and dumping it back. The engine is `parse_intake`
plus `suggest_route` on the already loaded dicts (no JSON on that side, so
the two are measured apart). Both run on the same seeded mix of intakes in
the same process, best of a few rounds, so a busy machine slows both.
"""

import json
import random
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from referrals.engine import suggest_route
from referrals.intakes import parse_intake
from referrals.rulebook import get_rulebook
from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom

TARGET_RATIO = 5.0
TARGET_ROUTES_PER_SECOND = 20_000


def mixed_intake(rng: random.Random) -> dict[str, Any]:
    """One valid intake: mostly a few symptoms, sometimes none, sometimes many."""
    sex = rng.choice(Sex.values)
    data: dict[str, Any] = {
        "sex": sex,
        "age": rng.randint(0, 120),
        "locations": rng.sample(Location.values, rng.randint(1, 3)),
        "frequency": rng.choice(Frequency.values),
        "symptoms": rng.sample(Symptom.values, min(len(Symptom.values), int(rng.expovariate(0.4)))),
        "history": rng.sample(History.values, min(len(History.values), int(rng.expovariate(0.8)))),
    }
    if rng.random() < 0.5:
        data["duration_days"] = rng.randint(0, 400)
    if sex in (Sex.FEMALE, Sex.OTHER):
        data["pregnancy"] = rng.choice(Pregnancy.values)
        if data["pregnancy"] == Pregnancy.YES and rng.random() < 0.7:
            data["pregnancy_trimester"] = rng.randint(1, 3)
        data["menstruation_related"] = rng.random() < 0.2
    return data


def mixed_intakes(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [mixed_intake(rng) for _ in range(count)]


def best_time(work: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


class Command(BaseCommand):
    help = "Time the referral engine against loading and dumping the same intakes as JSON."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=5000, help="intakes in the mix")
        parser.add_argument("--rounds", type=int, default=7, help="best of this many rounds")
        parser.add_argument("--seed", type=int, default=2024, help="seed of the mix")

    def handle(self, *args: Any, count: int, rounds: int, seed: int, **options: Any) -> None:
        book = get_rulebook()
        texts = [json.dumps(intake) for intake in mixed_intakes(count, seed)]
        loaded = [json.loads(text) for text in texts]

        def baseline() -> None:
            for text in texts:
                json.dumps(json.loads(text))

        def engine() -> None:
            for data in loaded:
                suggest_route(parse_intake(data), book)

        engine()  # warm up caches once, outside the timing
        baseline_seconds = best_time(baseline, rounds)
        engine_seconds = best_time(engine, rounds)
        self._report(book.label, len(book.rules), count, rounds, seed, baseline_seconds, engine_seconds)

    def _report(self, label, rules, count, rounds, seed, baseline_seconds, engine_seconds) -> None:
        ratio = engine_seconds / baseline_seconds
        engine_rate = count / engine_seconds
        lines = [
            f"rulebook {label} ({rules} rules); {count} mixed intakes, seed {seed}, best of {rounds} rounds",
            f"baseline  json.loads + json.dumps per intake  {count / baseline_seconds:>12,.0f} intakes/s",
            f"engine    parse_intake + suggest_route        {engine_rate:>12,.0f} routes/s",
            f"ratio     engine / baseline time              {ratio:>12.2f}x",
            f"target    engine <= {TARGET_RATIO:g}x baseline: {verdict(ratio <= TARGET_RATIO)}",
            f"target    >= {TARGET_ROUTES_PER_SECOND:,} routes/s: "
            f"{verdict(engine_rate >= TARGET_ROUTES_PER_SECOND)}",
        ]
        self.stdout.write("\n".join(lines))
