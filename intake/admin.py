from django.contrib import admin
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html

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
