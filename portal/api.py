"""The JSON API under /api/v1/: the apps' routers mounted on one NinjaAPI, with its OpenAPI document.

Request bodies are read by the route contract's safe JSON reader, and every
error is a JSON body: 422 with one line per problem naming the field, or a
`detail` for 401, 403, 404 and 429. The interactive docs are the
vendored Swagger UI started by a static file (the CSP allows no inline script).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser

from intake.api import fhir as fhir_router
from intake.api import router as cases_router
from referrals.api import Intake, request_body
from referrals.api import router as routes_router
from referrals.api import staff as steps_router
from referrals.intakes import IntakeError, read_json

NAMESPACE = "api"


class SafeJsonParser(Parser):
    """Bodies go through read_json: no duplicate keys, NaN, absurd nesting or numbers, nothing over 10 MB."""

    def parse_body(self, request: HttpRequest) -> Any:
        return read_json(request_body(request))


class VendoredSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(request, "api/docs.html", {"openapi_url": self.get_openapi_url(api, kwargs)})


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        # The route contract's intake is read by the engine itself (for its exact messages), so
        # ninja does not see it as a parameter: its schema is added to the components here.
        schema = super().get_openapi_schema(*args, **kwargs)
        intake = Intake.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(intake.pop("$defs", {}))
        components["Intake"] = intake
        return schema


def _field(location: tuple) -> str:
    # ("body", "booking", "starts_at") -> "starts_at"; ("query", "page") -> "page"
    parts = [str(part) for part in location]
    parts = parts[2:] if parts[:1] == ["body"] else parts[1:]
    return ".".join(parts) or "input"


def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = [
        f"{_field(tuple(item.get('loc', ())))}: {item.get('msg', 'invalid')}" for item in error.errors
    ]
    return api.create_response(request, {"problems": problems}, status=422)


def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    cause = error.__cause__
    if isinstance(cause, IntakeError):
        # A body the safe reader refused: the same 422 and lines as POST /routes gives.
        return api.create_response(request, {"problems": cause.problems}, status=422)
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


api = PortalApi(
    title="Clinic intake portal API",
    version="1",
    description=(
        "Route an intake (POST /routes, no sign-in), read the intake as a FHIR Questionnaire, and, with "
        "a staff member's API token (`Authorization: Bearer <token>`), work on cases."
    ),
    urls_namespace=NAMESPACE,
    docs=VendoredSwagger(),
    parser=SafeJsonParser(),
)
api.add_exception_handler(ValidationError, validation_error)
api.add_exception_handler(HttpError, http_error)
api.add_router("", routes_router)
api.add_router("", fhir_router)
api.add_router("", cases_router)
api.add_router("", steps_router)
