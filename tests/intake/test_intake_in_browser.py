"""The patient's journey in Chromium (Debian's), driven by Playwright, on a
phone-sized screen with JavaScript off: the emergency screen, the steps,
Back, the review, and axe-core's accessibility checks on every page."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from intake.forms import EmergencySign
from intake.models import Case, EmergencyScreenStop
from tests.conftest import PHONE
from tests.intake.helpers import ROUTE, stored_case

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent.parent / "assets" / "axe.min.js"


def start(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("None of these").check()
    proceed(page)
    page.wait_for_url("**/questions/where/")


def proceed(page) -> None:
    page.get_by_role("button", name="Continue").click()


def tick(page, *labels: str) -> None:
    for label in labels:
        page.get_by_label(label, exact=True).check()


def answer_where(page, *, places=("Lower back",), how_often="It happens regularly", sex="Female") -> None:
    tick(page, sex, *places, how_often)
    page.locator("#id_age").fill("45")
    proceed(page)


def answer_contact(page) -> None:
    page.locator("#id_name").fill("Grace Example")
    page.locator("#id_email").fill("grace@example.org")
    page.get_by_label("I agree that the clinic contacts me").check()
    page.get_by_label("I agree that the clinic stores").check()
    proceed(page)


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def luminance(css_color: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_color)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_it_draws_unticked_boxes_and_radios_at_3_to_1(page, live_server):
    start(page, live_server)
    for selector in ('input[type="radio"]', 'input[type="checkbox"]'):
        box = page.locator(selector).first
        assert not box.is_checked()
        border = box.evaluate("element => getComputedStyle(element).borderTopColor")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert contrast(border, background) >= 3, (selector, border, background)


def test_it_stops_on_each_screen_question(page, live_server, settings):
    for count, sign in enumerate(EmergencySign, start=1):
        page.goto(live_server.url + "/")
        page.get_by_label(str(sign.label)).check()
        proceed(page)
        page.wait_for_url("**/call-emergency-services/")
        heading = page.locator("main h1")
        assert heading.inner_text() == "Call emergency services now"
        call = page.locator(f'a[href="tel:{settings.EMERGENCY_NUMBER}"]').first
        assert call.is_visible() and call.bounding_box()["height"] >= 44
        assert page.locator("main input, main textarea, main select").count() == 0
        assert EmergencyScreenStop.objects.get().count == count
        page.get_by_role("link", name="Go back to the question").click()
        page.wait_for_url(live_server.url + "/")
        assert not page.get_by_label(str(sign.label)).is_checked()
    assert Case.objects.count() == 0


def test_it_walks_a_whole_stepped_intake_and_shows_the_route(page, live_server):
    start(page, live_server)
    heights = {}
    heights["where"] = page_height(page)
    answer_where(page)
    page.wait_for_url("**/questions/signs/")
    heights["signs"] = page_height(page)
    tick(page, "Tingling or pins and needles")
    proceed(page)
    page.wait_for_url("**/questions/companions/")
    heights["companions"] = page_height(page)
    tick(page, "The back feels stiff as stone")
    proceed(page)
    page.wait_for_url("**/questions/history/")
    heights["history"] = page_height(page)
    tick(page, "A recent injury or fall")
    proceed(page)
    page.wait_for_url("**/questions/more-about-you/")
    assert page.get_by_label("No", exact=True).is_checked()
    assert not page.get_by_text("Which trimester?").is_visible()
    proceed(page)
    page.wait_for_url("**/questions/contact/")
    answer_contact(page)
    page.wait_for_url("**/questions/review/")
    page.get_by_role("button", name="Send and see where to go").click()

    page.wait_for_url("**/status/**")
    steps = page.locator("li.route-step")
    assert steps.first.get_attribute("data-specialist") == "therapist"
    assert page.get_by_text("guidance, not a diagnosis").is_visible()
    case = Case.objects.get()
    assert case.name == "Grace Example"
    assert case.answers["symptoms"] == ["tingling", "stone_back"]
    assert case.answers["history"] == ["recent_injury"]
    # A typical patient sees each step in at most two phone screens.
    assert max(heights.values()) <= 2 * PHONE["height"], heights


def test_it_keeps_every_answer_through_back_and_the_review(page, live_server):
    start(page, live_server)
    page.locator("#id_duration_days").fill("20")
    answer_where(page, places=("Lower back", "Between the shoulder blades"), how_often="It comes and goes")
    page.wait_for_url("**/questions/signs/")
    tick(page, "Fever", "Tingling or pins and needles")
    page.get_by_role("button", name="Back").click()

    page.wait_for_url("**/questions/where/")
    assert page.get_by_label("Female", exact=True).is_checked()
    assert page.get_by_label("Between the shoulder blades", exact=True).is_checked()
    assert page.get_by_label("It comes and goes", exact=True).is_checked()
    assert page.locator("#id_age").input_value() == "45"
    assert page.locator("#id_duration_days").input_value() == "20"
    proceed(page)
    page.wait_for_url("**/questions/signs/")
    assert page.get_by_label("Fever", exact=True).is_checked()
    proceed(page)
    page.wait_for_url("**/questions/companions/")
    tick(page, "The back feels stiff as stone", "Red skin where the back is numb")
    proceed(page)
    page.wait_for_url("**/questions/history/")
    page.go_back()
    page.wait_for_url("**/questions/companions/")
    assert page.get_by_label("Red skin where the back is numb", exact=True).is_checked()
    proceed(page)
    page.wait_for_url("**/questions/history/")
    tick(page, "Heavy physical work or exercise")
    proceed(page)
    page.wait_for_url("**/questions/more-about-you/")
    tick(page, "Possibly")
    proceed(page)
    page.wait_for_url("**/questions/contact/")
    answer_contact(page)

    page.wait_for_url("**/questions/review/")
    page.get_by_role("link", name="Change you and your numbness").click()
    page.wait_for_url("**/questions/where/")
    tick(page, "It happens regularly")
    proceed(page)
    page.wait_for_url("**/questions/review/")
    review = page.locator("main").inner_text()
    for words in (
        "Female",
        "45",
        "Between the shoulder blades, Lower back",
        "It happens regularly",
        "20",
        "Tingling or pins and needles",
        "Fever",
        "Red skin where the back is numb",
        "The back feels stiff as stone",
        "Heavy physical work or exercise",
        "Possibly",
        "Grace Example",
        "grace@example.org",
    ):
        assert words in review
    assert "It comes and goes" not in review
    page.get_by_role("button", name="Send and see where to go").click()
    page.wait_for_url("**/status/**")
    answers = Case.objects.get().answers
    assert answers["frequency"] == "regular" and answers["duration_days"] == 20
    assert set(answers["symptoms"]) == {"fever", "tingling", "skin_redness", "stone_back"}
    assert answers["pregnancy"] == "possible"


def test_it_leads_with_the_error_after_a_failed_submit(page, live_server):
    page.goto(live_server.url + "/")
    proceed(page)
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.id") == "error-summary"

    start(page, live_server)
    tick(page, "Female")
    page.locator("#id_age").fill("45")
    proceed(page)
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary").inner_text()
    assert "Where do you feel the numbness?" in summary and "How often does it happen?" in summary
    assert page.locator("#id_age").input_value() == "45"
    assert page.get_by_label("Female", exact=True).is_checked()
    page.locator("#error-summary a", has_text="Where do you feel the numbness?").click()
    assert page.evaluate("document.activeElement.id") == "id_locations_0"


def test_it_passes_axe_on_every_patient_page(browser, live_server):
    """axe-core needs script to run (its checks wait on timers), so this one
    context has JavaScript on; the pages are the same HTML either way."""
    page = browser.new_context(viewport=PHONE).new_page()
    visited: dict[str, list] = {}

    def check(name: str) -> None:
        page.evaluate(AXE.read_text())
        visited[name] = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
        )

    page.goto(live_server.url + "/")
    check("screen")
    proceed(page)
    check("screen with an error")
    page.get_by_label(str(EmergencySign.LEG_WEAKNESS.label)).check()
    proceed(page)
    check("emergency stop")
    start(page, live_server)
    proceed(page)
    check("where with errors")
    answer_where(page, places=("Lower back", "Under the left shoulder blade"))
    for step in ("signs", "companions", "history", "more-about-you"):
        page.wait_for_url(f"**/questions/{step}/")
        check(step)
        proceed(page)
    page.wait_for_url("**/questions/contact/")
    check("contact")
    proceed(page)
    check("contact with errors")
    answer_contact(page)
    page.wait_for_url("**/questions/review/")
    check("review")
    page.get_by_role("button", name="Send and see where to go").click()
    page.wait_for_url("**/status/**")
    check("route")

    emergency = {**ROUTE, "urgency": "emergency"}
    emergency["steps"] = [{**ROUTE["steps"][0], "urgency": "emergency"}, *ROUTE["steps"][1:]]
    page.goto(live_server.url + reverse("intake:status", args=[stored_case(emergency).status_token()]))
    check("emergency route")
    with time_machine.travel(timezone.now() - timedelta(days=365)):
        old_token = stored_case().status_token()
    page.goto(live_server.url + reverse("intake:status", args=[old_token]))
    assert re.search("expired", page.title())
    check("expired link")

    failing = {name: violations for name, violations in visited.items() if violations}
    assert failing == {}, json.dumps(failing, indent=1)
    assert len(visited) == 14
