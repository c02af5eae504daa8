"""Create (or reset) the demo staff login that `make run` prints.

Each run sets a new password and, with STAFF_2FA on, a new second factor:
a TOTP key to add to an authenticator app, and single-use backup codes for
signing in without one. It also lifts any sign-in lockout on the account.
"""

import secrets
from base64 import b32encode
from binascii import unhexlify
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management.base import BaseCommand, CommandParser
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.utils import get_otpauth_url

from intake.roles import ROLES

BACKUP_CODES = 5


def second_factor_reset(user: AbstractBaseUser) -> tuple[TOTPDevice, list[str]]:
    """A fresh TOTP device (named as the sign-in looks for it) and fresh backup codes."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    totp = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    for code in codes:
        backup.token_set.create(token=code)
    return totp, codes


class Command(BaseCommand):
    help = "Create or reset the demo staff account and print what is needed to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="staff")
        parser.add_argument(
            "--role",
            action="append",
            choices=ROLES,
            help="a role to give (repeat for several); default: every role",
        )

    def handle(self, *args: Any, username: str, role: list[str] | None, **options: Any) -> None:
        password = secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=role or ROLES))
        axes_reset(username=username)
        self.stdout.write(f"Demo staff login: username {username!r}, password {password!r}")
        if settings.STAFF_2FA:
            self._second_factor(user)

    def _second_factor(self, user: AbstractBaseUser) -> None:
        totp, codes = second_factor_reset(user)
        key = b32encode(unhexlify(totp.key)).decode()
        self.stdout.write(f"Second factor: add key {key} to an authenticator app")
        self.stdout.write(f"  ({get_otpauth_url(user.get_username(), key, settings.CLINIC_NAME)}),")
        self.stdout.write(f"  or use a single-use backup code: {' '.join(codes)}")
