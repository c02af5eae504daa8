"""The records care coordination keeps: permissions to grant, and steps of routes stored earlier."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils.module_loading import import_string

from referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

open_referrals = import_string("referrals.migrations.0003_referrals_for_existing_routes.open_referrals")


def codenames(app_label, model):
    return set(
        Permission.objects.filter(content_type__app_label=app_label, content_type__model=model).values_list(
            "codename", flat=True
        )
    )


@pytest.mark.parametrize(
    ("app_label", "model", "custom"),
    [
        ("referrals", "referral", {"move_referral"}),
        ("referrals", "referralmove", set()),
        ("referrals", "location", set()),
        ("referrals", "appointment", {"book_appointment"}),
        ("referrals", "routerevision", {"override_route"}),
        ("referrals", "revisionstep", set()),
        ("intake", "casenote", set()),
    ],
)
def test_it_gives_each_model_the_default_permissions_and_its_own(app_label, model, custom):
    defaults = {f"{action}_{model}" for action in ("add", "change", "delete", "view")}
    assert codenames(app_label, model) == defaults | custom


def test_it_opens_the_steps_of_routes_stored_before_steps_were_tracked(alice, bob):
    Referral.objects.all().delete()
    open_referrals(apps, None)
    opened = Referral.objects.order_by("case_id", "id").values_list(
        "case_id", "specialist", "status", "opened_at"
    )
    assert list(opened) == [
        (alice.pk, "therapist", ReferralStatus.SUGGESTED, alice.created_at),
        (alice.pk, "neurologist", ReferralStatus.SUGGESTED, alice.created_at),
        (bob.pk, "therapist", ReferralStatus.SUGGESTED, bob.created_at),
    ]


def test_it_leaves_steps_already_tracked_as_they_are(alice):
    Referral.objects.filter(specialist="neurologist").update(status=ReferralStatus.REFERRED)
    open_referrals(apps, None)
    assert dict(alice.referrals.values_list("specialist", "status")) == {
        "therapist": ReferralStatus.SUGGESTED,
        "neurologist": ReferralStatus.REFERRED,
    }
