"""Erasure of a patient's personal data by administrators, and after RETENTION_DAYS from beat."""

from datetime import UTC, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.urls import reverse
from django.utils import timezone

from intake.erasure import ERASED
from intake.models import Case, CaseStatus, ReminderState
from intake.submission import intake_submit
from intake.tasks import cases_anonymise_expired
from tests.conftest import ALICE_ANSWERS, staff_login, wait_until
from tests.portal.test_permission_matrix import case_form

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:intake_case_changelist")
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
PERSONAL = ["Alice Example", "alice@example.org", "+1 555 0123"]


def erase(client, case, **extra):
    return client.post(CHANGELIST, {"action": "erase_personal_data", "_selected_action": [case.pk], **extra})


def everything_audited() -> str:
    rows = [str(row) for row in LogEntry.objects.values_list()]
    rows += [str(row) for row in AdminLogEntry.objects.values_list()]
    return "\n".join(rows)


def test_it_asks_before_erasing(client, clinic_admin, alice):
    staff_login(client, clinic_admin)

    response = erase(client, alice)

    assert response.status_code == 200
    assert "Yes, erase their personal data" in response.content.decode()
    alice.refresh_from_db()
    assert alice.name == "Alice Example" and alice.erased_at is None


def test_it_erases_the_personal_data_and_keeps_the_anonymous_counts(client, clinic_admin, alice, bob):
    token = alice.status_token()
    kept = (alice.answers, alice.urgency, alice.route.steps.count())
    staff_login(client, clinic_admin)

    assert erase(client, alice, confirm="yes").status_code == 302

    alice.refresh_from_db()
    assert (alice.name, alice.email, alice.phone) == (ERASED, "", "")
    assert alice.erased_at is not None
    assert (alice.answers, alice.urgency, alice.route.steps.count()) == kept
    assert set(alice.reminders.values_list("state", flat=True)) == {ReminderState.CANCELLED}
    assert client.get(reverse("intake:status", args=[token])).status_code == 404
    bob.refresh_from_db()
    assert bob.name == "Bob Example"


def test_it_leaves_no_personal_data_in_the_audit_trail(client, front_desk, clinic_admin, alice):
    staff_login(client, front_desk)
    client.get(reverse("admin:intake_case_change", args=[alice.pk]))
    client.post(reverse("admin:intake_case_change", args=[alice.pk]), case_form(alice, phone="+1 555 0123"))
    client.logout()
    assert all(value in everything_audited() for value in PERSONAL)
    staff_login(client, clinic_admin)

    erase(client, alice, confirm="yes")

    audited = everything_audited()
    assert not [value for value in PERSONAL if value in audited]
    erasure = LogEntry.objects.get_for_object(alice).filter(additional_data__erased="by staff").get()
    assert erasure.actor == clinic_admin
    assert erasure.changes["name"] == ["(personal data)", ERASED]
    page = client.get(reverse("admin:intake_case_audit", args=[alice.pk])).content.decode()
    assert "personal data erased (by staff)" in page and "Alice" not in page


def test_it_makes_an_erased_case_read_only(client, nurse, alice):
    Case.objects.filter(pk=alice.pk).update(erased_at=START)
    staff_login(client, nurse)

    client.post(reverse("admin:intake_case_change", args=[alice.pk]), case_form(alice, status="triaged"))

    alice.refresh_from_db()
    assert alice.status == CaseStatus.NEW


def test_it_anonymises_closed_cases_after_the_retention_days(
    client, nurse, alice, bob, time_machine, settings
):
    settings.RETENTION_DAYS = 30
    time_machine.move_to(START, tick=False)
    staff_login(client, nurse)
    client.post(reverse("admin:intake_case_change", args=[alice.pk]), case_form(alice, status="closed"))
    alice.refresh_from_db()
    assert alice.closed_at == START

    time_machine.shift(timedelta(days=29))
    assert cases_anonymise_expired() == 0
    time_machine.shift(timedelta(days=2))
    assert cases_anonymise_expired() == 1

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.name == ERASED and bob.name == "Bob Example"
    erasure = (
        LogEntry.objects.get_for_object(alice).filter(additional_data__erased__startswith="retention").get()
    )
    assert erasure.actor is None
    assert "Alice Example" not in everything_audited()


def test_it_counts_retention_from_the_last_closing(alice, bob, time_machine, settings):
    settings.RETENTION_DAYS = 30
    time_machine.move_to(START, tick=False)
    alice.set_status(CaseStatus.CLOSED, now=START)
    alice.save()
    alice.set_status(CaseStatus.IN_PROGRESS, now=START)
    alice.save()

    time_machine.shift(timedelta(days=31))

    assert cases_anonymise_expired() == 0


def test_it_keeps_closed_cases_when_retention_is_off(alice, time_machine):
    assert settings.RETENTION_DAYS == 0
    alice.set_status(CaseStatus.CLOSED, now=START)
    alice.save()
    time_machine.move_to(START + timedelta(days=3650), tick=False)

    assert cases_anonymise_expired() == 0
    alice.refresh_from_db()
    assert alice.name == "Alice Example"


def test_it_runs_the_retention_task_from_beat():
    schedule = settings.CELERY_BEAT_SCHEDULE["cases-anonymise-expired"]
    assert schedule["task"] == "intake.tasks.cases_anonymise_expired"


def test_it_anonymises_through_a_worker_as_beat_would_ask(celery_worker, settings):
    settings.RETENTION_DAYS = 30
    case = intake_submit(
        contact={"name": "Carol Example", "email": "carol@example.org", "phone": ""}, answers=ALICE_ANSWERS
    )
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now() - timedelta(days=31)
    )

    cases_anonymise_expired.delay()

    assert wait_until(lambda: Case.objects.get(pk=case.pk).erased_at is not None)
    assert Case.objects.get(pk=case.pk).name == ERASED
