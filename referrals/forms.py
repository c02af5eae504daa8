import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from referrals.intakes import AGE_RANGE, DURATION_RANGE, FIELDS, TRIMESTERS, Intake, IntakeError, parse_intake
from referrals.vocabulary import SYMPTOM_GROUPS, Frequency, History, Location, Pregnancy, Sex

_FIELD_OF_PROBLEM = re.compile(r"^([a-z_]+)")

TRIMESTER_CHOICES = [
    (n, label) for n, label in zip(TRIMESTERS, (_("First"), _("Second"), _("Third")), strict=True)
]


class AnswersForm(forms.Form):
    """The route contract's intake as form fields, derived from the vocabulary.

    The engine's own validation has the last word: each problem it finds is
    put on the field it names, and a valid form carries the parsed `intake`.
    """

    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    age = forms.IntegerField(label=_("Age in years"), min_value=AGE_RANGE[0], max_value=AGE_RANGE[1])
    locations = forms.MultipleChoiceField(
        label=_("Where do you feel the numbness?"),
        help_text=_("Tick every place that applies."),
        choices=Location.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one place where you feel the numbness.")},
    )
    frequency = forms.ChoiceField(
        label=_("How often does it happen?"), choices=Frequency.choices, widget=forms.RadioSelect
    )
    duration_days = forms.IntegerField(
        label=_("For how many days has it been going on? (optional)"),
        required=False,
        min_value=DURATION_RANGE[0],
        max_value=DURATION_RANGE[1],
    )
    symptoms = forms.MultipleChoiceField(
        label=_("What else do you notice?"),
        help_text=_("Tick anything that applies; leave the rest empty."),
        required=False,
        choices=[(group, [(s.value, s.label) for s in members]) for group, members in SYMPTOM_GROUPS],
        widget=forms.CheckboxSelectMultiple,
    )
    history = forms.MultipleChoiceField(
        label=_("Do any of these apply to you?"),
        required=False,
        choices=History.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    pregnancy = forms.ChoiceField(
        label=_("Are you pregnant?"),
        choices=Pregnancy.choices,
        initial=Pregnancy.NO,
        required=False,
        widget=forms.RadioSelect,
    )
    pregnancy_trimester = forms.TypedChoiceField(
        label=_("Which trimester? (if pregnant)"),
        choices=TRIMESTER_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    menstruation_related = forms.BooleanField(label=_("The numbness comes with my period"), required=False)

    intake: Intake

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                self.intake = parse_intake(self.answers())
            except IntakeError as exc:
                for problem in exc.problems:
                    match = _FIELD_OF_PROBLEM.match(problem)
                    field = match.group(1) if match and match.group(1) in self.fields else None
                    self.add_error(field, problem)
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The cleaned answers in the route contract's intake shape; unanswered fields are left out."""
        return {
            name: self.cleaned_data[name] for name in FIELDS if self.cleaned_data.get(name) not in (None, "")
        }
