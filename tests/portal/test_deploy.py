"""The production deploy as README.md describes it, on a real gunicorn with DEBUG off."""

import re
import uuid
from collections.abc import Iterator

import pytest
from django.core import signing

from intake.models import STATUS_TOKEN_SALT
from tests.conftest import free_port, wait_until
from tests.portal.servers import SECRET_KEY, Server, fetch, gunicorn, manage, production_env

HTTPS = {"X-Forwarded-Proto": "https"}
TOKEN = ".eJxTKkktLlGyUlAqzs9NVagFAD6iBvI:1tZyQk:Secret-Token-Signature_9f8e7d"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Iterator[Server]:
    """migrate, collectstatic with the production storage, then gunicorn."""
    folder = tmp_path_factory.mktemp("deploy")
    env = production_env(folder)
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = manage(env, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    server = gunicorn(env, free_port(), folder / "server.log")
    yield server
    server.stop()


def test_it_passes_the_deploy_check_under_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_builds_static_files_with_the_production_storage(deployed):
    manifest = deployed.log.parent / "static" / "staticfiles.json"
    assert "vendor/bootstrap/bootstrap.min.css" in manifest.read_text()


def test_it_serves_the_form_and_its_static_files_with_debug_off(deployed):
    page = fetch(deployed.port, "/", **HTTPS)
    assert page.status == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    stylesheet = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.body)
    assert stylesheet, page.body[:500]
    css = fetch(deployed.port, stylesheet.group(1), **HTTPS)
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    source_map = re.search(r"sourceMappingURL=(bootstrap\.min\.css\.[0-9a-f]{12}\.map)", css.body)
    assert source_map
    assert fetch(deployed.port, f"/static/vendor/bootstrap/{source_map.group(1)}", **HTTPS).status == 200


def test_it_redirects_plain_http_to_https(deployed):
    response = fetch(deployed.port, "/")
    assert response.status == 301
    assert response.headers["Location"] == "https://localhost/"


def test_it_sets_secure_cookies(deployed):
    form = fetch(deployed.port, "/", **HTTPS)
    cookies = form.headers.get_all("Set-Cookie") or []
    assert cookies and all("Secure" in cookie for cookie in cookies)


def test_it_answers_an_unknown_address_with_its_own_404_page(deployed):
    response = fetch(deployed.port, "/no-such-page/", **HTTPS)
    assert response.status == 404
    assert "We cannot find that page" in response.body
    assert "+1 555 0199" in response.body and "bootstrap.min." in response.body
    assert "no-such-page" not in response.body and "Page not found (404)" not in response.body


def test_it_keeps_tokens_and_searches_out_of_the_logs(deployed):
    assert fetch(deployed.port, f"/status/{TOKEN}/", **HTTPS).status == 404
    assert fetch(deployed.port, "/admin/intake/case/?q=Alice+Example", **HTTPS).status == 302
    assert wait_until(lambda: "/admin/intake/case/?q=" in deployed.output())
    log = deployed.output()
    assert '"GET /status/[redacted]/ HTTP/1.1" 404' in log
    assert "Not Found: /status/[redacted]/" in log
    assert '"GET /admin/intake/case/?q=[redacted] HTTP/1.1" 302' in log
    assert "Secret-Token" not in log and "Alice" not in log


def test_it_shows_its_own_500_page_when_the_database_is_down(tmp_path, deployed):
    # Static files as built above; a PostgreSQL address where nothing listens.
    env = production_env(tmp_path, DATABASE_URL=f"postgres://portal@127.0.0.1:{free_port()}/portal",
                         STATIC_ROOT=str(deployed.log.parent / "static"))
    token = signing.dumps(str(uuid.uuid4()), key=SECRET_KEY, salt=STATUS_TOKEN_SALT, compress=True)
    server = gunicorn(env, free_port(), tmp_path / "server.log")
    try:
        response = fetch(server.port, f"/status/{token}/", **HTTPS)
    finally:
        server.stop()
    assert response.status == 500
    assert "Something went wrong on our side" in response.body and "+1 555 0199" in response.body
    assert "bootstrap.min." in response.body
    assert "Traceback" not in response.body and "OperationalError" not in response.body
    assert "Internal Server Error: /status/[redacted]/" in server.output()
