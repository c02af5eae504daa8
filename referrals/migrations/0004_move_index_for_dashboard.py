from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_referrals_for_existing_routes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referralmove",
            index=models.Index(fields=["to_status", "at"], name="referrals_move_to_at_idx"),
        ),
    ]
