"""The engine's input: one validated intake.

`parse_intake` checks a JSON-shaped dict against the route contract and
returns an `Intake`, or raises `IntakeError` with one message per problem,
each naming the field and the bad value (`symptoms[2]: unknown code 'tingle'`).
Nothing is silently dropped: unknown fields, unknown or repeated codes and
values out of range are all errors.
"""

from dataclasses import dataclass
from typing import Any

from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom

PREGNANCY_SEXES = frozenset({Sex.FEMALE.value, Sex.OTHER.value})
AGE_RANGE = (0, 120)
DURATION_RANGE = (0, 36500)
TRIMESTERS = (1, 2, 3)

_SEXES = frozenset(Sex.values)
_FREQUENCIES = frozenset(Frequency.values)
_PREGNANCIES = frozenset(Pregnancy.values)
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


class IntakeError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Intake:
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
        problems.append(f"{field}: unknown value {value!r}, expected one of {sorted(allowed)}")
    return value


def _integer(data: dict, field: str, bounds: tuple[int, int], problems: list[str], required: bool):
    value = data.get(field)
    if value is None:
        if required:
            problems.append(f"{field}: required")
        return None
    if not _is_int(value):
        problems.append(f"{field}: must be an integer, not {value!r}")
    elif not bounds[0] <= value <= bounds[1]:
        problems.append(f"{field}: {value} is out of range {bounds[0]}..{bounds[1]}")
    return value


def _codes(data: dict, field: str, problems: list[str]) -> frozenset[str]:
    value = data.get(field, [])
    if not isinstance(value, list):
        problems.append(f"{field}: must be a list of codes, not {value!r}")
        return frozenset()
    allowed, seen = _CODE_LISTS[field], set()
    for index, code in enumerate(value):
        if not isinstance(code, str) or code not in allowed:
            problems.append(f"{field}[{index}]: unknown code {code!r}")
        elif code in seen:
            problems.append(f"{field}[{index}]: duplicate code {code!r}")
        else:
            seen.add(code)
    return frozenset(seen)


def _check_pregnancy(data: dict, sex: Any, problems: list[str]) -> tuple[str, int | None]:
    pregnancy = data.get("pregnancy", Pregnancy.NO.value)
    # Membership tests only on strings: a JSON list or object is unhashable.
    if not isinstance(pregnancy, str) or pregnancy not in _PREGNANCIES:
        problems.append(f"pregnancy: unknown value {pregnancy!r}, expected one of {sorted(_PREGNANCIES)}")
    elif pregnancy != Pregnancy.NO and isinstance(sex, str) and sex in _SEXES and sex not in PREGNANCY_SEXES:
        problems.append(f"pregnancy: {pregnancy!r} applies only with sex 'female' or 'other', not {sex!r}")
    trimester = data.get("pregnancy_trimester")
    if trimester is None:
        return pregnancy, None
    if not _is_int(trimester) or trimester not in TRIMESTERS:
        problems.append(f"pregnancy_trimester: must be 1, 2 or 3, not {trimester!r}")
    elif pregnancy != Pregnancy.YES:
        problems.append(f"pregnancy_trimester: applies only with pregnancy 'yes', not {pregnancy!r}")
    return pregnancy, trimester


def parse_intake(data: Any) -> Intake:
    if not isinstance(data, dict):
        raise IntakeError([f"intake: must be a JSON object, not {type(data).__name__}"])
    problems = [f"{name}: unknown field" for name in data if name not in _FIELD_SET]
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
        problems.append(f"menstruation_related: must be true or false, not {menstruation!r}")
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
