"""Thin Celery tasks: they carry ids, the work lives in intake.reminders and intake.alerts."""

import logging

from celery import shared_task
from django.utils import timezone

from intake.alerts import alerts_untriaged_add
from intake.erasure import cases_anonymise_expired as anonymise_expired
from intake.outbox import outbox_dispatch_now
from intake.reminders import reminder_send, reminders_claim_due

logger = logging.getLogger(__name__)


@shared_task
def reminders_dispatch() -> int:
    """Run by beat every minute, and right after a change that makes an email due at once."""
    claimed = reminders_claim_due(now=timezone.now())
    for reminder_id in claimed:
        reminder_send_task.delay(reminder_id)
    return len(claimed)


@shared_task
def reminder_send_task(reminder_id: int) -> str | None:
    return reminder_send(reminder_id=reminder_id)


@shared_task
def alerts_untriaged() -> int:
    """Run by beat: alert staff about cases still untriaged past their urgency's deadline."""
    return alerts_untriaged_add(now=timezone.now())


def reminders_dispatch_now() -> None:
    """Ask a worker to send what is due; it never waits on the broker (intake.outbox)."""
    outbox_dispatch_now()


@shared_task
def cases_anonymise_expired() -> int:
    """Run by beat every hour: erase closed cases past RETENTION_DAYS (nothing when it is 0)."""
    return anonymise_expired(now=timezone.now())
