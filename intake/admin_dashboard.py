"""The clinic's dashboard on the staff console's home: a date range form, charts, the figures in tables.

Only for those with intake.view_dashboard (clinicians and clinic
administrators); everyone else sees the home page as before.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from intake.dashboard import DEFAULT_DAYS, MAX_DAYS, STEP_OUTCOMES, Figures, Period, dashboard_figures
from intake.dashboard_charts import Bar, bar_rows, day_bars
from referrals.models import ReferralStatus
from referrals.vocabulary import Urgency

# Each urgency's mark in the charts, besides its colour.
URGENCY_PATTERNS = {
    Urgency.EMERGENCY: "cross",
    Urgency.URGENT: "hatch",
    Urgency.SOON: "dots",
    Urgency.ROUTINE: "stripes",
    Urgency.SELF_CARE: "open",
}
STEP_LABELS = {
    ReferralStatus.BOOKED: "Steps booked",
    ReferralStatus.ATTENDED: "Steps attended",
    ReferralStatus.NO_SHOW: "No-shows",
}
STEP_PATTERNS = {
    ReferralStatus.BOOKED: "solid",
    ReferralStatus.ATTENDED: "hatch",
    ReferralStatus.NO_SHOW: "cross",
}


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "From: enter the first day as a date, like 2026-11-01."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "To: enter the last day as a date, like 2026-11-30."},
    )

    def __init__(self, data: Any, *, today: date) -> None:
        self.today = today
        default = Period.ending(today)
        super().__init__(data or None, initial={"start": default.first, "end": default.last})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or Period.ending(end).first
        if end < start and not cleaned.get("end"):
            self.add_error("start", "From: the first day is after today; choose a To as well.")
        elif end < start:
            self.add_error("end", "To: the last day must not be before the first day (From).")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", f"From: the range can cover at most {MAX_DAYS} days; choose a later day.")
        cleaned["period"] = Period(start, end)
        return cleaned

    def period(self) -> Period | None:
        if not self.is_bound:
            return Period.ending(self.today)
        return self.cleaned_data["period"] if self.is_valid() else None


def duration_text(hours: float | None) -> str:
    """A time to triage as staff say it: "40 min", "3.5 h"; a dash for none."""
    if hours is None:
        return "–"
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.1f} h"


def _urgency_bars(figures: Figures) -> list[Bar]:
    return [
        Bar(Urgency(urgency).label, count, str(count), URGENCY_PATTERNS[urgency], urgency)
        for urgency, count in figures.intakes.by_urgency.items()
    ]


def _triage_bars(figures: Figures) -> list[Bar]:
    bars = []
    for urgency, times in figures.triage.items():
        label = Urgency(urgency).label
        bars.append(
            Bar(f"{label}, median", times.median_hours or 0, duration_text(times.median_hours), "solid")
        )
        bars.append(Bar(f"{label}, 90th pct", times.p90_hours or 0, duration_text(times.p90_hours), "hatch"))
    return bars


def _step_bars(figures: Figures) -> list[Bar]:
    return [
        Bar(
            STEP_LABELS[status],
            figures.steps[status],
            str(figures.steps[status]),
            STEP_PATTERNS[status],
        )
        for status in STEP_OUTCOMES
    ]


def _reminder_bars(figures: Figures) -> list[Bar]:
    sent, failed = figures.reminders.sent, figures.reminders.failed
    return [Bar("Sent", sent, str(sent), "solid"), Bar("Failed", failed, str(failed), "cross", "alarm")]


def dashboard_context(figures: Figures) -> dict[str, Any]:
    """The charts and the rows of the tables beside them."""
    days = figures.period.days
    return {
        "figures": figures,
        "day_rows": [(day, figures.intakes.per_day[day], figures.stops[day]) for day in days],
        "urgency_rows": [
            {
                "label": Urgency(urgency).label,
                "intakes": count,
                "triage": figures.triage[urgency],
                "median": duration_text(figures.triage[urgency].median_hours),
                "p90": duration_text(figures.triage[urgency].p90_hours),
            }
            for urgency, count in figures.intakes.by_urgency.items()
        ],
        "step_rows": [(STEP_LABELS[status], figures.steps[status]) for status in STEP_OUTCOMES],
        "charts": {
            "intakes": day_bars("chart-intakes", "Intakes per day", figures.intakes.per_day),
            "urgency": bar_rows("chart-urgency", "Intakes by urgency", _urgency_bars(figures)),
            "triage": bar_rows("chart-triage", "Time to triage by urgency", _triage_bars(figures)),
            "steps": bar_rows("chart-steps", "Steps booked, attended and missed", _step_bars(figures)),
            "reminders": bar_rows("chart-reminders", "Reminders sent and failed", _reminder_bars(figures)),
            "stops": day_bars(
                "chart-stops", "Emergency-screen stops per day", figures.stops, pattern="cross"
            ),
        },
    }


def dashboard_for(request: HttpRequest) -> dict[str, Any]:
    """The dashboard's context for the home page, from the request's date range."""
    form = PeriodForm(request.GET, today=timezone.localdate())
    period = form.period()
    context: dict[str, Any] = {"form": form, "default_days": DEFAULT_DAYS}
    if period is not None:
        context.update(dashboard_context(dashboard_figures(period)))
    return context


def install_dashboard(site: admin.AdminSite) -> None:
    """The admin home shows the dashboard to those allowed to see it."""
    site_index = site.index

    def index(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if request.user.has_perm("intake.view_dashboard"):
            extra_context["dashboard"] = dashboard_for(request)
        return site_index(request, extra_context)

    site.index = index
