"""The API against its own OpenAPI document: schemathesis calls every operation, in-process.

Positive cases (valid by the schema) and negative ones (invalid by it) go
through Django's WSGI app with a valid staff token. Whatever they send, the
answer is never a server error, its status code and body are the ones the
document declares, and a request the schema calls invalid is refused. A valid
intake must be routed: the schema promises no more than the engine accepts.
"""

import json

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from intake.api_tokens import api_token_issue
from portal.api import api
from portal.wsgi import application
from referrals.intakes import read_json
from tests.referrals.care import place

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Calls on a case's steps depend on its state (a step booked already cannot be
# booked again), so only the stateless route call must accept all valid data.
STATELESS = {"/api/v1/routes", "/api/v1/fhir/Questionnaire/back-numbness"}


def openapi_document() -> dict:
    """The document the API serves at /api/v1/openapi.json (a test below holds it to that)."""
    return json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))


# Loaded at collection, when no database is open yet; the calls go to Django's WSGI app in-process.
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = application


@pytest.fixture(autouse=True)
def in_process(db, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    # As Django's test client does: the test's transaction outlives each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_it_serves_the_document_at_its_address(client):
    # read_json refuses a key given twice, which JSON parsers take differently (Swagger UI refuses it).
    assert read_json(client.get("/api/v1/openapi.json").content) == openapi_document()


@pytest.fixture
def token(db, alice) -> str:
    head = User.objects.create_superuser("head", "head@clinic.example", "x")
    place()
    return api_token_issue(user=head, name="schemathesis")[1]


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_keeps_every_operation_to_its_schema(case, token, alice):
    negative = case.meta.generation.mode.is_negative
    if case.path_parameters and not negative:
        # Most drawn ids name no case: make the valid calls reach a real one.
        case.path_parameters["case_id"] = alice.pk
    # A query value of None is left out of the URL, so that "invalid" request arrives valid.
    assume(not (negative and any(value is None for value in (case.query or {}).values())))
    whole_floats = case.path == "/api/v1/routes" and has_whole_float(case.body)
    stateless = case.path in STATELESS and not whole_floats
    checks = CHECKS + ([positive_data_acceptance] if stateless else [])
    # The valid token goes with every call, except one whose headers are meant to be wrong.
    headers_wrong = case.meta.components.get(ParameterLocation.HEADER)
    token_header = {} if headers_wrong and headers_wrong.mode.is_negative else bearer(token)
    response = case.call_and_validate(headers=token_header, checks=checks)
    if whole_floats and not negative:
        # JSON Schema cannot tell 80.0 from 80; the route contract can, and names the field.
        assert response.status_code == 422 and ".0" in response.json()["problems"][0]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def has_whole_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(has_whole_float(item) for item in value.values())
    return isinstance(value, list) and any(has_whole_float(item) for item in value)
