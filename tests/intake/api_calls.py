"""Calling the JSON API with a staff member's token, through Django's test client."""

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from intake.api_tokens import api_token_issue

API = "/api/v1"


def token_for(user: User) -> str:
    return api_token_issue(user=user, name="tests")[1]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_get(client: Client, path: str, token: str | None = None, **params: Any):
    return client.get(f"{API}{path}", params, **(bearer(token) if token else {}))


def api_post(client: Client, path: str, body: Any, token: str | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(
        f"{API}{path}", data, content_type="application/json", **(bearer(token) if token else {})
    )
