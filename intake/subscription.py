"""A patient's choice to get reminder emails or not.

Turning them off stops every reminder; what the patient asks for themselves
(the confirmation of their request) and the appointment confirm and cancel
pages still work. Staff see it on the case (`Case.unsubscribed_at`) and get
an alert; the patient can turn reminders on again from their page.
"""

from django.db import transaction
from django.utils import timezone

from intake.alerts import alert_unsubscribed
from intake.models import Case


def case_unsubscribe(*, case: Case) -> bool:
    """Turn reminders off; False when they were off already (nothing changes, no second alert)."""
    now = timezone.now()
    with transaction.atomic():
        if Case.objects.filter(pk=case.pk, unsubscribed_at=None).update(unsubscribed_at=now) != 1:
            case.refresh_from_db(fields=["unsubscribed_at"])
            return False
        case.unsubscribed_at = now
        alert_unsubscribed(case)
    return True


def case_resubscribe(*, case: Case) -> bool:
    """Turn reminders on again; False when they were on already."""
    updated = Case.objects.filter(pk=case.pk, unsubscribed_at__isnull=False).update(unsubscribed_at=None)
    case.unsubscribed_at = None
    return updated == 1
