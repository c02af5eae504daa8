"""Emails to patients. They carry no health data: only a link to the case's
status page behind a signed, expiring token."""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from intake.models import Case, Reminder
from portal.context_processors import clinic_contact


def status_url(case: Case) -> str:
    return settings.SITE_URL + reverse("intake:status", args=[case.status_token()])


def _message_id(reminder: Reminder) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<reminder-{reminder.pk}.{reminder.case.public_id}@{domain}>"


def reminder_message(reminder: Reminder) -> EmailMessage:
    context = {
        "case": reminder.case,
        "status_url": status_url(reminder.case),
        **clinic_contact(),
        "link_days": settings.STATUS_LINK_MAX_AGE_DAYS,
    }
    template = f"emails/{reminder.kind}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[reminder.case.email],
        headers={"Message-ID": _message_id(reminder)},
    )
