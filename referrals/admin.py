"""Staff pages for the referral rulebook, inside the Django admin.

The rulebook is a file, not a table, so there is no model to register: the
two pages ("Referral rules" and "Try an intake") are added to the admin
site's own URLs, and an entry for them to the admin's app list (index page
and sidebar). Both go through `admin_view` (staff login, CSRF, no caching)
and need `referrals.view_route`, the permission that lets staff read
routes, or a superuser.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from referrals.engine import suggest_route
from referrals.forms import AnswersForm
from referrals.intakes import FIELDS
from referrals.models import Location
from referrals.rulebook import Rule, get_rulebook
from referrals.vocabulary import (
    Specialist,
    Test,
    Urgency,
)

PERMISSION = "referrals.view_route"
APP_LABEL = "referrals"

_LIST_WORDS = {
    "locations": "numb in",
    "symptoms": "any of the symptoms",
    "history": "any of the history",
    "symptoms_all": "all of the symptoms",
    "history_all": "all of the history",
    "sex": "sex is",
    "frequency": "frequency is",
    "pregnancy": "pregnancy is",
    "pregnancy_trimester": "trimester is",
}
_NUMBER_WORDS = {
    "min_age": "age at least {}",
    "max_age": "age at most {}",
    "min_duration_days": "lasting {}+ days",
}
_FLAG_WORDS = {
    ("has_symptoms", True): "some symptoms",
    ("has_symptoms", False): "no symptoms",
    ("has_history", True): "some history",
    ("has_history", False): "no history",
    ("menstruation_related", True): "comes with the period",
    ("menstruation_related", False): "not with the period",
}


def describe_condition(when: dict[str, Any]) -> str:
    """The rule's condition in words for staff, with the codes as they are."""
    if not when:
        return "always"
    parts = []
    for key, value in when.items():
        if key == "any":
            parts.append("(" + " or ".join(f"[{describe_condition(sub)}]" for sub in value) + ")")
        elif key in _LIST_WORDS:
            parts.append(f"{_LIST_WORDS[key]} {' / '.join(str(v) for v in value)}")
        elif key in _NUMBER_WORDS:
            parts.append(_NUMBER_WORDS[key].format(value))
        else:
            parts.append(_FLAG_WORDS[(key, value)])
    return " and ".join(parts)


def describe_effects(rule: Rule) -> list[str]:
    effects = [f"{Specialist(s).label}: {Urgency(u).label.lower()}" for s, u in rule.refer]
    if rule.tests:
        effects.append("tests: " + ", ".join(str(Test(code).label) for code in rule.tests))
    for test, instead in rule.withheld:
        offered = f" (instead: {', '.join(str(Test(code).label) for code in instead)})" if instead else ""
        effects.append(f"never: {Test(test).label}{offered}")
    effects.extend(f"advice: {sentence}" for sentence in rule.advice)
    return effects or [f"{Specialist.THERAPIST.label}: self-care"]


class TryIntakeForm(AnswersForm):
    """The patient's questions, every one optional and unchecked here, so that the
    engine's own validation (the contract's messages) names what is wrong."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.validators = []


def _require_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, "book": get_rulebook(), **extra}


def rules_view(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    rows = [
        {"rule": rule, "condition": describe_condition(rule.when), "effects": describe_effects(rule)}
        for rule in get_rulebook().rules
    ]
    safety_net = sum(rule.is_safety_net for rule in get_rulebook().rules)
    context = _context(request, "Referral rules", rows=rows, safety_net=safety_net)
    return TemplateResponse(request, "admin/referrals/rules.html", context)


def try_intake_view(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    form = TryIntakeForm(request.POST or None)
    route = None
    if request.method == "POST" and form.is_valid():
        route = suggest_route(form.intake)
    context = _context(request, "Try an intake", form=form, route=route and _presented(route), fields=FIELDS)
    return TemplateResponse(request, "admin/referrals/try_intake.html", context)


def _presented(route: dict[str, Any]) -> dict[str, Any]:
    """The route with labels beside its codes, for the page."""
    steps = [
        {
            **step,
            "specialist_label": Specialist(step["specialist"]).label,
            "urgency_label": Urgency(step["urgency"]).label,
        }
        for step in route["steps"]
    ]
    tests = [Test(code).label for code in route["tests"]]
    return {**route, "steps": steps, "test_labels": tests, "urgency_label": Urgency(route["urgency"]).label}


def rule_urls(site: admin.AdminSite) -> list[URLPattern]:
    return [
        path(f"{APP_LABEL}/rules/", site.admin_view(rules_view), name="referrals_rules"),
        path(f"{APP_LABEL}/rules/try/", site.admin_view(try_intake_view), name="referrals_try_intake"),
    ]


def _rules_entry() -> dict[str, Any]:
    return {
        "model": None,
        "name": "Referral rules",
        "object_name": "ReferralRules",
        "perms": {"add": False, "change": False, "delete": False, "view": True},
        "admin_url": reverse("admin:referrals_rules"),
        "add_url": None,
        "view_only": True,
    }


def with_rules_entry(app_list: list[dict[str, Any]], request: HttpRequest) -> list[dict[str, Any]]:
    """The admin's app list with "Referral rules" under Referrals, for staff allowed to see it."""
    if not request.user.has_perm(PERMISSION):
        return app_list
    app = next((app for app in app_list if app["app_label"] == APP_LABEL), None)
    if app is None:
        app = {
            "name": "Referrals",
            "app_label": APP_LABEL,
            "app_url": reverse("admin:referrals_rules"),
            "has_module_perms": True,
            "models": [],
        }
        app_list = sorted([*app_list, app], key=lambda entry: entry["name"].lower())
    app["models"] = sorted([*app["models"], _rules_entry()], key=lambda model: model["name"])
    return app_list


def install(site: admin.AdminSite) -> None:
    """Add the rule pages to an admin site: its URLs and its app list."""
    site_urls, site_app_list = site.get_urls, site.get_app_list

    def get_urls() -> list:
        return [*rule_urls(site), *site_urls()]

    def get_app_list(request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        app_list = site_app_list(request, app_label)
        if app_label not in (None, APP_LABEL):
            return app_list
        return with_rules_entry(app_list, request)

    site.get_urls = get_urls
    site.get_app_list = get_app_list


install(admin.site)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """The places the clinic sees patients. A place is retired (inactive), never deleted: past
    appointments keep pointing at it."""

    list_display = ["name", "address", "active"]
    list_filter = ["active"]
    search_fields = ["name", "address"]

    def has_delete_permission(self, request: HttpRequest, obj: Location | None = None) -> bool:
        return False
