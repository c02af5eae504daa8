"""The patient's status page follows the case's care: the current route, the appointments, reminder emails."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from intake.models import Case
from intake.subscription import case_unsubscribe
from referrals import vocabulary
from referrals.appointments import appointment_book, appointment_cancel
from referrals.models import RouteStep
from referrals.overrides import OverrideAction, RouteChange, route_override
from referrals.vocabulary import TEST_PURPOSES, urgency_time_frame
from tests.intake.test_case_status import page_text, status_url
from tests.referrals.care import NOW, place, referral, staff

pytestmark = pytest.mark.django_db
A = OverrideAction


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def clinician(db):
    return staff("clinician", "override_route")


def engine_steps(case: Case) -> list[tuple]:
    rows = RouteStep.objects.filter(route__case=case)
    return list(rows.values_list("order", "specialist", "urgency", "reasons"))


def test_it_shows_the_clinicians_revision_and_keeps_the_engines_route(client, alice, clinician):
    before = engine_steps(alice)
    test = next(code for code in vocabulary.Test.values if code not in alice.route.tests)
    route_override(
        case=alice,
        by=clinician,
        reason="Seen in clinic",
        changes=[
            RouteChange(A.ADD_STEP, specialist="orthopedist", urgency="soon"),
            RouteChange(A.CHANGE_URGENCY, specialist="neurologist", urgency="emergency"),
            RouteChange(A.ADD_TEST, test=test),
        ],
    )

    response = client.get(status_url(alice))
    html = response.content.decode()
    text = page_text(html)
    assert re.findall(r'data-specialist="(\w+)"', html) == ["therapist", "neurologist", "orthopedist"]
    assert f"Emergency {urgency_time_frame('emergency')}" in text
    assert f"Soon {urgency_time_frame('soon')}" in text
    assert 'id="emergency"' in html
    assert f"{vocabulary.Test(test).label} {TEST_PURPOSES[test]}" in text
    assert "The clinic updated your route on 2 March 2026." in text
    assert "Seen in clinic" not in text
    assert engine_steps(alice) == before
    assert "orthopedist" not in [specialist for _order, specialist, *_ in before]


def test_it_says_each_shared_reason_once_on_a_revised_route(client, alice, clinician):
    engine_html = client.get(status_url(alice)).content.decode()
    reasons = re.findall(r"<li>([^<]+)</li>", engine_html)
    route_override(
        case=alice,
        by=clinician,
        reason="Seen in clinic",
        changes=[RouteChange(A.CHANGE_URGENCY, specialist="therapist", urgency="routine")],
    )
    html = client.get(status_url(alice)).content.decode()
    assert re.findall(r"<li>([^<]+)</li>", html) == reasons
    assert reasons and len(set(reasons)) == len(reasons)
    assert f"Routine {urgency_time_frame('routine')}" in page_text(html)


def test_it_lists_upcoming_appointments_with_their_place_and_a_calendar_file(client, alice, desk):
    main = place("Main clinic", address="1 High Street, Townsville")
    first = appointment_book(
        referral=referral(alice, "therapist"),
        starts_at=NOW + timedelta(days=2, hours=1),
        location=main,
        with_whom="Dr Grey",
        by=desk,
    )
    second = appointment_book(
        referral=referral(alice, "neurologist"), starts_at=NOW + timedelta(days=3), location=main, by=desk
    )
    appointment_cancel(appointment=second, by=desk, note="Clinic closed")

    token = alice.status_token()
    html = client.get(reverse("intake:status", args=[token])).content.decode()
    text = page_text(html)
    assert "Your appointments" in text
    assert "Wednesday 4 March 2026 at 10:00" in text
    assert "Main clinic, 1 High Street, Townsville" in text
    assert "Therapist (family doctor), with Dr Grey" in text
    assert reverse("intake:appointment_calendar", args=[token, first.pk]) in html
    assert re.findall(r'id="appointment-(\d+)"', html) == [str(first.pk)]


def test_it_lists_no_appointment_once_it_has_started(client, alice, desk, clock):
    appointment_book(
        referral=referral(alice, "therapist"), starts_at=NOW + timedelta(hours=1), location=place(), by=desk
    )
    assert "Your appointments" in page_text(client.get(status_url(alice)).content.decode())
    clock.shift(timedelta(hours=1, minutes=1))
    assert "Your appointments" not in page_text(client.get(status_url(alice)).content.decode())


def test_it_turns_reminder_emails_on_again_from_the_page(alice):
    case_unsubscribe(case=alice)
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(status_url(alice)).content.decode()
    assert "You turned reminder emails off on 2 March 2026." in page_text(html)
    action = re.search(r'<form method="post" action="([^"]+)">', html).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert action == reverse("intake:email_resubscribe", args=[alice.email_preferences_token()])

    response = browser.post(action, {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.unsubscribed_at is None
    assert "Stop reminder emails" in page_text(browser.get(status_url(alice)).content.decode())


def test_it_refuses_to_turn_reminders_on_without_the_pages_form(alice):
    case_unsubscribe(case=alice)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("intake:email_resubscribe", args=[alice.email_preferences_token()]))
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.unsubscribed_at is not None
