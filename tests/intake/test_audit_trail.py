"""The audit trail: who changed what (old and new values), who read a case or searched, and patient views."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from intake.models import CaseStatus
from tests.conftest import staff_login
from tests.portal.test_permission_matrix import case_form

pytestmark = pytest.mark.django_db
ACCESS, CREATE, UPDATE = LogEntry.Action.ACCESS, LogEntry.Action.CREATE, LogEntry.Action.UPDATE


def entries(case, action):
    return list(LogEntry.objects.get_for_object(case).filter(action=action).order_by("pk"))


def test_it_records_the_intake_and_its_route(alice):
    created = entries(alice, CREATE)

    assert len(created) == 1 and created[0].actor is None
    assert created[0].changes["urgency"] == [None, "urgent"]
    assert LogEntry.objects.get_for_object(alice.route).filter(action=CREATE).count() == 1


def test_it_records_who_changed_a_case_with_the_old_and_new_values(client, nurse, alice):
    staff_login(client, nurse)

    url = reverse("admin:intake_case_change", args=[alice.pk])
    assert client.post(url, case_form(alice, status=CaseStatus.TRIAGED)).status_code == 302

    [change] = entries(alice, UPDATE)
    assert change.actor == nurse
    assert set(change.changes) == {"status", "triaged_at"}
    assert change.changes["status"] == ["new", "triaged"] and change.changes["triaged_at"][0] is None


def test_it_records_every_staff_read_of_a_case_page(client, front_desk, alice):
    staff_login(client, front_desk)

    client.get(reverse("admin:intake_case_change", args=[alice.pk]))
    client.get(reverse("admin:intake_case_change", args=[alice.pk]))

    reads = entries(alice, ACCESS)
    assert [(read.actor, read.additional_data) for read in reads] == [(front_desk, {"read": "case page"})] * 2


def test_it_records_a_search_by_who_and_when_but_not_the_words(client, nurse, alice, bob):
    staff_login(client, nurse)

    client.get(reverse("admin:intake_case_changelist"), {"q": "alice"})
    client.get(reverse("admin:intake_case_changelist"))

    [search] = LogEntry.objects.filter(action=ACCESS, additional_data__search=True)
    assert search.actor == nurse and search.timestamp
    assert search.additional_data == {"search": True, "results": 1}
    assert "alice" not in f"{search.object_repr} {search.changes} {search.additional_data}".lower()


def test_it_records_a_patient_status_view_with_when_and_no_address(client, alice):
    client.get(
        reverse("intake:status", args=[alice.status_token()]),
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )

    [view] = entries(alice, ACCESS)
    assert view.actor is None and view.timestamp
    assert view.additional_data == {"read": "patient status page"}
    assert view.remote_addr is None
    stored = LogEntry.objects.values_list().filter(pk=view.pk).get()
    assert not any("203.0.113" in str(value) or "198.51.100" in str(value) for value in stored)


def test_it_shows_administrators_the_case_audit_trail(client, nurse, clinic_admin, alice):
    staff_login(client, nurse)
    client.get(reverse("admin:intake_case_change", args=[alice.pk]))
    client.post(reverse("admin:intake_case_change", args=[alice.pk]), case_form(alice, status="triaged"))
    client.logout()
    client.get(reverse("intake:status", args=[alice.status_token()]))
    staff_login(client, clinic_admin)

    page = client.get(reverse("admin:intake_case_audit", args=[alice.pk])).content.decode()

    assert "<strong>status</strong>: new &rarr; triaged" in page
    assert "nurse" in page and "the patient" in page
    assert f"Route for case {alice.pk}" in page
    assert page.count("read: case page") == 1
    assert entries(alice, ACCESS)[-1].additional_data == {"read": "audit trail"}


def test_it_links_the_audit_trail_from_the_case_page_for_administrators_only(
    client, nurse, clinic_admin, alice
):
    audit = reverse("admin:intake_case_audit", args=[alice.pk])
    staff_login(client, clinic_admin)
    assert audit in client.get(reverse("admin:intake_case_change", args=[alice.pk])).content.decode()

    client.logout()
    staff_login(client, nurse)
    assert audit not in client.get(reverse("admin:intake_case_change", args=[alice.pk])).content.decode()
