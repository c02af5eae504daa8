"""A clinician's override of a route: add or remove a step, change a step's urgency,
add or remove a test, always with a reason.

The engine's route is never edited. Each override stores a new revision: the
whole route after it, who, when, why and what changed. The latest revision
is the case's current route (referrals.routes.route_current).

Safety: a removal or a lower urgency needs its reason like any other change;
the therapist step cannot be removed and stays first; the route's urgency is
its most urgent step's, as the engine makes it.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from intake.models import Case
from referrals.models import Referral, ReferralStatus, RevisionStep, Route, RouteRevision
from referrals.referral_status import case_status_sync, referral_record_move
from referrals.routes import RouteView, StepView, route_current, route_engine_view
from referrals.vocabulary import TEST_RANK, URGENCY_RANK, Specialist, Test, Urgency

REASON_MAX_LENGTH = 2000


class OverrideAction(models.TextChoices):
    ADD_STEP = "add_step", "Add a step"
    REMOVE_STEP = "remove_step", "Remove a step"
    CHANGE_URGENCY = "change_urgency", "Change a step's urgency"
    ADD_TEST = "add_test", "Add a test"
    REMOVE_TEST = "remove_test", "Remove a test"


@dataclass(frozen=True)
class RouteChange:
    """One change an override makes; `specialist`, `urgency` and `test` as the action needs."""

    action: str
    specialist: str = ""
    urgency: str = ""
    test: str = ""


# Steps whose visit has happened or is booked stay on the route.
KEPT_ON_REMOVAL = {
    ReferralStatus.BOOKED: "it has an appointment booked: cancel the appointment first",
    ReferralStatus.ATTENDED: "the patient has attended it already",
    ReferralStatus.DONE: "it is done already",
}


def route_override(
    *, case: Case, by: AbstractBaseUser, reason: str, changes: list[RouteChange]
) -> RouteRevision:
    """Apply a clinician's changes to the case's current route as a new revision.

    Raises ValidationError naming the field (`reason`, `action`,
    `specialist`, `urgency`, `test`) and changes nothing when any change is
    refused. A removed step's referral is cancelled with the reason as its
    note; a step added again after a removal is suggested afresh.
    """
    reason = reason.strip()
    _check_reason(reason)
    if not changes:
        raise ValidationError({"action": "Choose at least one change."})
    with transaction.atomic():
        route = Route.objects.select_for_update().get(case=case)
        referrals = {r.specialist: r for r in Referral.objects.select_for_update().filter(case=case)}
        draft = _Draft(route_current(case=case), referrals)
        recorded = [draft.apply(change) for change in changes]
        revision = _store(route, draft, by=by, reason=reason, changes=recorded)
        _follow_referrals(case, draft, referrals, by=by, reason=reason)
        Case.objects.filter(pk=case.pk).update(urgency=revision.urgency)
        # The database works out the queue's urgency rank from urgency: read both back.
        case.refresh_from_db(fields=["urgency", "urgency_rank"])
        case_status_sync(case=case)
    return revision


@dataclass(frozen=True)
class StepComparison:
    specialist: str
    engine: StepView | None
    current: StepView | None

    @property
    def change(self) -> str:
        """ "added", "removed", "urgency" (changed), or "" (as the engine suggested)."""
        if self.engine is None:
            return "added"
        if self.current is None:
            return "removed"
        return "urgency" if self.engine.urgency != self.current.urgency else ""

    def get_specialist_display(self) -> str:
        return Specialist(self.specialist).label


@dataclass(frozen=True)
class RouteComparison:
    engine: RouteView
    current: RouteView
    # Current steps in their order, then the engine's steps an override removed.
    steps: tuple[StepComparison, ...]
    # (test code, in the engine's route, in the current route), in the therapist's order.
    tests: tuple[tuple[str, bool, bool], ...]
    revisions: tuple[RouteRevision, ...]


def route_compare(*, case: Case) -> RouteComparison:
    """The engine's route and the current one side by side, step by step and test by test."""
    engine, current = route_engine_view(case.route), route_current(case=case)
    removed = [step for step in engine.steps if current.step(step.specialist) is None]
    steps = [StepComparison(step.specialist, engine.step(step.specialist), step) for step in current.steps]
    steps += [StepComparison(step.specialist, step, None) for step in removed]
    tests = sorted(set(engine.tests) | set(current.tests), key=TEST_RANK.__getitem__)
    revisions = case.route.revisions.select_related("by").order_by("number")
    return RouteComparison(
        engine=engine,
        current=current,
        steps=tuple(steps),
        tests=tuple((code, code in engine.tests, code in current.tests) for code in tests),
        revisions=tuple(revisions),
    )


def change_description(change: dict[str, Any]) -> str:
    """One recorded change in words, for staff."""
    specialist = Specialist(change["specialist"]).label if "specialist" in change else ""
    test = Test(change["test"]).label if "test" in change else ""
    match change["action"]:
        case OverrideAction.ADD_STEP:
            return f"Added {specialist} ({Urgency(change['urgency']).label})"
        case OverrideAction.REMOVE_STEP:
            return f"Removed {specialist} ({Urgency(change['urgency']).label})"
        case OverrideAction.CHANGE_URGENCY:
            return f"{specialist}: {Urgency(change['from']).label} to {Urgency(change['to']).label}"
        case OverrideAction.ADD_TEST:
            return f"Added test: {test}"
        case _:
            return f"Removed test: {test}"


