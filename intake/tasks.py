"""Thin Celery tasks: they carry ids, the work lives in intake.reminders."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from intake.erasure import cases_anonymise_expired as anonymise_expired
from intake.reminders import reminder_send, reminders_claim_due

logger = logging.getLogger(__name__)


@shared_task
def reminders_dispatch() -> int:
    """Run by beat every minute, and right after an intake is saved."""
    claimed = reminders_claim_due(now=timezone.now())
    for reminder_id in claimed:
        reminder_send_task.delay(reminder_id)
    return len(claimed)


@shared_task
def reminder_send_task(reminder_id: int) -> str | None:
    return reminder_send(reminder_id=reminder_id)


def reminders_dispatch_now() -> None:
    """Ask a worker to send what is due; if the broker is down, beat's next tick does it."""
    try:
        reminders_dispatch.delay()
    except (OperationalError, OSError):
        logger.warning("broker unavailable: due reminders wait for the next dispatch")


@shared_task
def cases_anonymise_expired() -> int:
    """Run by beat every hour: erase closed cases past RETENTION_DAYS (nothing when it is 0)."""
    return anonymise_expired(now=timezone.now())
