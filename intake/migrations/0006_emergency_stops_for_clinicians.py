"""Clinicians and clinic administrators see the daily counts of emergency-screen stops."""

from django.db import migrations

ROLES = ["Clinician", "Clinic administrator"]
CODENAME = "view_emergencyscreenstop"


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("intake")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="intake", codename=CODENAME)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(codename=CODENAME))


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_emergency_screen_stops")]

    operations = [migrations.RunPython(grant, revoke)]
