"""The staff calls on cases: list with filters and pages, read one, move a step, book a visit."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry

from intake.casework import case_assign
from intake.models import Case, CaseStatus
from intake.roles import FRONT_DESK
from intake.submission import intake_submit
from referrals.models import AppointmentState, ReferralMove, ReferralStatus
from referrals.overrides import OverrideAction, RouteChange, route_override
from tests.conftest import ALICE_ANSWERS, staff_member
from tests.intake.api_calls import api_get, api_post, token_for
from tests.referrals.care import NOW, place, referral, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def coordinator(db):
    return staff(
        "coord",
        "view_case",
        "view_route",
        "view_reminder",
        "move_referral",
        "book_appointment",
        "override_route",
        "triage_case",
    )


@pytest.fixture
def token(coordinator) -> str:
    return token_for(coordinator)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_cases_newest_first_with_filters(client, token, alice, bob, coordinator, clock):
    clock.move_to(NOW + timedelta(days=2), tick=False)
    later = intake_submit(contact={"name": "Eve", "email": "eve@example.org"}, answers=ALICE_ANSWERS)
    Case.objects.filter(pk=later.pk).update(status=CaseStatus.TRIAGED)
    case_assign(case=bob, to=coordinator)

    assert ids(api_get(client, "/cases", token)) == [later.pk, bob.pk, alice.pk]
    assert ids(api_get(client, "/cases", token, urgency="urgent")) == [later.pk, alice.pk]
    assert ids(api_get(client, "/cases", token, status="triaged")) == [later.pk]
    assert ids(api_get(client, "/cases", token, assigned="me")) == [bob.pk]
    assert ids(api_get(client, "/cases", token, assigned="coord")) == [bob.pk]
    assert ids(api_get(client, "/cases", token, assigned="nobody")) == [later.pk, alice.pk]
    day = (NOW + timedelta(days=2)).date().isoformat()
    assert ids(api_get(client, "/cases", token, created_from=day)) == [later.pk]
    assert ids(api_get(client, "/cases", token, created_to=NOW.date().isoformat())) == [bob.pk, alice.pk]


def test_it_pages_the_list(client, token, alice, bob):
    first = api_get(client, "/cases", token, page_size=1).json()
    second = api_get(client, "/cases", token, page_size=1, page=2).json()
    beyond = api_get(client, "/cases", token, page_size=1, page=3).json()

    assert (first["count"], first["pages"], [c["id"] for c in first["items"]]) == (2, 2, [bob.pk])
    assert [c["id"] for c in second["items"]] == [alice.pk]
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"urgency": "soonish"}, "urgency"),
        ({"status": "open"}, "status"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_to": "0"}, "created_to"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"assigned": "a b"}, "assigned"),
        ({"urgent": "yes"}, "'urgent'"),
    ],
)
def test_it_names_a_bad_filter(client, token, params, field):
    response = api_get(client, "/cases", token, **params)

    assert response.status_code == 422
    assert [line.split(":")[0] for line in response.json()["problems"]] == [field]


def test_it_reads_a_case_with_both_routes_steps_appointments_and_reminders(client, token, alice, coordinator):
    route_override(
        case=alice,
        by=coordinator,
        reason="The orthopaedist should see her too",
        changes=[RouteChange(OverrideAction.ADD_STEP, specialist="orthopedist", urgency="soon")],
    )
    api_post(
        client,
        f"/cases/{alice.pk}/steps/therapist/appointments",
        {"starts_at": (NOW + timedelta(days=1)).isoformat(), "location": place().pk},
        token,
    )

    case = api_get(client, f"/cases/{alice.pk}", token).json()

    assert case["answers"] == alice.answers
    assert [s["specialist"] for s in case["route"]["engine"]["steps"]] == ["therapist", "neurologist"]
    current = case["route"]["current"]
    assert [s["specialist"] for s in current["steps"]] == ["therapist", "neurologist", "orthopedist"]
    assert current["revision"]["reason"] == "The orthopaedist should see her too"
    assert case["route"]["engine"]["revision"] is None
    statuses = {s["specialist"]: s["status"] for s in case["steps"]}
    assert statuses == {"therapist": "booked", "neurologist": "suggested", "orthopedist": "suggested"}
    assert case["steps"][0]["appointment"]["location"]["name"] == "Main clinic"
    assert [a["state"] for a in case["appointments"]] == ["booked"]
    assert sorted(r["kind"] for r in case["reminders"]) == sorted(
        alice.reminders.values_list("kind", flat=True)
    )


def test_it_answers_404_for_a_case_that_does_not_exist(client, token):
    assert api_get(client, "/cases/999999", token).status_code == 404
    assert api_get(client, "/cases/999999/fhir", token).status_code == 404
    body = {"status": "referred"}
    assert api_post(client, "/cases/999999/steps/therapist/status", body, token).status_code == 404


def test_it_records_a_steps_new_status_as_its_user(client, token, alice, coordinator):
    response = api_post(client, f"/cases/{alice.pk}/steps/neurologist/status", {"status": "referred"}, token)

    assert response.status_code == 200 and response.json()["status"] == "referred"
    move = ReferralMove.objects.get(referral=referral(alice, "neurologist"))
    assert (move.from_status, move.to_status, move.by) == ("suggested", "referred", coordinator)
    assert LogEntry.objects.filter(actor=coordinator, additional_data={"read": "API: step status"}).exists()


@pytest.mark.parametrize(
    ("specialist", "body", "problem"),
    [
        ("neurologist", {"status": "done"}, "status: A step that is Suggested can become"),
        ("neurologist", {"status": "declined"}, "note: Say why the step is declined"),
        ("neurologist", {"status": "booked"}, "status: Book an appointment"),
        ("neurologist", {"status": "finished"}, "status: Input should be"),
        ("neurologist", {"status": "referred", "note": "a\u0000b"}, "note: String should match"),
        ("neurologist", {"status": "referred", "by": "me"}, "by: Extra inputs"),
    ],
)
def test_it_names_the_field_of_a_refused_status_change(client, token, alice, specialist, body, problem):
    response = api_post(client, f"/cases/{alice.pk}/steps/{specialist}/status", body, token)

    assert response.status_code == 422
    assert response.json()["problems"][0].startswith(problem)
    assert referral(alice, specialist).status == ReferralStatus.SUGGESTED


def test_it_answers_404_for_a_step_the_case_does_not_have(client, token, alice):
    response = api_post(client, f"/cases/{alice.pk}/steps/urologist/status", {"status": "referred"}, token)

    assert response.status_code == 404


def test_it_books_an_appointment_for_a_step(client, token, alice, coordinator):
    when = NOW + timedelta(days=1)
    body = {
        "starts_at": when.isoformat(),
        "location": place().pk,
        "with_whom": "Dr Smith",
        "duration_minutes": 45,
    }

    response = api_post(client, f"/cases/{alice.pk}/steps/therapist/appointments", body, token)

    assert response.status_code == 201
    booked = response.json()
    assert (booked["with_whom"], booked["duration_minutes"], booked["state"]) == ("Dr Smith", 45, "booked")
    step = referral(alice, "therapist")
    appointment = step.appointments.get()
    assert step.status == ReferralStatus.BOOKED and appointment.booked_by == coordinator
    assert appointment.starts_at == when and appointment.state == AppointmentState.BOOKED


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"starts_at": (NOW - timedelta(hours=1)).isoformat()},
            "starts_at: The appointment time is in the past",
        ),
        ({"starts_at": "2026-03-03T09:00:00"}, "starts_at: Input should have timezone info"),
        ({"starts_at": (NOW + timedelta(days=800)).isoformat()}, "starts_at: more than two years ahead"),
        ({"location": 987654}, "location: no place with id 987654"),
        ({"duration_minutes": 2}, "duration_minutes: Input should be greater than or equal to 5"),
        ({"with_whom": "x" * 201}, "with_whom: String should have at most 200 characters"),
    ],
)
def test_it_names_the_field_of_a_refused_booking(client, token, alice, changes, problem):
    body = {"starts_at": (NOW + timedelta(days=1)).isoformat(), "location": place().pk, **changes}

    response = api_post(client, f"/cases/{alice.pk}/steps/therapist/appointments", body, token)

    assert response.status_code == 422
    assert response.json()["problems"][0].startswith(problem)
    assert not referral(alice, "therapist").appointments.exists()


def test_it_refuses_to_book_a_step_twice(client, token, alice):
    body = {"starts_at": (NOW + timedelta(days=1)).isoformat(), "location": place().pk}
    path = f"/cases/{alice.pk}/steps/therapist/appointments"
    assert api_post(client, path, body, token).status_code == 201

    again = api_post(client, path, body, token)

    assert again.status_code == 422
    assert again.json()["problems"] == [
        "status: This step is booked already: reschedule its appointment instead."
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"status": "referred", "status": "done"}', "status: the key is given more than once"),
        (b"\xff", "input: not UTF-8 text (byte 0)"),
        (b"{", "input: not valid JSON"),
    ],
)
def test_it_reads_staff_bodies_as_safely_as_intakes(client, token, alice, body, problem):
    response = api_post(client, f"/cases/{alice.pk}/steps/neurologist/status", body, token)

    assert response.status_code == 422
    assert response.json()["problems"][0].startswith(problem)


def test_it_lists_the_places_in_use(client, token):
    place("Main clinic")
    place("Old annex", active=False)

    assert [p["name"] for p in api_get(client, "/locations", token).json()] == ["Main clinic"]


def test_it_keeps_clinical_moves_from_the_front_desk(client, alice):
    desk = staff_member("desk", FRONT_DESK)
    token = token_for(desk)

    declined = {"status": "declined", "note": "Not needed"}
    response = api_post(client, f"/cases/{alice.pk}/steps/neurologist/status", declined, token)

    assert response.status_code == 403
    assert referral(alice, "neurologist").status == ReferralStatus.SUGGESTED
    referred = api_post(client, f"/cases/{alice.pk}/steps/neurologist/status", {"status": "referred"}, token)
    assert referred.status_code == 200
