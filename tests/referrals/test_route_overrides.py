from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from intake.models import CaseStatus
from referrals.appointments import appointment_book
from referrals.models import ReferralStatus, RouteRevision, RouteStep
from referrals.overrides import OverrideAction, RouteChange, change_description, route_compare, route_override
from referrals.referral_status import referral_move
from referrals.routes import route_current
from tests.referrals.care import NOW, place, referral, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
A, S = OverrideAction, ReferralStatus


@pytest.fixture
def clinician(db):
    return staff("clinician", "override_route")


def override(case, by, *changes, reason="Seen in clinic: the MRI report explains it"):
    return route_override(case=case, by=by, reason=reason, changes=list(changes))


def engine_rows(case):
    route = case.route
    route.refresh_from_db()
    steps = list(
        RouteStep.objects.filter(route=route).values_list("order", "specialist", "urgency", "reasons")
    )
    return route.rulebook, route.urgency, route.tests, steps


def shape(case):
    current = route_current(case=case)
    return [(s.order, s.specialist, s.urgency) for s in current.steps], list(current.tests), current.urgency


def test_it_follows_the_engine_route_until_an_override(alice):
    current = route_current(case=alice)
    assert current.revision is None
    assert current.rulebook == alice.route.rulebook
    assert shape(alice) == (
        [(1, "therapist", "urgent"), (2, "neurologist", "urgent")],
        list(alice.route.tests),
        "urgent",
    )


def test_it_adds_a_step_as_a_new_revision_and_keeps_the_engine_route(alice, clinician, clock):
    before = engine_rows(alice)
    clock.shift(timedelta(hours=2))
    revision = override(alice, clinician, RouteChange(A.ADD_STEP, specialist="orthopedist", urgency="soon"))
    assert engine_rows(alice) == before
    assert (revision.number, revision.by, revision.created_at) == (1, clinician, NOW + timedelta(hours=2))
    assert revision.reason == "Seen in clinic: the MRI report explains it"
    assert revision.changes == [{"action": "add_step", "specialist": "orthopedist", "urgency": "soon"}]
    assert shape(alice)[0] == [
        (1, "therapist", "urgent"),
        (2, "neurologist", "urgent"),
        (3, "orthopedist", "soon"),
    ]
    added = referral(alice, "orthopedist")
    assert (added.status, added.opened_at) == (S.SUGGESTED, NOW + timedelta(hours=2))


def test_it_keeps_the_therapist_first_and_the_most_urgent_next(alice, clinician):
    override(
        alice,
        clinician,
        RouteChange(A.ADD_STEP, specialist="cardiologist", urgency="emergency"),
        RouteChange(A.CHANGE_URGENCY, specialist="therapist", urgency="routine"),
    )
    steps, _, urgency = shape(alice)
    assert steps == [
        (1, "therapist", "routine"),
        (2, "cardiologist", "emergency"),
        (3, "neurologist", "urgent"),
    ]
    assert urgency == "emergency"
    alice.refresh_from_db()
    assert alice.urgency == "emergency"


