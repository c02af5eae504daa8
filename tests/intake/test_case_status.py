from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from intake.models import STATUS_TOKEN_SALT

pytestmark = pytest.mark.django_db


def status_url(case) -> str:
    return reverse("intake:status", args=[case.status_token()])


def test_it_shows_the_owner_their_route(client, alice):
    response = client.get(status_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Example" in html
    assert "Neurologist" in html
    assert "warning sign" in html
    assert "guidance, not a diagnosis" in html
    assert html.index("Therapist (family doctor)") < html.index("Neurologist")
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


def test_it_says_the_link_expired(client, alice, settings):
    url = status_url(alice)
    later = timezone.now() + timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS, hours=1)
    with time_machine.travel(later):
        response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Alice" not in response.content.decode()


def test_it_puts_only_the_case_id_in_the_token(alice):
    token = alice.status_token()
    assert signing.loads(token, salt="intake.case-status") == str(alice.public_id)
    assert "tingling" not in signing.b64_decode(token.split(":")[0].lstrip(".").encode()).decode("latin-1")


def test_it_tells_an_emergency_to_call_first(client, alice):
    alice.route.urgency = "emergency"
    alice.route.save()
    html = client.get(status_url(alice)).content.decode()
    # First thing in the page's main content: before the heading and any message.
    main = html[html.index('<main id="main"') :]
    assert main.index("Call emergency services now") < main.index("<h1")
    assert main.index("Call emergency services now") < main.index("Where to go")


def test_it_has_no_emergency_notice_otherwise(client, alice):
    assert "Call emergency services now" not in client.get(status_url(alice)).content.decode()


def test_it_shows_the_route_as_it_was_stored_not_as_rules_say_today(client, alice):
    # A route made with an older rulebook keeps its version and its own words.
    alice.route.rulebook = "back-numbness@0"
    alice.route.save()
    step = alice.route.steps.get(specialist="neurologist")
    step.reasons = ["A reason worded by an earlier rulebook."]
    step.save()
    html = client.get(status_url(alice)).content.decode()
    assert "back-numbness@0" in html
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


def test_it_reads_the_case_its_route_and_the_steps_in_two_queries(client, alice, django_assert_num_queries):
    url = status_url(alice)
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
