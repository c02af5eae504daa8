"""The small forms of the case page: move a step, book, reschedule or cancel a visit, override the route.

Each form only reads what staff typed; the rules live in the domain functions
(referrals.referral_status, referrals.appointments, referrals.overrides),
whose ValidationErrors land on the field they name (`form_errors_from`).
The choices come from the page, computed once, so that a page with many
steps runs no query per form.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from referrals.overrides import REASON_MAX_LENGTH, OverrideAction, RouteChange
from referrals.vocabulary import Specialist, Test, Urgency

NOTE_WIDGET = forms.Textarea(attrs={"rows": 2, "cols": 40})
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a domain error on the field it names, or on the form when the form has no such field."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class MoveForm(forms.Form):
    status = forms.ChoiceField(label="Move to")
    note = forms.CharField(label="Note", required=False, widget=NOTE_WIDGET, max_length=2000)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = targets


class BookForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="When",
        widget=DATETIME_WIDGET,
        error_messages={
            "required": "Give the appointment's date and time.",
            "invalid": "Give a date and time.",
        },
    )
    minutes = forms.IntegerField(label="Minutes", initial=30, min_value=5, max_value=480)
    location = forms.TypedChoiceField(label="Where", coerce=int, empty_value=None)
    with_whom = forms.CharField(label="With whom", required=False, max_length=200)

    def __init__(self, *args: Any, locations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "Choose a place"), *locations]
        if not locations:
            self.fields["location"].help_text = "No places yet: an administrator adds them under Locations."

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["minutes"])


class RescheduleForm(BookForm):
    note = forms.CharField(label="Note", required=False, widget=NOTE_WIDGET, max_length=2000)


class CancelForm(forms.Form):
    note = forms.CharField(label="Why", required=False, widget=NOTE_WIDGET, max_length=2000)


class OverrideForm(forms.Form):
    """One change to the route, with its reason."""

    action = forms.ChoiceField(label="Change", choices=OverrideAction.choices)
    specialist = forms.ChoiceField(label="Step", required=False, choices=[("", "-"), *Specialist.choices])
    urgency = forms.ChoiceField(label="Urgency", required=False, choices=[("", "-"), *Urgency.choices])
    test = forms.ChoiceField(label="Test", required=False, choices=[("", "-"), *Test.choices])
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Give the reason for the change; it is kept with the route."},
    )

    def change(self) -> RouteChange:
        data = self.cleaned_data
        return RouteChange(
            action=data["action"], specialist=data["specialist"], urgency=data["urgency"], test=data["test"]
        )
