"""A case's route, stored as it was suggested.

The route keeps the rulebook version it was made with and copies every
reason and citation, so a later rulebook never rewrites what a patient and
staff were shown.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models

from referrals.vocabulary import TEST_PURPOSES, Specialist, Test, Urgency, urgency_time_frame


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

    @property
    def time_frame(self) -> str:
        return urgency_time_frame(self.urgency)

    def test_labels(self) -> list[str]:
        return [Test(code).label for code in self.tests]

    # --- As the patient reads it: every sentence once -----------------------

    def tests_explained(self) -> list[tuple[str, str]]:
        """Each test's plain name with one line on what it looks for."""
        return [(Test(code).label, TEST_PURPOSES.get(code, "")) for code in self.tests]

    def patient_steps(self) -> list["PatientStep"]:
        """The steps with the reasons a patient reads under each.

        A reason that several steps share (a neurologist or an orthopaedist)
        is said once, under the first of them; the others point to that step.
        """
        said: dict[str, int] = {}
        shown = []
        for step in self.steps.all():
            own = [reason for reason in dict.fromkeys(step.reasons) if reason not in said]
            earlier = [said[reason] for reason in step.reasons if reason in said]
            said.update((reason, step.order) for reason in own)
            shown.append(PatientStep(step=step, reasons=own, see_step=min(earlier, default=None)))
        return shown

    def patient_advice(self) -> list[str]:
        """Lifestyle advice, once each; none on an emergency, where only calling for help matters."""
        if self.is_emergency:
            return []
        reasons = {reason for step in self.steps.all() for reason in step.reasons}
        return [line for line in dict.fromkeys(self.advice) if line not in reasons]


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

    @property
    def time_frame(self) -> str:
        return urgency_time_frame(self.urgency)


@dataclass(frozen=True)
class PatientStep:
    step: RouteStep
    reasons: list[str]
    # The earlier step where a reason this step shares is given.
    see_step: int | None


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
