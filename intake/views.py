from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from intake.audit import audit_patient_view
from intake.forms import IntakeForm
from intake.models import Case
from intake.submission import intake_submit


@sensitive_post_parameters()  # error reports never carry the answers
@never_cache
@require_http_methods(["GET", "POST"])
def intake_form(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = intake_submit(contact=form.contact(), answers=form.answers())
        messages.success(request, "Thank you. We have emailed you a link to this page.")
        return redirect("intake:status", token=case.status_token())
    return render(request, "intake/form.html", {"form": form})


def _case_for_token(token: str) -> Case:
    """The one case a status link names; raises SignatureExpired, or 404s on anything else."""
    try:
        public_id = Case.public_id_from_token(token)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        raise Http404("No such case") from None
    cases = Case.objects.select_related("route").prefetch_related("route__steps")
    return get_object_or_404(cases, public_id=public_id)


@never_cache
@require_GET
def case_status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = _case_for_token(token)
    except signing.SignatureExpired:
        return render(request, "intake/link_expired.html", status=410)
    audit_patient_view(case)
    response = render(request, "intake/status.html", {"case": case, "route": case.route})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
