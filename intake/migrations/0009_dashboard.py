"""The clinic's dashboard: when each case was first triaged, and who may see the dashboard.

The triage time of cases triaged before this migration comes from the audit
trail: the first recorded change of the case's status away from new. Cases
that left new without such a record (their steps moved them on) keep none.

Each role's permissions are set whole, as they stand after this migration;
going back restores them as the care roles migration left them. Both lists
are copies, as migrations must keep.
"""

from django.db import migrations, models

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
        ("intake", "view_dashboard"),
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
        ("intake", "view_dashboard"),
    ],
}

PREVIOUS_ROLE_PERMISSIONS = {
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


def triaged_from_audit(apps, schema_editor):
    Case = apps.get_model("intake", "Case")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    case_type = ContentType.objects.filter(app_label="intake", model="case").first()
    if case_type is None:
        return
    first: dict[str, object] = {}
    entries = LogEntry.objects.filter(content_type=case_type, action=1).order_by("timestamp", "pk")
    for object_pk, changes, timestamp in entries.values_list("object_pk", "changes", "timestamp").iterator():
        status = (changes or {}).get("status") if isinstance(changes, dict) else None
        if status and status[0] == "new" and status[-1] != "new":
            first.setdefault(object_pk, timestamp)
    for object_pk, timestamp in first.items():
        Case.objects.filter(pk=object_pk, triaged_at__isnull=True).update(triaged_at=timestamp)


def grant_dashboard(apps, schema_editor):
    _set_roles(apps, ROLE_PERMISSIONS)


def restore_previous(apps, schema_editor):
    _set_roles(apps, PREVIOUS_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_reminders_and_staff_alerts"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="triaged_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterModelOptions(
            name="case",
            options={
                "permissions": [
                    ("edit_contact", "Can edit a patient's contact details"),
                    ("triage_case", "Can triage a case (change its status)"),
                    ("erase_case", "Can erase a patient's personal data"),
                    ("view_dashboard", "Can view the clinic's dashboard"),
                ]
            },
        ),
        migrations.RunPython(triaged_from_audit, migrations.RunPython.noop),
        migrations.RunPython(grant_dashboard, restore_previous),
    ]
