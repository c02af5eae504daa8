from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from intake.models import Case, Reminder
from intake.reminders import reminders_for_new_case
from intake.tasks import reminders_dispatch_now
from referrals.engine import suggest_route
from referrals.intakes import parse_intake
from referrals.models import route_record


def intake_submit(*, contact: dict[str, str], answers: dict[str, Any], language: str = "") -> Case:
    """Save a patient's intake with its route and reminders, all or nothing.

    `answers` is the route contract's intake; it raises IntakeError when invalid.
    `language` (the intake's, a code of settings.LANGUAGES; default the clinic's)
    is the language of the patient's emails.
    """
    intake = parse_intake(answers)
    route = suggest_route(intake)
    now = timezone.now()
    # Within a caller's transaction (the review page's), a part of it: no savepoint.
    with transaction.atomic(savepoint=False):
        case = Case.objects.create(
            name=contact["name"],
            email=contact["email"],
            phone=contact.get("phone", ""),
            consented_at=now,
            answers=intake.as_dict(),
            urgency=route["urgency"],
            language=_supported_language(language),
        )
        route_record(case=case, route=route)
        Reminder.objects.bulk_create(reminders_for_new_case(case, now=now))
        transaction.on_commit(reminders_dispatch_now)
    return case


def _supported_language(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE
