"""The FHIR R4 export: the intake as a Questionnaire, a case as a Bundle; every resource validates (R4B)."""

import json
from datetime import timedelta

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from intake.casework import case_note_add
from intake.fhir import PRIORITY, questionnaire
from intake.models import Reminder, ReminderKind, ReminderState
from intake.submission import intake_submit
from referrals.appointments import appointment_book, appointment_reschedule
from referrals.models import ReferralStatus
from referrals.overrides import OverrideAction, RouteChange, route_override
from referrals.routes import route_current
from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom, Urgency
from tests.conftest import grant, staff_login, staff_member
from tests.intake.api_calls import api_get, token_for
from tests.referrals.care import NOW, place, referral, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


# fhir.resources checks structure and types, not the codes of required bindings: these are
# the R4 value sets of the coded fields the export fills.
REQUIRED_CODES = {
    ("Task", "status"): {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    },
    ("Task", "intent"): {
        "unknown",
        "proposal",
        "plan",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
    ("ServiceRequest", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("ServiceRequest", "intent"): {
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
    ("ServiceRequest", "priority"): {"routine", "urgent", "asap", "stat"},
    ("Appointment", "status"): {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    },
    ("Communication", "status"): {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    },
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("Bundle", "type"): {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    },
}


def validated(resource: dict) -> dict:
    """The resource, after fhir.resources' R4B model for its type has accepted it, and its codes."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for (kind, field), allowed in REQUIRED_CODES.items():
        if resource["resourceType"] == kind and field in resource:
            assert resource[field] in allowed, (kind, field, resource[field])
    return resource


def bundle_of(client, case, user) -> dict:
    response = api_get(client, f"/cases/{case.pk}/fhir", token_for(user))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    return validated(response.json())


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def references(value) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [ref for item in value.values() for ref in references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    return []


@pytest.fixture
def clinician(db):
    return staff(
        "clinician", "view_case", "view_route", "view_reminder", "override_route", "book_appointment"
    )


@pytest.fixture
def busy_case(alice, clinician):
    """Alice's case with an override, two appointments (one moved) and three reminders sent."""
    route_override(
        case=alice,
        by=clinician,
        reason="Seen in clinic: the orthopaedist should see her too",
        changes=[RouteChange(OverrideAction.ADD_STEP, specialist="orthopedist", urgency=Urgency.SOON)],
    )
    first = appointment_book(
        referral=referral(alice, "therapist"),
        starts_at=NOW + timedelta(days=1),
        location=place(),
        with_whom="Dr Smith",
        by=clinician,
    )
    appointment_reschedule(
        appointment=first, starts_at=NOW + timedelta(days=2), location=place(), by=clinician
    )
    # Sent: the confirmation, the booking reminder (before the visit was booked) and
    # the reminder of the moved appointment; the rest of the outbox is dropped.
    sent = alice.reminders.filter(
        Q(kind__in=[ReminderKind.CONFIRMATION, ReminderKind.BOOK_THERAPIST])
        | Q(kind=ReminderKind.APPOINTMENT, state=ReminderState.PENDING)
    )
    assert sent.update(state=ReminderState.SENT, sent_at=NOW) == 3
    Reminder.objects.filter(case=alice).exclude(state=ReminderState.SENT).delete()
    return alice


def test_it_serves_the_intake_as_a_valid_questionnaire_without_a_token(client):
    response = client.get("/api/v1/fhir/Questionnaire/back-numbness")

    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    found = validated(response.json())
    assert found == questionnaire()
    options = {item["linkId"]: item.get("answerOption", []) for item in found["item"]}
    codes = {
        field: {o["valueCoding"]["code"] for o in opts if "valueCoding" in o}
        for field, opts in options.items()
    }
    assert codes["sex"] == set(Sex.values) and codes["locations"] == set(Location.values)
    assert codes["symptoms"] == set(Symptom.values) and codes["history"] == set(History.values)
    assert codes["frequency"] == set(Frequency.values) and codes["pregnancy"] == set(Pregnancy.values)


def test_it_exports_a_case_with_its_override_appointments_and_reminders(client, busy_case, clinician):
    bundle = bundle_of(client, busy_case, clinician)

    for entry in bundle["entry"]:
        validated(entry["resource"])
    current = route_current(case=busy_case)
    assert current.revision is not None
    requests = resources(bundle, "ServiceRequest")
    assert [r["code"]["coding"][0]["code"] for r in requests] == [step.specialist for step in current.steps]
    assert all("Route revision 1" in r["note"][0]["text"] for r in requests)
    assert len(resources(bundle, "Task")) == len(current.steps)
    appointments = resources(bundle, "Appointment")
    assert sorted(a["status"] for a in appointments) == ["booked", "cancelled"]
    assert len(resources(bundle, "Communication")) == 3
    assert len(resources(bundle, "Patient")) == 1 and len(resources(bundle, "QuestionnaireResponse")) == 1


def test_it_resolves_every_reference_inside_the_bundle(client, busy_case, clinician):
    bundle = bundle_of(client, busy_case, clinician)

    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    found = references(bundle)
    assert found and set(found) <= set(full_urls)


def test_it_carries_each_steps_referral_status_priority_and_rules(client, alice, clinician):
    alice.referrals.filter(specialist="therapist").update(status=ReferralStatus.REFERRED)

    bundle = bundle_of(client, alice, clinician)

    tasks = {t["focus"]["reference"]: t for t in resources(bundle, "Task")}
    by_url = {
        entry["resource"].get("code", {}).get("coding", [{}])[0].get("code"): entry["fullUrl"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "ServiceRequest"
    }
    therapist = tasks[by_url["therapist"]]
    assert (
        therapist["businessStatus"]["coding"][0]["code"] == "referred" and therapist["status"] == "requested"
    )
    for request, step in zip(resources(bundle, "ServiceRequest"), alice.route.steps.all(), strict=True):
        assert request["priority"] == PRIORITY[step.urgency]
        rules = [c["coding"][0]["code"] for c in request["reasonCode"] if "coding" in c]
        assert rules == step.rules
        assert [c["text"] for c in request["reasonCode"] if "text" in c] == step.reasons


@pytest.mark.parametrize(
    ("urgency", "priority"),
    [
        ("self_care", "routine"),
        ("routine", "routine"),
        ("soon", "urgent"),
        ("urgent", "urgent"),
        ("emergency", "stat"),
    ],
)
def test_it_maps_each_urgency_to_a_fhir_priority(urgency, priority):
    assert PRIORITY[urgency] == priority


def test_it_gives_an_emergency_step_stat_priority(client, clinician):
    contact = {"name": "Dan Example", "email": "dan@example.org"}
    answers = {
        "sex": "male",
        "age": 60,
        "locations": ["lower_back"],
        "frequency": "once",
        "symptoms": ["saddle_numbness"],
    }
    case = intake_submit(contact=contact, answers=answers)
    assert case.urgency == Urgency.EMERGENCY

    bundle = bundle_of(client, case, clinician)

    assert resources(bundle, "ServiceRequest")[0]["priority"] == "stat"


def test_it_answers_the_questionnaire_with_the_patients_answers(client, alice, clinician):
    bundle = bundle_of(client, alice, clinician)

    response = resources(bundle, "QuestionnaireResponse")[0]
    assert response["questionnaire"] == questionnaire()["url"]
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["age"] == [{"valueInteger": 34}]
    assert [a["valueCoding"]["code"] for a in answers["symptoms"]] == ["tingling"]
    asked = {item["linkId"]: item for item in questionnaire()["item"]}
    for link_id, given in answers.items():
        allowed = [o.get("valueCoding", {}).get("code") for o in asked[link_id].get("answerOption", [])]
        assert not allowed or all(a["valueCoding"]["code"] in allowed for a in given)


def test_it_reads_the_same_busy_case_over_the_api(client, busy_case, clinician):
    case = api_get(client, f"/cases/{busy_case.pk}", token_for(clinician)).json()

    assert len(case["appointments"]) == 2
    assert sorted(r["kind"] for r in case["reminders"]) == [
        "appointment",
        "book_therapist",
        "confirmation",
    ]


def test_it_never_exports_internal_notes(client, alice, clinician):
    case_note_add(case=alice, by=clinician, text="Talks fast; call after five")

    assert "call after five" not in json.dumps(bundle_of(client, alice, clinician))


def test_it_leaves_the_erased_patients_name_and_contact_out(client, alice, clinician):
    alice.erased_at = timezone.now()
    alice.save()

    patient = resources(bundle_of(client, alice, clinician), "Patient")[0]

    assert "name" not in patient and "telecom" not in patient


def test_it_offers_the_download_on_the_case_page_to_those_who_read_routes(client, alice):
    nurse = staff_member("nurse", "Clinician")
    page = staff_login(client, nurse).get(reverse("admin:intake_case_change", args=[alice.pk]))
    link = reverse("api:case_fhir", args=[alice.pk])
    assert link in page.content.decode()

    download = client.get(link)

    assert download.status_code == 200 and download.json()["resourceType"] == "Bundle"
    assert "attachment" in download["Content-Disposition"]


def test_it_keeps_the_download_from_front_desk(client, alice):
    desk = staff_member("desk", "Front desk")
    page = staff_login(client, desk).get(reverse("admin:intake_case_change", args=[alice.pk]))

    assert reverse("api:case_fhir", args=[alice.pk]) not in page.content.decode()
    assert client.get(reverse("api:case_fhir", args=[alice.pk])).status_code == 403


def test_it_refuses_the_download_to_a_session_without_the_second_factor(client, alice):
    nurse = staff_member("nurse", "Clinician")
    grant(nurse, "view_route")
    client.force_login(nurse)

    assert client.get(reverse("api:case_fhir", args=[alice.pk])).status_code == 401
