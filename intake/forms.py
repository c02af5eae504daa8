from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.validators import RegexValidator

from referrals.forms import AnswersForm
from referrals.intakes import PREGNANCY_SEXES
from referrals.vocabulary import Pregnancy


class IntakeForm(AnswersForm):
    """The patient's intake: contact details and consent beside the route contract's answers."""

    field_order = ["name", "email", "phone"]

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
        cleaned = self.cleaned_data
        # The pregnancy questions are asked only where they apply; an answer
        # left behind after changing "Sex" is not an answer to this intake.
        if cleaned.get("sex") not in PREGNANCY_SEXES:
            cleaned["pregnancy"], cleaned["menstruation_related"] = Pregnancy.NO, False
        if cleaned.get("pregnancy") != Pregnancy.YES:
            cleaned["pregnancy_trimester"] = None
        return super().clean()

    def contact(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in ("name", "email", "phone")}
