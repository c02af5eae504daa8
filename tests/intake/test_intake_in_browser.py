"""The intake form in Chromium (Debian's), driven by Playwright."""

import os

import pytest
from django.db import connections

from intake.models import Case
from tests.conftest import chromium_path, require

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def page(live_server):
    executable = chromium_path()
    require(executable is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes around it are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
        yield context.new_page()
        # With Playwright's loop in this thread, the ORM keeps a connection per
        # context; close it here so the test database can be dropped.
        connections.close_all()
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def fill_contact(page) -> None:
    page.locator("#id_name").fill("Grace Example")
    page.locator("#id_email").fill("grace@example.org")
    page.locator("#id_age").fill("45")
    page.get_by_label("I agree that the clinic contacts me").check()
    page.get_by_label("I agree that the clinic stores").check()


def test_it_submits_on_a_phone_without_javascript_and_shows_the_route(page, live_server):
    page.goto(live_server.url + "/")
    fill_contact(page)
    page.get_by_label("Male", exact=True).check()
    assert not page.get_by_label("Are you pregnant?", exact=False).first.is_visible()
    page.get_by_label("Lower back").check()
    page.get_by_label("It happens regularly").check()
    page.get_by_label("Tingling or pins and needles").check()
    page.get_by_label("A recent injury or fall").check()
    page.get_by_role("button", name="Send and see where to go").click()

    page.wait_for_url("**/status/**")
    steps = page.locator("li.route-step")
    assert steps.first.get_attribute("data-specialist") == "therapist"
    specialists = steps.evaluate_all("items => items.map(i => i.dataset.specialist)")
    assert {"neurologist", "traumatologist"} <= set(specialists)
    assert page.get_by_text("guidance, not a diagnosis").is_visible()
    assert Case.objects.get().name == "Grace Example"


def test_it_keeps_the_answers_when_a_field_is_wrong(page, live_server):
    page.goto(live_server.url + "/")
    fill_contact(page)
    page.get_by_label("Female").check()
    page.locator("#id_email").fill("grace-at-example")
    page.get_by_label("It comes and goes").check()
    page.get_by_role("button", name="Send and see where to go").click()

    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "Email" in summary.inner_text() and "Where do you feel the numbness?" in summary.inner_text()
    assert page.locator("#id_name").input_value() == "Grace Example"
    assert page.locator("#id_email").input_value() == "grace-at-example"
    assert page.get_by_label("It comes and goes").is_checked()
    assert Case.objects.count() == 0
