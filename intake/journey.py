"""The stepped intake: one short page per step, then a review, then the route.

django-formtools' session wizard keeps each step's answers in the server-side
session between steps (never in the URL or a cookie), gives every step its
own address so the browser's Back button works, and revalidates every step
before the case is saved. Steps that do not apply to this patient are left
out (pregnancy and periods by sex; the companion questions by location).
"""

from collections import OrderedDict
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from formtools.wizard.views import NamedUrlSessionWizardView

from intake.forms import (
    CompanionsForm,
    ContactForm,
    HistoryForm,
    PregnancyForm,
    ReviewForm,
    SignsForm,
    StepForm,
    WhereForm,
    intake_answers,
)
from intake.submission import intake_submit
from intake.symptoms import companion_groups
from referrals.intakes import PREGNANCY_SEXES, IntakeError

SCREEN_PASSED_KEY = "intake.screen_passed"
# The status page token of the intake this session sent last: Send pressed
# again leads to that page, not to a second case.
SENT_KEY = "intake.sent"
WIZARD_PREFIX = "intake"
WIZARD_SESSION_KEY = f"wizard_{WIZARD_PREFIX}"
# The wizard's own session data: which questions each step showed when answered.
SEEN_KEY = "seen"
# An unfinished intake's answers live in the session; let it lapse soon after.
PATIENT_SESSION_AGE = timedelta(hours=2)

STEPS: tuple[tuple[str, type[StepForm]], ...] = (
    ("where", WhereForm),
    ("signs", SignsForm),
    ("companions", CompanionsForm),
    ("history", HistoryForm),
    # A neutral step name: addresses end up in logs, and this one would say
    # which questions applied.
    ("more-about-you", PregnancyForm),
    ("contact", ContactForm),
    ("review", ReviewForm),
)
REVIEW = "review"


def screen_pass(request: HttpRequest) -> None:
    request.session[SCREEN_PASSED_KEY] = True
    request.session.pop(SENT_KEY, None)
    if not request.user.is_authenticated:
        request.session.set_expiry(PATIENT_SESSION_AGE)


def screen_reset(request: HttpRequest) -> None:
    request.session.pop(SCREEN_PASSED_KEY, None)


def _session_locked(session: SessionBase) -> dict[str, Any] | None:
    """The session as stored now, its row locked until the transaction ends (None if not in the database).

    A second request of the same session (Send pressed twice) waits here
    until the first has committed, then reads what the first wrote.
    """
    model = getattr(session, "model", None)
    if model is None or session.session_key is None:
        return None
    rows = model.objects.select_for_update().filter(session_key=session.session_key)
    stored = rows.values_list("session_data", flat=True).first()
    return None if stored is None else session.decode(stored)


def _where(wizard: "IntakeWizard") -> dict[str, Any]:
    return wizard.get_cleaned_data_for_step("where") or {}


def _locations(wizard: "IntakeWizard") -> list[str]:
    """Where the numbness is, once the first step is answered."""
    return _where(wizard).get("locations") or []


def _companions_apply(wizard: "IntakeWizard") -> bool:
    return bool(companion_groups(_locations(wizard)))


def _pregnancy_applies(wizard: "IntakeWizard") -> bool:
    return _where(wizard).get("sex") in PREGNANCY_SEXES


