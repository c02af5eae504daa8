"""The dashboard's figures, checked against cases, steps, reminders and stops made here at known times."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from intake.dashboard import (
    Period,
    dashboard_figures,
    emergency_stops,
    intake_counts,
    percentile,
    reminder_counts,
    step_outcomes,
    triage_times,
)
from intake.models import Case, CaseStatus, EmergencyScreenStop, Reminder, ReminderState
from intake.submission import intake_submit
from referrals.appointments import appointment_book
from referrals.models import ReferralStatus
from referrals.referral_status import referral_move
from tests.conftest import ALICE_ANSWERS, BOB_ANSWERS, require
from tests.referrals.care import NOW, place, referral

pytestmark = pytest.mark.django_db

WEEK = Period(date(2026, 2, 23), date(2026, 3, 1))


def at(day: int, hour: int, minute: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def received(clock, when: datetime, urgency: str, answers: dict = BOB_ANSWERS) -> Case:
    """A case sent at `when`, given `urgency` (the figures read only the urgency the engine stored)."""
    clock.move_to(when, tick=False)
    number = Case.objects.count()
    contact = {"name": f"Patient {number}", "email": f"patient{number}@example.org", "phone": ""}
    case = intake_submit(contact=contact, answers=answers)
    Case.objects.filter(pk=case.pk).update(urgency=urgency)
    case.refresh_from_db()
    return case


def triaged(clock, case: Case, when: datetime, status: str = CaseStatus.TRIAGED) -> None:
    clock.move_to(when, tick=False)
    case.set_status(status, now=when)
    case.save()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def test_it_takes_percentiles_as_postgresql_percentile_cont_does():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([2.0, 1.0], 0.5) == 1.5
    assert percentile([10.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([10.0, 1.0, 3.0, 2.0, 4.0], 0.9) == pytest.approx(7.6)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)


def test_it_agrees_with_postgresql_percentile_cont():
    require(connection.vendor == "postgresql", "PostgreSQL is not the test database (set DATABASE_URL)")
    values = [0.25, 1.0, 1.5, 2.0, 7.0, 30.0, 48.5]
    with connection.cursor() as cursor:
        cursor.execute(
            "select percentile_cont(0.5) within group (order by v), percentile_cont(0.9) within group "
            "(order by v) from unnest(%s::float8[]) as v",
            [values],
        )
        median, p90 = cursor.fetchone()
    assert percentile(values, 0.5) == pytest.approx(median)
    assert percentile(values, 0.9) == pytest.approx(p90)


def test_it_counts_intakes_per_day_and_by_urgency_within_the_range_only(clock):
    received(clock, at(22, 23, 59), "routine")
    for when, urgency in [
        (at(23, 0, 0), "urgent"),
        (at(23, 12), "urgent"),
        (at(25, 9), "emergency"),
        (at(28, 23, 59), "routine"),
        (at(1, 8, month=3), "self_care"),
    ]:
        received(clock, when, urgency)
    received(clock, at(2, 0, 0, month=3), "urgent")

    counts = intake_counts(WEEK)

    assert counts.per_day == {
        date(2026, 2, 23): 2,
        date(2026, 2, 24): 0,
        date(2026, 2, 25): 1,
        date(2026, 2, 26): 0,
        date(2026, 2, 27): 0,
        date(2026, 2, 28): 1,
        date(2026, 3, 1): 1,
    }
    assert counts.by_urgency == {"emergency": 1, "urgent": 2, "soon": 0, "routine": 1, "self_care": 1}
    assert list(counts.by_urgency) == ["emergency", "urgent", "soon", "routine", "self_care"]
    assert counts.total == 5


def test_it_counts_days_in_the_clinics_time_zone(clock, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    received(clock, at(22, 21, 30), "routine")  # 00:30 on the 23rd in Moscow
    received(clock, at(1, 21, 30, month=3), "routine")  # 00:30 on the 2nd: after the range

    assert intake_counts(WEEK).per_day[date(2026, 2, 23)] == 1
    assert intake_counts(WEEK).total == 1


def test_it_gives_median_and_90th_percentile_time_to_triage_by_urgency(clock):
    for day, hours in [(23, 1), (23, 2), (24, 3), (25, 4), (26, 10)]:
        case = received(clock, at(day, 8), "urgent")
        triaged(clock, case, at(day, 8) + timedelta(hours=hours))
    emergency = received(clock, at(27, 10), "emergency")
    triaged(clock, emergency, at(27, 10, 20), CaseStatus.IN_PROGRESS)
    received(clock, at(28, 9), "urgent")
    early = received(clock, at(20, 9), "urgent")
    triaged(clock, early, at(23, 9))

    times = triage_times(WEEK)

    urgent = times["urgent"]
    assert (urgent.triaged, urgent.waiting) == (5, 1)
    assert urgent.median_hours == pytest.approx(3)
    assert urgent.p90_hours == pytest.approx(7.6)
    assert times["emergency"].median_hours == pytest.approx(20 / 60)
    assert times["emergency"].p90_hours == pytest.approx(20 / 60)
    assert times["routine"].triaged == 0 and times["routine"].median_hours is None


def test_it_keeps_the_first_triage_time_when_the_status_changes_again(clock):
    case = received(clock, at(23, 8), "soon")
    triaged(clock, case, at(23, 9))
    triaged(clock, case, at(24, 9), CaseStatus.NEW)
    triaged(clock, case, at(25, 9))

    case.refresh_from_db()
    assert case.triaged_at == at(23, 9)


def test_it_dates_triage_when_a_moved_step_takes_a_new_case_on(clock, front_desk):
    case = received(clock, at(24, 8), "urgent", ALICE_ANSWERS)
    clock.move_to(at(24, 13), tick=False)

    appointment_book(
        referral=referral(case, "neurologist"), starts_at=at(26, 9), location=place(), by=front_desk
    )

    case.refresh_from_db()
    assert (case.status, case.triaged_at) == (CaseStatus.IN_PROGRESS, at(24, 13))
    assert triage_times(WEEK)["urgent"].median_hours == pytest.approx(5)


def test_it_counts_steps_booked_attended_and_missed_by_when_the_move_was_recorded(clock, front_desk):
    cases = [received(clock, at(20, 8), "urgent", ALICE_ANSWERS) for _ in range(3)]
    steps = [referral(case, "neurologist") for case in cases]
    clock.move_to(at(22, 12), tick=False)
    appointment_book(referral=steps[0], starts_at=at(24, 9), location=place(), by=front_desk)
    clock.move_to(at(23, 12), tick=False)
    for step in steps[1:]:
        appointment_book(referral=step, starts_at=at(24, 9), location=place(), by=front_desk)
    clock.move_to(at(24, 12), tick=False)
    referral_move(referral=steps[0], to=ReferralStatus.ATTENDED, by=front_desk)
    referral_move(referral=steps[1], to=ReferralStatus.NO_SHOW, by=front_desk)
    clock.move_to(at(2, 12, month=3), tick=False)
    referral_move(referral=steps[2], to=ReferralStatus.ATTENDED, by=front_desk)

    assert step_outcomes(WEEK) == {"booked": 2, "attended": 1, "no_show": 1}


def test_it_counts_reminders_sent_and_failed_in_the_range(clock):
    cases = [received(clock, at(20, 8), "routine") for _ in range(5)]
    rows = [Reminder.objects.filter(case=case).first() for case in cases]
    for row, state, when in [
        (rows[0], ReminderState.SENT, at(23, 9)),
        (rows[1], ReminderState.SENT, at(1, 23, month=3)),
        (rows[2], ReminderState.SENT, at(2, 0, month=3)),
        (rows[3], ReminderState.FAILED, at(25, 9)),
        (rows[4], ReminderState.PENDING, at(25, 9)),
    ]:
        sent_at = when if state == ReminderState.SENT else None
        Reminder.objects.filter(pk=row.pk).update(state=state, sent_at=sent_at, due_at=when)

    counts = reminder_counts(WEEK)

    assert (counts.sent, counts.failed) == (2, 1)


def test_it_counts_emergency_screen_stops_per_day(clock):
    for day, times in [(date(2026, 2, 22), 4), (date(2026, 2, 24), 2), (date(2026, 3, 1), 1)]:
        for _ in range(times):
            EmergencyScreenStop.count_one(day=day)

    stops = emergency_stops(WEEK)

    assert stops[date(2026, 2, 24)] == 2 and stops[date(2026, 3, 1)] == 1
    assert sum(stops.values()) == 3 and len(stops) == 7


def test_it_reads_every_figure_in_five_queries_however_many_cases(clock, django_assert_num_queries):
    for n in range(3):
        triaged(clock, received(clock, at(24, 8), "urgent"), at(24, 9 + n))
    with django_assert_num_queries(5):
        small = dashboard_figures(WEEK)
    for n in range(30):
        triaged(clock, received(clock, at(25, 8), "routine"), at(25, 9, n))

    with django_assert_num_queries(5):
        large = dashboard_figures(WEEK)

    assert (small.intakes.total, large.intakes.total) == (3, 33)
    assert large.triage["routine"].triaged == 30


def test_it_ends_the_default_range_today_and_covers_thirty_days():
    period = Period.ending(date(2026, 3, 2))

    assert (period.first, period.last, len(period.days)) == (date(2026, 2, 1), date(2026, 3, 2), 30)
