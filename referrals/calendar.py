"""An appointment as an iCalendar file (RFC 5545) for the patient's own calendar.

It says when, where and which clinic, nothing else: no specialist, no
urgency, no reason and no name, since calendars are shared and synced. The
UID is the appointment's calendar UID, kept across reschedules, and SEQUENCE
grows with each change, so a calendar updates the one event.
"""

from datetime import UTC
from urllib.parse import urlsplit

import icalendar
from django.conf import settings

from referrals.models import Appointment, AppointmentState

PRODID = "-//Clinic intake portal//Appointments//EN"


def appointment_ics(*, appointment: Appointment) -> str:
    """The iCalendar text (CRLF line ends, folded lines) for one appointment."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(appointment))
    return calendar.to_ical().decode()


def appointment_ics_filename(appointment: Appointment) -> str:
    return f"appointment-{appointment.starts_at:%Y%m%d-%H%M}.ics"


def _event(appointment: Appointment) -> icalendar.Event:
    cancelled = appointment.state == AppointmentState.CANCELLED
    event = icalendar.Event()
    event.add("uid", f"{appointment.calendar_uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}")
    # The time this version of the appointment was made: the same file every time it is asked for.
    event.add("dtstamp", (appointment.closed_at if cancelled else appointment.created_at).astimezone(UTC))
    event.add("sequence", appointment.sequence + (1 if cancelled else 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", f"Appointment at {settings.CLINIC_NAME}")
    event.add("location", appointment.location.calendar_text())
    event.add("description", _description())
    return event


def _description() -> str:
    lines = [f"Your appointment at {settings.CLINIC_NAME}."]
    if settings.CLINIC_PHONE:
        lines.append(f"To change or cancel it, call {settings.CLINIC_PHONE}.")
    return "\n".join(lines)
