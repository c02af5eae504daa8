"""Database connections are kept between a worker's tasks, as between a web process's requests."""

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection

from portal.celery import app
from tests.conftest import wait_until

# What each task found when it started: was the database connection already open?
found_open: list[bool] = []


@shared_task
def note_the_connection() -> None:
    found_open.append(connection.connection is not None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_it_keeps_connections_for_a_while_and_checks_them_before_reuse():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.usefixtures("celery_worker")
def test_it_reuses_the_worker_connection_from_one_task_to_the_next():
    app.control.purge()  # messages other tests left behind would come first
    found_open.clear()
    for _ in range(3):
        note_the_connection.delay()

    assert wait_until(lambda: len(found_open) == 3)
    assert found_open[1:] == [True, True]
