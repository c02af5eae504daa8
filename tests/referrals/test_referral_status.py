from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from intake.models import CaseStatus
from referrals.appointments import appointment_book
from referrals.models import REFERRAL_TRANSITIONS, AppointmentState, ReferralMove, ReferralStatus
from referrals.referral_status import case_status_from_steps, case_status_sync, case_steps, referral_move
from tests.referrals.care import NOW, place, referral, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
S = ReferralStatus


@pytest.fixture
def desk(db):
    return staff("desk", "move_referral", "book_appointment")


def book(step, by, *, hours: int = 24):
    return appointment_book(referral=step, starts_at=NOW + timedelta(hours=hours), location=place(), by=by)


def test_it_opens_every_step_of_a_new_route_as_suggested(alice):
    steps = {r.specialist: r.status for r in alice.referrals.all()}
    assert steps == {"therapist": S.SUGGESTED, "neurologist": S.SUGGESTED}
    assert all(r.opened_at == NOW for r in alice.referrals.all())
    assert alice.status == CaseStatus.NEW


def test_it_records_who_when_from_to_and_the_note(alice, desk, clock):
    step = referral(alice, "neurologist")
    clock.shift(timedelta(minutes=5))
    referral_move(referral=step, to=S.REFERRED, by=desk, note="  Letter sent  ")
    move = ReferralMove.objects.get(referral=step)
    assert (move.from_status, move.to_status, move.by, move.at, move.note) == (
        S.SUGGESTED,
        S.REFERRED,
        desk,
        NOW + timedelta(minutes=5),
        "Letter sent",
    )
    step.refresh_from_db()
    assert step.status == S.REFERRED
    assert step.status_changed_at == NOW + timedelta(minutes=5)


def test_it_refuses_a_move_the_table_does_not_allow(alice, desk):
    step = referral(alice, "therapist")
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=step, to=S.DONE, by=desk)
    assert "status" in refused.value.message_dict
    assert "Referred" in refused.value.message_dict["status"][0]
    step.refresh_from_db()
    assert step.status == S.SUGGESTED
    assert not ReferralMove.objects.exists()


def test_it_refuses_an_unknown_status(alice, desk):
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=referral(alice, "therapist"), to="lost", by=desk)
    assert "status" in refused.value.message_dict


def test_it_has_a_row_in_the_table_for_every_status_and_only_known_targets():
    assert set(REFERRAL_TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in REFERRAL_TRANSITIONS.values())
    assert REFERRAL_TRANSITIONS[S.DONE] == frozenset()


@pytest.mark.parametrize("to", [S.DECLINED, S.CANCELLED])
def test_it_needs_a_note_to_decline_or_cancel_a_step(alice, desk, to):
    step = referral(alice, "neurologist")
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=step, to=to, by=desk, note="   ")
    assert "note" in refused.value.message_dict
    referral_move(referral=step, to=to, by=desk, note="Seen elsewhere")
    step.refresh_from_db()
    assert step.status == to


def test_it_books_only_through_an_appointment(alice, desk):
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=referral(alice, "therapist"), to=S.BOOKED, by=desk)
    assert "appointment" in refused.value.message_dict["status"][0]


def test_it_reopens_a_booked_step_only_by_cancelling_its_appointment(alice, desk):
    step = referral(alice, "therapist")
    book(step, desk)
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=step, to=S.REFERRED, by=desk)
    assert "Cancel the appointment" in refused.value.message_dict["status"][0]


def test_it_marks_the_appointment_attended_with_the_step(alice, desk, clock):
    step = referral(alice, "therapist")
    appointment = book(step, desk)
    clock.shift(timedelta(hours=25))
    referral_move(referral=step, to=S.ATTENDED, by=desk)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.ATTENDED
    assert appointment.closed_by == desk
    assert step.status == S.ATTENDED


def test_it_refuses_a_no_show_before_the_appointment_time(alice, desk, clock):
    step = referral(alice, "therapist")
    appointment = book(step, desk, hours=3)
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=step, to=S.NO_SHOW, by=desk)
    assert "not been missed yet" in refused.value.message_dict["status"][0]
    clock.shift(timedelta(hours=3, minutes=15))
    referral_move(referral=step, to=S.NO_SHOW, by=desk)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.MISSED
    assert step.status == S.NO_SHOW


