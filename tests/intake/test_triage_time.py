"""When a case was first triaged: kept wherever its status leaves new, and read back from the audit."""

import importlib
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.apps import apps

from intake.models import Case, CaseStatus
from referrals.models import ReferralStatus
from referrals.referral_status import referral_move
from tests.referrals.care import NOW, referral, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

dashboard_migration = importlib.import_module("intake.migrations.0009_dashboard")


@pytest.fixture
def desk(db):
    return staff("desk", "move_referral", "book_appointment")


def test_it_dates_triage_when_staff_first_change_the_status(alice):
    alice.set_status(CaseStatus.TRIAGED, now=NOW + timedelta(hours=2))
    alice.set_status(CaseStatus.NEW, now=NOW + timedelta(hours=3))
    alice.set_status(CaseStatus.TRIAGED, now=NOW + timedelta(hours=4))

    assert alice.triaged_at == NOW + timedelta(hours=2)


def test_it_dates_triage_and_closing_when_the_steps_move_the_case(alice, desk, clock):
    clock.move_to(NOW + timedelta(hours=5), tick=False)
    referral_move(referral=referral(alice, "neurologist"), to=ReferralStatus.REFERRED, by=desk)
    alice.refresh_from_db()
    assert (alice.status, alice.triaged_at, alice.closed_at) == (
        CaseStatus.IN_PROGRESS,
        NOW + timedelta(hours=5),
        None,
    )

    clock.move_to(NOW + timedelta(days=1), tick=False)
    for specialist in ("neurologist", "therapist"):
        referral_move(
            referral=referral(alice, specialist), to=ReferralStatus.DECLINED, by=desk, note="Moved away"
        )

    alice.refresh_from_db()
    assert (alice.status, alice.triaged_at, alice.closed_at) == (
        CaseStatus.CLOSED,
        NOW + timedelta(hours=5),
        NOW + timedelta(days=1),
    )


def test_it_takes_the_triage_time_of_older_cases_from_the_audit_trail(alice, bob):
    Case.objects.filter(pk__in=[alice.pk, bob.pk]).update(status=CaseStatus.TRIAGED, triaged_at=None)
    for case, changes, hours in [
        (alice, {"name": ["Alice", "Alice Example"]}, 1),
        (alice, {"status": ["new", "in_progress"]}, 2),
        (alice, {"status": ["in_progress", "new"]}, 3),
        (alice, {"status": ["new", "triaged"]}, 4),
        (bob, {"status": ["triaged", "closed"]}, 5),
    ]:
        entry = LogEntry.objects.log_create(
            case, action=LogEntry.Action.UPDATE, changes=changes, force_log=True
        )
        LogEntry.objects.filter(pk=entry.pk).update(timestamp=NOW + timedelta(hours=hours))

    dashboard_migration.triaged_from_audit(apps, None)

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.triaged_at, bob.triaged_at) == (NOW + timedelta(hours=2), None)
