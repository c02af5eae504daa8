"""Every admin page and action, for each role, a staff account in no role, and anonymous visitors.

The expectations are written out by hand: a page a role should not reach
that it does reach (or the reverse) fails here, and so does a model added to
the admin without a line in MODEL_ACCESS.
"""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.api_tokens import api_token_issue
from intake.models import Case, CaseNote, CaseStatus, EmergencyScreenStop
from intake.roles import CLINIC_ADMINISTRATOR, CLINICIAN, FRONT_DESK, ROLE_PERMISSIONS
from referrals.appointments import appointment_book
from referrals.models import Appointment, AppointmentState, Location, Referral, ReferralStatus, RouteRevision
from tests.conftest import staff_login, staff_member

pytestmark = pytest.mark.django_db

NOBODY = "staff in no role"
PERSONAS = [FRONT_DESK, CLINICIAN, CLINIC_ADMINISTRATOR, NOBODY]

# What each persona may do on each model's admin pages: view, add, change, delete.
MODEL_ACCESS: dict[str, dict[str, set[str]]] = {
    "intake.Case": {
        FRONT_DESK: {"view", "change"},
        CLINICIAN: {"view", "change"},
        CLINIC_ADMINISTRATOR: {"view"},
    },
    "auth.User": {CLINIC_ADMINISTRATOR: {"view", "add", "change"}},
    "auth.Group": {CLINIC_ADMINISTRATOR: {"view"}},
    "axes.AccessAttempt": {CLINIC_ADMINISTRATOR: {"view", "delete"}},
    "axes.AccessLog": {CLINIC_ADMINISTRATOR: {"view"}},
    "axes.AccessFailureLog": {},
    "auditlog.LogEntry": {CLINIC_ADMINISTRATOR: {"view"}},
    "intake.EmergencyScreenStop": {CLINICIAN: {"view"}, CLINIC_ADMINISTRATOR: {"view"}},
    # Made and revoked (a change), never deleted: the audit trail names whose token made a call.
    "intake.ApiToken": {CLINIC_ADMINISTRATOR: {"view", "add", "change"}},
    "otp_static.StaticDevice": {},
    "otp_totp.TOTPDevice": {},
    "referrals.Location": {CLINIC_ADMINISTRATOR: {"view", "add", "change"}},
}


def case_page(name: str, *args: str):
    """A case page's action, by the objects it acts on (the case first)."""
    return lambda objects: reverse(f"admin:intake_case_{name}", args=[objects[arg].pk for arg in args])


CARE = ("intake.Case",)
# The staff pages that are not a model's.
CUSTOM_PAGES = {
    "rules": ({CLINICIAN, CLINIC_ADMINISTRATOR}, lambda objects: reverse("admin:referrals_rules")),
    "try an intake": (
        {CLINICIAN, CLINIC_ADMINISTRATOR},
        lambda objects: reverse("admin:referrals_try_intake"),
    ),
    "case audit trail": (
        {CLINIC_ADMINISTRATOR},
        lambda objects: reverse("admin:intake_case_audit", args=[objects["intake.Case"].pk]),
    ),
    "console index": (set(PERSONAS), lambda objects: reverse("admin:index")),
    "queue of patients who turned reminder emails off": (
        {FRONT_DESK, CLINICIAN, CLINIC_ADMINISTRATOR},
        lambda objects: reverse("admin:intake_case_changelist") + "?reminder_emails=off",
    ),
    "move a step": ({FRONT_DESK, CLINICIAN}, case_page("move", *CARE, "referral")),
    "book a step": ({FRONT_DESK}, case_page("book", *CARE, "referral")),
    "reschedule an appointment": ({FRONT_DESK}, case_page("reschedule", *CARE, "appointment")),
    "cancel an appointment": ({FRONT_DESK}, case_page("cancel", *CARE, "appointment")),
    "override the route": ({CLINICIAN}, case_page("override", *CARE)),
    "add an internal note": ({FRONT_DESK, CLINICIAN}, case_page("note", *CARE)),
}


