from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("althost", "0004_stockrecord_updated")]

    operations = [migrations.AddField("item", "added", models.DateTimeField(null=True, blank=True))]
