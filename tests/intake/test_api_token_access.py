"""API tokens: made in the admin and shown once, stored hashed, revoked there; each acts as its user's role.

The expectations are written out by hand, as in the admin's permission
matrix: a call a role should not make that it can make (or the reverse)
fails here.
"""

import hashlib
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse

from intake.models import ApiToken
from intake.roles import CLINIC_ADMINISTRATOR, CLINICIAN, FRONT_DESK
from tests.conftest import grant, staff_login, staff_member
from tests.intake.api_calls import api_get, api_post, token_for
from tests.referrals.care import NOW, place

pytestmark = pytest.mark.django_db

NOBODY = "staff in no role"
# Staff in no role given the two care-coordination permissions directly.
COORDINATOR = "staff with move_referral and book_appointment"
PERSONAS = [FRONT_DESK, CLINICIAN, CLINIC_ADMINISTRATOR, NOBODY, COORDINATOR]
READERS = {FRONT_DESK, CLINICIAN, CLINIC_ADMINISTRATOR, COORDINATOR}

# Each call, and who gets its success status; everyone else gets 403.
CALLS = {
    "list cases": (READERS, 200),
    "read a case": (READERS, 200),
    "export a case as FHIR": ({CLINICIAN, CLINIC_ADMINISTRATOR}, 200),
    "list places": (READERS, 200),
    "change a step's status": ({FRONT_DESK, CLINICIAN, COORDINATOR}, 200),
    "book an appointment": ({FRONT_DESK, COORDINATOR}, 201),
}
# Who reads the route with the case (the others get its steps without the clinical reasons).
ROUTE_READERS = {CLINICIAN, CLINIC_ADMINISTRATOR}


def persona_user(persona: str):
    roles = [] if persona in (NOBODY, COORDINATOR) else [persona]
    user = staff_member("persona", *roles)
    if persona == COORDINATOR:
        grant(user, "view_case", "move_referral", "book_appointment")
    return user


def call(client, name: str, case, token: str | None):
    when = (NOW + timedelta(days=3)).isoformat()
    calls = {
        "list cases": lambda: api_get(client, "/cases", token),
        "read a case": lambda: api_get(client, f"/cases/{case.pk}", token),
        "export a case as FHIR": lambda: api_get(client, f"/cases/{case.pk}/fhir", token),
        "list places": lambda: api_get(client, "/locations", token),
        "change a step's status": lambda: api_post(
            client, f"/cases/{case.pk}/steps/neurologist/status", {"status": "referred"}, token
        ),
        "book an appointment": lambda: api_post(
            client,
            f"/cases/{case.pk}/steps/therapist/appointments",
            {"starts_at": when, "location": place().pk},
            token,
        ),
    }
    return calls[name]()


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_each_roles_token_make_exactly_its_calls(client, alice, persona):
    token = token_for(persona_user(persona))
    wrong = []
    for name, (allowed, success) in CALLS.items():
        status = call(client, name, alice, token).status_code
        if status != (success if persona in allowed else 403):
            wrong.append(f"{name}: {status}")
    assert wrong == []


@pytest.mark.parametrize("persona", sorted(READERS))
def test_it_shows_the_route_only_to_roles_that_read_routes(client, alice, persona):
    case = api_get(client, f"/cases/{alice.pk}", token_for(persona_user(persona))).json()

    assert (case["route"] is not None) is (persona in ROUTE_READERS)
    assert [step["specialist"] for step in case["steps"]] == ["therapist", "neurologist"]


@pytest.mark.parametrize("name", list(CALLS))
def test_it_refuses_every_staff_call_without_a_token_or_with_a_wrong_one(client, alice, name):
    assert call(client, name, alice, None).status_code == 401
    assert call(client, name, alice, "cip_not-a-token").status_code == 401


@pytest.mark.parametrize("name", list(CALLS))
def test_it_refuses_a_revoked_token(client, alice, clinic_admin, name):
    user = persona_user(COORDINATOR)
    grant(user, "view_route")
    token = token_for(user)
    row = ApiToken.objects.get(user=user)
    staff_login(client, clinic_admin)
    client.post(
        reverse("admin:intake_apitoken_changelist"), {"action": "revoke", "_selected_action": [row.pk]}
    )
    client.logout()

    assert call(client, name, alice, token).status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_it_refuses_the_token_of_a_member_who_left(client, alice):
    user = persona_user(CLINICIAN)
    token = token_for(user)
    user.is_active = False
    user.save()

    assert api_get(client, "/cases", token).status_code == 401


def test_it_shows_a_new_token_once_and_keeps_only_its_hash(client, clinic_admin, nurse):
    staff_login(client, clinic_admin)

    made = client.post(reverse("admin:intake_apitoken_add"), {"user": nurse.pk, "name": "Records system"})

    assert made.status_code == 200 and made["Cache-Control"].startswith("max-age=0")
    raw = made.context["raw_token"]
    assert raw in made.content.decode()
    row = ApiToken.objects.get(user=nurse)
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest() and row.created_by == clinic_admin
    assert raw not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    listing = client.get(reverse("admin:intake_apitoken_change", args=[row.pk])).content.decode()
    assert raw not in listing and row.prefix in listing
    client.logout()
    assert api_get(client, "/cases", raw).status_code == 200


def test_it_offers_tokens_for_active_staff_only(client, clinic_admin, nurse):
    patient_like = staff_member("outsider")
    patient_like.is_staff = False
    patient_like.save()
    staff_login(client, clinic_admin)

    refused = client.post(reverse("admin:intake_apitoken_add"), {"user": patient_like.pk, "name": "x"})

    assert refused.status_code == 200 and "user" in refused.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_it_keeps_administrators_from_minting_a_superusers_token(client, clinic_admin):
    head = User.objects.create_superuser("head", "head@clinic.example", "x")
    staff_login(client, clinic_admin)

    refused = client.post(reverse("admin:intake_apitoken_add"), {"user": head.pk, "name": "x"})

    assert "user" in refused.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_it_records_each_call_in_the_audit_trail_under_the_tokens_user(client, alice, nurse):
    token = token_for(nurse)

    api_get(client, f"/cases/{alice.pk}", token)
    api_get(client, "/cases", token, urgency="urgent")

    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=nurse).order_by("pk")
    assert [entry.additional_data for entry in reads] == [
        {"read": "API: case"},
        {"search": True, "results": 1},
    ]
    assert reads[0].object_pk == str(alice.pk)


def test_it_notes_when_a_token_was_last_used(client, nurse, time_machine):
    token = token_for(nurse)
    api_get(client, "/cases", token)

    assert ApiToken.objects.get(user=nurse).last_used_at == NOW
