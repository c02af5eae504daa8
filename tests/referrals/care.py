"""Shared setup for the care-coordination tests: a fixed clock, staff and places."""

from datetime import UTC, datetime

from django.contrib.auth.models import Permission, User

from referrals.models import Location, Referral

# A Monday morning; every test of these modules starts here, with the clock stopped.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@clinic.example", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def place(
    name: str = "Main clinic", *, active: bool = True, address: str = "1 High Street, Townsville"
) -> Location:
    location, _ = Location.objects.get_or_create(name=name, defaults={"address": address, "active": active})
    return location


def referral(case, specialist: str) -> Referral:
    return Referral.objects.get(case=case, specialist=specialist)
