"""The patient's language: from the browser or the switcher on every page, kept
with the answers, stored on the case and spoken by the patient's emails. Staff
pages and staff alerts stay in the clinic's language."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.emails import reminder_message
from intake.models import Case, ReminderKind
from referrals.models import Appointment
from referrals.vocabulary import Symptom
from tests.intake.helpers import pass_screen, post_step, step_data, step_url, submit_intake
from tests.referrals.care import place, referral

pytestmark = pytest.mark.django_db

IRINA = {"sex": "female", "age": 38, "locations": ["lower_back"], "frequency": "regular"}
URGENT = {**IRINA, "symptoms": [Symptom.LEG_WEAKNESS]}


@pytest.fixture
def russian() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")


def test_it_speaks_the_browsers_language(client, russian):
    english, page = client.get(reverse("intake:form")), russian.get(reverse("intake:form"))
    assert '<html lang="en">' in english.content.decode()
    assert "Numbness in the back" in english.content.decode()
    html = page.content.decode()
    assert '<html lang="ru">' in html
    assert "<h1 class=\"h3\">Онемение спины</h1>" in html
    assert "Ничего из этого" in html and "Numbness in the back" not in html
    assert page["Content-Language"] == "ru"


def test_it_offers_the_other_language_on_every_page(client, russian):
    switch = '<button type="submit" class="btn btn-sm btn-outline-dark" name="language" value="{}"'
    assert switch.format("ru") in client.get(reverse("intake:form")).content.decode()
    assert switch.format("en") in russian.get(reverse("intake:form")).content.decode()
    assert switch.format("en") in russian.get(reverse("intake:emergency")).content.decode()
    missing = russian.get("/no-such-page/")
    assert missing.status_code == 404 and switch.format("en") in missing.content.decode()


def test_it_switches_the_language_without_losing_an_answer(client):
    pass_screen(client)
    post_step(client, "where", step_data(IRINA)["where"])
    response = client.post(reverse("set_language"), {"language": "ru", "next": step_url("where")})
    assert response.status_code == 302 and response.url == step_url("where")
    html = client.get(step_url("where")).content.decode()
    assert '<html lang="ru">' in html and "О вас и об онемении" in html
    assert 'value="38"' in html
    assert re.search(r'<input[^>]* name="locations" value="lower_back"[^>]* checked', html)
    client.post(reverse("set_language"), {"language": "en", "next": step_url("where")})
    assert "You and your numbness" in client.get(step_url("where")).content.decode()


def test_it_stores_the_language_on_the_case(client, russian):
    submit_intake(russian, IRINA)
    submit_intake(client, {**IRINA, "age": 40}, contact={"email": "second@example.org"})
    assert dict(Case.objects.values_list("email", "language")) == {
        "carol@example.org": "ru",
        "second@example.org": "en",
    }


def test_it_emails_the_patient_in_the_language_of_the_intake(russian, settings):
    settings.CLINIC_PHONE = "+7 495 000 00 00"
    submit_intake(russian, IRINA)
    message = reminder_message(Case.objects.get().reminders.get(kind=ReminderKind.CONFIRMATION))
    assert message.subject.endswith(": мы получили ваше обращение")
    assert message.body.startswith("Здравствуйте!\n\nСпасибо, что обратились к нам")
    assert "Телефон: +7 495 000 00 00" in message.body
    assert "Отказаться от писем-напоминаний" in message.body
    assert "Hello" not in message.body


def test_it_dates_an_appointment_in_the_patients_language(russian, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    submit_intake(russian, IRINA)
    case = Case.objects.get()
    starts = datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    step = referral(case, "neurologist")
    visit = Appointment.objects.create(referral=step, starts_at=starts, location=place(), with_whom="Dr Grey")
    reminder = case.reminders.create(
        kind=ReminderKind.APPOINTMENT, key="visit", due_at=timezone.now(), appointment=visit, referral=step
    )
    message = reminder_message(reminder)
    assert message.subject.endswith(": ваш приём — Понедельник 7 декабря 2026 в 09:30")
    assert "Да, я приду: " in message.body
    case.language = "en"
    case.save()
    reminder.refresh_from_db()
    assert "your appointment on Monday 7 December 2026 at 09:30" in reminder_message(reminder).subject


def test_it_alerts_staff_in_the_clinics_language(russian, settings):
    settings.STAFF_ALERT_EMAILS = ["desk@clinic.example"]
    submit_intake(russian, URGENT)
    case = Case.objects.get()
    alert = reminder_message(case.reminders.get(kind=ReminderKind.ALERT_NEW_CASE))
    assert f"case {case.pk} has just arrived and needs triage now" in alert.body
    assert alert.body.startswith("Urgent intake")


def test_it_keeps_the_staff_pages_in_the_clinics_language(russian, admin_client):
    page = russian.get(reverse("two_factor:login")).content.decode()
    assert '<html lang="en"' in page and "Войти" not in page
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    home = admin_client.get(reverse("admin:index"))
    assert home.status_code == 200 and '<html lang="en"' in home.content.decode()
    assert "Администрирование" not in home.content.decode()


def test_it_falls_back_to_the_clinics_language_for_an_unknown_one(client):
    client.cookies["django_language"] = "xx"
    submit_intake(client, IRINA)
    assert Case.objects.get().language == "en"
