"""Care coordination's permissions for the staff roles: notes, steps, appointments, overrides, locations.

Each role's permissions are set whole, as they stand after this migration;
going back restores them as the roles migration made them. Both lists are
copies, as migrations must keep.
"""

from django.db import migrations

ROLE_PERMISSIONS = {
    "Front desk": [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "edit_contact"),
        ("intake", "view_reminder"),
        ("intake", "view_casenote"),
        ("intake", "add_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "move_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "book_appointment"),
    ],
    "Clinician": [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "triage_case"),
        ("intake", "view_reminder"),
        ("referrals", "view_route"),
        ("referrals", "view_routestep"),
        ("intake", "view_emergencyscreenstop"),
        ("intake", "view_casenote"),
        ("intake", "add_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "move_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "view_routerevision"),
        ("referrals", "view_revisionstep"),
        ("referrals", "override_route"),
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
        ("intake", "view_emergencyscreenstop"),
        ("intake", "view_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "view_routerevision"),
        ("referrals", "view_revisionstep"),
        ("referrals", "view_location"),
        ("referrals", "add_location"),
        ("referrals", "change_location"),
    ],
}

PREVIOUS_ROLE_PERMISSIONS = {
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
        ("intake", "view_emergencyscreenstop"),
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
        ("intake", "view_emergencyscreenstop"),
    ],
}


def _set_roles(apps, roles):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in permissions
            ]
        )


def grant_care_permissions(apps, schema_editor):
    _set_roles(apps, ROLE_PERMISSIONS)


def restore_previous(apps, schema_editor):
    _set_roles(apps, PREVIOUS_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_emergency_stops_for_clinicians"),
        ("referrals", "0003_referrals_for_existing_routes"),
    ]

    operations = [
        migrations.RunPython(grant_care_permissions, restore_previous),
    ]
