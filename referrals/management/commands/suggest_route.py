"""suggest_route: intake JSON in, route JSON out (see the route contract)."""

import json
import sys
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandParser

from referrals.engine import suggest_route
from referrals.intakes import MAX_INPUT_BYTES, IntakeError, parse_intake, read_json
from referrals.rulebook import RulebookError, get_rulebook

INVALID_INPUT = 2
BROKEN_RULEBOOK = 1


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
    # call_command(..., stdin=...) reads from that stream instead of sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON file to read; standard input if omitted")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print the output")

    def handle(self, *args: Any, file: str | None = None, indent: int | None = None, **options: Any) -> None:
        try:
            book = get_rulebook()
        except RulebookError as exc:
            self._fail(exc.problems, BROKEN_RULEBOOK)
        try:
            data = self._read(file, options.get("stdin") or sys.stdin)
            intakes = _parse_batch(data)
        except (IntakeError, InvalidInput) as exc:
            self._fail(exc.problems, INVALID_INPUT)
        routes = [suggest_route(intake, book) for intake in intakes]
        result = routes if isinstance(data, list) else routes[0]
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))

    def _read(self, file: str | None, stdin: IO) -> Any:
        # One byte past the limit is enough to know the input is too large.
        try:
            if file is None:
                raw = getattr(stdin, "buffer", stdin).read(MAX_INPUT_BYTES + 1)
            else:
                with open(file, "rb") as handle:
                    raw = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InvalidInput([f"{file or 'input'}: cannot read: {exc.strerror}"]) from None
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return read_json(raw)

    def _fail(self, problems: list[str], status: int):
        for problem in problems:
            self.stderr.write(problem)
        sys.exit(status)
