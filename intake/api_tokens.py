"""Per-user API tokens: made and revoked by a clinic administrator, checked on every API call.

A token acts with its user's permissions, so a front-desk member's token
reaches what the front desk may in the admin, and nothing more. It stops
working when it is revoked or when its user is no longer active staff. The
console's own session (both factors) is the other way in, for the download
links on its pages.
"""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from intake.models import ApiToken
from portal.staff_site import is_verified

TOKEN_PREFIX = "cip_"
PREFIX_SHOWN = 12


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_issue(
    *, user: AbstractBaseUser, name: str, by: AbstractBaseUser | None = None
) -> tuple[ApiToken, str]:
    """Make a token for an active staff member; returns the row and the token, which is never stored."""
    if not (user.is_staff and user.is_active):
        raise ValidationError({"user": "API tokens are for active staff members only."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[:PREFIX_SHOWN], key_hash=token_hash(raw), created_by=by
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke a token; False when it was revoked already."""
    now = now or timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db()
    return bool(revoked)


def api_token_user(raw: str) -> AbstractBaseUser | None:
    """The active staff member a token belongs to, or None for an unknown, revoked or orphaned token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not (token.user.is_active and token.user.is_staff):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the call acts as the token's user, and the audit trail says so."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class StaffSession(APIKeyCookie):
    """A staff member signed in to the console with both factors: the admin's own download links."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> AbstractBaseUser | None:
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and is_verified(request):
            return user
        return None
