import pytest
from django.test import Client

from portal.errors import error_page
from tests.conftest import staff_login

CONTACT = "How to reach"


@pytest.fixture(autouse=True)
def clinic(settings):
    settings.CLINIC_NAME, settings.CLINIC_PHONE = "Riverside Practice", "+1 555 0142"


def test_it_answers_an_unknown_address_in_the_base_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We cannot find that page" in page and CONTACT in page and "+1 555 0142" in page
    assert "<title>Page not found · Riverside Practice</title>" in page
    assert "no-such-page" not in page


@pytest.mark.urls("tests.portal.broken_urls")
def test_it_shows_no_technical_detail_on_a_server_error(client, db):
    client.raise_request_exception = False
    response = client.get("/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "+1 555 0142" in page
    assert "RuntimeError" not in page and "detail no patient" not in page


def test_it_answers_a_forbidden_admin_page_with_its_403_page(client, visitor):
    staff_login(client, visitor)
    response = client.get("/admin/intake/case/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_it_answers_a_foreign_host_with_its_400_page(client, db):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not understand that request" in page and "attacker.example" not in page


def test_it_has_a_gone_page_for_links_that_no_longer_work(db):
    response = error_page(410)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link no longer works" in page and "+1 555 0142" in page
    assert "no-cache" in response["Cache-Control"]


def test_it_explains_a_form_sent_without_its_security_token(db):
    response = Client(enforce_csrf_checks=True).post("/", {"name": "Alice Example"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Please send the form again" in page and "+1 555 0142" in page
    assert "CSRF" not in page
