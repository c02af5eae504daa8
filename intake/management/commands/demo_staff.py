"""Create (or reset) the demo staff login that `make run` prints."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandParser

STAFF_GROUP = "Clinic staff"
STAFF_PERMISSIONS = [
    ("intake", "view_case"),
    ("intake", "change_case"),
    ("intake", "view_reminder"),
    ("referrals", "view_route"),
    ("referrals", "view_routestep"),
]


def staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    for app_label, codename in STAFF_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


class Command(BaseCommand):
    help = "Create or reset the demo staff account and print its login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="staff")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        password = secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.add(staff_group())
        self.stdout.write(f"Demo staff login: username {username!r}, password {password!r}")
