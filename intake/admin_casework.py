"""Staff work on a case in the console: internal notes, and assigning cases from the queue.

Notes are added, never edited: each keeps who wrote it and when. They are
shown on the case page to staff who may read them and nowhere else.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from intake.casework import NOTE_MAX_LENGTH, case_assign, case_note_add
from intake.models import Case
from referrals.admin_steps import posted_data

ADD_NOTE, VIEW_NOTE = "intake.add_casenote", "intake.view_casenote"


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Internal note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=NOTE_MAX_LENGTH,
        help_text="For staff only: never shown to the patient.",
        error_messages={"required": "Write the note before saving it."},
    )


def notes_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    notes = list(case.notes.select_related("by")) if user.has_perm(VIEW_NOTE) else None
    can_add = user.has_perm(ADD_NOTE) and not case.erased_at
    return {"notes": notes, "note_form": NoteForm(auto_id="id_note_%s") if can_add else None}


def note_view(request: HttpRequest, case: Case, context: dict[str, Any]) -> HttpResponse:
    if not request.user.has_perm(ADD_NOTE) or case.erased_at:
        raise PermissionDenied
    form = NoteForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            case_note_add(case=case, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error("text", error.message_dict.get("text", error.messages))
        else:
            messages.success(request, "Note added.")
            return HttpResponseRedirect(reverse("admin:intake_case_change", args=[case.pk]) + "#notes")
    page = {**context, "title": "Add an internal note", "case": case, "form": form, "opts": Case._meta}
    return TemplateResponse(request, "admin/intake/case/action.html", page)


class AssigneeSelect(AutocompleteSelect):
    """A search among active staff with JavaScript; without it, the plain list of them all."""

    def optgroups(self, name: str, value: Any, attrs: dict | None = None) -> list:
        return forms.Select.optgroups(self, name, value, attrs)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="Assign to",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody (unassign)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        self.fields["assignee"].queryset = staff


def cases_assign(cases: QuerySet, to: Any) -> int:
    for case in cases:
        case_assign(case=case, to=to)
    return len(cases)


def assign_page(model_admin: admin.ModelAdmin, request: HttpRequest, cases: QuerySet) -> HttpResponse | None:
    """The bulk action's second step: choose the staff member, then assign every chosen case."""
    form = AssignForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        to = form.cleaned_data["assignee"]
        count = cases_assign(cases, to)
        who = to.get_username() if to else "nobody"
        messages.success(request, f"Assigned {count} case(s) to {who}.")
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Assign cases",
        "cases": cases,
        "form": form,
        "opts": model_admin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/intake/case/assign.html", context)
