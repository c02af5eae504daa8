"""Publishing "send what is due now": one publish covers every commit made while another was under
way, the broker connection is kept between publishes, and a connection the broker dropped is
replaced at once, without losing the publish."""

import logging

import redis

from intake.outbox import DISPATCH_TASK, outbox_dispatch_now
from portal.celery import app
from tests.conftest import wait_until


def broker_client(broker) -> redis.Redis:
    return redis.Redis(port=broker.port, socket_timeout=5, client_name="test")


def queued_dispatches(broker) -> int:
    with broker_client(broker) as client:
        return client.llen(app.conf.task_default_queue)


def portal_connections(broker) -> set[int]:
    """The ids of the broker's client connections that are not the test's own."""
    with broker_client(broker) as client:
        return {int(entry["id"]) for entry in client.client_list() if entry["name"] != "test"}


def test_it_publishes_once_for_the_commits_made_while_a_publish_was_under_way(settings, broker):
    settings.BROKER_PUBLISH_TIMEOUT = 30
    broker.pause()
    try:
        for _ in range(20):
            outbox_dispatch_now()
    finally:
        broker.resume()
    # The first publish, held by the paused broker, and one more after it for the commits
    # that came in meanwhile (at most: some may have come before the first one started).
    assert wait_until(lambda: queued_dispatches(broker) >= 1)
    assert not wait_until(lambda: queued_dispatches(broker) > 2, timeout=2)
    kept = portal_connections(broker)
    assert kept, "the connection was closed after the publish"
    outbox_dispatch_now()
    assert wait_until(lambda: queued_dispatches(broker) in (2, 3))
    assert portal_connections(broker) == kept


def test_it_publishes_on_a_new_connection_when_the_broker_dropped_the_old_one(settings, broker, caplog):
    outbox_dispatch_now()
    assert wait_until(lambda: queued_dispatches(broker) == 1)
    with broker_client(broker) as client:
        client.client_kill_filter(_type="normal", skipme=True)
    assert portal_connections(broker) == set()

    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        outbox_dispatch_now()
        assert wait_until(lambda: queued_dispatches(broker) == 2)

    assert caplog.records == []
    with broker_client(broker) as client:
        assert DISPATCH_TASK.encode() in client.lindex(app.conf.task_default_queue, 0)


def test_it_publishes_again_once_a_restarted_broker_is_back(settings, broker, caplog):
    outbox_dispatch_now()
    assert wait_until(lambda: queued_dispatches(broker) == 1)
    broker.kill()
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        outbox_dispatch_now()
        assert wait_until(lambda: "broker unavailable" in caplog.text)
    broker.start()

    outbox_dispatch_now()

    assert wait_until(lambda: queued_dispatches(broker) == 1)
