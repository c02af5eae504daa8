"""The unsubscribe link of every patient email (RFC 8058 one-click) and turning reminders on again.

A GET only shows a page with a button; the POST acts, so a mail scanner that
fetches links changes nothing. The one-click POST comes from the mail
provider, without a session or a CSRF token: the signed token is the proof.
"""

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from intake.models import Case
from intake.subscription import case_resubscribe, case_unsubscribe

TEMPLATE = "intake/email_preferences.html"


def _case_for_token(token: str) -> Case | None:
    try:
        public_id = Case.public_id_from_preferences_token(token)
    except signing.BadSignature:
        return None
    return Case.objects.filter(public_id=public_id).first()


def _page(
    request: HttpRequest, case: Case | None, token: str, outcome: str, status: int = 200
) -> HttpResponse:
    response = render(request, TEMPLATE, {"case": case, "token": token, "outcome": outcome}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    case = _case_for_token(token)
    if case is None:
        return _page(request, None, token, "invalid", status=404)
    if request.method == "GET":
        return _page(request, case, token, "off_already" if case.unsubscribed_at else "ask")
    return _page(request, case, token, "off" if case_unsubscribe(case=case) else "off_already")


@never_cache
@require_POST
def email_resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    case = _case_for_token(token)
    if case is None:
        return _page(request, None, token, "invalid", status=404)
    case_resubscribe(case=case)
    return _page(request, case, token, "on")
