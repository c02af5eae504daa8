import logging
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from portal.rate_limit import client_address
from tests.conftest import IN_CI, free_port, require

NOON = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def limit(settings, db):
    """A limit of 3 a minute, counted in Redis when the tests run on it, with the clock stopped."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": broker,
                "KEY_PREFIX": f"tests-{uuid.uuid4().hex}",
            }
        }
    else:
        require(not IN_CI, "the rate limit is tested on Redis under CI")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": uuid.uuid4().hex}}
    settings.RATE_LIMIT_PER_MINUTE = 3
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def statuses(client: Client, path: str, times: int, **headers: str) -> list[int]:
    return [client.get(path, **headers).status_code for _ in range(times)]


def test_it_answers_the_fourth_form_request_in_a_minute_with_its_429_page(client, limit):
    assert statuses(client, "/", 3) == [200, 200, 200]
    response = client.get("/")
    assert response.status_code == 429
    assert response["Retry-After"] == "55"
    page = response.content.decode()
    assert "Please wait a minute, then try again" in page and "How to reach" in page


def test_it_counts_status_pages_with_the_form(client, limit):
    assert statuses(client, "/status/not-a-token/", 2) == [404, 404]
    assert statuses(client, "/", 2) == [200, 429]


def test_it_counts_a_form_submission(client, limit):
    assert statuses(client, "/", 3) == [200, 200, 200]
    assert client.post("/", {"name": "Alice Example"}).status_code == 429


def test_it_starts_a_new_minute_afresh(client, limit):
    assert statuses(client, "/", 4) == [200, 200, 200, 429]
    limit.shift(timedelta(seconds=60))
    assert client.get("/").status_code == 200


def test_it_counts_each_address_apart(client, limit):
    assert statuses(client, "/", 4, REMOTE_ADDR="192.0.2.1") == [200, 200, 200, 429]
    assert client.get("/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_it_leaves_the_staff_console_alone(client, limit):
    assert set(statuses(client, "/staff/account/login/", 5)) == {200}


def test_it_ignores_forwarded_addresses_without_a_proxy(client, limit):
    spoofed = [client.get("/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert spoofed == [200, 200, 200, 429]


def test_it_counts_the_address_the_proxy_added(client, limit, settings):
    settings.BEHIND_PROXY = True
    # The client writes what it likes to the left; the proxy appends the real address.
    chains = [f"198.51.100.{n}, 203.0.113.7" for n in range(4)]
    answers = [client.get("/", HTTP_X_FORWARDED_FOR=chain).status_code for chain in chains]
    assert answers == [200, 200, 200, 429]
    assert client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_it_can_be_turned_off(client, limit, settings):
    settings.RATE_LIMIT_PER_MINUTE = 0
    assert set(statuses(client, "/", 5)) == {200}


def test_it_counts_an_ipv6_client_by_its_network(rf, settings):
    settings.BEHIND_PROXY = False
    first = client_address(rf.get("/", REMOTE_ADDR="2001:db8:1:2::10"))
    assert first == client_address(rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")) == "2001:db8:1:2::/64"
    assert client_address(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.9")) == "192.0.2.9"


def test_it_lets_patients_through_when_the_cache_is_down(client, limit, settings, caplog):
    caplog.set_level(logging.WARNING, logger="portal.rate_limit")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    assert statuses(client, "/", 4) == [200, 200, 200, 200]
    assert "Rate limit not applied" in caplog.text
