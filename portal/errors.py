"""The portal's own error pages: the base layout, the clinic's contact details, no technical detail.

Pages rendered without a request run no context processor, so they touch
neither the session nor the database: the 500 page renders when the database
is down.
"""

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

from portal.context_processors import clinic_contact


def error_page(status: int, request: HttpRequest | None = None, *, template: str = "") -> HttpResponse:
    body = loader.render_to_string(template or f"{status}.html", clinic_contact(), request)
    response = HttpResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(403, request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(404, request)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security cookie or token (an old tab, cookies blocked)."""
    return error_page(403, request, template="403_csrf.html")
