"""The triage queue: what each case waits for, the ready-made views, the counts on the home page.

Everything here works on a whole page of cases at once: the next action of
every case on a page comes from four queries, however many cases and steps
there are, and each ready-made view is one SQL condition.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from intake.models import Case, CaseStatus, Reminder, ReminderState
from referrals.models import Appointment, AppointmentState, Referral, ReferralStatus, RevisionStep, RouteStep
from referrals.referral_status import WAITING_STATUSES
from referrals.vocabulary import URGENCY_RANK, Urgency, urgency_within

DUPLICATE_WINDOW = timedelta(days=30)


# --- Waiting time ------------------------------------------------------------


def waiting_for(since: datetime, now: datetime) -> str:
    """How long a case has waited, as a front desk says it: "40 min", "3 h", "2 d"."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


# --- Next action -------------------------------------------------------------


def _current_orders(ids: list[int]) -> dict[int, list[str]]:
    """Each case's current route as its specialists in order: the latest revision's, else the engine's."""
    orders: dict[int, list[str]] = defaultdict(list)
    for case_id, _order, specialist in (
        RouteStep.objects.filter(route__case_id__in=ids)
        .values_list("route__case_id", "order", "specialist")
        .order_by("route__case_id", "order")
    ):
        orders[case_id].append(specialist)
    revised: dict[int, tuple[int, list[str]]] = {}
    rows = RevisionStep.objects.filter(revision__route__case_id__in=ids).values_list(
        "revision__route__case_id", "revision__number", "specialist"
    )
    for case_id, number, specialist in rows.order_by("revision__route__case_id", "revision__number", "order"):
        latest, steps = revised.get(case_id, (0, []))
        if number > latest:
            latest, steps = number, []
        revised[case_id] = (latest, [*steps, specialist])
    orders.update({case_id: steps for case_id, (_number, steps) in revised.items()})
    return orders


def _step_action(
    status: str, starts_at: datetime | None, number: int, now: datetime
) -> tuple[int, str] | None:
    """What one step needs, with its priority (lower first)."""
    if status == ReferralStatus.NO_SHOW:
        return 0, f"Follow up a no-show (step {number})"
    if status == ReferralStatus.BOOKED and starts_at is not None and starts_at <= now:
        return 1, f"Confirm appointment (step {number})"
    if status in (ReferralStatus.SUGGESTED, ReferralStatus.REFERRED):
        return 2, f"Book step {number}"
    return None


def next_actions(cases: list[Case], *, now: datetime) -> dict[int, str]:
    """What to do next on each case, by case id: "" when nothing is owed now."""
    ids = [case.pk for case in cases]
    orders = _current_orders(ids)
    referrals = {
        (case_id, specialist): (pk, status)
        for pk, case_id, specialist, status in Referral.objects.filter(case_id__in=ids).values_list(
            "pk", "case_id", "specialist", "status"
        )
    }
    booked = dict(
        Appointment.objects.filter(referral__case_id__in=ids, state=AppointmentState.BOOKED).values_list(
            "referral_id", "starts_at"
        )
    )
    actions = {}
    for case in cases:
        actions[case.pk] = _case_action(case, orders.get(case.pk, []), referrals, booked, now)
    return actions


def _case_action(case: Case, order: list[str], referrals: dict, booked: dict, now: datetime) -> str:
    if case.status == CaseStatus.NEW:
        return "Triage"
    if case.status == CaseStatus.CLOSED:
        return ""
    needs = []
    for number, specialist in enumerate(order, start=1):
        pk, status = referrals.get((case.pk, specialist), (None, ReferralStatus.SUGGESTED))
        need = _step_action(status, booked.get(pk), number, now)
        if need:
            needs.append(need)
    return min(needs)[1] if needs else ""


# --- Search ---------------------------------------------------------------------

# A case number longer than this is no case's (and would overflow the column).
CASE_NUMBER_DIGITS = 18


def search_condition(term: str) -> Q:
    """What the queue's search box finds, each kind through an index.

    "#123" or "123" is a case number; a term with "@" is a whole email address,
    in any case; anything else is part of a name (a trigram index on PostgreSQL).
    """
    term = " ".join(term.split())
    if not term:
        return Q()
    number = term.removeprefix("#").strip()
    if number.isdigit() and number.isascii():
        return Q(pk=int(number)) if len(number) <= CASE_NUMBER_DIGITS else Q(pk__in=[])
    if "@" in term:
        return Q(email__iexact=term)
    return Q(name__icontains=term)


