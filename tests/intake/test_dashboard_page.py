"""The dashboard on the staff console's home: who sees it, its date range form, its charts and tables."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from intake.models import Case, CaseStatus
from intake.submission import intake_submit
from tests.conftest import BOB_ANSWERS, staff_login
from tests.referrals.care import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

HOME = reverse("admin:index")


def cases(clock, count: int, *, at: datetime, triage_after: timedelta | None = None) -> None:
    for _ in range(count):
        clock.move_to(at, tick=False)
        number = Case.objects.count()
        case = intake_submit(
            contact={"name": f"Patient {number}", "email": f"p{number}@example.org", "phone": ""},
            answers=BOB_ANSWERS,
        )
        if triage_after is not None:
            case.set_status(CaseStatus.TRIAGED, now=at + triage_after)
            case.save()
    clock.move_to(NOW, tick=False)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_shows_the_last_thirty_days_by_default(client, nurse, clock):
    cases(clock, 2, at=NOW - timedelta(days=29, hours=8), triage_after=timedelta(minutes=40))
    cases(clock, 1, at=NOW - timedelta(days=31))
    staff_login(client, nurse)

    response = client.get(HOME)

    page = text(response)
    assert response.status_code == 200
    assert "The clinic's numbers" in page
    assert "From 1 Feb 2026 to 2 Mar 2026: <strong>2</strong> intakes" in page
    self_care = '<th scope="row">Self-care</th><td>2</td><td>2</td><td>0</td> <td>40 min</td><td>40 min</td>'
    assert self_care in page
    assert '<th scope="row">Sun 1 Feb 2026</th><td>2</td><td>0</td>' in page
    assert page.count('<svg class="chart') == 6


def test_it_shows_a_chosen_range(client, clinic_admin, clock):
    cases(clock, 3, at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    cases(clock, 1, at=datetime(2026, 1, 12, 12, tzinfo=UTC))
    staff_login(client, clinic_admin)

    response = client.get(HOME, {"start": "2026-01-10", "end": "2026-01-11"})

    page = text(response)
    assert "From 10 Jan 2026 to 11 Jan 2026: <strong>3</strong> intakes" in page
    assert 'value="2026-01-10"' in page and 'value="2026-01-11"' in page
    assert "Sat 10 Jan 2026</th><td>3</td>" in page and "12 Jan 2026" not in page


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-45", "", "From: enter the first day as a date, like 2026-11-01."),
        ("yesterday", "2026-02-01", "From: enter the first day as a date, like 2026-11-01."),
        ("2026-02-01", "soon", "To: enter the last day as a date, like 2026-11-30."),
        ("2026-02-10", "2026-02-01", "To: the last day must not be before the first day (From)."),
        ("2026-04-01", "", "From: the first day is after today; choose a To as well."),
        ("2024-01-01", "2026-02-01", "From: the range can cover at most 366 days; choose a later day."),
    ],
)
def test_it_names_the_field_of_a_bad_date_and_keeps_what_was_typed(client, nurse, start, end, message):
    staff_login(client, nurse)

    response = client.get(HOME, {"start": start, "end": end})

    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert f'value="{start}"' in page
    field = "end" if message.startswith("To") else "start"
    assert f'aria-describedby="id_{field}_error"' in page and f'id="id_{field}_error"' in page
    assert '<svg class="chart' not in page


def test_it_shows_no_dashboard_to_front_desk_or_staff_in_no_role(client, front_desk, visitor):
    for user in (front_desk, visitor):
        staff_login(client, user)
        response = client.get(HOME, {"start": "2026-01-10", "end": "2026-01-11"})
        assert response.status_code == 200
        assert "dashboard" not in response.context
        assert 'id="dashboard"' not in response.content.decode()


def test_it_draws_the_charts_without_inline_styles_and_with_words_for_each_bar(client, nurse, clock):
    cases(clock, 4, at=NOW - timedelta(days=2), triage_after=timedelta(hours=2))
    staff_login(client, nurse)

    page = client.get(HOME).content.decode()

    dashboard = page[page.index('id="dashboard"') :]
    assert "style=" not in dashboard and "<script" not in dashboard
    assert "Self-care, median" in dashboard and ">2.0 h<" in dashboard
    assert 'fill="url(#chart-urgency-cross)"' in dashboard and 'id="chart-urgency-cross"' in dashboard
    assert "<title>28 Feb: 4</title>" in dashboard


def test_it_renders_the_home_page_in_the_same_number_of_queries_however_many_cases(
    client, nurse, clock, django_assert_max_num_queries
):
    cases(clock, 2, at=NOW - timedelta(days=3), triage_after=timedelta(hours=1))
    staff_login(client, nurse)
    with django_assert_max_num_queries(40) as few:
        client.get(HOME)
    cases(clock, 25, at=NOW - timedelta(days=5), triage_after=timedelta(hours=3))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(HOME)

    assert response.context["dashboard"]["figures"].intakes.total == 27
