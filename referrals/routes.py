"""The route as staff and patients read it: the engine's, a revision, the current one.

Both the engine's route (Route and its steps) and a clinician's revision
read as one shape, RouteView, so a page, a comparison or a reminder never
needs to know which one it holds. Its names follow the models' (`steps`,
`get_urgency_display`, `test_labels`) so a template reads either.
"""

from dataclasses import dataclass, field
from typing import Any

from intake.models import Case
from referrals.models import Route, RouteReading, RouteRevision, StepReading
from referrals.vocabulary import Specialist, Urgency


@dataclass(frozen=True)
class StepView(StepReading):
    order: int
    specialist: str
    urgency: str
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def get_specialist_display(self) -> str:
        return Specialist(self.specialist).label

    def get_urgency_display(self) -> str:
        return Urgency(self.urgency).label

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "specialist": self.specialist,
            "urgency": self.urgency,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
        }


@dataclass(frozen=True, eq=False)
class RouteView(RouteReading):
    urgency: str
    steps: tuple[StepView, ...]
    tests: tuple[str, ...]
    rulebook: str
    advice: tuple[str, ...] = ()
    citations: tuple[dict[str, Any], ...] = field(default=())
    # None for the engine's route.
    revision: RouteRevision | None = None

    def step_list(self) -> tuple[StepView, ...]:
        return self.steps

    @property
    def is_revised(self) -> bool:
        return self.revision is not None

    def get_urgency_display(self) -> str:
        return Urgency(self.urgency).label

    def step(self, specialist: str) -> StepView | None:
        return next((step for step in self.steps if step.specialist == specialist), None)

    def as_dict(self) -> dict[str, Any]:
        """The route contract's shape (without the citations' detail), for comparing and exporting."""
        return {
            "urgency": self.urgency,
            "steps": [step.as_dict() for step in self.steps],
            "tests": list(self.tests),
            "rulebook": self.rulebook,
            "revision": self.revision.number if self.revision else None,
        }


def route_engine_view(route: Route) -> RouteView:
    """The route exactly as the engine suggested it."""
    return RouteView(
        urgency=route.urgency,
        steps=tuple(
            StepView(step.order, step.specialist, step.urgency, tuple(step.reasons), tuple(step.rules))
            for step in route.steps.all()
        ),
        tests=tuple(route.tests),
        rulebook=route.rulebook,
        advice=tuple(route.advice),
        citations=tuple(route.citations),
    )


def route_revision_view(revision: RouteRevision) -> RouteView:
    route = revision.route
    return RouteView(
        urgency=revision.urgency,
        steps=tuple(
            StepView(step.order, step.specialist, step.urgency, tuple(step.reasons), tuple(step.rules))
            for step in revision.steps.all()
        ),
        tests=tuple(revision.tests),
        rulebook=route.rulebook,
        advice=tuple(route.advice),
        citations=tuple(route.citations),
        revision=revision,
    )


def route_latest_revision(route: Route) -> RouteRevision | None:
    return route.revisions.order_by("-number").prefetch_related("steps").first()


def route_current(*, case: Case) -> RouteView:
    """The route the case follows now: the latest revision, or the engine's when there is none."""
    revision = route_latest_revision(case.route)
    return route_revision_view(revision) if revision else route_engine_view(case.route)
