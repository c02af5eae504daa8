"""The intake workflow: a case, its route and its reminders are saved together or not at all."""

import pytest
from django.db import IntegrityError

from intake import submission
from intake.models import Case, Reminder
from intake.reminders import reminders_for_new_case
from intake.submission import intake_submit
from referrals.models import Route, RouteStep
from tests.conftest import ALICE_ANSWERS, BOB_ANSWERS

CONTACT = {"name": "Dana Example", "email": "dana@example.org", "phone": "+1 555 0199"}


@pytest.mark.django_db(transaction=True)
def test_it_saves_no_case_or_route_when_the_reminders_cannot_be_written(monkeypatch):
    def reminders_breaking_the_once_per_kind_constraint(case, *, now):
        reminders = reminders_for_new_case(case, now=now)
        return [*reminders, Reminder(case=case, kind=reminders[0].kind, due_at=now)]

    monkeypatch.setattr(submission, "reminders_for_new_case", reminders_breaking_the_once_per_kind_constraint)
    with pytest.raises(IntegrityError):
        intake_submit(contact=CONTACT, answers=ALICE_ANSWERS)
    assert Case.objects.count() == Route.objects.count() == RouteStep.objects.count() == 0
    assert Reminder.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_saves_the_case_route_and_reminders_together():
    case = intake_submit(contact=CONTACT, answers=ALICE_ANSWERS)
    assert Case.objects.get() == case
    assert Route.objects.get().case == case
    assert RouteStep.objects.filter(route__case=case).count() == len(case.route.steps.all()) > 1
    assert case.reminders.count() == 2


@pytest.mark.django_db
def test_it_keeps_the_phone_number_and_an_empty_one_when_none_is_given():
    with_phone = intake_submit(contact=CONTACT, answers=BOB_ANSWERS)
    without = intake_submit(contact={"name": "Eve Example", "email": "eve@example.org"}, answers=BOB_ANSWERS)
    with_phone.refresh_from_db()
    without.refresh_from_db()
    assert (with_phone.phone, without.phone) == ("+1 555 0199", "")
    assert (with_phone.name, with_phone.email) == ("Dana Example", "dana@example.org")
