"""A whole intake in Russian, in Chromium with JavaScript off: the browser asks
for Russian, the switcher changes the language mid-way without losing an answer,
and the route page and the confirmation email (sent by a real worker to a real
SMTP server) are in Russian."""

import re
from email.header import decode_header, make_header

import pytest

from intake.models import Case
from tests.conftest import PHONE
from tests.intake.mail import HEALTH_WORDS

pytestmark = pytest.mark.django_db(transaction=True)

RUSSIAN_HEALTH_WORDS = ["онемен", "спин", "терапевт", "невролог", "травматолог", "срочно", "боль"]


@pytest.fixture
def russian_page(browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ru-RU")
    return context.new_page()


def proceed(page) -> None:
    page.get_by_role("button", name="Продолжить").click()


def tick(page, *labels: str) -> None:
    for label in labels:
        page.get_by_label(label, exact=True).check()


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_it_runs_a_whole_intake_in_russian(russian_page, live_server, celery_worker, smtp_server):
    page = russian_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Онемение спины"
    tick(page, "Ничего из этого")
    proceed(page)

    page.wait_for_url("**/questions/where/")
    assert page.title().startswith("О вас и об онемении")
    tick(page, "Женский", "Поясница", "Бывает регулярно")
    page.get_by_label("Возраст (полных лет)").fill("45")
    proceed(page)

    page.wait_for_url("**/questions/signs/")
    assert page.get_by_text("Шаг 2 из").is_visible()
    # The switcher: English, then back to Russian; the answers stay in the session.
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/questions/signs/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Back").click()
    page.wait_for_url("**/questions/where/")
    assert page.get_by_label("Lower back", exact=True).is_checked()
    assert page.get_by_label("Age in years").input_value() == "45"
    page.get_by_role("button", name="Русский").click()
    page.wait_for_url("**/questions/where/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_label("Поясница", exact=True).is_checked()
    proceed(page)

    page.wait_for_url("**/questions/signs/")
    tick(page, "Покалывание или «мурашки»")
    proceed(page)
    page.wait_for_url("**/questions/companions/")
    tick(page, "Спина будто каменная")
    proceed(page)
    page.wait_for_url("**/questions/history/")
    tick(page, "Недавняя травма или падение")
    proceed(page)
    page.wait_for_url("**/questions/more-about-you/")
    assert page.get_by_label("Нет", exact=True).is_checked()
    proceed(page)
    page.wait_for_url("**/questions/contact/")
    page.get_by_label("Ваше имя").fill("Ирина Петрова")
    page.get_by_label("Электронная почта").fill("irina@example.org")
    page.get_by_label("Я согласен(-на), чтобы клиника связалась со мной").check()
    page.get_by_label("Я согласен(-на), чтобы клиника хранила").check()
    proceed(page)

    page.wait_for_url("**/questions/review/")
    review = page.locator("main").inner_text()
    assert "Проверьте ответы" in review and "Покалывание или «мурашки»" in review
    page.get_by_role("button", name="Отправить и узнать, куда обратиться").click()

    page.wait_for_url("**/status/**")
    assert page.locator("html").get_attribute("lang") == "ru"
    route = page.locator("main").inner_text()
    assert route.startswith("Спасибо. Мы отправили вам по электронной почте ссылку на эту страницу.")
    assert "Ваш маршрут, Ирина Петрова" in route
    assert "Это рекомендация, а не диагноз." in route
    assert "Куда обратиться, по порядку" in route
    first = page.locator("li.route-step").first
    assert first.get_attribute("data-specialist") == "therapist"
    assert "Терапевт (семейный врач)" in first.inner_text()
    assert "При онемении спины всех сначала осматривает терапевт" in first.inner_text()
    assert re.search(r"в течение (суток|недели|нескольких недель)", first.inner_text())
    assert "Травматолог" in route
    assert "Рентген позвоночника" in route and "Показывает кости позвоночника" in route
    # Nothing of the route page is left in English (the patient's own name aside).
    assert not re.search(r"\b(Where to go|Tests the therapist|Therapist|within|guidance)\b", route)

    case = Case.objects.get()
    assert case.language == "ru" and case.answers["symptoms"] == ["tingling", "stone_back"]
    [message] = smtp_server.wait_for(1, timeout=60)
    subject, body = subject_of(message), message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert message["To"] == "irina@example.org"
    assert subject.endswith(": мы получили ваше обращение")
    assert body.startswith("Здравствуйте!\n\nСпасибо, что обратились к нам")
    assert "С какого врача начать и что делать дальше, смотрите на вашей личной странице:" in body
    assert "Отказаться от писем-напоминаний" in body
    assert "Hello" not in body and "request" not in subject
    # The email names no condition, in either language.
    text = (subject + body).lower()
    assert [word for word in RUSSIAN_HEALTH_WORDS if word in text] == []
    assert [word for word in HEALTH_WORDS if str(word).lower() in text] == []
    link = re.search(r"http://testserver(/status/[^\s]+/)", body).group(1)
    page.goto(live_server.url + link)
    assert page.get_by_role("heading", level=1).inner_text() == "Ваш маршрут, Ирина Петрова"
