"""A worker keeps its database connection from task to task (WORKER_DB_CONN_MAX_AGE), as the web
side does between requests, instead of opening one per task."""

from django.db import connection

from tests.conftest import require
from tests.intake.faults.conftest import ARRIVES, beat_tick, confirmation_id, intake, wait_settled


def worker_backends() -> set[tuple[int, str]]:
    """The test database's server processes (pid, start) other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start::text FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


def test_it_sends_batch_after_batch_on_one_database_connection(broker, smtp, workers):
    require(connection.vendor == "postgresql", "DATABASE_URL is not a PostgreSQL database")
    worker = workers()
    first = intake("pat0@example.org")
    smtp.inbox.wait_for(1, ARRIVES)
    wait_settled(worker)
    kept = worker_backends()
    assert kept, "the worker closed its connection after its tasks"

    later = [intake(f"pat{number}@example.org") for number in range(1, 4)]
    for _ in later:
        beat_tick(broker.url)
    smtp.inbox.wait_for(4, ARRIVES)
    wait_settled(worker)

    assert worker_backends() == kept
    assert smtp.inbox.message_ids() == {confirmation_id(case): 1 for case in [first, *later]}
