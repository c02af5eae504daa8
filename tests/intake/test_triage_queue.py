"""The triage queue in the staff console: its columns, ready-made views, bulk actions and home counts."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from intake.admin_queue import waiting_for
from intake.models import Case, CaseStatus, Reminder, ReminderKind, ReminderState
from intake.submission import intake_submit
from referrals.appointments import appointment_book
from referrals.models import Referral, ReferralStatus
from referrals.referral_status import referral_move
from tests.conftest import ALICE_ANSWERS, staff_login
from tests.referrals.care import NOW, place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

CHANGELIST = reverse("admin:intake_case_changelist")
ONCE = {"sex": "male", "age": 40, "locations": ["lower_back"], "frequency": "once"}


def make_case(name: str, answers: dict, *, email: str = "", phone: str = "", at=None, clock=None) -> Case:
    if at is not None:
        clock.move_to(at, tick=False)
    contact = {
        "name": name,
        "email": email or f"{name.lower().replace(' ', '.')}@example.org",
        "phone": phone,
    }
    case = intake_submit(contact=contact, answers=answers)
    clock.move_to(NOW, tick=False) if clock else None
    return case


def rows(response) -> dict[str, Case]:
    return {case.name: case for case in response.context["cl"].result_list}


def listed(response) -> list[str]:
    return [case.name for case in response.context["cl"].result_list]


def step(case: Case, specialist: str) -> Referral:
    return Referral.objects.get(case=case, specialist=specialist)


def test_it_says_how_long_a_case_has_waited():
    assert waiting_for(NOW - timedelta(minutes=40), NOW) == "40 min"
    assert waiting_for(NOW - timedelta(hours=3, minutes=59), NOW) == "3 h"
    assert waiting_for(NOW - timedelta(days=3, hours=2), NOW) == "3 d"


def test_it_shows_the_queue_columns_a_front_desk_uses(client, front_desk, nurse, clock):
    case = make_case("Anna Patient", ALICE_ANSWERS, at=NOW - timedelta(hours=3), clock=clock)
    case.assigned_to = nurse
    case.save()
    staff_login(client, front_desk)

    html = client.get(CHANGELIST).content.decode()

    for text in (f"#{case.pk}", "Anna Patient", "3 h", "Urgent", "New, not yet triaged", "nurse", "Triage"):
        assert text in html


def test_it_says_what_to_do_next_on_each_case(client, nurse, front_desk, clock):
    new = make_case("New one", ALICE_ANSWERS, clock=clock)
    to_book = make_case("To book", ALICE_ANSWERS, clock=clock)
    to_confirm = make_case("To confirm", ALICE_ANSWERS, clock=clock)
    no_show = make_case("Missed", ALICE_ANSWERS, clock=clock)
    for case in (to_book, to_confirm, no_show):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.TRIAGED)
    for case in (to_confirm, no_show):
        appointment_book(
            referral=step(case, "therapist"),
            starts_at=NOW + timedelta(hours=1),
            location=place(),
            by=front_desk,
        )
    clock.move_to(NOW + timedelta(hours=2), tick=False)
    referral_move(referral=step(no_show, "therapist"), to=ReferralStatus.NO_SHOW, by=front_desk)
    staff_login(client, nurse)

    response = client.get(CHANGELIST)

    actions = {name: case.next_action for name, case in rows(response).items()}
    assert actions == {
        new.name: "Triage",
        to_book.name: "Book step 1",
        to_confirm.name: "Confirm appointment (step 1)",
        no_show.name: "Follow up a no-show (step 1)",
    }


def test_it_counts_steps_in_the_current_route_order(client, nurse, front_desk, clock):
    case = make_case("Booked first", ALICE_ANSWERS, clock=clock)
    appointment_book(
        referral=step(case, "therapist"), starts_at=NOW + timedelta(days=1), location=place(), by=front_desk
    )
    staff_login(client, nurse)
    assert rows(client.get(CHANGELIST))["Booked first"].next_action == "Book step 2"


def test_it_offers_the_ready_made_views(client, nurse, front_desk, clock):
    make_case("Untriaged", ONCE, clock=clock)
    mine = make_case("Mine", ONCE, clock=clock)
    Case.objects.filter(pk=mine.pk).update(status=CaseStatus.TRIAGED, assigned_to=nurse)
    overdue = make_case("Overdue", ALICE_ANSWERS, at=NOW - timedelta(hours=25), clock=clock)
    Case.objects.filter(pk=overdue.pk).update(status=CaseStatus.TRIAGED)
    today = make_case("Today", ONCE, clock=clock)
    appointment_book(
        referral=step(today, "therapist"), starts_at=NOW + timedelta(hours=3), location=place(), by=front_desk
    )
    failed = make_case("Failed", ONCE, clock=clock)
    Reminder.objects.filter(case=failed, kind=ReminderKind.CONFIRMATION).update(state=ReminderState.FAILED)
    staff_login(client, nurse)

    def view(name: str) -> list[str]:
        return sorted(listed(client.get(CHANGELIST, {"view": name})))

    assert view("untriaged") == ["Failed", "Untriaged"]
    assert view("mine") == ["Mine"]
    assert view("overdue") == ["Overdue"]
    assert view("today") == ["Today"]
    assert view("failed") == ["Failed"]


def test_it_finds_possible_duplicates_by_email_or_phone_within_thirty_days(client, nurse, clock):
    first = make_case("First", ONCE, email="same@example.org", at=NOW - timedelta(days=20), clock=clock)
    again = make_case("Again", ONCE, email="SAME@example.org", clock=clock)
    by_phone = make_case("By phone", ONCE, phone="+1 555 0123", clock=clock)
    by_phone_too = make_case("By phone too", ONCE, phone="+1 555 0123", clock=clock)
    make_case("Long ago", ONCE, email="same@example.org", at=NOW - timedelta(days=60), clock=clock)
    make_case("Someone else", ONCE, clock=clock)
    staff_login(client, nurse)

    assert sorted(listed(client.get(CHANGELIST, {"view": "duplicates"}))) == sorted(
        [first.name, again.name, by_phone.name, by_phone_too.name]
    )
    page = client.get(reverse("admin:intake_case_change", args=[first.pk])).content.decode()
    back = client.get(reverse("admin:intake_case_change", args=[again.pk])).content.decode()
    assert reverse("admin:intake_case_change", args=[again.pk]) in page
    assert reverse("admin:intake_case_change", args=[first.pk]) in back


def test_it_shows_waiting_counts_by_urgency_on_the_home_page_emergencies_first(client, front_desk, clock):
    emergency = make_case("Emergency", ALICE_ANSWERS, clock=clock)
    Case.objects.filter(pk=emergency.pk).update(urgency="emergency")
    make_case("Urgent", ALICE_ANSWERS, at=NOW - timedelta(hours=30), clock=clock)
    make_case("Urgent too", ALICE_ANSWERS, clock=clock)
    closed = make_case("Closed", ONCE, clock=clock)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    staff_login(client, front_desk)

    response = client.get(reverse("admin:index"))

    counts = response.context["waiting_counts"]
    assert [row["urgency"] for row in counts] == ["emergency", "urgent", "soon", "routine", "self_care"]
    assert [(row["open"], row["untriaged"], row["overdue"]) for row in counts[:2]] == [(1, 1, 1), (2, 2, 1)]
    assert counts[3]["open"] == 0
    assert 'id="waiting-counts"' in response.content.decode()


def test_it_shows_no_counts_to_staff_who_cannot_read_cases(client, visitor):
    staff_login(client, visitor)
    assert "waiting_counts" not in client.get(reverse("admin:index")).context


def test_it_assigns_chosen_cases_to_me_or_to_a_chosen_colleague(client, front_desk, nurse, clock):
    one, two = make_case("One", ONCE, clock=clock), make_case("Two", ONCE, clock=clock)
    staff_login(client, front_desk)

    client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [one.pk]})
    choose = client.post(CHANGELIST, {"action": "assign_to_someone", "_selected_action": [two.pk]})
    client.post(
        CHANGELIST,
        {"action": "assign_to_someone", "_selected_action": [two.pk], "apply": "yes", "assignee": nurse.pk},
    )

    assert choose.status_code == 200 and 'name="assignee"' in choose.content.decode()
    assert Case.objects.get(pk=one.pk).assigned_to == front_desk
    assert Case.objects.get(pk=two.pk).assigned_to == nurse


def test_it_refuses_to_assign_to_someone_who_is_not_active_staff(client, front_desk, clock):
    case = make_case("One", ONCE, clock=clock)
    patient = User.objects.create_user("patient", "p@example.org", "pw")
    staff_login(client, front_desk)

    response = client.post(
        CHANGELIST,
        {
            "action": "assign_to_someone",
            "_selected_action": [case.pk],
            "apply": "yes",
            "assignee": patient.pk,
        },
    )

    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assigned_to is None


def test_it_marks_new_cases_triaged_in_bulk_and_leaves_others(client, nurse, clock):
    new = make_case("New", ONCE, clock=clock)
    closed = make_case("Closed", ONCE, clock=clock)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    staff_login(client, nurse)

    client.post(CHANGELIST, {"action": "mark_triaged", "_selected_action": [new.pk, closed.pk]})

    assert Case.objects.get(pk=new.pk).status == CaseStatus.TRIAGED
    assert Case.objects.get(pk=closed.pk).status == CaseStatus.CLOSED


def make_cases_with_steps(count: int, desk: User, clock) -> None:
    for n in range(count):
        case = make_case(f"Patient {n}", ALICE_ANSWERS, clock=clock)
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.TRIAGED)
        appointment_book(
            referral=step(case, "therapist"), starts_at=NOW + timedelta(days=1), location=place(), by=desk
        )


def test_it_lists_the_queue_in_the_same_number_of_queries_however_many_cases(
    client, nurse, front_desk, clock, django_assert_max_num_queries
):
    make_cases_with_steps(2, front_desk, clock)
    staff_login(client, nurse)
    with django_assert_max_num_queries(30) as few:
        client.get(CHANGELIST, {"view": "open"})
    make_cases_with_steps(20, front_desk, clock)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST, {"view": "open"})

    assert len(listed(response)) == 22
    assert {case.next_action for case in response.context["cl"].result_list} == {"Book step 2"}
