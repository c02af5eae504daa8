"""The page a locked-out sign-in gets, saying how long the lock lasts.

django-axes locks a user name, and apart from it an address, after
STAFF_LOCKOUT_ATTEMPTS failures; the lock lifts STAFF_LOCKOUT_MINUTES after
the last failure, or at once when an administrator unlocks the account.
"""

import math

from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def username_of(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The user name tried, from the credentials or either sign-in form (two-step or the admin's)."""
    if credentials:
        return credentials.get("username")
    return request.POST.get("auth-username") or request.POST.get("username")


def minutes_left(*, username: str | None, ip_address: str | None) -> int:
    """Whole minutes until the lock on this user name or address lifts (at least 1)."""
    last = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=ip_address)).aggregate(
        last=Max("attempt_time")
    )["last"]
    cooloff = settings.AXES_COOLOFF_TIME
    remaining = cooloff if last is None else last + cooloff - timezone.now()
    return max(1, math.ceil(remaining.total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    minutes = minutes_left(
        username=get_client_username(request, credentials), ip_address=get_client_ip_address(request)
    )
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
