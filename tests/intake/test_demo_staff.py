from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def run_demo_staff() -> str:
    out = StringIO()
    call_command("demo_staff", stdout=out)
    return out.getvalue().split("password ")[1].strip().strip("'")


def test_it_prints_a_login_that_opens_the_case_queue(client):
    password = run_demo_staff()
    user = authenticate(username="staff", password=password)
    assert user is not None and user.is_staff and not user.is_superuser
    client.force_login(user)
    assert client.get(reverse("admin:intake_case_changelist")).status_code == 200


def test_it_resets_the_password_each_run():
    first, second = run_demo_staff(), run_demo_staff()
    assert first != second
    assert authenticate(username="staff", password=first) is None
    assert authenticate(username="staff", password=second) is not None
