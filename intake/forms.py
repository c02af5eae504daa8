import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.validators import RegexValidator

from referrals.intakes import (
    AGE_RANGE,
    DURATION_RANGE,
    PREGNANCY_SEXES,
    TRIMESTERS,
    IntakeError,
    parse_intake,
)
from referrals.vocabulary import SYMPTOM_GROUPS, Frequency, History, Location, Pregnancy, Sex

_FIELD_OF_PROBLEM = re.compile(r"^([a-z_]+)")

TRIMESTER_CHOICES = [(n, label) for n, label in zip(TRIMESTERS, ("First", "Second", "Third"), strict=True)]


class IntakeForm(forms.Form):
    """The patient's intake: contact details, consent and the route contract's answers."""

    name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="Email", help_text="We send your confirmation and reminders here.")
    phone = forms.CharField(
        label="Phone (optional)",
        required=False,
        max_length=40,
        validators=[
            RegexValidator(r"^\+?[0-9 ()\-]{6,}$", "Enter a phone number: digits, spaces, + ( ) or -.")
        ],
    )
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect)
    age = forms.IntegerField(label="Age in years", min_value=AGE_RANGE[0], max_value=AGE_RANGE[1])
    locations = forms.MultipleChoiceField(
        label="Where do you feel the numbness?",
        help_text="Tick every place that applies.",
        choices=Location.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one place where you feel the numbness."},
    )
    frequency = forms.ChoiceField(
        label="How often does it happen?", choices=Frequency.choices, widget=forms.RadioSelect
    )
    duration_days = forms.IntegerField(
        label="For how many days has it been going on? (optional)",
        required=False,
        min_value=DURATION_RANGE[0],
        max_value=DURATION_RANGE[1],
    )
    symptoms = forms.MultipleChoiceField(
        label="What else do you notice?",
        help_text="Tick anything that applies; leave the rest empty.",
        required=False,
        choices=[(group, [(s.value, s.label) for s in members]) for group, members in SYMPTOM_GROUPS],
        widget=forms.CheckboxSelectMultiple,
    )
    history = forms.MultipleChoiceField(
        label="Do any of these apply to you?",
        required=False,
        choices=History.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    pregnancy = forms.ChoiceField(
        label="Are you pregnant?",
        choices=Pregnancy.choices,
        initial=Pregnancy.NO,
        required=False,
        widget=forms.RadioSelect,
    )
    pregnancy_trimester = forms.TypedChoiceField(
        label="Which trimester? (if pregnant)",
        choices=TRIMESTER_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    menstruation_related = forms.BooleanField(label="The numbness comes with my period", required=False)
    consent_contact = forms.BooleanField(
        label="I agree that the clinic contacts me by email (and phone, if given) about this request.",
        error_messages={"required": "We need your agreement to contact you about this request."},
    )
    consent_health_data = forms.BooleanField(
        label="I agree that the clinic stores the health information I give here to plan my care.",
        error_messages={"required": "We need your agreement to store the health information you give."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset("About you", "name", "email", "phone", "sex", "age"),
            Fieldset("Your numbness", "locations", "frequency", "duration_days"),
            Fieldset("What comes with it", "symptoms"),
            Fieldset("Your health history", "history"),
            Fieldset(
                "Pregnancy and periods",
                "pregnancy",
                Div("pregnancy_trimester", css_class="trimester"),
                "menstruation_related",
                css_class="sex-specific",
            ),
            Fieldset("Your consent", "consent_contact", "consent_health_data"),
            Submit("submit", "Send and see where to go", css_class="btn-lg"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The pregnancy questions are asked only where they apply; an answer
        # left behind after changing "Sex" is not an answer to this intake.
        if cleaned.get("sex") not in PREGNANCY_SEXES:
            cleaned["pregnancy"], cleaned["menstruation_related"] = Pregnancy.NO, False
        cleaned["pregnancy"] = cleaned.get("pregnancy") or Pregnancy.NO
        if cleaned["pregnancy"] != Pregnancy.YES:
            cleaned["pregnancy_trimester"] = None
        if not self.errors:
            self._check_with_engine()
        return cleaned

    def _check_with_engine(self) -> None:
        try:
            parse_intake(self.answers())
        except IntakeError as exc:
            for problem in exc.problems:
                match = _FIELD_OF_PROBLEM.match(problem)
                field = match.group(1) if match and match.group(1) in self.fields else None
                self.add_error(field, problem)

    def answers(self) -> dict[str, Any]:
        """The cleaned answers in the route contract's intake shape."""
        data = self.cleaned_data
        answers = {
            "sex": data["sex"],
            "age": data["age"],
            "locations": data["locations"],
            "frequency": data["frequency"],
            "symptoms": data.get("symptoms", []),
            "history": data.get("history", []),
            "pregnancy": data["pregnancy"],
            "menstruation_related": data.get("menstruation_related", False),
        }
        for optional in ("duration_days", "pregnancy_trimester"):
            if data.get(optional) is not None:
                answers[optional] = data[optional]
        return answers

    def contact(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in ("name", "email", "phone")}
