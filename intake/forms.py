"""The patient's questions: the emergency screen, then one form per step.

Every answer field comes from the route contract's `AnswersForm` (one
vocabulary, one set of labels); the steps only decide which questions are
asked together, and which ones apply to this patient.
"""

import copy
import unicodedata
from collections.abc import Iterable
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.symptoms import SymptomGroup, companion_groups, screening_groups
from referrals.forms import AnswersForm
from referrals.vocabulary import Pregnancy, Symptom

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for a deliverable address, and the column's length
# Control characters, line and paragraph separators, invisible format and
# direction marks: nothing a name needs, everything a forged email needs.
# The zero-width joiner and non-joiner stay: some scripts write names with them.
_FORBIDDEN_IN_NAMES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})


class EmergencySign(models.TextChoices):
    """What the screen asks before anything else; a yes means calling emergency services now."""

    SADDLE_NUMBNESS = "saddle_numbness", _("Numbness in the groin, buttocks or inner thighs")
    BLADDER_OR_BOWEL = "bladder_or_bowel", _("New trouble holding or passing urine or stool")
    LEG_WEAKNESS = "leg_weakness", _("Sudden or growing weakness in the legs")
    CHEST_PAIN_AND_BREATHLESS = (
        "chest_pain_and_breathless",
        _("Chest pain or heaviness with shortness of breath"),
    )
    SEVERE_BREATHING_TROUBLE = "severe_breathing_trouble", _("Severe trouble breathing")


NONE_OF_THESE = "none"


def _bare_helper() -> FormHelper:
    """Crispy renders the fields; the page template owns the <form> tag and the buttons."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class EmergencyScreenForm(forms.Form):
    now = forms.MultipleChoiceField(
        label=_("Is any of these happening to you now?"),
        help_text=_("Tick each one that is happening now, or tick “None of these”."),
        choices=[*EmergencySign.choices, (NONE_OF_THESE, _("None of these"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick what is happening to you now, or “None of these”.")},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _bare_helper()

    def needs_emergency_help(self) -> bool:
        """Any sign ticked stops the intake, even beside "None of these": a mistake costs one click back."""
        return any(code != NONE_OF_THESE for code in self.cleaned_data["now"])


def intake_answers(forms: Iterable["StepForm"]) -> dict[str, Any]:
    """The route contract's intake from the steps' answers; symptoms come from several steps."""
    answers: dict[str, Any] = {}
    symptoms: set[str] = set()
    for form in forms:
        step_answers = form.answers()
        symptoms.update(step_answers.pop("symptoms", []))
        answers.update(step_answers)
    answers["symptoms"] = [code for code in Symptom.values if code in symptoms]
    return answers


class StepForm(forms.Form):
    """One step of the intake; `title` heads the page and the review."""

    title = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _bare_helper()

    def answers(self) -> dict[str, Any]:
        """This step's part of the route contract's intake."""
        answers = {}
        for name, value in self.cleaned_data.items():
            if name in AnswersForm.base_fields and value not in (None, "", []):
                # A code ticked twice (a replayed form) is still one answer.
                answers[name] = list(dict.fromkeys(value)) if isinstance(value, list) else value
        return answers

    def review_rows(self) -> list[tuple[str, str]]:
        """The step's answers in words, as the review page lists them."""
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "") and not field.required:
                continue
            rows.append((str(field.label), _in_words(field, value)))
        return rows


def _in_words(field: forms.Field, value: Any) -> str:
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    labels = {str(code): str(label) for code, label in getattr(field, "choices", ())}
    if isinstance(value, list):
        return ", ".join(labels.get(code, code) for code in value) or str(_("None of these"))
    return labels.get(str(value), str(value))


# A required answer left empty: the message says what to do, beside the field's name.
_REQUIRED = {
    "sex": _("Choose one answer, or “Prefer not to say”."),
    "age": _("Enter your age in whole years."),
    "frequency": _("Choose how often the numbness happens."),
}


def _answer_field(name: str) -> forms.Field:
    field = copy.deepcopy(AnswersForm.base_fields[name])
    if name in _REQUIRED:
        field.error_messages = {**field.error_messages, "required": _REQUIRED[name]}
    return field


