"""The case page in the staff console: assignee and notes, each step's status and moves,
appointments, and overrides of the route with the engine's route beside the current one."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from intake.models import Case, CaseNote
from referrals.appointments import appointment_book
from referrals.models import Appointment, AppointmentState, Referral, ReferralStatus, RouteRevision
from referrals.overrides import OverrideAction, RouteChange, route_override
from referrals.referral_status import referral_move
from tests.conftest import staff_login
from tests.portal.test_staff_sign_in import inline_code
from tests.referrals.care import NOW, place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
S = ReferralStatus


def page(case: Case) -> str:
    return reverse("admin:intake_case_change", args=[case.pk])


def action(name: str, case: Case, *objects) -> str:
    return reverse(f"admin:intake_case_{name}", args=[case.pk, *(obj.pk for obj in objects)])


def step(case: Case, specialist: str) -> Referral:
    return Referral.objects.get(case=case, specialist=specialist)


def local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def booking(**changes) -> dict:
    return {
        "starts_at": local(NOW + timedelta(days=1)),
        "minutes": "45",
        "location": str(place().pk),
        "with_whom": "Dr Grey",
        **changes,
    }


# --- Assignee and notes ----------------------------------------------------------


def test_it_finds_an_assignee_among_active_staff_only_for_those_who_assign(client, alice, front_desk, nurse):
    User.objects.create_user("nurse-retired", "r@clinic.example", "pw", is_staff=True, is_active=False)
    User.objects.create_user("nurse-patient", "p@example.org", "pw")
    url = reverse("admin:autocomplete")
    query = {"app_label": "intake", "model_name": "case", "field_name": "assigned_to", "term": "nurse"}
    staff_login(client, front_desk)

    found = client.get(url, query)
    elsewhere = client.get(url, {**query, "field_name": "other"})

    assert [row["text"] for row in json.loads(found.content)["results"]] == ["nurse"]
    assert elsewhere.status_code in (403, 404)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_it_lets_nobody_without_a_role_search_staff(client, alice, visitor):
    staff_login(client, visitor)
    query = {"app_label": "intake", "model_name": "case", "field_name": "assigned_to", "term": "v"}
    assert client.get(reverse("admin:autocomplete"), query).status_code == 403


def test_it_assigns_the_case_from_its_page(client, alice, front_desk, nurse):
    staff_login(client, front_desk)
    response = client.get(page(alice))
    form = response.context["adminform"].form
    # Without JavaScript the search is a plain list of active staff.
    assert f'<option value="{nurse.pk}">nurse</option>' in str(form["assigned_to"])
    data = {name: form[name].value() or "" for name in ("name", "email", "phone")}
    data.update({"assigned_to": nurse.pk, "reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0"})
    reminders = list(alice.reminders.all())
    data.update(
        {"reminders-TOTAL_FORMS": str(len(reminders)), "reminders-INITIAL_FORMS": str(len(reminders))}
    )
    data.update({f"reminders-{n}-id": r.pk for n, r in enumerate(reminders)})
    data.update({f"reminders-{n}-case": alice.pk for n in range(len(reminders))})

    response = client.post(page(alice), data)

    assert response.status_code == 302
    assert Case.objects.get(pk=alice.pk).assigned_to == nurse


def test_it_adds_internal_notes_with_who_and_when_and_never_shows_them_to_the_patient(client, alice, nurse):
    staff_login(client, nurse)

    response = client.post(action("note", alice), {"text": "Prefers mornings; speaks Spanish."})

    assert response.status_code == 302 and response.url.endswith("#notes")
    note = CaseNote.objects.get(case=alice)
    assert (note.by, note.created_at) == (nurse, NOW)
    html = client.get(page(alice)).content.decode()
    assert "Prefers mornings; speaks Spanish." in html and "nurse</strong>, 2026-03-02 09:00" in html
    patient = client.get(reverse("intake:status", args=[alice.status_token()])).content.decode()
    assert "Prefers mornings" not in patient


def test_it_refuses_an_empty_note_with_a_clear_error(client, alice, nurse):
    staff_login(client, nurse)
    response = client.post(action("note", alice), {"text": "   "})
    assert response.status_code == 200
    assert "Write the note before saving it." in response.content.decode()
    assert not CaseNote.objects.exists()


# --- Steps and their moves -------------------------------------------------------


def test_it_lists_each_step_with_its_status_and_only_the_moves_the_member_may_make(
    client, alice, front_desk, nurse
):
    staff_login(client, front_desk)
    desk_panels = client.get(page(alice)).context["step_panels"]
    staff_login(client, nurse)
    nurse_panels = client.get(page(alice)).context["step_panels"]

    assert [(p.number, p.tracked.step.specialist, p.tracked.referral.status) for p in desk_panels] == [
        (1, "therapist", S.SUGGESTED),
        (2, "neurologist", S.SUGGESTED),
    ]
    assert [code for code, _ in desk_panels[0].move_form.fields["status"].choices] == [S.REFERRED]
    assert [code for code, _ in nurse_panels[0].move_form.fields["status"].choices] == [
        S.REFERRED,
        S.DECLINED,
        S.CANCELLED,
    ]


def test_it_moves_a_step_and_shows_its_history(client, alice, nurse):
    staff_login(client, nurse)

    response = client.post(
        action("move", alice, step(alice, "neurologist")), {"status": "referred", "note": "Sent"}
    )

    assert response.status_code == 302 and response.url == page(alice) + "#steps"
    assert step(alice, "neurologist").status == S.REFERRED
    panels = client.get(page(alice)).context["step_panels"]
    move = panels[1].moves[0]
    assert (move.by, move.at, move.from_status, move.to_status, move.note) == (
        nurse,
        NOW,
        S.SUGGESTED,
        S.REFERRED,
        "Sent",
    )


def test_it_refuses_a_decline_without_a_note_and_keeps_what_was_chosen(client, alice, nurse):
    staff_login(client, nurse)

    response = client.post(
        action("move", alice, step(alice, "neurologist")), {"status": "declined", "note": ""}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["note"] == ["Say why the step is declined by the patient."]
    assert form["status"].value() == "declined"
    assert step(alice, "neurologist").status == S.SUGGESTED


def test_it_refuses_a_move_the_member_may_not_make(client, alice, front_desk):
    staff_login(client, front_desk)
    response = client.post(
        action("move", alice, step(alice, "neurologist")), {"status": "cancelled", "note": "x"}
    )
    assert "status" in response.context["form"].errors
    assert step(alice, "neurologist").status == S.SUGGESTED


def test_it_shows_another_cases_step_as_not_found(client, alice, bob, nurse):
    staff_login(client, nurse)
    response = client.post(action("move", alice, step(bob, "therapist")), {"status": "referred"})
    assert response.status_code == 404


# --- Appointments ----------------------------------------------------------------


def test_it_books_a_step_from_the_case_page(client, alice, front_desk):
    staff_login(client, front_desk)

    response = client.post(action("book", alice, step(alice, "therapist")), booking())

    assert response.status_code == 302
    appointment = Appointment.objects.get(referral=step(alice, "therapist"))
    assert (appointment.starts_at, appointment.duration, appointment.with_whom, appointment.booked_by) == (
        NOW + timedelta(days=1),
        timedelta(minutes=45),
        "Dr Grey",
        front_desk,
    )
    html = client.get(page(alice)).content.decode()
    assert "Booked for <strong>2026-03-03 09:00</strong> at Main clinic with Dr Grey" in html


def test_it_refuses_a_past_time_naming_the_field_and_keeping_what_was_typed(client, alice, front_desk):
    staff_login(client, front_desk)

    response = client.post(
        action("book", alice, step(alice, "therapist")), booking(starts_at=local(NOW - timedelta(hours=1)))
    )

    form = response.context["form"]
    assert form.errors["starts_at"] == ["The appointment time is in the past."]
    assert (form["with_whom"].value(), form["minutes"].value()) == ("Dr Grey", "45")
    assert not Appointment.objects.exists()


def test_it_offers_only_the_places_the_clinic_uses_now(client, alice, front_desk):
    place()
    retired = place("Old annex", active=False)
    staff_login(client, front_desk)

    panel = client.get(page(alice)).context["step_panels"][0]
    refused = client.post(action("book", alice, step(alice, "therapist")), booking(location=str(retired.pk)))

    assert [label for _, label in panel.book_form.fields["location"].choices] == [
        "Choose a place",
        "Main clinic",
    ]
    assert "location" in refused.context["form"].errors
    assert refused.context["form"].errors["location"][0].startswith("Select a valid choice")
    assert not Appointment.objects.exists()


def test_it_reschedules_and_cancels_an_appointment_from_the_case_page(client, alice, front_desk):
    first = appointment_book(
        referral=step(alice, "therapist"), starts_at=NOW + timedelta(days=1), location=place(), by=front_desk
    )
    staff_login(client, front_desk)

    moved = client.post(
        action("reschedule", alice, first), booking(starts_at=local(NOW + timedelta(days=2)), note="Asked")
    )
    second = Appointment.objects.get(state=AppointmentState.BOOKED)
    cancelled = client.post(action("cancel", alice, second), {"note": "Feels better"})

    assert moved.status_code == 302 and cancelled.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.close_note) == (AppointmentState.RESCHEDULED, "Asked")
    assert (second.starts_at, second.state) == (NOW + timedelta(days=2), AppointmentState.CANCELLED)
    assert step(alice, "therapist").status == S.REFERRED
    html = client.get(page(alice)).content.decode()
    assert "Feels better" in html and "Moved to another time" in html


def test_it_answers_not_found_for_an_appointment_no_longer_booked(client, alice, front_desk):
    appointment = appointment_book(
        referral=step(alice, "therapist"), starts_at=NOW + timedelta(days=1), location=place(), by=front_desk
    )
    staff_login(client, front_desk)
    client.post(action("cancel", alice, appointment), {})
    assert client.post(action("cancel", alice, appointment), {}).status_code == 404


# --- Overrides -------------------------------------------------------------------


def test_it_overrides_the_route_with_a_reason_and_shows_both_routes(client, alice, nurse):
    staff_login(client, nurse)

    response = client.post(
        action("override", alice),
        {"action": "change_urgency", "specialist": "neurologist", "urgency": "soon", "reason": "Seen by GP"},
    )

    assert response.status_code == 302
    revision = RouteRevision.objects.get(route__case=alice)
    assert (revision.by, revision.reason) == (nurse, "Seen by GP")
    context = client.get(page(alice)).context
    neurologist = next(row for row in context["comparison"].steps if row.specialist == "neurologist")
    assert (neurologist.engine.urgency, neurologist.current.urgency, neurologist.change) == (
        "urgent",
        "soon",
        "urgency",
    )
    html = client.get(page(alice)).content.decode()
    assert ": Urgent to Soon" in html
    assert "Reason: Seen by GP" in html


def test_it_refuses_an_override_without_a_reason(client, alice, nurse):
    staff_login(client, nurse)

    response = client.post(action("override", alice), {"action": "add_test", "test": "mri", "reason": " "})

    assert "reason" in response.context["form"].errors
    assert response.context["form"]["test"].value() == "mri"
    assert not RouteRevision.objects.exists()


def test_it_names_the_field_an_override_gets_wrong(client, alice, nurse):
    staff_login(client, nurse)
    response = client.post(
        action("override", alice),
        {"action": "remove_step", "specialist": "therapist", "reason": "Not needed"},
    )
    assert response.context["form"].errors["specialist"] == [
        "The therapist step stays: every route starts with it."
    ]


def test_it_shows_a_removed_step_and_an_added_test_side_by_side(client, alice, nurse):
    route_override(
        case=alice,
        by=nurse,
        reason="Neurology not needed",
        changes=[
            RouteChange(OverrideAction.REMOVE_STEP, specialist="neurologist"),
            RouteChange(OverrideAction.ADD_TEST, test="mri"),
        ],
    )
    staff_login(client, nurse)

    context = client.get(page(alice)).context

    assert [(row.specialist, row.change) for row in context["comparison"].steps] == [
        ("therapist", ""),
        ("neurologist", "removed"),
    ]
    assert ("MRI scan", False, True) in context["test_rows"]
    assert [panel.tracked.step.specialist for panel in context["step_panels"]] == ["therapist"]


# --- Queries ---------------------------------------------------------------------


SPECIALISTS = ["cardiologist", "surgeon", "urologist", "orthopedist", "pulmonologist"]


def grow(case: Case, size: int, nurse: User, desk: User) -> None:
    """`size` more steps, each referred and booked, and `size` notes on the case."""
    added = SPECIALISTS[:size]
    changes = [RouteChange(OverrideAction.ADD_STEP, specialist=s, urgency="routine") for s in added]
    route_override(case=case, by=nurse, reason="Wider look", changes=changes)
    for specialist in added:
        referral_move(referral=step(case, specialist), to=S.REFERRED, by=nurse, note="Sent")
        when = NOW + timedelta(days=2)
        appointment_book(referral=step(case, specialist), starts_at=when, location=place(), by=desk)
    for n in range(size):
        CaseNote.objects.create(case=case, by=nurse, text=f"Note {n}")


def test_it_shows_the_case_page_in_the_same_number_of_queries_however_many_steps(
    client, alice, bob, nurse, front_desk, django_assert_max_num_queries
):
    grow(bob, 1, nurse, front_desk)
    grow(alice, 5, nurse, front_desk)
    staff_login(client, nurse)
    with django_assert_max_num_queries(80) as few:
        client.get(page(bob))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page(alice))

    assert len(response.context["step_panels"]) == 7
    assert len(response.context["notes"]) == 5


def test_it_keeps_the_console_pages_within_the_content_security_policy(client, alice, front_desk, nurse):
    appointment = appointment_book(
        referral=step(alice, "therapist"), starts_at=NOW + timedelta(days=1), location=place(), by=front_desk
    )
    changelist = reverse("admin:intake_case_changelist")
    staff_login(client, nurse)
    pages = [
        client.get(reverse("admin:index")),
        client.get(changelist, {"view": "open"}),
        client.get(page(alice)),
        client.get(action("override", alice)),
        client.post(action("move", alice, step(alice, "neurologist")), {"status": "declined"}),
        client.post(changelist, {"action": "assign_to_someone", "_selected_action": [alice.pk]}),
    ]
    staff_login(client, front_desk)
    pages += [client.get(page(alice)), client.get(action("reschedule", alice, appointment))]

    for response in pages:
        assert response.status_code == 200
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert inline_code(response.content.decode()) == []


def test_it_tells_staff_when_the_clinic_has_no_places_yet(client, alice, front_desk):
    staff_login(client, front_desk)
    html = client.get(page(alice)).content.decode()
    assert "No places yet: an administrator adds them under Locations." in html
