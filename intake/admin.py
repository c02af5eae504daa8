from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from intake.admin_casework import AssigneeSelect, assign_page, cases_assign, note_view, notes_context
from intake.admin_dashboard import install_dashboard
from intake.admin_queue import (
    QueueViewFilter,
    case_duplicates,
    install_home_counts,
    next_actions,
    search_condition,
    waiting_for,
)
from intake.audit import audit_case_read, audit_row, audit_search, case_audit_entries
from intake.erasure import case_erase
from intake.models import Case, CaseStatus, EmergencyScreenStop, Reminder
from referrals import admin_steps
from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom


class QueueChangeList(ChangeList):
    """The case list, with each listed case's next action worked out once for the whole page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        now = timezone.now()
        actions = next_actions(list(self.result_list), now=now)
        for case in self.result_list:
            case.next_action, case.queue_now = actions[case.pk], now


class ReminderInline(admin.TabularInline):
    """Every email of the case through the outbox: the patient's reminders and the staff alerts."""

    model = Reminder
    extra = 0
    can_delete = False
    verbose_name_plural = "Emails: patient reminders and staff alerts"
    fields = ["kind", "key", "state", "due_at", "attempts", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReminderEmailsFilter(admin.SimpleListFilter):
    """Cases whose patient turned reminder emails off: staff reach them by phone."""

    title = "reminder emails"
    parameter_name = "reminder_emails"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("on", "On"), ("off", "Turned off by the patient")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("on", "off"):
            return queryset.filter(unsubscribed_at__isnull=self.value() == "on")
        return queryset


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "case_number",
        "name",
        "waiting",
        "urgency_badge",
        "status",
        "assigned_to",
        "next_action",
    ]
    list_display_links = ["case_number", "name"]
    # "Received" offers fixed spans (today, past 7 days, this month, this year):
    # unlike a date drill-down, it reads no dates from the table to draw its links.
    list_filter = [
        QueueViewFilter,
        "urgency",
        "status",
        ("created_at", admin.DateFieldListFilter),
        ReminderEmailsFilter,
    ]
    # Searched by search_condition (case number, exact email, part of a name), each through an index.
    search_fields = ["name", "email"]
    search_help_text = "A case number (#123), a patient's whole email address, or part of a name."
    list_select_related = ["assigned_to"]
    list_per_page = 50
    # Counting every case on each page load would read the whole table.
    show_full_result_count = False
    autocomplete_fields = ["assigned_to"]
    readonly_fields = [
        "public_id",
        "created_at",
        "consented_at",
        "reminder_emails",
        "urgency",
        "route_summary",
        "answers_summary",
    ]
    fieldsets = [
        (
            "Patient",
            {
                "fields": [
                    "name",
                    "email",
                    "phone",
                    "reminder_emails",
                    "consented_at",
                    "public_id",
                    "created_at",
                ]
            },
        ),
        ("Triage", {"fields": ["status", "urgency", "assigned_to"]}),
        ("Route as the engine suggested it", {"fields": ["route_summary"]}),
        ("Answers", {"fields": ["answers_summary"]}),
    ]
    inlines = [ReminderInline]
    actions = ["assign_to_me", "assign_to_someone", "mark_triaged", "erase_personal_data"]
    contact_fields = ["name", "email", "phone"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "assigned_to":
            kwargs["widget"] = AssigneeSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_ordering(self, request: HttpRequest) -> list:
        # Most urgent first, then oldest first: the triage queue's order, read from its index.
        return ["-urgency_rank", "created_at", "pk"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return queryset.filter(search_condition(search_term)), False

    @admin.display(description="Case", ordering="pk")
    def case_number(self, case: Case) -> str:
        return f"#{case.pk}"

    @admin.display(description="Waiting for", ordering="created_at")
    def waiting(self, case: Case) -> str:
        if case.status == CaseStatus.CLOSED:
            return "-"
        return waiting_for(case.created_at, getattr(case, "queue_now", None) or timezone.now())

    @admin.display(description="Next action")
    def next_action(self, case: Case) -> str:
        return getattr(case, "next_action", "") or "-"

    @admin.display(description="Urgency", ordering="urgency_rank")
    def urgency_badge(self, case: Case) -> str:
        return format_html(
            '<span class="urgency urgency-{}">{}</span>', case.urgency, case.get_urgency_display()
        )

    @admin.display(description="Reminder emails")
    def reminder_emails(self, case: Case) -> str:
        if case.unsubscribed_at is None:
            return "On"
        when = timezone.localtime(case.unsubscribed_at)
        return f"Off: the patient turned them off on {when:%Y-%m-%d %H:%M}; reach them by phone"

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

    def has_triage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("intake.triage_case")

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
        if obj is None or obj.erased_at:
            fields.append("assigned_to")
        return fields

    def save_model(self, request: HttpRequest, obj: Case, form, change: bool) -> None:
        if "status" in form.changed_data:
            status, obj.status = obj.status, form.initial["status"]
            obj.set_status(status, now=timezone.now())
        super().save_model(request, obj, form, change)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {**(extra_context or {}), "can_view_audit": self.has_audit_permission(request)}
        case = (
            Case.objects.select_related("route").filter(pk=object_id).first() if object_id.isdigit() else None
        )
        if case is not None and self.has_view_or_change_permission(request, case):
            extra_context.update(self._case_page_context(request, case))
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_case_read(request, response.context_data["original"])
        return response

    def _case_page_context(self, request: HttpRequest, case: Case) -> dict[str, Any]:
        return {
            **notes_context(request, case),
            **admin_steps.case_care_context(request, case),
            "duplicates": list(case_duplicates(case)),
        }

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {"title": "Triage queue", **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        if request.GET.get(SEARCH_VAR) and response.status_code == 200 and hasattr(response, "context_data"):
            audit_search(request, results=response.context_data["cl"].result_count)
        return response

    @admin.action(permissions=["change"], description="Assign to me")
    def assign_to_me(self, request: HttpRequest, cases: QuerySet) -> None:
        count = cases_assign(cases, request.user)
        messages.success(request, f"Assigned {count} case(s) to you.")

    @admin.action(permissions=["change"], description="Assign to a staff member...")
    def assign_to_someone(self, request: HttpRequest, cases: QuerySet) -> HttpResponse | None:
        return assign_page(self, request, cases)

    @admin.action(permissions=["triage"], description="Mark triaged")
    def mark_triaged(self, request: HttpRequest, cases: QuerySet) -> None:
        now, count = timezone.now(), 0
        for case in cases.filter(status=CaseStatus.NEW, erased_at__isnull=True):
            case.set_status(CaseStatus.TRIAGED, now=now)
            case.save(update_fields=["status", "closed_at", "triaged_at"])
            count += 1
        messages.success(request, f"Marked {count} new case(s) triaged.")

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
        view = self.admin_site.admin_view
        case_pages = [
            ("steps/<int:referral_id>/move/", admin_steps.move_view, "move"),
            ("steps/<int:referral_id>/book/", admin_steps.book_view, "book"),
            ("appointments/<int:appointment_id>/reschedule/", admin_steps.reschedule_view, "reschedule"),
            ("appointments/<int:appointment_id>/cancel/", admin_steps.cancel_view, "cancel"),
            ("override/", admin_steps.override_view, "override"),
            ("notes/add/", note_view, "note"),
        ]
        return [
            path("<path:object_id>/audit/", view(self.audit_view), name="intake_case_audit"),
            *(
                path(
                    f"<int:object_id>/{route}",
                    view(partial(self.case_action, action)),
                    name=f"intake_case_{name}",
                )
                for route, action, name in case_pages
            ),
            *super().get_urls(),
        ]

    def case_action(self, action: Any, request: HttpRequest, object_id: int, **kwargs: Any) -> HttpResponse:
        """A case page's action, for staff who may see the case; the action checks its own permission."""
        case = get_object_or_404(Case.objects.select_related("route"), pk=object_id)
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        context = self.admin_site.each_context(request)
        return action(request, case, context=context, **kwargs)

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
            "entries": [audit_row(entry) for entry in entries],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/intake/case/audit.html", context)


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
        return ", ".join(str(labels.get(code, code)) for code in value) or "none"
    return str(labels.get(value, value))


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


install_home_counts(admin.site)
install_dashboard(admin.site)
from intake import admin_api_tokens  # noqa: E402,F401  (the API tokens' admin)
