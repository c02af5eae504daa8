import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(**kwargs) -> None:
    """Around each task, what Django does around each request: close a connection that is broken
    or older than CONN_MAX_AGE and health-check the rest before reuse (see CELERY_DB_REUSE_MAX)."""
    from django.db import close_old_connections as django_close_old_connections

    django_close_old_connections()
