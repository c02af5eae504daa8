from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.casework import NOTE_MAX_LENGTH, case_assign, case_note_add
from intake.models import Case, CaseNote

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_assigns_a_case_to_a_staff_member_and_back_to_nobody(alice, nurse):
    case_assign(case=alice, to=nurse)
    assert Case.objects.get(pk=alice.pk).assigned_to == nurse
    assert list(nurse.assigned_cases.all()) == [alice]
    case_assign(case=alice, to=None)
    assert Case.objects.get(pk=alice.pk).assigned_to is None


def test_it_assigns_only_to_active_staff(alice, nurse):
    patient = User.objects.create_user("patient", "p@example.org", "pw")
    nurse.is_active = False
    nurse.save()
    for person in (patient, nurse):
        with pytest.raises(ValidationError) as refused:
            case_assign(case=alice, to=person)
        assert "assigned_to" in refused.value.message_dict
    assert Case.objects.get(pk=alice.pk).assigned_to is None


def test_it_keeps_the_case_when_its_assignee_leaves(alice, nurse):
    case_assign(case=alice, to=nurse)
    nurse.delete()
    assert Case.objects.get(pk=alice.pk).assigned_to is None


def test_it_keeps_notes_with_who_and_when_in_order(alice, nurse, time_machine):
    time_machine.move_to(NOW, tick=False)
    first = case_note_add(case=alice, by=nurse, text="  Called, no answer.  ")
    time_machine.shift(timedelta(hours=1))
    case_note_add(case=alice, by=nurse, text="Patient called back.")
    assert (first.by, first.created_at, first.text) == (nurse, NOW, "Called, no answer.")
    assert list(alice.notes.values_list("text", "created_at")) == [
        ("Called, no answer.", NOW),
        ("Patient called back.", NOW + timedelta(hours=1)),
    ]


@pytest.mark.parametrize("text", ["", "  \n ", "x" * (NOTE_MAX_LENGTH + 1)])
def test_it_refuses_an_empty_or_overlong_note(alice, nurse, text):
    with pytest.raises(ValidationError) as refused:
        case_note_add(case=alice, by=nurse, text=text)
    assert "text" in refused.value.message_dict
    assert not CaseNote.objects.exists()


def test_it_never_shows_a_note_or_the_assignee_on_the_patients_page(client, alice, nurse):
    case_assign(case=alice, to=nurse)
    case_note_add(case=alice, by=nurse, text="Internal: recheck the booking")
    html = client.get(reverse("intake:status", args=[alice.status_token()])).content.decode()
    assert "Alice Example" in html
    assert "recheck the booking" not in html
    assert "nurse" not in html
