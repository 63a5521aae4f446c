import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("althost", "0003_feedback_approval")]

    operations = [
        migrations.AddField(
            model_name="stockrecord",
            name="updated",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
