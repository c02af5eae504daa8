"""Staff sessions end after STAFF_IDLE_MINUTES without a request and STAFF_SESSION_HOURS in all.

Patients have no accounts, so every signed-in session is a staff one. Both
limits are checked on the server with the session's own timestamps; the
session's expiry also follows the idle limit, so the cookie dies with it.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

STARTED = "staff_session_started"
LAST_SEEN = "staff_session_last_seen"


def session_expired(request: HttpRequest, now: int) -> str | None:
    """Why this session is over, or None while it is still good."""
    started = request.session.get(STARTED, now)
    last_seen = request.session.get(LAST_SEEN, now)
    if now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
        return f"You were signed out after {settings.STAFF_IDLE_MINUTES} minutes without activity."
    if now - started > settings.STAFF_SESSION_HOURS * 3600:
        return f"You were signed out: a staff session lasts {settings.STAFF_SESSION_HOURS} hours at most."
    return None


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = session_expired(request, int(time.time()))
            if reason:
                logout(request)
                messages.info(request, f"{reason} Please sign in again.")
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        # After the view, so that a session starts counting at the sign-in itself.
        if request.user.is_authenticated:
            now = int(time.time())
            request.session.setdefault(STARTED, now)
            request.session[LAST_SEEN] = now
            request.session.set_expiry(settings.STAFF_IDLE_MINUTES * 60)
        return response
