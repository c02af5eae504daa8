"""Staff accounts in the console: unlock a sign-in, reset a lost second factor.

Clinic administrators manage accounts without being superusers, so they can
neither make one nor touch one: superuser accounts are hidden from them and
the superuser flag and per-user permissions are read-only for them (access
comes from the roles, which are groups).
"""

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp import devices_for_user


class StaffUserAdmin(UserAdmin):
    actions = ["unlock_sign_in", "reset_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or _is_assignee_search(request)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return fields

    @admin.action(permissions=["change"], description="Unlock sign-in after too many failed attempts")
    def unlock_sign_in(self, request: HttpRequest, users: QuerySet) -> None:
        for user in users:
            axes_reset(username=user.get_username())
        messages.success(request, f"Unlocked sign-in for {len(users)} account(s).")

    @admin.action(permissions=["change"], description="Reset the second factor (enrol again at next sign-in)")
    def reset_second_factor(self, request: HttpRequest, users: QuerySet) -> None:
        for user in users:
            for device in devices_for_user(user, confirmed=None):
                device.delete()
        messages.success(request, f"Reset the second factor of {len(users)} account(s).")


def _is_assignee_search(request: HttpRequest) -> bool:
    """The case page's search for an assignee: open to those who may assign cases, showing
    usernames of active staff only (the field's own limit), never the accounts' pages."""
    match = request.resolver_match
    return (
        match is not None
        and match.url_name == "autocomplete"
        and request.GET.get("app_label") == "intake"
        and request.GET.get("model_name") == "case"
        and request.GET.get("field_name") == "assigned_to"
        and request.user.has_perm("intake.change_case")
    )


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
