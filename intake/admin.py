from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from intake.audit import PATIENT_READ, audit_case_read, audit_search, case_audit_entries
from intake.erasure import case_erase
from intake.models import Case, EmergencyScreenStop, Reminder
from referrals.vocabulary import URGENCY_RANK, Frequency, History, Location, Pregnancy, Sex, Symptom


def urgency_rank_expression() -> SqlCase:
    """Sort key for the queue: the vocabulary's urgency order, in SQL."""
    return SqlCase(
        *(When(urgency=code, then=Value(rank)) for code, rank in URGENCY_RANK.items()),
        default=Value(-1),
        output_field=IntegerField(),
    )


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    fields = ["kind", "state", "due_at", "attempts", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["name", "urgency_badge", "status", "email", "created_at", "rulebook"]
    list_filter = ["urgency", "status"]
    search_fields = ["name", "email"]
    list_select_related = ["route"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "public_id",
        "created_at",
        "consented_at",
        "urgency",
        "route_summary",
        "answers_summary",
    ]
    fieldsets = [
        ("Patient", {"fields": ["name", "email", "phone", "consented_at", "public_id", "created_at"]}),
        ("Triage", {"fields": ["status", "urgency"]}),
        ("Route", {"fields": ["route_summary"]}),
        ("Answers", {"fields": ["answers_summary"]}),
    ]
    inlines = [ReminderInline]
    actions = ["erase_personal_data"]
    contact_fields = ["name", "email", "phone"]

    def get_ordering(self, request: HttpRequest) -> list:
        # Most urgent first, then oldest first: the triage queue's order.
        return [urgency_rank_expression().desc(), "created_at"]

    @admin.display(description="Urgency", ordering=urgency_rank_expression())
    def urgency_badge(self, case: Case) -> str:
        return format_html(
            '<span class="urgency urgency-{}">{}</span>', case.urgency, case.get_urgency_display()
        )

    @admin.display(description="Rulebook")
    def rulebook(self, case: Case) -> str:
        return case.route.rulebook

    @admin.display(description="Route, with reasons and the rules that fired")
    def route_summary(self, case: Case) -> str:
        return render_to_string("admin/intake/route_summary.html", {"route": case.route})

    @admin.display(description="Answers")
    def answers_summary(self, case: Case) -> str:
        rows = [(key.replace("_", " "), _display(key, value)) for key, value in case.answers.items()]
        return render_to_string("admin/intake/answers_summary.html", {"rows": rows})

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Cases come from patients' intakes, with a route and reminders.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        # A case is erased, never deleted: the anonymous counts and the audit trail stay whole.
        return False

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("intake.erase_case")

    def has_audit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("auditlog.view_logentry")

    def get_readonly_fields(self, request: HttpRequest, obj: Case | None = None) -> list[str]:
        """Contact details for those who keep them, the status for those who triage; nothing once erased."""
        fields = list(self.readonly_fields)
        user = request.user
        if obj is None or obj.erased_at or not user.has_perm("intake.edit_contact"):
            fields += self.contact_fields
        if obj is None or obj.erased_at or not user.has_perm("intake.triage_case"):
            fields.append("status")
        return fields

    def save_model(self, request: HttpRequest, obj: Case, form, change: bool) -> None:
        if "status" in form.changed_data:
            status, obj.status = obj.status, form.initial["status"]
            obj.set_status(status, now=timezone.now())
        super().save_model(request, obj, form, change)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {**(extra_context or {}), "can_view_audit": self.has_audit_permission(request)}
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_case_read(request, response.context_data["original"])
        return response

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.GET.get(SEARCH_VAR) and response.status_code == 200 and hasattr(response, "context_data"):
            audit_search(request, results=response.context_data["cl"].result_count)
        return response

    @admin.action(permissions=["erase"], description="Erase the patients' personal data")
    def erase_personal_data(self, request: HttpRequest, cases: QuerySet) -> HttpResponse | None:
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase personal data",
                "cases": cases,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/intake/case/erase_confirmation.html", context)
        now = timezone.now()
        erased = sum(case_erase(case=case, now=now, reason="by staff", actor=request.user) for case in cases)
        messages.success(request, f"Erased the personal data of {erased} case(s).")
        return None

    def get_urls(self) -> list:
        audit = self.admin_site.admin_view(self.audit_view)
        return [path("<path:object_id>/audit/", audit, name="intake_case_audit"), *super().get_urls()]

    def audit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Every read and change of one case and what hangs off it, for administrators."""
        if not self.has_audit_permission(request):
            raise PermissionDenied
        case = get_object_or_404(Case, pk=object_id)
        entries = list(case_audit_entries(case)[:1000])
        audit_case_read(request, case, page="audit trail")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Audit trail of case {case.pk}",
            "case": case,
            "entries": [_audit_row(entry) for entry in entries],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/intake/case/audit.html", context)


def _audit_row(entry: Any) -> dict[str, Any]:
    data = entry.additional_data or {}
    if data.get("read") == PATIENT_READ:
        who = "the patient"
    else:
        who = entry.actor.get_username() if entry.actor else entry.actor_email or "the portal"
    changes = [(field, values[0], values[1]) for field, values in (entry.changes_dict or {}).items()]
    return {
        "when": entry.timestamp,
        "who": who,
        "action": entry.get_action_display(),
        "object": entry.object_repr,
        "read": data.get("read", ""),
        "erased": data.get("erased", ""),
        "changes": changes,
    }


_CHOICES_OF_ANSWER = {
    "sex": Sex,
    "frequency": Frequency,
    "pregnancy": Pregnancy,
    "locations": Location,
    "symptoms": Symptom,
    "history": History,
}


def _display(key: str, value: object) -> str:
    labels = dict(_CHOICES_OF_ANSWER[key].choices) if key in _CHOICES_OF_ANSWER else {}
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(labels.get(code, code) for code in value) or "none"
    return labels.get(value, str(value))


@admin.register(EmergencyScreenStop)
class EmergencyScreenStopAdmin(admin.ModelAdmin):
    """How often the emergency screen sent someone to call emergency services; counted, never edited."""

    list_display = ["day", "count"]
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

from intake import admin_api_tokens  # noqa: E402,F401  (the API tokens' admin)
