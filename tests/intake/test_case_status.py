import html as html_lib
import re
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import STATUS_EXPLANATIONS, STATUS_TOKEN_SALT, CaseStatus
from referrals import vocabulary
from referrals.vocabulary import TEST_PURPOSES, urgency_time_frame
from tests.intake.helpers import ROUTE, SHARED, stored_case

pytestmark = pytest.mark.django_db

def status_url(case) -> str:
    return reverse("intake:status", args=[case.status_token()])


def page_text(html: str) -> str:
    """The words of the page's main content and footer, as a patient reads them."""
    body = html[html.index('<main id="main"') :]
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip().split()) > 2]


def test_it_shows_the_owner_their_route(client):
    case = stored_case()
    response = client.get(status_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hana Example" in html
    assert "guidance, not a diagnosis" in html
    specialists = re.findall(r'data-specialist="(\w+)"', html)
    assert specialists == ["therapist", "neurologist", "orthopedist"]
    assert "no-store" in response.headers["Cache-Control"]


def test_it_hides_other_patients_case(client, alice, bob):
    html = client.get(status_url(bob)).content.decode()
    assert "Bob Example" in html
    assert "Alice Example" not in html


def test_it_404s_on_a_tampered_token(client, alice):
    token = alice.status_token()
    assert client.get(reverse("intake:status", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("intake:status", args=["nonsense"])).status_code == 404


def test_it_404s_when_the_case_is_gone(client, alice):
    url = status_url(alice)
    alice.delete()
    assert client.get(url).status_code == 404


def test_it_says_the_link_expired_and_how_to_reach_the_clinic(client, alice, settings):
    settings.CLINIC_PHONE, settings.CLINIC_ADDRESS = "+1 555 0199", "1 Clinic Road"
    url = status_url(alice)
    later = timezone.now() + timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS, hours=1)
    with time_machine.travel(later):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 410
    assert "expired" in html
    assert "Alice" not in html
    assert 'href="tel:+15550199"' in html and "1 Clinic Road" in html


def test_it_puts_only_the_case_id_in_the_token(alice):
    token = alice.status_token()
    assert signing.loads(token, salt="intake.case-status") == str(alice.public_id)
    assert "tingling" not in signing.b64_decode(token.split(":")[0].lstrip(".").encode()).decode("latin-1")


def test_it_tells_an_emergency_to_call_first_and_gives_no_advice(client, settings):
    settings.EMERGENCY_NUMBER = "999"
    route = {**ROUTE, "urgency": "emergency"}
    route["steps"] = [{**ROUTE["steps"][0], "urgency": "emergency"}, *ROUTE["steps"][1:]]
    html = client.get(status_url(stored_case(route))).content.decode()
    # First thing in the page's main content: before the heading and any message.
    main = html[html.index('<main id="main"') :]
    assert re.match(r'<main[^>]*>\s*<div class="alert alert-danger[^"]*" role="alert" id="emergency">', main)
    assert main.index("Call emergency services now") < main.index("<h1")
    assert 'href="tel:999"' in main[: main.index("<h1")]
    assert "Good to know" not in html and "Rest your back" not in html


def test_it_has_no_emergency_notice_otherwise(client):
    html = client.get(status_url(stored_case())).content.decode()
    assert 'id="emergency"' not in html
    assert "Call emergency services now." not in html


def test_it_says_every_sentence_once(client):
    text = page_text(client.get(status_url(stored_case())).content.decode())
    repeated = [sentence for sentence, count in Counter(sentences(text)).items() if count > 1]
    assert repeated == []
    assert text.count(SHARED) == 1
    assert text.count("Rest your back a few times a day.") == 1


def test_it_says_a_shared_reason_under_the_first_specialist_and_points_there(client):
    html = client.get(status_url(stored_case())).content.decode()
    steps = html[: html.index("</ol>")].split('class="list-group-item route-step"')[1:]
    assert SHARED in steps[1] and SHARED not in steps[2]
    assert "Why the orthopaedist: see step 2 above." in steps[2]


def test_it_explains_each_test_under_the_tests_heading(client):
    html = client.get(status_url(stored_case())).content.decode()
    tests = html[html.index("Tests the therapist may order") :]
    for code in ROUTE["tests"]:
        assert f"<dt>{vocabulary.Test(code).label}</dt><dd>{TEST_PURPOSES[code]}</dd>" in tests
    assert "urine_nechiporenko" not in html and "Nechiporenko" not in html


def test_it_gives_each_urgency_its_time_frame(client):
    text = page_text(client.get(status_url(stored_case())).content.decode())
    assert f"Urgent {urgency_time_frame('urgent')}" in text
    assert f"Soon {urgency_time_frame('soon')}" in text


def test_it_never_shows_the_rulebook_version_to_the_patient(client):
    html = client.get(status_url(stored_case())).content.decode()
    assert "back-numbness@7" not in html and "back-numbness" not in html


@pytest.mark.parametrize("status", list(CaseStatus))
def test_it_explains_the_case_status_in_words(client, status):
    html = client.get(status_url(stored_case(status=status))).content.decode()
    assert html_lib.escape(STATUS_EXPLANATIONS[status]) in html


def test_it_shows_how_to_reach_and_book_with_the_clinic(client, settings):
    settings.CLINIC_PHONE = "+1 555 0199"
    settings.CLINIC_ADDRESS = "1 Clinic Road, Springfield"
    settings.BOOKING_URL = "https://book.clinic.example/"
    html = client.get(status_url(stored_case())).content.decode()
    assert 'href="tel:+15550199"' in html
    assert "1 Clinic Road, Springfield" in html
    assert 'href="https://book.clinic.example/"' in html


def test_it_shows_the_route_as_it_was_stored_not_as_rules_say_today(client, alice):
    step = alice.route.steps.get(specialist="therapist")
    step.reasons = ["A reason worded by an earlier rulebook."]
    step.save()
    html = client.get(status_url(alice)).content.decode()
    assert "A reason worded by an earlier rulebook." in html


def signed(case, **how) -> str:
    return signing.dumps(str(case.public_id), **how)


OTHER_KEY = "another-secret-key-0123456789abcdefghij"
SALT = STATUS_TOKEN_SALT
FORGERIES = {
    "bare case id": lambda case: str(case.public_id),
    "signed with another salt": lambda case: signed(case, salt="intake.other", compress=True),
    "signed without a salt": lambda case: signed(case),
    "signed with another key": lambda case: signed(case, key=OTHER_KEY, salt=SALT, compress=True),
    "real payload, signature of another salt": lambda case: ":".join(
        [*case.status_token().split(":")[:-1], signed(case, salt="intake.other").split(":")[-1]]
    ),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_it_404s_on_a_token_not_signed_for_status_links(client, alice, forge):
    assert client.get(status_url(alice)).status_code == 200
    assert client.get(reverse("intake:status", args=[forge(alice)])).status_code == 404


def test_it_asks_search_engines_not_to_index_the_status_page(client, alice):
    response = client.get(status_url(alice))
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_it_reads_a_case_in_as_many_queries_whatever_the_length_of_its_route(client, alice, bob):
    counts = []
    for case in (bob, alice):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(status_url(case)).status_code == 200
        counts.append(len(queries))
    assert alice.route.steps.count() > bob.route.steps.count()
    assert counts[0] == counts[1]


def test_it_reads_the_case_with_its_route_in_one_query(client, alice):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(status_url(alice)).status_code == 200
    reads = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert any('FROM "intake_case"' in sql and 'JOIN "referrals_route"' in sql for sql in reads)
    assert not any('FROM "referrals_route" ' in sql for sql in reads)