def test_it_never_removes_the_therapist(alice, clinician):
    with pytest.raises(ValidationError) as refused:
        override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="therapist"))
    assert "therapist" in refused.value.message_dict["specialist"][0]
    assert not RouteRevision.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        RouteChange(A.REMOVE_STEP, specialist="neurologist"),
        RouteChange(A.CHANGE_URGENCY, specialist="neurologist", urgency="routine"),
        RouteChange(A.REMOVE_TEST, test="spine_xray"),
        RouteChange(A.ADD_TEST, test="mri"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_it_needs_a_reason_for_every_change(alice, clinician, change, reason):
    with pytest.raises(ValidationError) as refused:
        override(alice, clinician, change, reason=reason)
    assert list(refused.value.message_dict) == ["reason"]
    assert not RouteRevision.objects.exists()
    assert referral(alice, "neurologist").status == S.SUGGESTED


def test_it_removes_a_step_and_cancels_its_referral_with_the_reason(alice, clinician):
    override(
        alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"), reason="Known old injury"
    )
    assert shape(alice)[0] == [(1, "therapist", "urgent")]
    assert shape(alice)[2] == "urgent"
    step = referral(alice, "neurologist")
    move = step.moves.get()
    assert (step.status, move.by, move.note) == (S.CANCELLED, clinician, "Known old injury")


def test_it_lowers_an_urgency_with_its_reason_and_the_route_follows(alice, clinician):
    override(
        alice,
        clinician,
        RouteChange(A.CHANGE_URGENCY, specialist="neurologist", urgency="soon"),
        RouteChange(A.CHANGE_URGENCY, specialist="therapist", urgency="soon"),
    )
    assert shape(alice)[2] == "soon"
    alice.refresh_from_db()
    assert alice.urgency == "soon"
    assert alice.route.urgency == "urgent"


def test_it_adds_and_removes_tests_in_the_therapists_order(alice, clinician):
    override(
        alice,
        clinician,
        RouteChange(A.ADD_TEST, test="mri"),
        RouteChange(A.ADD_TEST, test="blood_biochemistry"),
    )
    override(alice, clinician, RouteChange(A.REMOVE_TEST, test="spine_xray"))
    assert shape(alice)[1] == [
        "blood_count",
        "blood_biochemistry",
        "urine_nechiporenko",
        "ultrasound",
        "vascular_doppler",
        "mri",
    ]
    assert [r.number for r in alice.route.revisions.all()] == [1, 2]


def test_it_builds_each_revision_on_the_one_before(alice, clinician):
    override(alice, clinician, RouteChange(A.ADD_STEP, specialist="surgeon", urgency="routine"))
    override(alice, clinician, RouteChange(A.CHANGE_URGENCY, specialist="surgeon", urgency="soon"))
    assert shape(alice)[0][-1] == (3, "surgeon", "soon")
    assert route_current(case=alice).revision.number == 2


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (RouteChange(A.ADD_STEP, specialist="neurologist", urgency="soon"), "specialist", "already"),
        (RouteChange(A.ADD_STEP, specialist="wizard", urgency="soon"), "specialist", "Unknown"),
        (RouteChange(A.ADD_STEP, specialist="surgeon", urgency="whenever"), "urgency", "Choose"),
        (RouteChange(A.REMOVE_STEP, specialist="surgeon"), "specialist", "not on the route"),
        (RouteChange(A.CHANGE_URGENCY, specialist="neurologist", urgency="urgent"), "urgency", "already"),
        (RouteChange(A.ADD_TEST, test="spine_xray"), "test", "already"),
        (RouteChange(A.REMOVE_TEST, test="ct"), "test", "not on the route"),
        (RouteChange(A.ADD_TEST, test="palm_reading"), "test", "Choose"),
        (RouteChange("rewrite"), "action", "Unknown"),
    ],
)
def test_it_names_the_field_of_a_change_it_refuses(alice, clinician, change, field, words):
    with pytest.raises(ValidationError) as refused:
        override(alice, clinician, RouteChange(A.ADD_TEST, test="mri"), change)
    assert words in refused.value.message_dict[field][0]
    assert not RouteRevision.objects.exists()
    assert shape(alice)[1] == list(alice.route.tests)


def test_it_needs_at_least_one_change(alice, clinician):
    with pytest.raises(ValidationError) as refused:
        override(alice, clinician)
    assert "action" in refused.value.message_dict


def test_it_keeps_a_booked_or_attended_step_on_the_route(alice, clinician, clock):
    desk = staff("desk", "book_appointment")
    step = referral(alice, "neurologist")
    appointment_book(referral=step, starts_at=NOW + timedelta(hours=1), location=place(), by=desk)
    with pytest.raises(ValidationError) as booked:
        override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"))
    assert "cancel the appointment first" in booked.value.message_dict["specialist"][0]
    clock.shift(timedelta(hours=2))
    referral_move(referral=step, to=S.ATTENDED, by=desk)
    with pytest.raises(ValidationError) as attended:
        override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"))
    assert "attended" in attended.value.message_dict["specialist"][0]


