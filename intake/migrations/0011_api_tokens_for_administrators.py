"""Clinic administrators make, see and revoke staff members' API tokens."""

from django.db import migrations

ROLE = "Clinic administrator"
CODENAMES = ["view_apitoken", "add_apitoken", "change_apitoken"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("intake")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="intake", codename__in=CODENAMES)
    for group in Group.objects.filter(name=ROLE):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="intake", codename__in=CODENAMES)
    for group in Group.objects.filter(name=ROLE):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("intake", "0010_api_tokens")]

    operations = [migrations.RunPython(grant, revoke)]
