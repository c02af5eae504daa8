"""The API's interactive docs: vendored Swagger UI, started by a static file, within the strict CSP."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_it_serves_the_docs_page_with_vendored_files_and_no_inline_script(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/js/api-docs.js" in sources
    assert all(src.startswith(("/static/", "data:")) for src in sources)
    assert [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag] == []
    assert not re.search(r"<style|\sstyle=", page)
    assert 'data-openapi-url="/api/v1/openapi.json"' in page
    for name in (
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "vendor/swagger-ui/swagger-ui.css",
        "js/api-docs.js",
    ):
        assert finders.find(name), name


@pytest.mark.django_db(transaction=True)
def test_it_shows_every_operation_in_chromium_without_breaking_the_policy(browser, live_server):
    page = browser.new_context().new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )

    page.goto(live_server.url + "/api/v1/docs")

    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/routes" in paths and "/api/v1/cases/{case_id}/fhir" in paths
    assert violations == []