# --- Ready-made views ----------------------------------------------------------


def overdue_condition(now: datetime) -> Q:
    """Open cases past their urgency's time frame with a step still to book (or not yet triaged)."""
    past_due = Q()
    for urgency in Urgency.values:
        # At the deadline counts as overdue: an emergency is overdue from the moment it arrives.
        past_due |= Q(urgency=urgency, created_at__lte=now - urgency_within(urgency))
    waiting = Exists(Referral.objects.filter(case=OuterRef("pk"), status__in=WAITING_STATUSES))
    return past_due & ~Q(status=CaseStatus.CLOSED) & (Q(status=CaseStatus.NEW) | waiting)


def today_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return start, start + timedelta(days=1)


def appointments_today_condition(now: datetime) -> Exists:
    start, end = today_bounds(now)
    return Exists(
        Appointment.objects.filter(
            referral__case=OuterRef("pk"),
            state=AppointmentState.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
    )


def failed_reminders_condition() -> Exists:
    return Exists(Reminder.objects.filter(case=OuterRef("pk"), state=ReminderState.FAILED))


def _same_contact(email: Any, phone: Any) -> Q:
    return Q(email__iexact=email) | (Q(phone=phone) & ~Q(phone=""))


def duplicates_condition() -> Exists:
    """Another case with the same email or phone within 30 days either side."""
    others = Case.objects.filter(
        _same_contact(OuterRef("email"), OuterRef("phone")),
        erased_at__isnull=True,
        created_at__gte=OuterRef("created_at") - DUPLICATE_WINDOW,
        created_at__lte=OuterRef("created_at") + DUPLICATE_WINDOW,
    ).exclude(pk=OuterRef("pk"))
    return Exists(others)


def case_duplicates(case: Case) -> QuerySet[Case]:
    """The other cases that may be the same patient's: the link works both ways, by the same rule."""
    if case.erased_at:
        return Case.objects.none()
    return (
        Case.objects.filter(
            _same_contact(case.email, case.phone),
            erased_at__isnull=True,
            created_at__gte=case.created_at - DUPLICATE_WINDOW,
            created_at__lte=case.created_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=case.pk)
        .order_by("created_at")
    )


class QueueViewFilter(admin.SimpleListFilter):
    """The ready-made views of the queue, as links beside the list."""

    title = "ready-made view"
    parameter_name = "view"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("open", "Open"),
            ("untriaged", "Untriaged"),
            ("mine", "Assigned to me"),
            ("overdue", "Overdue for their urgency"),
            ("today", "Appointments today"),
            ("failed", "Failed reminders"),
            ("duplicates", "Possible duplicates"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        conditions = {
            "open": lambda: ~Q(status=CaseStatus.CLOSED),
            "untriaged": lambda: Q(status=CaseStatus.NEW),
            "mine": lambda: Q(assigned_to=request.user),
            "overdue": lambda: overdue_condition(now),
            "today": lambda: appointments_today_condition(now),
            "failed": failed_reminders_condition,
            "duplicates": lambda: Q(duplicates_condition(), erased_at__isnull=True),
        }
        condition = conditions.get(self.value())
        return queryset.filter(condition()) if condition else queryset


# --- The admin home -----------------------------------------------------------


def waiting_counts(*, now: datetime) -> list[dict[str, Any]]:
    """Open cases by urgency, emergencies first: how many, how many untriaged, how many overdue."""
    rows = (
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .values("urgency")
        .annotate(
            open=Count("pk"),
            untriaged=Count("pk", filter=Q(status=CaseStatus.NEW)),
            overdue=Count("pk", filter=overdue_condition(now)),
        )
    )
    counts = {row["urgency"]: row for row in rows}
    return [
        {
            "urgency": urgency,
            "label": Urgency(urgency).label,
            "open": counts.get(urgency, {}).get("open", 0),
            "untriaged": counts.get(urgency, {}).get("untriaged", 0),
            "overdue": counts.get(urgency, {}).get("overdue", 0),
        }
        for urgency in sorted(Urgency.values, key=URGENCY_RANK.__getitem__, reverse=True)
    ]


def install_home_counts(site: admin.AdminSite) -> None:
    """The admin home shows the open cases by urgency, emergencies first, to staff who read cases."""
    site_index = site.index

    def index(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if request.user.has_perm("intake.view_case"):
            extra_context["waiting_counts"] = waiting_counts(now=timezone.now())
        return site_index(request, extra_context)

    site.index = index
