import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

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


@worker_process_init.connect
def _keep_database_connections(**kwargs) -> None:
    """Each of a worker's pool processes keeps its database connection between tasks (checked
    before each reuse) instead of opening one per batch. Celery closes it after a task only when
    it is unusable or older than this."""
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        # A copy: the process's settings (and an in-process test worker's neighbours) stay as they are.
        connection = connections[alias]
        connection.settings_dict = {
            **connection.settings_dict,
            "CONN_MAX_AGE": settings.WORKER_DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