def test_it_suggests_a_step_afresh_when_it_is_added_again(alice, clinician, clock):
    override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"))
    clock.shift(timedelta(days=1))
    override(alice, clinician, RouteChange(A.ADD_STEP, specialist="neurologist", urgency="soon"))
    step = referral(alice, "neurologist")
    assert step.status == S.SUGGESTED
    assert step.opened_at == NOW + timedelta(days=1)
    assert step.due_by("soon") == NOW + timedelta(days=8)
    assert list(step.moves.values_list("to_status", flat=True)) == [S.CANCELLED, S.SUGGESTED]


def test_it_closes_the_case_when_what_is_left_is_finished(alice, clinician, clock):
    desk = staff("desk", "book_appointment")
    therapist = referral(alice, "therapist")
    appointment_book(referral=therapist, starts_at=NOW + timedelta(hours=1), location=place(), by=desk)
    clock.shift(timedelta(hours=2))
    referral_move(referral=therapist, to=S.ATTENDED, by=desk)
    referral_move(referral=therapist, to=S.DONE, by=desk)
    alice.refresh_from_db()
    assert alice.status == CaseStatus.IN_PROGRESS
    override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"))
    alice.refresh_from_db()
    assert alice.status == CaseStatus.CLOSED


def test_it_does_not_move_a_removed_step(alice, clinician):
    override(alice, clinician, RouteChange(A.REMOVE_STEP, specialist="neurologist"))
    with pytest.raises(ValidationError) as refused:
        referral_move(referral=referral(alice, "neurologist"), to=S.SUGGESTED, by=clinician)
    assert "no longer on the case's route" in refused.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        appointment_book(
            referral=referral(alice, "neurologist"),
            starts_at=NOW + timedelta(hours=1),
            location=place(),
            by=clinician,
        )


def test_it_compares_the_engine_route_with_the_current_one(alice, clinician):
    override(
        alice,
        clinician,
        RouteChange(A.REMOVE_STEP, specialist="neurologist"),
        RouteChange(A.ADD_STEP, specialist="orthopedist", urgency="soon"),
        RouteChange(A.CHANGE_URGENCY, specialist="therapist", urgency="soon"),
        RouteChange(A.ADD_TEST, test="mri"),
        RouteChange(A.REMOVE_TEST, test="ultrasound"),
    )
    comparison = route_compare(case=alice)
    assert comparison.engine.revision is None
    assert comparison.current.revision.number == 1
    assert [(row.specialist, row.change) for row in comparison.steps] == [
        ("therapist", "urgency"),
        ("orthopedist", "added"),
        ("neurologist", "removed"),
    ]
    therapist = comparison.steps[0]
    assert (therapist.engine.urgency, therapist.current.urgency) == ("urgent", "soon")
    assert ("mri", False, True) in comparison.tests
    assert ("ultrasound", True, False) in comparison.tests
    assert ("blood_count", True, True) in comparison.tests
    assert [code for code, *_ in comparison.tests][-1] == "mri"
    assert comparison.engine.as_dict()["steps"][1]["specialist"] == "neurologist"
    assert comparison.current.as_dict()["revision"] == 1
    assert [revision.by for revision in comparison.revisions] == [clinician]


def test_it_says_what_changed_in_words(alice, clinician):
    revision = override(
        alice,
        clinician,
        RouteChange(A.CHANGE_URGENCY, specialist="neurologist", urgency="soon"),
        RouteChange(A.ADD_TEST, test="mri"),
        RouteChange(A.ADD_STEP, specialist="surgeon", urgency="routine"),
    )
    assert [change_description(change) for change in revision.changes] == [
        "Neurologist: Urgent to Soon",
        "Added test: MRI scan",
        "Added Surgeon (Routine)",
    ]


def test_it_reads_the_current_route_in_a_few_queries(alice, clinician, django_assert_max_num_queries):
    override(alice, clinician, RouteChange(A.ADD_TEST, test="mri"))
    with django_assert_max_num_queries(3):
        current = route_current(case=alice)
        assert [step.get_specialist_display() for step in current.steps] == [
            "Therapist (family doctor)",
            "Neurologist",
        ]
