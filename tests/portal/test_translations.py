"""The Russian catalog: every string a patient reads or receives has a translation,
and the compiled catalog is the one its .po file gives."""

import ast
import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation.template import templatize

from intake import forms as intake_forms
from intake.models import STATUS_EXPLANATIONS, CaseStatus
from intake.symptoms import COMPANION_GROUPS, SCREENING_GROUPS
from referrals import vocabulary
from referrals.management.commands.rulebook_messages import (
    MODULE,
    rulebook_messages_module,
    rulebook_sentences,
)
from referrals.rulebook import get_rulebook

CATALOG = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Staff pages and staff alerts stay in the clinic's language.
STAFF_TEMPLATES = ("admin/*", "admin/**/*", "two_factor/**/*", "registration/*", "emails/alert_*")
_GETTEXT_CALL = re.compile(r"\b(?:n?p?gettext)\(((?:\s*u'(?:[^'\\]|\\.)*'\s*,?)+)")
_LITERAL = re.compile(r"u'(?:[^'\\]|\\.)*'")


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(CATALOG / "django.po"))


def patient_templates() -> list[Path]:
    staff = {path for pattern in STAFF_TEMPLATES for path in TEMPLATES.glob(pattern)}
    return sorted(path for path in TEMPLATES.rglob("*.*") if path.is_file() and path not in staff)


def template_msgids(path: Path) -> Iterator[str]:
    """What makemessages would extract from the template, through the same templatize()."""
    source = templatize(path.read_text(), origin=str(path))
    for call in _GETTEXT_CALL.finditer(source):
        for literal in _LITERAL.findall(call.group(1)):
            yield ast.literal_eval(literal)


def choices_labels(*choices: type[models.TextChoices]) -> Iterator[str]:
    for choice in choices:
        yield from (str(label) for label in choice.labels)


def form_strings() -> Iterator[str]:
    """Titles, labels, help texts, choices and error messages of every step of the intake."""
    everything = [*SCREENING_GROUPS, *COMPANION_GROUPS]
    forms = [
        intake_forms.EmergencyScreenForm(),
        intake_forms.SignsForm(),
        intake_forms.CompanionsForm(locations=vocabulary.Location.values),
        *(form_class() for form_class in (intake_forms.WhereForm, intake_forms.HistoryForm)),
        *(form_class() for form_class in (intake_forms.PregnancyForm, intake_forms.ContactForm)),
    ]
    for form in [*forms, intake_forms.ReviewForm()]:
        yield str(form.title) if hasattr(form, "title") and form.title else ""
        yield str(getattr(form, "help_text", ""))
        for field in form.fields.values():
            yield from (str(field.label or ""), str(field.help_text or ""))
            yield from (str(label) for _code, label in getattr(field, "choices", ()))
            yield from (str(message) for key, message in field.error_messages.items() if key in {"required"})
    yield from (str(group.legend) for group in everything)


def patient_msgids() -> dict[str, str]:
    """Every patient-facing message, with where it comes from."""
    with translation.override(settings.LANGUAGE_CODE):
        found = {msgid: path.name for path in patient_templates() for msgid in template_msgids(path)}
        python = [
            *choices_labels(vocabulary.Sex, vocabulary.Frequency, vocabulary.Pregnancy, vocabulary.Location),
            *choices_labels(vocabulary.Symptom, vocabulary.History, vocabulary.Specialist),
            *choices_labels(vocabulary.Urgency, vocabulary.Test, CaseStatus, intake_forms.EmergencySign),
            *(str(purpose) for purpose in vocabulary.TEST_PURPOSES.values()),
            *(str(vocabulary.urgency_time_frame(code)) for code in vocabulary.Urgency.values),
            *(str(explained) for explained in STATUS_EXPLANATIONS.values()),
            *form_strings(),
        ]
        found.update((msgid, "python") for msgid in python if msgid)
        found.update((sentence, "rulebook") for sentence in rulebook_sentences(get_rulebook()))
    return found


def test_it_finds_the_patient_strings_it_checks():
    msgids = patient_msgids()
    assert "Call emergency services now" in msgids
    assert "Hello," in msgids and "%(clinic_name)s: we received your request" in msgids
    assert "Detailed urine test" in msgids and "within 24 hours" in msgids
    assert "Signs a doctor needs to know about" in msgids
    assert get_rulebook().rules[0].reason in msgids
    # Staff alerts are not patient strings.
    assert not [msgid for msgid in msgids if "Case %" in msgid or "admin_url" in msgid]


def _translated(entries: dict[str, polib.POEntry], msgid: str) -> bool:
    entry = entries.get(msgid)
    if entry is not None:
        return bool(entry.msgstr or entry.msgstr_plural.get(0))
    # Django's own messages ("This field is required.") come from Django's Russian catalog.
    with translation.override("ru"):
        return translation.gettext(msgid) != msgid


def test_it_has_a_russian_translation_for_every_patient_string(po):
    entries = {entry.msgid: entry for entry in po}
    entries.update((entry.msgid_plural, entry) for entry in po if entry.msgid_plural)
    msgids = patient_msgids().items()
    missing = [f"{source}: {msgid!r}" for msgid, source in msgids if not _translated(entries, msgid)]
    assert missing == []


def test_it_has_no_fuzzy_or_untranslated_entry(po):
    assert po.metadata["Language"] == "ru"
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    plurals = [entry for entry in po if entry.msgid_plural]
    assert all(len(entry.msgstr_plural) == 4 and all(entry.msgstr_plural.values()) for entry in plurals)


def test_it_keeps_the_placeholders_of_every_message(po):
    placeholder = re.compile(r"%\(\w+\)[sd]")
    changed = [
        entry.msgid
        for entry in po.translated_entries()
        for text in (entry.msgstr or entry.msgstr_plural[0],)
        if sorted(set(placeholder.findall(entry.msgid))) != sorted(set(placeholder.findall(text)))
    ]
    assert changed == []


def test_it_ships_the_catalog_compiled_from_its_po(po):
    """The committed .mo says exactly what the .po compiled anew would say."""
    with (CATALOG / "django.mo").open("rb") as compiled:
        shipped = gettext.GNUTranslations(compiled)._catalog  # noqa: SLF001 (the parsed .mo, msgid -> msgstr)
    expected = {"": shipped.get("")}
    for entry in po.translated_entries():
        if entry.msgid_plural:
            expected.update(((entry.msgid, n), text) for n, text in entry.msgstr_plural.items())
        else:
            expected[entry.msgid] = entry.msgstr
    assert {key: value for key, value in shipped.items() if key != ""} == {
        key: value for key, value in expected.items() if key != ""
    }


def test_it_keeps_the_rulebook_sentences_module_up_to_date():
    """Run `manage.py rulebook_messages` (then makemessages) after changing a sentence of the rulebook."""
    assert MODULE.read_text() == rulebook_messages_module(get_rulebook())


def test_it_translates_the_rulebook_sentences_when_shown():
    reason = get_rulebook().rules[0].reason
    with translation.override("ru"):
        assert translation.gettext(reason).startswith("При онемении спины")
        assert str(vocabulary.Specialist.UROLOGIST.label) == "Уролог"
        assert str(vocabulary.Test.URINE_NECHIPORENKO.label) == "Анализ мочи по Нечипоренко"
        assert str(vocabulary.urgency_time_frame(vocabulary.Urgency.URGENT)) == "в течение суток"
