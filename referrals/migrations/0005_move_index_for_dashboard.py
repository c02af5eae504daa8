from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_appointment_confirmed_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referralmove",
            index=models.Index(fields=["to_status", "at"], name="referrals_move_to_at_idx"),
        ),
    ]
