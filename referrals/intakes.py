"""The engine's input: one validated intake.

`parse_intake` checks a JSON-shaped dict against the route contract and
returns an `Intake`, or raises `IntakeError` with one message per problem,
each naming the field and the bad value (`symptoms[2]: unknown code 'tingle'`).
Nothing is silently dropped: unknown fields, unknown or repeated codes and
values out of range are all errors.

`read_json` is the one safe way in for JSON text (the command, the web, an
API): bytes in, a JSON value out, or `IntakeError` with one line that says
what is wrong. It refuses what the standard parser would accept silently or
crash on: more than 10 MB, bytes that are not UTF-8, nesting deeper than any
intake needs, numbers too long to be an answer, a key given twice, NaN and
Infinity.
"""

import json
import math
from typing import Any, NamedTuple

from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom

PREGNANCY_SEXES = frozenset({Sex.FEMALE.value, Sex.OTHER.value})
AGE_RANGE = (0, 120)
DURATION_RANGE = (0, 36500)
TRIMESTERS = (1, 2, 3)

_SEXES = frozenset(Sex.values)
_FREQUENCIES = frozenset(Frequency.values)
_PREGNANCIES = frozenset(Pregnancy.values)
_NOT_PREGNANT, _PREGNANT = Pregnancy.NO.value, Pregnancy.YES.value
_CODE_LISTS = {
    "locations": frozenset(Location.values),
    "symptoms": frozenset(Symptom.values),
    "history": frozenset(History.values),
}
FIELDS = (
    "sex",
    "age",
    "locations",
    "frequency",
    "duration_days",
    "symptoms",
    "history",
    "pregnancy",
    "pregnancy_trimester",
    "menstruation_related",
)
_FIELD_SET = frozenset(FIELDS)


MAX_INPUT_BYTES = 10 * 1024 * 1024
# An intake is nested three deep and a batch four; leave room, refuse the absurd.
MAX_DEPTH = 16
# The longest number an intake holds is a duration of five digits.
MAX_NUMBER_CHARS = 32
_SHOWN_CHARS = 40


class IntakeError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def shown(value: Any) -> str:
    """A value as a problem line quotes it: one line, cut short when long."""
    if isinstance(value, int) and value.bit_length() > 128:
        # repr() of a very long integer raises; its size is what matters.
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 5]}...{text[-2:]}"


def _field_name(name: str) -> str:
    """A field's name as given when it reads plainly on one line; quoted and cut short otherwise."""
    plain = name.isprintable() and not any(c.isspace() or c in ":[]'" for c in name)
    return name if plain and 0 < len(name) <= _SHOWN_CHARS else shown(name)


class _Unreadable(Exception):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Unreadable(f"{_field_name(twice)}: the key is given more than once")
    return data