@pytest.fixture
def objects(alice) -> dict[str, object]:
    """One row of every model the admin shows."""
    owner = staff_member("owner")
    now = timezone.now()
    attempt = {
        "user_agent": "x",
        "ip_address": "10.1.1.1",
        "username": "owner",
        "http_accept": "x",
        "path_info": "/",
    }
    return {
        "intake.Case": alice,
        "auth.User": owner,
        "auth.Group": Group.objects.get(name=FRONT_DESK),
        "axes.AccessAttempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1, attempt_time=now
        ),
        "axes.AccessLog": AccessLog.objects.create(**attempt, attempt_time=now),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(**attempt, attempt_time=now),
        "auditlog.LogEntry": LogEntry.objects.log_create(
            alice, action=LogEntry.Action.ACCESS, force_log=True
        ),
        "otp_static.StaticDevice": StaticDevice.objects.create(user=owner, name="backup"),
        "otp_totp.TOTPDevice": TOTPDevice.objects.create(user=owner, name="default"),
        "intake.EmergencyScreenStop": EmergencyScreenStop.objects.create(day=now.date(), count=1),
        "referrals.Location": main_clinic(),
        "referral": Referral.objects.get(case=alice, specialist="therapist"),
        "appointment": appointment_book(
            referral=Referral.objects.get(case=alice, specialist="neurologist"),
            starts_at=now + timedelta(days=2),
            location=main_clinic(),
            by=owner,
        ),
        "intake.ApiToken": api_token_issue(user=owner, name="records")[0],
    }


def main_clinic() -> Location:
    return Location.objects.get_or_create(name="Main clinic", defaults={"address": "1 High Street"})[0]


def model_pages(label: str, obj) -> dict[str, tuple[str, str]]:
    """Each page of a model's admin, with the access it needs."""
    app_label, model = label.lower().split(".")
    name = f"admin:{app_label}_{model}"
    return {
        "list": (reverse(f"{name}_changelist"), "view"),
        "add": (reverse(f"{name}_add"), "add"),
        "change": (reverse(f"{name}_change", args=[obj.pk]), "view"),
        "history": (reverse(f"{name}_history", args=[obj.pk]), "view"),
        "delete": (reverse(f"{name}_delete", args=[obj.pk]), "delete"),
    }


def persona_client(client: Client, persona: str) -> Client:
    user = staff_member("persona", *([] if persona == NOBODY else [persona]))
    return staff_login(client, user)


def test_it_covers_every_model_in_the_admin():
    assert {model._meta.label for model in admin.site._registry} == set(MODEL_ACCESS)


def test_it_gives_each_role_exactly_its_permissions():
    for role, permissions in ROLE_PERMISSIONS.items():
        granted = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        assert sorted(granted) == sorted(permissions)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_serves_each_page_only_to_those_allowed(client, objects, persona):
    client = persona_client(client, persona)
    wrong = []
    for label, access in MODEL_ACCESS.items():
        allowed = access.get(persona, set())
        for page, (url, needs) in model_pages(label, objects[label]).items():
            ok = needs in allowed or (needs == "view" and "change" in allowed)
            status = client.get(url).status_code
            if status != (200 if ok else 403):
                wrong.append(f"{label} {page}: {status}")
    for page, (personas, url) in CUSTOM_PAGES.items():
        status = client.get(url(objects)).status_code
        if status != (200 if persona in personas else 403):
            wrong.append(f"{page}: {status}")
    assert wrong == []


def test_it_sends_anonymous_visitors_to_sign_in_from_every_page(client, objects):
    urls = [url for label in MODEL_ACCESS for url, _ in model_pages(label, objects[label]).values()]
    urls += [url(objects) for _, url in CUSTOM_PAGES.values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), url


def case_form(case: Case, **changes: str) -> dict[str, str]:
    reminders = list(case.reminders.all())
    return {
        "name": case.name,
        "email": case.email,
        "phone": case.phone,
        "status": case.status,
        "reminders-TOTAL_FORMS": str(len(reminders)),
        "reminders-INITIAL_FORMS": str(len(reminders)),
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "1000",
        **{f"reminders-{n}-id": str(r.pk) for n, r in enumerate(reminders)},
        **{f"reminders-{n}-case": str(case.pk) for n in range(len(reminders))},
        **changes,
    }


