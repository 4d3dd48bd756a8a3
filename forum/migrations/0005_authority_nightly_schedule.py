"""Schedule the authority index's nightly job with django-celery-beat (an operator can change
the time or switch it off in the admin under Periodic tasks)."""

from django.db import migrations

TASK_NAME = "Wendao: reverse serial votes and recompute authority"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 03:17 UTC: after most of the day's votes, off the round hour other jobs like.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "forum.tasks.authority_nightly",
            "crontab": crontab,
            "enabled": True,
            "description": "Voids serial votes (forum/voting_fraud.py), then rebuilds the authority index.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0004_authority_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
