"""Emails, to patients and to staff. One kind per email, each with its templates
emails/<kind>_subject.txt and emails/<kind>_body.txt.

Patient emails carry no health data: no symptoms, no urgency, no specialist,
only dates, times, places and links behind signed tokens (the status page,
an appointment's confirm and cancel links, the unsubscribe link). Each has
List-Unsubscribe and the one-click List-Unsubscribe-Post header (RFC 8058).

Staff alerts name the case number, what happened and the admin link; nothing
about the patient's health, name or answers.
"""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from intake.alerts import alert_recipients
from intake.models import Case, Reminder, ReminderKind
from portal.context_processors import clinic_contact
from referrals.appointment_links import appointment_link_url
from referrals.models import Appointment


def status_url(case: Case) -> str:
    return settings.SITE_URL + reverse("intake:status", args=[case.status_token()])


def unsubscribe_url(case: Case) -> str:
    return settings.SITE_URL + reverse("intake:email_unsubscribe", args=[case.email_preferences_token()])


def admin_case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("admin:intake_case_change", args=[case.pk])


def email_connection():
    """An open connection to the mail server, for a batch of messages to share."""
    mailer = get_connection()
    mailer.open()
    return mailer


def email_connection_drop(mailer, *, quit: bool = False) -> None:
    """Close a batch's connection: with QUIT after a batch, at once after a lost or hung one.

    Returns None, for the caller to forget the connection.
    """
    if mailer is None:
        return None
    smtp = getattr(mailer, "connection", None)
    if smtp is not None and not quit:
        smtp.close()  # no QUIT to a server that may hang
    try:
        mailer.close()
    except (OSError, smtplib.SMTPException):
        mailer.connection = None
    return None


def _message_id(reminder: Reminder) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<reminder-{reminder.pk}.{reminder.case.public_id}@{domain}>"


def appointment_details(appointment: Appointment) -> dict:
    """When and where, as an email says it: never with whom (free text that may name a specialist)."""
    starts = timezone.localtime(appointment.starts_at)
    return {
        # In the active language: "Monday 5 January 2026", "понедельник 5 января 2026".
        "date": dateformat.format(starts, "l j E Y"),
        "time": f"{starts:%H:%M}",
        "place": appointment.location.calendar_text(),
    }


def reminder_message(reminder: Reminder) -> EmailMessage:
    """The email, in the patient's language for a patient, in the clinic's for staff."""
    if reminder.is_staff_alert:
        with translation.override(settings.LANGUAGE_CODE):
            return _alert_message(reminder)
    with translation.override(reminder.case.language or settings.LANGUAGE_CODE):
        return _patient_message(reminder)


def _patient_message(reminder: Reminder) -> EmailMessage:
    case = reminder.case
    context = {
        "status_url": status_url(case),
        "unsubscribe_url": unsubscribe_url(case),
        **clinic_contact(),
        "link_days": settings.STATUS_LINK_MAX_AGE_DAYS,
    }
    if reminder.appointment_id:
        context["appointment"] = appointment_details(reminder.appointment)
        context["confirm_url"] = appointment_link_url(reminder.appointment, "confirm")
        context["cancel_url"] = appointment_link_url(reminder.appointment, "cancel")
    headers = {
        "Message-ID": _message_id(reminder),
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return _render(reminder, context, to=[case.email], headers=headers)


def _alert_message(reminder: Reminder) -> EmailMessage:
    case = reminder.case
    context = {"case_number": case.pk, "admin_url": admin_case_url(case), **clinic_contact()}
    if reminder.kind == ReminderKind.ALERT_NEW_CASE:
        context["priority"] = case.get_urgency_display()
    if reminder.appointment_id:
        context["appointment"] = appointment_details(reminder.appointment)
    if reminder.kind == ReminderKind.ALERT_REMINDER_FAILED:
        failed = Reminder.objects.get(pk=int(reminder.key))
        context["failed_kind"] = failed.get_kind_display()
    return _render(
        reminder, context, to=alert_recipients(case), headers={"Message-ID": _message_id(reminder)}
    )


def _render(reminder: Reminder, context: dict, *, to: list[str], headers: dict[str, str]) -> EmailMessage:
    template = f"emails/{reminder.kind}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=to, headers=headers)
