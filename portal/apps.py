from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin with the staff console's site (second factor) and staff account admin."""

    default_site = "portal.staff_site.StaffAdminSite"

    def ready(self) -> None:
        super().ready()
        from portal import staff_accounts  # noqa: F401  (registers the staff accounts' admin)
