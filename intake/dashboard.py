"""The clinic's numbers over a date range: intakes, time to triage, steps, reminders, emergency stops.

Every figure is counted in the database over the range (days in the
clinic's time zone, both ends included), so the number of queries does not
grow with the number of cases. Percentiles are computed here rather than in
SQL because SQLite has no percentile function; the rows read are only the
triaged cases of the range.
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from intake.models import Case, CaseStatus, EmergencyScreenStop, Reminder, ReminderState
from referrals.models import ReferralMove, ReferralStatus
from referrals.vocabulary import URGENCY_RANK, Urgency

DEFAULT_DAYS = 30
# A year and a day at most: one leap year's worth of daily bars is already a wide chart.
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole days, first and last included, in the clinic's time zone."""

    first: date
    last: date

    @classmethod
    def ending(cls, last: date, days: int = DEFAULT_DAYS) -> "Period":
        return cls(last - timedelta(days=days - 1), last)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """From midnight of the first day to midnight after the last, as aware datetimes."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        return start, datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)


def urgencies() -> list[str]:
    """Every urgency, emergencies first, as the queue shows them."""
    return sorted(Urgency.values, key=lambda urgency: -URGENCY_RANK[urgency])


def percentile(values: list[float], fraction: float) -> float | None:
    """The value below which `fraction` of `values` lie, interpolated between neighbours.

    The same as PostgreSQL's percentile_cont: with values sorted, the
    fraction's position is fraction * (n - 1), and a position between two
    values takes the straight line between them. None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class IntakeCounts:
    per_day: dict[date, int]
    by_urgency: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_day.values())


def intake_counts(period: Period) -> IntakeCounts:
    """Cases received each day of the period, and how many of each urgency: one query."""
    start, end = period.bounds()
    rows = (
        Case.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "urgency")
        .annotate(count=Count("pk"))
        .order_by()
    )
    per_day, by_urgency = dict.fromkeys(period.days, 0), dict.fromkeys(urgencies(), 0)
    for day, urgency, count in rows:
        per_day[day] = per_day.get(day, 0) + count
        by_urgency[urgency] = by_urgency.get(urgency, 0) + count
    return IntakeCounts(per_day, by_urgency)


@dataclass(frozen=True)
class TriageTimes:
    """Hours from intake to first triage for the cases of one urgency received in the period.

    `waiting` counts those still new. A case that left new before its triage
    time was kept (and the audit trail had none) counts in neither.
    """

    triaged: int = 0
    waiting: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


def triage_times(period: Period) -> dict[str, TriageTimes]:
    """Median and 90th percentile time to triage by urgency, for cases received in the period: one query."""
    start, end = period.bounds()
    rows = Case.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "urgency", "status", "created_at", "triaged_at"
    )
    hours: dict[str, list[float]] = {urgency: [] for urgency in urgencies()}
    waiting: Counter[str] = Counter()
    for urgency, status, created_at, triaged_at in rows.order_by():
        if triaged_at is not None:
            hours.setdefault(urgency, []).append(max((triaged_at - created_at).total_seconds(), 0) / 3600)
        elif status == CaseStatus.NEW:
            waiting[urgency] += 1
    return {
        urgency: TriageTimes(len(values), waiting[urgency], percentile(values, 0.5), percentile(values, 0.9))
        for urgency, values in hours.items()
    }


STEP_OUTCOMES = [ReferralStatus.BOOKED, ReferralStatus.ATTENDED, ReferralStatus.NO_SHOW]


def step_outcomes(period: Period) -> dict[str, int]:
    """Steps booked, attended and missed (no-show) in the period, by when the move was recorded: one query."""
    start, end = period.bounds()
    rows = (
        ReferralMove.objects.filter(to_status__in=STEP_OUTCOMES, at__gte=start, at__lt=end)
        .values_list("to_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {**dict.fromkeys(STEP_OUTCOMES, 0), **dict(rows)}


@dataclass(frozen=True)
class ReminderCounts:
    sent: int
    failed: int


def reminder_counts(period: Period) -> ReminderCounts:
    """Reminders sent in the period (by when they went) and failed for good (by when due): one query."""
    start, end = period.bounds()
    sent = Q(state=ReminderState.SENT, sent_at__gte=start, sent_at__lt=end)
    failed = Q(state=ReminderState.FAILED, due_at__gte=start, due_at__lt=end)
    counts = Reminder.objects.filter(sent | failed).aggregate(
        sent=Count("pk", filter=sent), failed=Count("pk", filter=failed)
    )
    return ReminderCounts(counts["sent"], counts["failed"])


def emergency_stops(period: Period) -> dict[date, int]:
    """How many intakes the emergency screen stopped on each day of the period: one query."""
    rows = EmergencyScreenStop.objects.filter(day__gte=period.first, day__lte=period.last)
    return {**dict.fromkeys(period.days, 0), **dict(rows.values_list("day", "count").order_by())}


@dataclass(frozen=True)
class Figures:
    period: Period
    intakes: IntakeCounts
    triage: dict[str, TriageTimes]
    steps: dict[str, int]
    reminders: ReminderCounts
    stops: dict[date, int]


def dashboard_figures(period: Period) -> Figures:
    """Everything the dashboard shows, in five queries whatever the number of cases."""
    return Figures(
        period=period,
        intakes=intake_counts(period),
        triage=triage_times(period),
        steps=step_outcomes(period),
        reminders=reminder_counts(period),
        stops=emergency_stops(period),
    )
