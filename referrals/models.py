"""A case's route, stored as it was suggested.

The route keeps the rulebook version it was made with and copies every
reason and citation, so a later rulebook never rewrites what a patient and
staff were shown.
"""

from typing import Any

from django.db import models

from referrals.vocabulary import Specialist, Test, Urgency


class Route(models.Model):
    case = models.OneToOneField("intake.Case", models.CASCADE, related_name="route")
    rulebook = models.CharField(max_length=50)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    tests = models.JSONField(default=list, blank=True)
    advice = models.JSONField(default=list, blank=True)
    citations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Route for case {self.case_id} ({self.rulebook})"

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY

    def test_labels(self) -> list[str]:
        return [Test(code).label for code in self.tests]


class RouteStep(models.Model):
    route = models.ForeignKey(Route, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    specialist = models.CharField(max_length=40, choices=Specialist.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    reasons = models.JSONField(default=list)
    rules = models.JSONField(default=list)

    class Meta:
        ordering = ["route", "order"]
        constraints = [
            models.UniqueConstraint(fields=["route", "order"], name="route_step_order_unique"),
            models.UniqueConstraint(fields=["route", "specialist"], name="route_step_specialist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_specialist_display()} ({self.get_urgency_display()})"


def route_record(*, case: Any, route: dict[str, Any]) -> Route:
    """Store an engine route (the contract's dict) for a case, step by step."""
    stored = Route.objects.create(
        case=case,
        rulebook=route["rulebook"],
        urgency=route["urgency"],
        tests=route["tests"],
        advice=route["advice"],
        citations=route["rules"],
    )
    RouteStep.objects.bulk_create(
        RouteStep(
            route=stored,
            order=step["order"],
            specialist=step["specialist"],
            urgency=step["urgency"],
            reasons=step["reasons"],
            rules=step["rules"],
        )
        for step in route["steps"]
    )
    return stored