@method_decorator([sensitive_post_parameters(), never_cache, csrf_protect], name="dispatch")
class IntakeWizard(NamedUrlSessionWizardView):
    form_list = STEPS
    condition_dict = {"companions": _companions_apply, "more-about-you": _pregnancy_applies}
    template_name = "intake/step.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.session.get(SCREEN_PASSED_KEY):
            sent = request.session.get(SENT_KEY)
            if sent and request.method == "POST" and kwargs.get("step") == REVIEW:
                # Send pressed again after the intake was saved: its page, not a second case.
                return redirect("intake:status", token=sent)
            return redirect("intake:form")
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return WIZARD_PREFIX

    def get_form_prefix(self, step: str | None = None, form: Any = None) -> None:
        # Plain field names and ids (id_email), as on any other form of the portal.
        return None

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        if step == "companions":
            return {"locations": _locations(self)}
        return {}

    def get_form_step_data(self, form: forms.Form) -> dict[str, list[str]]:
        # Only the step's own answers are kept, not the CSRF token or the buttons.
        return {name: form.data.getlist(name) for name in form.fields if name in form.data}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs.get("step")
        if step == self.done_step_name:
            # Only the review page's "Send" saves a case; a GET never does.
            return redirect(self.get_step_url(REVIEW))
        if step == REVIEW and (unsettled := self._first_unsettled()) is not None:
            return redirect(self.get_step_url(unsettled))
        return super().get(request, *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        goto = self.request.POST.get("wizard_goto_step")
        step = self.request.POST.get(f"{WIZARD_PREFIX}-current_step")
        if step is not None and step not in self.get_form_list():
            # A page left open from before a change (the pregnancy step,
            # after sex was changed to male in another tab): no longer asked.
            return redirect(self.get_step_url(self._first_unsettled() or REVIEW))
        if goto in self.get_form_list() and step in self.get_form_list():
            if step != REVIEW:
                # Back keeps what was typed on this step, even if it is not finished.
                form = self.get_form(step=step, data=self.request.POST)
                self.storage.set_step_data(step, self.process_step(form))
            return self.render_goto_step(goto)
        return super().post(*args, **kwargs)

    # --- Where the patient goes next ---------------------------------------

    def _signature(self, step: str) -> Any:
        """What a step asked: the companion questions change with the locations."""
        if step == "companions":
            return [group.key for group in companion_groups(_locations(self))]
        return True

    def _seen(self) -> dict[str, Any]:
        return self.storage.extra_data.setdefault(SEEN_KEY, {})

    def _settled(self, step: str) -> bool:
        return self._seen().get(step) == self._signature(step) and self._valid_form(step) is not None

    def _first_unsettled(self) -> str | None:
        steps = (step for step in self.get_form_list() if step != REVIEW)
        return next((step for step in steps if not self._settled(step)), None)

    def _valid_form(self, step: str) -> StepForm | None:
        form = self.get_form(step=step, data=self.storage.get_step_data(step))
        return form if form.is_valid() else None

    def render_next_step(self, form: forms.Form, **kwargs: Any) -> HttpResponse:
        self._seen()[self.steps.current] = self._signature(self.steps.current)
        # Coming from the review's "Change" link, go back to the review,
        # unless the change brought questions the patient has not seen yet.
        if self.storage.extra_data.get("reviewing"):
            next_step = self._first_unsettled() or REVIEW
        else:
            next_step = self.get_next_step()
        self.storage.current_step = next_step
        return redirect(self.get_step_url(next_step))

    # --- Review and send ----------------------------------------------------

    def _final_forms(self) -> "OrderedDict[str, StepForm]":
        return OrderedDict((step, self._valid_form(step)) for step in self.get_form_list())

    def get_context_data(self, form: forms.Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        # Until sex and places are known, count every step that may apply.
        steps = list(self.get_form_list() if self._valid_form("where") else self.form_list)
        if self.steps.current in steps:
            context["step_number"], context["step_count"] = steps.index(self.steps.current) + 1, len(steps)
        if self.steps.current == REVIEW:
            self.storage.extra_data["reviewing"] = True
            final = self._final_forms()
            context["summary"] = [
                (step, answered.title, answered.review_rows())
                for step, answered in final.items()
                if step != REVIEW and answered is not None
            ]
        return context

    def render_done(self, form: forms.Form, **kwargs: Any) -> HttpResponse:
        # Unlike the library's, saves on the review page's POST (not on a GET
        # of a "done" address) and keeps every answer if the engine refuses:
        # a safety net, as each step's form checks what the engine checks.
        final = OrderedDict()
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not step_form.is_valid():
                return self.render_revalidation_failure(step, step_form, **kwargs)
            final[step] = step_form
        session = self.request.session
        # The case and the session that forgets its answers commit together:
        # Send pressed twice saves one case, and both presses lead to its page.
        with transaction.atomic():
            stored = _session_locked(session)
            if stored is not None and stored.get(SENT_KEY):
                session.clear()
                session.update(stored)
                return redirect("intake:status", token=stored[SENT_KEY])
            try:
                response = self.done(list(final.values()), form_dict=final, **kwargs)
            except IntakeError as exc:
                return self.render(form, problems=exc.problems)  # pragma: no mutate
            self.storage.reset()
            if stored is not None:
                # Written here, in the transaction; the middleware need not write it again.
                session.save()
                session.modified = False
        return response

    def done(self, form_list: list[StepForm], form_dict: dict[str, StepForm], **kwargs: Any) -> HttpResponse:
        case = intake_submit(
            contact=form_dict["contact"].contact(),
            answers=intake_answers(form_list),
            language=translation.get_language(),
        )
        token = case.status_token()
        screen_reset(self.request)
        self.request.session[SENT_KEY] = token
        messages.success(self.request, _("Thank you. We have emailed you a link to this page."))
        return redirect("intake:status", token=token)
