"""The staff console: Django's admin site, closed to sessions without a second factor.

With STAFF_2FA on (the default), a staff session that signed in with its
password only reaches nothing in the admin: a member who has no device yet is
sent to enrol one (a TOTP app, then single-use backup codes), anyone else to
the two-step sign-in. The setting is read per request, never at import.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from two_factor.utils import default_device


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (always true with STAFF_2FA off)."""
    return not settings.STAFF_2FA or request.user.is_verified()


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and is_verified(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not settings.STAFF_2FA:
            return super().login(request, extra_context)
        user = request.user
        if self.has_permission(request):
            return HttpResponseRedirect(self._next(request))
        if user.is_authenticated and user.is_active and user.is_staff and not user.is_verified():
            if default_device(user) is None:
                return HttpResponseRedirect(reverse("two_factor:setup"))
            logout(request)  # a device but no proof of it: sign in again, both steps
        return redirect_to_login(self._next(request), reverse("two_factor:login"))

    def _next(self, request: HttpRequest) -> str:
        target = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return target
        return reverse("admin:index", current_app=self.name)
