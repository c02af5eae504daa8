from django.db import migrations


def open_referrals(apps, schema_editor):
    """Every step of a route stored before steps were tracked starts as suggested, from its intake."""
    RouteStep = apps.get_model("referrals", "RouteStep")
    Referral = apps.get_model("referrals", "Referral")
    steps = RouteStep.objects.select_related("route__case").order_by("id")
    Referral.objects.bulk_create(
        (
            Referral(
                case_id=step.route.case_id,
                specialist=step.specialist,
                opened_at=step.route.case.created_at,
                status_changed_at=step.route.case.created_at,
            )
            for step in steps.iterator(chunk_size=500)
        ),
        batch_size=500,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("referrals", "0002_referral_steps_appointments_revisions"),
    ]

    operations = [
        migrations.RunPython(open_referrals, migrations.RunPython.noop),
    ]