@pytest.mark.parametrize(
    ("persona", "phone_saved", "status_saved"),
    [
        (FRONT_DESK, True, False),
        (CLINICIAN, False, True),
        (CLINIC_ADMINISTRATOR, False, False),
        (NOBODY, False, False),
    ],
)
def test_it_lets_front_desk_edit_contact_details_and_clinicians_triage(
    client, alice, persona, phone_saved, status_saved
):
    client = persona_client(client, persona)

    url = reverse("admin:intake_case_change", args=[alice.pk])
    client.post(url, case_form(alice, phone="+1 555 0199", status=CaseStatus.TRIAGED))

    alice.refresh_from_db()
    assert (alice.phone == "+1 555 0199") is phone_saved
    assert (alice.status == CaseStatus.TRIAGED) is status_saved


@pytest.mark.parametrize(("persona", "erased"), [(p, p == CLINIC_ADMINISTRATOR) for p in PERSONAS])
def test_it_lets_only_administrators_erase(client, alice, persona, erased):
    client = persona_client(client, persona)

    changelist = reverse("admin:intake_case_changelist")
    client.post(
        changelist, {"action": "erase_personal_data", "_selected_action": [alice.pk], "confirm": "yes"}
    )

    alice.refresh_from_db()
    assert (alice.erased_at is not None) is erased


@pytest.mark.parametrize(("persona", "unlocked"), [(p, p == CLINIC_ADMINISTRATOR) for p in PERSONAS])
def test_it_lets_only_administrators_unlock_sign_in(client, objects, persona, unlocked):
    client = persona_client(client, persona)

    owner = objects["auth.User"]
    client.post(
        reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [owner.pk]}
    )

    assert AccessAttempt.objects.filter(username="owner").exists() is not unlocked


