"""Thin Celery tasks: they carry ids, the work lives in intake.reminders and intake.alerts."""

import logging

from celery import shared_task
from django.db import close_old_connections
from django.utils import timezone

from intake.alerts import alerts_untriaged_add
from intake.erasure import cases_anonymise_expired as anonymise_expired
from intake.outbox import outbox_dispatch_now
from intake.reminders import BATCH_TIME_LIMIT, reminders_claim_due, reminders_send

logger = logging.getLogger(__name__)


@shared_task
def reminders_dispatch() -> int:
    """Run by beat every minute, and right after a change that makes an email due at once.

    Claims batch after batch until nothing is due, so a backlog (after an SMTP
    outage) drains at the workers' pace, not beat's.
    """
    close_old_connections()
    now, total = timezone.now(), 0
    while claimed := reminders_claim_due(now=now):
        reminders_send_task.delay(claimed)
        total += len(claimed)
    return total


@shared_task(time_limit=BATCH_TIME_LIMIT.total_seconds())
def reminders_send_task(reminder_ids: list[int]) -> dict[int, str]:
    """Send one batch of ids over one SMTP connection (it stops starting sends after BATCH_BUDGET)."""
    close_old_connections()  # keep the connection unless it is broken or past its age
    return reminders_send(reminder_ids=reminder_ids)


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