class WhereForm(StepForm):
    title = _("You and your numbness")

    sex = _answer_field("sex")
    age = _answer_field("age")
    locations = _answer_field("locations")
    frequency = _answer_field("frequency")
    duration_days = _answer_field("duration_days")


def _symptom_field(group: SymptomGroup) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=group.legend,
        required=False,
        choices=[(code.value, code.label) for code in group.symptoms],
        widget=forms.CheckboxSelectMultiple,
    )


class SymptomStepForm(StepForm):
    """Symptoms asked as one group of tick boxes per topic; the answer is one list."""

    help_text = _("Tick anything you have noticed; leave the rest empty.")

    def __init__(self, *args: Any, groups: tuple[SymptomGroup, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            self.fields[group.field_name] = _symptom_field(group)

    def symptoms(self) -> list[str]:
        ticked = {code for group in self.groups for code in self.cleaned_data.get(group.field_name, [])}
        return [code for code in Symptom.values if code in ticked]

    def answers(self) -> dict[str, Any]:
        return {"symptoms": self.symptoms()}

    def review_rows(self) -> list[tuple[str, str]]:
        labels = dict(Symptom.choices)
        noticed = ", ".join(str(labels[code]) for code in self.symptoms()) or _("None of these")
        return [(str(_("What you noticed")), str(noticed))]


class SignsForm(SymptomStepForm):
    title = _("Signs a doctor needs to know about")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, groups=screening_groups(), **kwargs)


class CompanionsForm(SymptomStepForm):
    title = _("What comes with it")

    def __init__(self, *args: Any, locations: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, groups=companion_groups(locations or []), **kwargs)


class HistoryForm(StepForm):
    title = _("Your health history")

    history = _answer_field("history")


class PregnancyForm(StepForm):
    title = _("Pregnancy and periods")

    pregnancy = _answer_field("pregnancy")
    pregnancy_trimester = _answer_field("pregnancy_trimester")
    menstruation_related = _answer_field("menstruation_related")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Without JavaScript, the stylesheet hides the trimester until "Yes" is ticked.
        self.helper.layout = Layout(
            "pregnancy", Div("pregnancy_trimester", css_class="trimester"), "menstruation_related"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("pregnancy") != Pregnancy.YES:
            cleaned["pregnancy_trimester"] = None
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {**super().answers(), "menstruation_related": self.cleaned_data["menstruation_related"]}


_NAME_HAS_CONTROL_CHARACTER = _(
    "Your name can only hold letters, spaces and punctuation: no line breaks or hidden characters."
)


def validate_name(value: str) -> None:
    if any(_is_forbidden_in_name(char) for char in value):
        raise ValidationError(_NAME_HAS_CONTROL_CHARACTER, code="control_character")
    if not any(char.isalpha() for char in value):
        raise ValidationError(_("Enter your name with at least one letter."), code="no_letter")


def _is_forbidden_in_name(char: str) -> bool:
    return unicodedata.category(char) in _FORBIDDEN_IN_NAMES and char not in _ALLOWED_FORMAT_CHARACTERS


class ContactForm(StepForm):
    title = _("How we reach you")

    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_name],
        # Django fills in limit_value (the field's max_length).
        error_messages={"max_length": _("Your name can be at most %(limit_value)d characters long.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("We send your confirmation and reminders here."),
        error_messages={"max_length": _("An email address has at most %(limit_value)d characters.")},
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=40,
        validators=[
            RegexValidator(r"^\+?[0-9 ()\-]{6,}$", _("Enter a phone number: digits, spaces, + ( ) or -."))
        ],
    )
    consent_contact = forms.BooleanField(
        label=_("I agree that the clinic contacts me by email (and phone, if given) about this request."),
        error_messages={"required": _("We need your agreement to contact you about this request.")},
    )
    consent_health_data = forms.BooleanField(
        label=_("I agree that the clinic stores the health information I give here to plan my care."),
        error_messages={"required": _("We need your agreement to store the health information you give.")},
    )

    def contact(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in ("name", "email", "phone")}

    def answers(self) -> dict[str, Any]:
        return {}


class ReviewForm(StepForm):
    """The last step: nothing to fill in, the patient checks every answer and sends."""

    title = _("Check your answers")