def test_it_lets_a_missed_step_be_booked_again(alice, desk, clock):
    step = referral(alice, "therapist")
    book(step, desk, hours=1)
    clock.shift(timedelta(hours=2))
    referral_move(referral=step, to=S.NO_SHOW, by=desk)
    book(step, desk, hours=24)
    step.refresh_from_db()
    assert step.status == S.BOOKED
    assert list(step.moves.values_list("to_status", flat=True)) == [S.BOOKED, S.NO_SHOW, S.BOOKED]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], None),
        ([S.SUGGESTED, S.SUGGESTED], None),
        ([S.SUGGESTED, S.REFERRED], CaseStatus.IN_PROGRESS),
        ([S.BOOKED, S.SUGGESTED], CaseStatus.IN_PROGRESS),
        ([S.ATTENDED, S.DONE], CaseStatus.IN_PROGRESS),
        ([S.DONE, S.NO_SHOW], CaseStatus.IN_PROGRESS),
        ([S.DONE, S.SUGGESTED], CaseStatus.IN_PROGRESS),
        ([S.DECLINED, S.SUGGESTED], CaseStatus.IN_PROGRESS),
        ([S.DONE, S.DECLINED, S.CANCELLED], CaseStatus.CLOSED),
        ([S.DONE], CaseStatus.CLOSED),
    ],
)
def test_it_derives_the_case_status_from_its_steps(statuses, expected):
    assert case_status_from_steps(statuses) == expected


def test_it_moves_the_case_along_with_its_steps(alice, desk, clock):
    therapist, neurologist = referral(alice, "therapist"), referral(alice, "neurologist")
    referral_move(referral=neurologist, to=S.REFERRED, by=desk)
    alice.refresh_from_db()
    assert alice.status == CaseStatus.IN_PROGRESS
    book(therapist, desk, hours=2)
    clock.shift(timedelta(hours=3))
    referral_move(referral=therapist, to=S.ATTENDED, by=desk)
    referral_move(referral=therapist, to=S.DONE, by=desk)
    alice.refresh_from_db()
    assert alice.status == CaseStatus.IN_PROGRESS
    referral_move(referral=neurologist, to=S.DECLINED, by=desk, note="Patient prefers to wait")
    alice.refresh_from_db()
    assert alice.status == CaseStatus.CLOSED


def test_it_leaves_a_case_of_suggestions_to_staff(alice):
    alice.status = CaseStatus.TRIAGED
    alice.save()
    assert case_status_sync(case=alice) == CaseStatus.TRIAGED
    alice.refresh_from_db()
    assert alice.status == CaseStatus.TRIAGED


def test_it_reopens_a_closed_case_when_a_step_moves_again(alice, desk):
    alice.status = CaseStatus.CLOSED
    alice.save()
    referral_move(referral=referral(alice, "therapist"), to=S.REFERRED, by=desk)
    alice.refresh_from_db()
    assert alice.status == CaseStatus.IN_PROGRESS


def test_it_counts_an_urgency_time_frame_from_when_the_step_opened(alice):
    step = referral(alice, "neurologist")
    assert step.due_by("urgent") == NOW + timedelta(hours=24)
    assert step.due_by("soon") == NOW + timedelta(days=7)


def test_it_lists_the_steps_with_their_status_and_booked_appointment(
    alice, desk, django_assert_max_num_queries
):
    appointment = book(referral(alice, "therapist"), desk, hours=5)
    with django_assert_max_num_queries(5):
        steps = case_steps(case=alice)
        assert [(t.step.specialist, t.referral.status, t.appointment) for t in steps] == [
            ("therapist", S.BOOKED, appointment),
            ("neurologist", S.SUGGESTED, None),
        ]
        assert steps[0].appointment.location.name == "Main clinic"


def test_it_finds_a_step_overdue_for_its_urgency_only_while_it_waits(alice, desk, clock):
    therapist, neurologist = case_steps(case=alice)
    assert neurologist.due_by == NOW + timedelta(hours=24)
    assert not neurologist.is_overdue()
    clock.shift(timedelta(hours=24, minutes=1))
    assert neurologist.is_overdue()
    assert therapist.is_overdue()
    book(referral(alice, "therapist"), desk, hours=30)
    therapist, neurologist = case_steps(case=alice)
    assert not therapist.is_overdue()
    assert neurologist.is_overdue(now=NOW) is False