class _Draft:
    """The route being changed: steps by specialist (in order) and tests."""

    def __init__(self, current: RouteView, referrals: dict[str, Referral]) -> None:
        self.steps: dict[str, StepView] = {step.specialist: step for step in current.steps}
        self.tests: list[str] = list(current.tests)
        self.referrals = referrals
        self.added: list[str] = []
        self.removed: list[str] = []

    def apply(self, change: RouteChange) -> dict[str, Any]:
        handlers = {
            OverrideAction.ADD_STEP: self._add_step,
            OverrideAction.REMOVE_STEP: self._remove_step,
            OverrideAction.CHANGE_URGENCY: self._change_urgency,
            OverrideAction.ADD_TEST: self._add_test,
            OverrideAction.REMOVE_TEST: self._remove_test,
        }
        if change.action not in handlers:
            raise ValidationError({"action": f"Unknown change {change.action!r}."})
        return {"action": change.action, **handlers[change.action](change)}

    def _add_step(self, change: RouteChange) -> dict[str, Any]:
        specialist, urgency = _specialist(change.specialist), _urgency(change.urgency)
        if specialist in self.steps:
            raise ValidationError({"specialist": f"{Specialist(specialist).label} is on the route already."})
        self.steps[specialist] = StepView(0, specialist, urgency)
        self.added.append(specialist)
        return {"specialist": specialist, "urgency": urgency}

    def _remove_step(self, change: RouteChange) -> dict[str, Any]:
        step = self._step(change.specialist)
        if step.specialist == Specialist.THERAPIST:
            raise ValidationError({"specialist": "The therapist step stays: every route starts with it."})
        referral = self.referrals.get(step.specialist)
        if referral and referral.status in KEPT_ON_REMOVAL:
            why = KEPT_ON_REMOVAL[referral.status]
            label = step.get_specialist_display()
            raise ValidationError({"specialist": f"{label} stays on the route: {why}."})
        del self.steps[step.specialist]
        self.removed.append(step.specialist)
        return {"specialist": step.specialist, "urgency": step.urgency}

    def _change_urgency(self, change: RouteChange) -> dict[str, Any]:
        step, urgency = self._step(change.specialist), _urgency(change.urgency)
        if urgency == step.urgency:
            label = step.get_specialist_display()
            raise ValidationError({"urgency": f"{label} is {step.get_urgency_display()} already."})
        self.steps[step.specialist] = StepView(0, step.specialist, urgency, step.reasons, step.rules)
        return {"specialist": step.specialist, "from": step.urgency, "to": urgency}

    def _add_test(self, change: RouteChange) -> dict[str, Any]:
        test = _test(change.test)
        if test in self.tests:
            raise ValidationError({"test": f"{Test(test).label} is on the route already."})
        self.tests.append(test)
        return {"test": test}

    def _remove_test(self, change: RouteChange) -> dict[str, Any]:
        test = _test(change.test)
        if test not in self.tests:
            raise ValidationError({"test": f"{Test(test).label} is not on the route."})
        self.tests.remove(test)
        return {"test": test}

    def _step(self, code: str) -> StepView:
        specialist = _specialist(code)
        if specialist not in self.steps:
            raise ValidationError({"specialist": f"{Specialist(specialist).label} is not on the route."})
        return self.steps[specialist]

    def ordered_steps(self) -> list[StepView]:
        """The therapist first, then the most urgent first; ties keep their order (added ones last)."""
        therapist = [step for step in self.steps.values() if step.specialist == Specialist.THERAPIST]
        others = [step for step in self.steps.values() if step.specialist != Specialist.THERAPIST]
        others.sort(key=lambda step: -URGENCY_RANK[step.urgency])
        return therapist + others

    def urgency(self) -> str:
        return max((step.urgency for step in self.steps.values()), key=URGENCY_RANK.__getitem__)


def _store(route: Route, draft: _Draft, *, by: AbstractBaseUser, reason: str, changes: list) -> RouteRevision:
    last = route.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = RouteRevision.objects.create(
        route=route,
        number=last + 1,
        by=by,
        reason=reason,
        changes=changes,
        urgency=draft.urgency(),
        tests=sorted(draft.tests, key=TEST_RANK.__getitem__),
    )
    RevisionStep.objects.bulk_create(
        RevisionStep(
            revision=revision,
            order=order,
            specialist=step.specialist,
            urgency=step.urgency,
            reasons=list(step.reasons),
            rules=list(step.rules),
        )
        for order, step in enumerate(draft.ordered_steps(), start=1)
    )
    return revision


def _follow_referrals(
    case: Case, draft: _Draft, referrals: dict[str, Referral], *, by: AbstractBaseUser, reason: str
) -> None:
    for specialist in draft.removed:
        referral = referrals.get(specialist)
        if referral and referral.can_move_to(ReferralStatus.CANCELLED):
            referral_record_move(referral=referral, to=ReferralStatus.CANCELLED, by=by, note=reason)
    now = timezone.now()
    for specialist in draft.added:
        referral = referrals.get(specialist)
        if referral is None:
            Referral.objects.create(case=case, specialist=specialist, opened_at=now, status_changed_at=now)
        elif referral.status == ReferralStatus.CANCELLED:
            referral_record_move(referral=referral, to=ReferralStatus.SUGGESTED, by=by, note=reason)
            Referral.objects.filter(pk=referral.pk).update(opened_at=now)


def _check_reason(reason: str) -> None:
    if not reason:
        raise ValidationError({"reason": "Give the reason for the change; it is kept with the route."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"At most {REASON_MAX_LENGTH} characters."})


def _specialist(code: str) -> str:
    if code not in Specialist.values:
        raise ValidationError(
            {"specialist": f"Unknown specialist {code!r}." if code else "Choose a specialist."}
        )
    return code


def _urgency(code: str) -> str:
    if code not in Urgency.values:
        raise ValidationError({"urgency": "Choose an urgency."})
    return code


def _test(code: str) -> str:
    if code not in Test.values:
        raise ValidationError({"test": "Choose a test."})
    return code
