"""The triage queue at scale: order and search from indexes, the same queries per page at any size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.admin_queue import search_condition
from intake.models import Case
from intake.submission import intake_submit
from referrals.overrides import OverrideAction, RouteChange, route_override
from referrals.vocabulary import URGENCY_RANK
from tests.conftest import require, staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:intake_case_changelist")
REGULAR = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "regular"}
ONCE = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "once"}


def make_case(n: int, answers: dict = REGULAR, name: str = "") -> Case:
    contact = {"name": name or f"Patient {n}", "email": f"patient.{n}@example.org", "phone": ""}
    return intake_submit(contact=contact, answers=answers)


def listed(response) -> list[str]:
    return [case.name for case in response.context["cl"].result_list]


def test_it_stores_the_rank_of_each_new_case_urgency():
    urgent, routine = make_case(1, REGULAR), make_case(2, ONCE)

    for case in (urgent, routine):
        case.refresh_from_db()
        assert case.urgency_rank == URGENCY_RANK[case.urgency]
    assert urgent.urgency_rank > routine.urgency_rank


def test_it_keeps_the_rank_in_step_when_urgency_changes(nurse):
    case = make_case(1, ONCE)
    Case.objects.filter(pk=case.pk).update(urgency="emergency")
    case.refresh_from_db()
    assert case.urgency_rank == URGENCY_RANK["emergency"]

    Case.objects.filter(pk=case.pk).update(urgency="routine")
    change = RouteChange(OverrideAction.ADD_STEP, specialist="neurologist", urgency="urgent")
    route_override(case=case, by=nurse, reason="Seen in clinic: tingling in both legs", changes=[change])

    assert case.urgency == "urgent" and case.urgency_rank == URGENCY_RANK["urgent"]
    assert Case.objects.get(pk=case.pk).urgency_rank == URGENCY_RANK["urgent"]


def test_it_orders_the_queue_by_the_stored_rank_after_an_override(client, nurse):
    routine, urgent = make_case(1, ONCE), make_case(2, REGULAR)
    change = RouteChange(OverrideAction.ADD_STEP, specialist="neurologist", urgency="emergency")
    route_override(case=routine, by=nurse, reason="Seen in clinic: sudden weakness", changes=[change])
    staff_login(client, nurse)

    assert listed(client.get(CHANGELIST)) == [routine.name, urgent.name]


def test_it_lists_a_page_in_the_same_queries_at_two_sizes(client, nurse):
    staff_login(client, nurse)
    for n in range(3):
        make_case(n)
    client.get(CHANGELIST)  # caches (content types, the session) settle
    with CaptureQueriesContext(connection) as small:
        assert client.get(CHANGELIST).status_code == 200
    for n in range(3, 130):
        make_case(n, ONCE if n % 2 else REGULAR)

    with CaptureQueriesContext(connection) as large:
        response = client.get(CHANGELIST)

    assert len(listed(response)) == 50
    assert len(large.captured_queries) == len(small.captured_queries)
    # No count of the whole table beside the filtered one, and no date drill-down reading the dates.
    sqls = [query["sql"].upper() for query in large.captured_queries]
    assert sum("COUNT(" in sql and "INTAKE_CASE" in sql for sql in sqls) == 1
    assert not any("DISTINCT" in sql and "CREATED_AT" in sql for sql in sqls)


def test_it_finds_a_case_by_number_whole_email_or_part_of_a_name(client, nurse):
    make_case(1, name="Alice Example")
    bob = make_case(2, name="Bob Sample")
    staff_login(client, nurse)

    assert listed(client.get(CHANGELIST, {"q": f"#{bob.pk}"})) == ["Bob Sample"]
    assert listed(client.get(CHANGELIST, {"q": str(bob.pk)})) == ["Bob Sample"]
    assert listed(client.get(CHANGELIST, {"q": "PATIENT.1@example.org"})) == ["Alice Example"]
    assert listed(client.get(CHANGELIST, {"q": "patient.1@example"})) == []
    assert listed(client.get(CHANGELIST, {"q": "  ice   exa "})) == ["Alice Example"]
    assert listed(client.get(CHANGELIST, {"q": "9" * 40})) == []


def test_it_narrows_to_recent_cases_without_reading_every_date(client, nurse):
    make_case(1)
    staff_login(client, nurse)

    response = client.get(CHANGELIST, {"created_at__gte": str(timezone.now() - timedelta(days=7))})

    assert response.status_code == 200 and listed(response) == ["Patient 1"]
    assert b"Past 7 days" in response.content


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_it_serves_the_queue_order_and_the_searches_from_indexes():
    require(connection.vendor == "postgresql", "the query plans are PostgreSQL's")
    make_case(1, name="Alice Example")
    queue = Case.objects.order_by("-urgency_rank", "created_at", "pk")[:50]
    by_name = Case.objects.filter(search_condition("lice exa"))
    by_email = Case.objects.filter(search_condition("Patient.1@Example.org"))

    assert "case_queue_order" in _plan(*queue.query.sql_with_params())
    assert "case_name_trigram" in _plan(*by_name.query.sql_with_params())
    assert "case_email_upper" in _plan(*by_email.query.sql_with_params())
