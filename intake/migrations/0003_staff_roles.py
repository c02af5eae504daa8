"""The staff roles as groups, each with exactly the permissions it needs.

The permissions are created here, not left to post_migrate, so that the
groups can be given them in the same run.
"""

from django.db import migrations

ROLE_PERMISSIONS = {
    "Front desk": [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "edit_contact"),
        ("intake", "view_reminder"),
    ],
    "Clinician": [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "triage_case"),
        ("intake", "view_reminder"),
        ("referrals", "view_route"),
        ("referrals", "view_routestep"),
    ],
    "Clinic administrator": [
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accesslog"),
        ("auditlog", "view_logentry"),
        ("intake", "view_case"),
        ("intake", "erase_case"),
        ("intake", "view_reminder"),
        ("referrals", "view_route"),
        ("referrals", "view_routestep"),
    ],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in permissions
            ]
        )


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_case_assignment_notes"),
        ("referrals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="case",
            options={
                "permissions": [
                    ("edit_contact", "Can edit a patient's contact details"),
                    ("triage_case", "Can triage a case (change its status)"),
                    ("erase_case", "Can erase a patient's personal data"),
                ]
            },
        ),
        migrations.RunPython(create_roles, drop_roles),
    ]