def test_it_keeps_administrators_away_from_superusers_and_the_superuser_flag(client, clinic_admin):
    head = User.objects.create_superuser("head", "head@clinic.example", "x")
    client = staff_login(client, clinic_admin)

    assert client.get(reverse("admin:auth_user_change", args=[head.pk])).status_code == 302
    page = client.get(reverse("admin:auth_user_change", args=[clinic_admin.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page


@pytest.mark.parametrize("persona", [CLINIC_ADMINISTRATOR, "superuser"])
def test_it_lets_nobody_edit_or_delete_audit_rows(client, objects, persona, admin_user):
    user = admin_user if persona == "superuser" else staff_member("persona", persona)
    if persona == "superuser":
        user.set_password("correct horse battery staple")
        user.save()
    client = staff_login(client, user)
    entry = objects["auditlog.LogEntry"]
    before = (entry.changes, entry.object_repr)

    change = client.post(reverse("admin:auditlog_logentry_change", args=[entry.pk]), {"object_repr": "x"})
    delete = client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:auditlog_logentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert change.status_code == 403 and delete.status_code == 403
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.changes, entry.object_repr) == before


def in_two_days() -> str:
    return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(("persona", "booked"), [(p, p == FRONT_DESK) for p in PERSONAS])
def test_it_lets_only_front_desk_book(client, alice, persona, booked):
    client = persona_client(client, persona)
    therapist = Referral.objects.get(case=alice, specialist="therapist")

    client.post(
        reverse("admin:intake_case_book", args=[alice.pk, therapist.pk]),
        {"starts_at": in_two_days(), "minutes": "30", "location": main_clinic().pk, "with_whom": "Dr Lee"},
    )

    assert Appointment.objects.filter(referral=therapist, state=AppointmentState.BOOKED).exists() is booked


@pytest.mark.parametrize(("persona", "cancelled"), [(p, p == FRONT_DESK) for p in PERSONAS])
def test_it_lets_only_front_desk_cancel_an_appointment(client, objects, persona, cancelled):
    client = persona_client(client, persona)
    appointment = objects["appointment"]

    client.post(reverse("admin:intake_case_cancel", args=[objects["intake.Case"].pk, appointment.pk]), {})

    appointment.refresh_from_db()
    assert (appointment.state == AppointmentState.CANCELLED) is cancelled


@pytest.mark.parametrize(("persona", "overridden"), [(p, p == CLINICIAN) for p in PERSONAS])
def test_it_lets_only_clinicians_override_a_route(client, alice, persona, overridden):
    client = persona_client(client, persona)

    client.post(
        reverse("admin:intake_case_override", args=[alice.pk]),
        {"action": "add_test", "test": "mri", "reason": "Numbness spreading"},
    )

    assert RouteRevision.objects.filter(route__case=alice).exists() is overridden


@pytest.mark.parametrize(
    ("persona", "referred", "done"),
    [
        (FRONT_DESK, True, False),
        (CLINICIAN, True, True),
        (CLINIC_ADMINISTRATOR, False, False),
        (NOBODY, False, False),
    ],
)
def test_it_lets_front_desk_record_moves_and_clinicians_decide(client, alice, persona, referred, done):
    client = persona_client(client, persona)
    therapist = Referral.objects.get(case=alice, specialist="therapist")
    neurologist = Referral.objects.get(case=alice, specialist="neurologist")
    neurologist.status = ReferralStatus.ATTENDED
    neurologist.save()

    client.post(reverse("admin:intake_case_move", args=[alice.pk, therapist.pk]), {"status": "referred"})
    client.post(reverse("admin:intake_case_move", args=[alice.pk, neurologist.pk]), {"status": "done"})

    therapist.refresh_from_db()
    neurologist.refresh_from_db()
    assert (therapist.status == ReferralStatus.REFERRED) is referred
    assert (neurologist.status == ReferralStatus.DONE) is done


@pytest.mark.parametrize(("persona", "noted"), [(p, p in (FRONT_DESK, CLINICIAN)) for p in PERSONAS])
def test_it_lets_front_desk_and_clinicians_add_notes(client, alice, persona, noted):
    client = persona_client(client, persona)

    client.post(reverse("admin:intake_case_note", args=[alice.pk]), {"text": "Called, no answer."})

    assert CaseNote.objects.filter(case=alice).exists() is noted


@pytest.mark.parametrize(
    ("persona", "assigned", "triaged"),
    [
        (FRONT_DESK, True, False),
        (CLINICIAN, True, True),
        (CLINIC_ADMINISTRATOR, False, False),
        (NOBODY, False, False),
    ],
)
def test_it_lets_those_who_work_cases_assign_and_clinicians_mark_triaged(
    client, alice, persona, assigned, triaged
):
    client = persona_client(client, persona)
    changelist = reverse("admin:intake_case_changelist")

    client.post(changelist, {"action": "assign_to_me", "_selected_action": [alice.pk]})
    client.post(changelist, {"action": "mark_triaged", "_selected_action": [alice.pk]})

    alice.refresh_from_db()
    assert (alice.assigned_to is not None) is assigned
    assert (alice.status == CaseStatus.TRIAGED) is triaged


@pytest.mark.parametrize(("persona", "added"), [(p, p == CLINIC_ADMINISTRATOR) for p in PERSONAS])
def test_it_lets_only_administrators_add_locations(client, persona, added):
    client = persona_client(client, persona)

    client.post(reverse("admin:referrals_location_add"), {"name": "East wing", "address": "", "active": "on"})

    assert Location.objects.filter(name="East wing").exists() is added


@pytest.mark.parametrize(
    ("persona", "sees_dashboard"),
    [(FRONT_DESK, False), (CLINICIAN, True), (CLINIC_ADMINISTRATOR, True), (NOBODY, False)],
)
def test_it_shows_the_dashboard_only_to_clinicians_and_administrators(client, alice, persona, sees_dashboard):
    client = persona_client(client, persona)

    response = client.get(reverse("admin:index"), {"start": "2020-01-01", "end": "2020-01-31"})

    assert response.status_code == 200
    assert ('id="dashboard"' in response.content.decode()) is sees_dashboard
    assert ("dashboard" in response.context) is sees_dashboard


def test_it_sends_anonymous_visitors_from_the_dashboard_to_sign_in(client, alice):
    response = client.get(reverse("admin:index"), {"start": "2020-01-01", "end": "2020-01-31"})

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
