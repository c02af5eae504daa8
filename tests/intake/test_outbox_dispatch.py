"""Asking a worker to send what is due, after a commit: one publish for a burst of commits, on
a broker connection kept between publishes, replaced at once when it failed; a broker that
cannot be reached is logged and left to beat's next tick. On the tests' own broker (the filesystem
one, or Redis under CI); tests/intake/faults/test_dispatch_publisher.py breaks a Redis of its own."""

import logging
import threading
from functools import partial

from django.conf import settings

from intake import outbox
from intake.outbox import _Dispatcher, outbox_dispatch_now
from portal.celery import app
from tests.conftest import free_port, wait_until

UNAVAILABLE = "broker unavailable (OperationalError): due emails wait for the next dispatch"


def queued() -> int:
    """How many tasks wait on the tests' broker."""
    with app.connection_for_write() as connection:
        declared = connection.default_channel.queue_declare(
            queue=app.conf.task_default_queue, durable=True, auto_delete=False
        )
        return declared.message_count


def settled() -> int:
    """The tasks waiting once a publish still on its way (an earlier test's commit) has arrived."""
    count = queued()
    while wait_until(partial(_differs, count), timeout=0.3):
        count = queued()
    return count


def _differs(count: int) -> bool:
    return queued() != count


def dead_broker() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_it_publishes_once_for_a_burst_of_commits_and_again_for_the_next_one():
    before = settled()
    for _ in range(20):
        outbox_dispatch_now()
    assert wait_until(lambda: queued() > before)
    assert not wait_until(lambda: queued() > before + 2, timeout=1)
    published = queued()
    outbox_dispatch_now()
    assert wait_until(lambda: queued() == published + 1)


def test_it_keeps_its_broker_connection_between_publishes():
    before = settled()
    dispatcher = _Dispatcher(settings.CELERY_BROKER_URL, 2)
    assert dispatcher.publish() is True
    kept = dispatcher.connection
    assert kept is not None
    assert dispatcher.publish() is True
    assert dispatcher.connection is kept
    assert queued() == before + 2


def test_it_publishes_on_a_new_connection_when_the_kept_one_fails(caplog):
    before = settled()
    dispatcher = _Dispatcher(settings.CELERY_BROKER_URL, 2)
    dropped = app.connection_for_write(dead_broker(), connect_timeout=1, transport_options={"max_retries": 0})
    dispatcher.connection = dropped
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatcher.publish() is True
    assert caplog.messages == []
    assert dispatcher.connection is not None and dispatcher.connection is not dropped
    assert queued() == before + 1


def test_it_leaves_the_publish_to_beat_when_the_broker_cannot_be_reached(caplog):
    dispatcher = _Dispatcher(dead_broker(), 1)
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatcher.publish() is False
    assert caplog.messages == [UNAVAILABLE]
    assert dispatcher.connection is None


def test_it_starts_afresh_in_a_forked_child():
    outbox_dispatch_now()
    assert outbox._dispatchers
    lock = outbox._dispatchers_lock
    outbox._forget_dispatchers()
    assert outbox._dispatchers == {}
    assert outbox._dispatchers_lock is not lock
    assert not outbox._dispatchers_lock.locked()


def test_it_publishes_from_a_daemon_thread_named_for_thread_dumps():
    # A thread that is not a daemon would keep a finished command or a stopping worker alive.
    _Dispatcher(settings.CELERY_BROKER_URL, 2)
    threads = [thread for thread in threading.enumerate() if thread.name == "outbox-dispatch"]
    assert threads and all(thread.daemon for thread in threads)


def test_it_logs_the_lost_publish_when_the_new_connection_fails_too(caplog):
    dispatcher = _Dispatcher(dead_broker(), 1)
    dispatcher.connection = app.connection_for_write(
        dead_broker(), connect_timeout=1, transport_options={"max_retries": 0}
    )
    with caplog.at_level(logging.WARNING, logger="intake.outbox"):
        assert dispatcher.publish() is False
    assert caplog.messages == [UNAVAILABLE]
    assert dispatcher.connection is None
