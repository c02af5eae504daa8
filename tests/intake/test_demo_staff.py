import re
from base64 import b32decode
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP

from intake.roles import ROLES
from tests.conftest import sign_in_code, sign_in_password

pytestmark = pytest.mark.django_db
CASES = reverse("admin:intake_case_changelist")


def run_demo_staff(*args: str) -> dict[str, str | list[str]]:
    out = StringIO()
    call_command("demo_staff", *args, stdout=out)
    text = out.getvalue()
    login = {"password": re.search(r"password '([^']+)'", text).group(1)}
    if key := re.search(r"add key ([A-Z2-7]+) ", text):
        login["key"] = key.group(1)
        login["codes"] = re.search(r"backup code: (.+)$", text, re.M).group(1).split()
    return login


def test_it_prints_a_login_that_opens_the_case_queue_with_a_backup_code(client):
    login = run_demo_staff()

    assert sign_in_password(client, "staff", login["password"]).status_code == 200
    client.post(
        reverse("two_factor:login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    assert sign_in_code(client, login["codes"][0], step="backup").status_code == 302

    assert client.get(CASES).status_code == 200
    user = User.objects.get(username="staff")
    assert user.is_staff and not user.is_superuser
    assert sorted(user.groups.values_list("name", flat=True)) == sorted(ROLES)


def test_it_prints_a_key_an_authenticator_app_can_use(client):
    login = run_demo_staff("--role", "Front desk")

    code = TOTP(b32decode(login["key"])).token()
    sign_in_password(client, "staff", login["password"])
    assert sign_in_code(client, f"{code:06d}").status_code == 302

    assert client.get(CASES).status_code == 200
    assert list(User.objects.get(username="staff").groups.values_list("name", flat=True)) == ["Front desk"]


def test_it_resets_the_password_and_the_second_factor_each_run(client):
    first, second = run_demo_staff(), run_demo_staff()

    assert first["password"] != second["password"] and first["key"] != second["key"]
    sign_in_password(client, "staff", first["password"])
    assert (
        "correct username and password"
        in sign_in_password(client, "staff", first["password"]).content.decode()
    )
    response = sign_in_password(client, "staff", second["password"])
    assert response.context["wizard"]["steps"].current == "token"


def test_it_prints_no_second_factor_when_it_is_off(client, settings):
    settings.STAFF_2FA = False

    login = run_demo_staff()

    assert "key" not in login
    response = client.post(
        reverse("admin:login"), {"username": "staff", "password": login["password"], "next": CASES}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert client.get(CASES).status_code == 200
