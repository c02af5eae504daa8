"""Care coordination's records in the audit trail, and erased with the patient's personal data."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from intake.audit import case_audit_entries
from intake.erasure import ERASED
from intake.models import CaseNote
from referrals.models import Appointment, AppointmentState, Location, Referral, ReferralMove, RouteRevision
from tests.conftest import staff_login
from tests.referrals.care import NOW, place

pytestmark = pytest.mark.django_db
SECRET = "Lives with her sister Maria at 12 Elm Road"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def case_url(name, case, *objects):
    return reverse(f"admin:intake_case_{name}", args=[case.pk, *(obj.pk for obj in objects)])


def work_the_case(client, case, front_desk, nurse):
    """Through the console: a note, a move, a booking then its cancelling, an override."""
    therapist = Referral.objects.get(case=case, specialist="therapist")
    staff_login(client, nurse)
    client.post(case_url("note", case), {"text": SECRET})
    client.post(case_url("move", case, therapist), {"status": "referred", "note": SECRET})
    client.post(case_url("override", case), {"action": "add_test", "test": "mri", "reason": "Numb feet"})
    staff_login(client, front_desk)
    starts_at = timezone.localtime(NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        case_url("book", case, therapist), {"starts_at": starts_at, "minutes": "30", "location": place().pk}
    )
    client.post(case_url("cancel", case, Appointment.objects.get()), {"note": SECRET})


def test_it_audits_notes_moves_appointments_and_overrides_with_who_made_them(
    client, alice, front_desk, nurse
):
    work_the_case(client, alice, front_desk, nurse)

    rows = case_audit_entries(alice).filter(action=LogEntry.Action.CREATE)
    made = {(row.content_type.model, row.actor.username) for row in rows if row.actor}

    assert {
        ("casenote", "nurse"),
        ("referralmove", "nurse"),
        ("routerevision", "nurse"),
        ("appointment", "frank"),
        ("referralmove", "frank"),
    } <= made
    assert (
        case_audit_entries(alice)
        .filter(content_type=ContentType.objects.get_for_model(Appointment), action=LogEntry.Action.UPDATE)
        .exists()
    )


def test_it_audits_changes_to_the_clinics_locations(client, clinic_admin):
    staff_login(client, clinic_admin)
    client.post(
        reverse("admin:referrals_location_add"), {"name": "East wing", "address": "2 Low St", "active": "on"}
    )
    location = Location.objects.get(name="East wing")
    assert LogEntry.objects.get_for_object(location).get().actor == clinic_admin


def test_it_erases_what_staff_wrote_about_the_patient_and_keeps_the_records(
    client, alice, front_desk, nurse, clinic_admin
):
    work_the_case(client, alice, front_desk, nurse)
    assert SECRET in str(list(LogEntry.objects.values_list("changes", flat=True)))
    staff_login(client, clinic_admin)

    client.post(
        reverse("admin:intake_case_changelist"),
        {"action": "erase_personal_data", "_selected_action": [alice.pk], "confirm": "yes"},
    )

    assert list(CaseNote.objects.values_list("text", flat=True)) == [ERASED]
    notes = set(ReferralMove.objects.filter(referral__case=alice).values_list("note", flat=True))
    assert SECRET not in notes and ERASED in notes
    cancelled = Appointment.objects.get(state=AppointmentState.CANCELLED)
    assert cancelled.close_note == ERASED
    assert RouteRevision.objects.get().reason == "Numb feet"
    assert SECRET not in str(list(LogEntry.objects.values_list("changes", "changes_text")))
