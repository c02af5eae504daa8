from django.db import migrations, models
from django.utils import timezone


def closed_from_now(apps, schema_editor):
    """Cases closed before closing was dated count their retention from this upgrade."""
    apps.get_model("intake", "Case").objects.filter(status="closed").update(closed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_staff_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(closed_from_now, migrations.RunPython.noop),
    ]
