"""POST /api/v1/routes: the route contract over HTTP, with the command's own messages, rate-limited."""

import json
import os
import uuid
from datetime import UTC, datetime
from io import BytesIO, StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from referrals.engine import route_for
from referrals.vocabulary import Symptom
from tests.conftest import IN_CI, require

TINGLING = {
    "sex": "female",
    "age": 34,
    "locations": ["lower_back"],
    "frequency": "regular",
    "symptoms": ["tingling"],
}
ONCE = {"sex": "male", "age": 52, "locations": ["along_spine"], "frequency": "once"}
NOON = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)


def post(client, body: bytes, **headers):
    return client.post("/api/v1/routes", body, content_type="application/json", **headers)


def command_lines(body: bytes) -> list[str]:
    """What `manage.py suggest_route` prints on standard error for this input."""
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("suggest_route", stdin=BytesIO(body), stderr=err)
    return err.getvalue().splitlines()


@pytest.mark.parametrize("intake", [TINGLING, ONCE])
def test_it_routes_a_valid_intake_without_signing_in(client, intake):
    response = post(client, json.dumps(intake).encode())

    assert response.status_code == 200
    assert response.json() == route_for(intake)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"sex": "robot", "age": 300, "locations": [], "frequency": "daily"}).encode(),
        json.dumps({**TINGLING, "symptoms": ["tingle", "tingling", "tingling"], "colour": "red"}).encode(),
        json.dumps({**ONCE, "pregnancy": "yes", "pregnancy_trimester": 4}).encode(),
        b'{"sex": "male", "sex": "female"}',
        b'{"age": NaN}',
        b"\xff\xfe not utf-8",
        b"{not json",
        b"[" * 100 + b"]" * 100,
        b'{"age": ' + b"9" * 100 + b"}",
        b"",
    ],
    ids=["values", "codes", "pregnancy", "duplicate key", "nan", "bytes", "json", "deep", "long", "empty"],
)
def test_it_lists_each_problem_as_the_command_does(client, body):
    response = post(client, body)

    assert response.status_code == 422
    assert response.json() == {"problems": command_lines(body)}


def test_it_takes_a_kiosks_call_without_a_csrf_cookie():
    kiosk = Client(enforce_csrf_checks=True)

    assert post(kiosk, json.dumps(ONCE).encode()).status_code == 200


def test_it_routes_one_intake_per_call_not_a_batch(client):
    response = post(client, json.dumps([ONCE]).encode())

    assert response.status_code == 422
    assert response.json() == {"problems": ["intake: must be a JSON object, not list"]}


def test_it_refuses_a_body_past_the_upload_limit_with_a_problem_line(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = post(client, b" " * (1024 * 1024 + 1))

    assert response.status_code == 422
    assert response.json() == {"problems": ["input: more than 1 MB"]}


def test_it_refuses_more_than_ten_megabytes_as_the_command_does(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    body = b" " * (10 * 1024 * 1024 + 1)
    response = post(client, body)

    assert response.status_code == 422
    assert response.json() == {"problems": command_lines(body)} == {"problems": ["input: more than 10 MB"]}


def test_it_describes_the_intake_in_the_openapi_document_from_the_vocabulary(client):
    document = client.get("/api/v1/openapi.json").json()

    intake = document["components"]["schemas"]["Intake"]
    body = document["paths"]["/api/v1/routes"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Intake"}
    assert intake["additionalProperties"] is False
    assert set(intake["required"]) == {"sex", "age", "locations", "frequency"}
    assert document["components"]["schemas"]["Symptom"]["enum"] == Symptom.values


@pytest.fixture
def limit(settings, db):
    """A limit of 3 a minute, counted in Redis when the tests run on it, with the clock stopped."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    location = broker if broker.startswith("redis://") else uuid.uuid4().hex
    if not broker.startswith("redis://"):
        require(not IN_CI, "the rate limit is tested on Redis under CI")
    backend = "redis.RedisCache" if broker.startswith("redis://") else "locmem.LocMemCache"
    settings.CACHES = {
        "default": {
            "BACKEND": f"django.core.cache.backends.{backend}",
            "LOCATION": location,
            "KEY_PREFIX": f"tests-{uuid.uuid4().hex}",
        }
    }
    settings.RATE_LIMIT_PER_MINUTE = 3
    with time_machine.travel(NOON, tick=False):
        yield


def test_it_limits_routing_per_address_with_a_json_429(client, limit):
    body = json.dumps(ONCE).encode()
    assert [post(client, body).status_code for _ in range(3)] == [200, 200, 200]

    response = post(client, body)

    assert response.status_code == 429 and response["Retry-After"] == "55"
    assert response.json() == {"detail": "Too many requests: try again in a minute."}
    other = post(client, body, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_it_counts_routing_with_the_patient_pages(client, limit):
    body = json.dumps(ONCE).encode()
    assert [post(client, body).status_code for _ in range(2)] == [200, 200]

    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 429
