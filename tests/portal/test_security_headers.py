"""The portal's security settings, as the responses carry them: headers, cookies, CSRF refusals."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from intake.models import Case
from tests.conftest import PASSWORD
from tests.intake.helpers import step_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/staff/account/login/?next=/admin/"


def page(client: Client, case: Case, name: str):
    url = reverse("intake:status", args=[case.status_token()]) if name == "status page" else LOGIN
    response = client.get(url)
    assert response.status_code == 200
    return response


PAGES = ["status page", "staff login"]


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def sources(directives: dict[str, list[str]], *names: str) -> list[str]:
    """The sources a browser allows for the first directive present, falling back to default-src."""
    return next(directives[name] for name in (*names, "default-src") if name in directives)


@pytest.mark.parametrize("name", PAGES)
def test_it_allows_scripts_and_styles_from_the_portal_only(client, alice, name):
    directives = policy(page(client, alice, name))

    for kind in ("script", "style"):
        assert sources(directives, f"{kind}-src-elem", f"{kind}-src") == ["'self'"]
        assert sources(directives, f"{kind}-src-attr", f"{kind}-src") == ["'self'"]
    assert sources(directives, "object-src") == ["'none'"]
    assert sources(directives, "base-uri") == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("name", PAGES)
def test_it_forbids_framing(client, alice, name):
    assert page(client, alice, name).headers["X-Frame-Options"] == "DENY"


def test_it_refuses_an_intake_post_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("intake:form"), {"name": "Mallory Example", "email": "m@example.org"})
    assert response.status_code == 403
    assert Case.objects.count() == 0


PASSWORD_STEP = {"login_view-current_step": "auth", "auth-username": "nurse", "auth-password": PASSWORD}


def test_it_refuses_a_staff_login_without_a_csrf_token_and_accepts_it_with_one(nurse):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, PASSWORD_STEP).status_code == 403
    token = client.get(LOGIN).context["csrf_token"]
    response = client.post(LOGIN, {**PASSWORD_STEP, "csrfmiddlewaretoken": str(token)})
    # The password is taken: on to the console, which asks for a second factor before any case.
    assert (response.status_code, response.url) == (302, "/admin/")


def test_it_keeps_the_session_cookie_from_scripts(client, nurse):
    response = client.post(LOGIN, PASSWORD_STEP)
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True


@pytest.mark.parametrize("url", [reverse("intake:form"), step_url("where")], ids=["screen", "step"])
def test_it_keeps_the_form_answers_out_of_error_reports(client, url):
    answers = {"name": "Carol Example", "email": "carol@example.org", "symptoms": ["tingling", "weakness"]}
    response = client.post(url, answers)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert set(cleansed) >= set(answers)
    values = {value for key in cleansed for value in cleansed.getlist(key)}
    assert values == {SafeExceptionReporterFilter.cleansed_substitute}


PRODUCTION_LOGIN = """
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
User.objects.create_user("nurse", password="pw", is_staff=True)
step = {"login_view-current_step": "auth", "auth-username": "nurse", "auth-password": "pw"}
response = Client().post("/staff/account/login/?next=/admin/", step, secure=True)
flags = {}
for name, cookie in response.cookies.items():
    flags[name] = {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"])}
print(json.dumps({"status": response.status_code, "cookies": flags}))
"""


def test_it_sends_cookies_only_over_https_in_production_by_default(tmp_path):
    ours = ("DATABASE_URL", "CELERY_BROKER_URL", "CI", "SECRET_KEY", "DEBUG", "EMAIL_", "SECURE_", "DJANGO_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY="production-like-secret-key-0123456789abcdef",
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        ALLOWED_HOSTS="testserver",
    )
    command = [sys.executable, "-c", PRODUCTION_LOGIN]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    login = json.loads(result.stdout.splitlines()[-1])
    assert login["status"] == 302
    assert login["cookies"][settings.SESSION_COOKIE_NAME] == {"secure": True, "httponly": True}
    assert login["cookies"][settings.CSRF_COOKIE_NAME]["secure"] is True
