"""suggest_route: intake JSON in, route JSON out (see the route contract)."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from referrals.engine import suggest_route
from referrals.intakes import IntakeError, parse_intake


class InvalidInput(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems


def _parse_batch(data: Any) -> list:
    if not isinstance(data, list):
        return [parse_intake(data)]
    intakes, problems = [], []
    for index, item in enumerate(data):
        try:
            intakes.append(parse_intake(item))
        except IntakeError as exc:
            problems.extend(f"[{index}].{problem}" for problem in exc.problems)
    if problems:
        raise InvalidInput(problems)
    return intakes


class Command(BaseCommand):
    help = "Suggest a referral route for one intake (JSON object) or a batch (JSON array)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON file to read; standard input if omitted")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print the output")

    def handle(self, *args: Any, file: str | None = None, indent: int | None = None, **options):
        try:
            data = self._read(file)
            intakes = _parse_batch(data)
        except IntakeError as exc:
            self._fail(exc.problems)
        except InvalidInput as exc:
            self._fail(exc.problems)
        routes = [suggest_route(intake) for intake in intakes]
        result = routes if isinstance(data, list) else routes[0]
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))

    def _read(self, file: str | None) -> Any:
        try:
            if file is None:
                return json.load(self.stdin if hasattr(self, "stdin") else sys.stdin)
            with open(file, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as exc:
            raise InvalidInput([f"{file}: cannot read: {exc.strerror}"]) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput([f"input: not valid JSON: {exc}"]) from None

    def _fail(self, problems: list[str]):
        for problem in problems:
            self.stderr.write(problem)
        sys.exit(2)