def _integer_text(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Unreadable(f"input: a number of {len(text)} digits is too long (at most {MAX_NUMBER_CHARS})")
    return int(text)


def _float_text(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Unreadable(
            f"input: a number of {len(text)} characters is too long (at most {MAX_NUMBER_CHARS})"
        )
    value = float(text)
    if not math.isfinite(value):
        raise _Unreadable(f"input: the number {shown(text)} is too large")
    return value


def _no_constant(name: str) -> None:
    raise _Unreadable(f"input: {name} is not a number JSON allows")


def _too_deep(value: Any) -> bool:
    """Lists and objects nested more than MAX_DEPTH deep; without recursion, so any depth is safe."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def read_json(raw: bytes) -> Any:
    """Parse JSON text safely; raises IntakeError with one line naming the problem."""
    if len(raw) > MAX_INPUT_BYTES:
        raise IntakeError([f"input: more than {MAX_INPUT_BYTES // (1024 * 1024)} MB"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeError([f"input: not UTF-8 text (byte {exc.start})"]) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_int=_integer_text,
            parse_float=_float_text,
            parse_constant=_no_constant,
        )
    except _Unreadable as exc:
        raise IntakeError([str(exc)]) from None
    except RecursionError:
        raise IntakeError([f"input: nested more than {MAX_DEPTH} deep"]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise IntakeError([f"input: not valid JSON: {exc.msg} ({where})"]) from None
    if _too_deep(value):
        raise IntakeError([f"input: nested more than {MAX_DEPTH} deep"])
    return value


class Intake(NamedTuple):
    """A validated intake: immutable, and cheap to make (the engine makes one per route)."""

    sex: str
    age: int
    locations: frozenset[str]
    frequency: str
    symptoms: frozenset[str] = frozenset()
    history: frozenset[str] = frozenset()
    duration_days: int | None = None
    pregnancy: str = Pregnancy.NO.value
    pregnancy_trimester: int | None = None
    menstruation_related: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON shape, with code lists in vocabulary order."""
        data: dict[str, Any] = {
            "sex": self.sex,
            "age": self.age,
            "locations": [c for c in Location.values if c in self.locations],
            "frequency": self.frequency,
            "symptoms": [c for c in Symptom.values if c in self.symptoms],
            "history": [c for c in History.values if c in self.history],
            "pregnancy": self.pregnancy,
            "menstruation_related": self.menstruation_related,
        }
        if self.duration_days is not None:
            data["duration_days"] = self.duration_days
        if self.pregnancy_trimester is not None:
            data["pregnancy_trimester"] = self.pregnancy_trimester
        return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice(data: dict, field: str, allowed: frozenset[str], problems: list[str], default=None):
    value = data.get(field, default)
    if value is None:
        problems.append(f"{field}: required")
    elif not isinstance(value, str) or value not in allowed:
        problems.append(f"{field}: unknown value {shown(value)}, expected one of {sorted(allowed)}")
    return value


def _integer(data: dict, field: str, bounds: tuple[int, int], problems: list[str], required: bool):
    value = data.get(field)
    if value is None:
        if required:
            problems.append(f"{field}: required")
        return None
    if not _is_int(value):
        problems.append(f"{field}: must be an integer, not {shown(value)}")
    elif not bounds[0] <= value <= bounds[1]:
        problems.append(f"{field}: {shown(value)} is out of range {bounds[0]}..{bounds[1]}")
    return value


def _codes(data: dict, field: str, problems: list[str]) -> frozenset[str]:
    value = data.get(field, [])
    if not isinstance(value, list):
        problems.append(f"{field}: must be a list of codes, not {shown(value)}")
        return frozenset()
    allowed = _CODE_LISTS[field]
    try:
        codes = frozenset(value)
    except TypeError:  # a list or an object among the codes: named below
        codes = frozenset()
    if len(codes) == len(value) and codes <= allowed:
        return codes
    seen = set()
    for index, code in enumerate(value):
        if not isinstance(code, str) or code not in allowed:
            problems.append(f"{field}[{index}]: unknown code {shown(code)}")
        elif code in seen:
            problems.append(f"{field}[{index}]: duplicate code {shown(code)}")
        else:
            seen.add(code)
    return frozenset(seen)


def _check_pregnancy(data: dict, sex: Any, problems: list[str]) -> tuple[str, int | None]:
    pregnancy = data.get("pregnancy", _NOT_PREGNANT)
    # Membership tests only on strings: a JSON list or object is unhashable.
    if not isinstance(pregnancy, str) or pregnancy not in _PREGNANCIES:
        expected = sorted(_PREGNANCIES)
        problems.append(f"pregnancy: unknown value {shown(pregnancy)}, expected one of {expected}")
    elif pregnancy != _NOT_PREGNANT and isinstance(sex, str) and sex in _SEXES and sex not in PREGNANCY_SEXES:
        problems.append(f"pregnancy: {pregnancy!r} applies only with sex 'female' or 'other', not {sex!r}")
    trimester = data.get("pregnancy_trimester")
    if trimester is None:
        return pregnancy, None
    if not _is_int(trimester) or trimester not in TRIMESTERS:
        problems.append(f"pregnancy_trimester: must be 1, 2 or 3, not {shown(trimester)}")
    elif pregnancy != _PREGNANT:
        problems.append(f"pregnancy_trimester: applies only with pregnancy 'yes', not {pregnancy!r}")
    return pregnancy, trimester


def parse_intake(data: Any) -> Intake:
    if not isinstance(data, dict):
        raise IntakeError([f"intake: must be a JSON object, not {type(data).__name__}"])
    problems = []
    if not data.keys() <= _FIELD_SET:
        problems = [f"{_field_name(name)}: unknown field" for name in data if name not in _FIELD_SET]
    sex = _choice(data, "sex", _SEXES, problems)
    age = _integer(data, "age", AGE_RANGE, problems, required=True)
    locations = _codes(data, "locations", problems)
    if "locations" not in data or data["locations"] == []:
        problems.append("locations: at least one location is required")
    frequency = _choice(data, "frequency", _FREQUENCIES, problems)
    duration = _integer(data, "duration_days", DURATION_RANGE, problems, required=False)
    symptoms = _codes(data, "symptoms", problems)
    history = _codes(data, "history", problems)
    pregnancy, trimester = _check_pregnancy(data, sex, problems)
    menstruation = data.get("menstruation_related", False)
    if not isinstance(menstruation, bool):
        problems.append(f"menstruation_related: must be true or false, not {shown(menstruation)}")
    if problems:
        raise IntakeError(problems)
    return Intake(
        sex=sex,
        age=age,
        locations=locations,
        frequency=frequency,
        symptoms=symptoms,
        history=history,
        duration_days=duration,
        pregnancy=pregnancy,
        pregnancy_trimester=trimester,
        menstruation_related=menstruation,
    )
