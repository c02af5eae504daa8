"""A per-address limit on the patient pages and the public API, counted in Django's cache.

Every page of the intake app (the form and the status pages, whatever their
paths) and every call routing an intake over the API count against one budget
per client address and minute; past it, the portal answers with its 429 page
(a JSON body for the API). The count lives in the cache, which is Redis
in production, so every web process shares it.
"""

import ipaddress
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from portal.errors import error_page

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60
LIMITED_NAMESPACES = {"intake"}
# Public API calls that count against the same budget: routing an intake needs no sign-in.
LIMITED_API_VIEWS = {"api:route_suggest"}


def client_address(request: HttpRequest) -> str:
    """The client's address: behind the proxy, the last X-Forwarded-For entry, the one our proxy added.

    Entries to its left come from the client and could be anything. An IPv6
    client is counted by its /64 network, which one household or host holds.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def over_limit(request: HttpRequest) -> int:
    """Count this request; return the seconds until the window ends when it is over the limit, else 0.

    When the cache cannot count (Redis down), patients are let through: the
    form must keep working, and the failure is logged.
    """
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"rate-limit:patient:{client_address(request)}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        count = cache.incr(key)
    except Exception:
        logger.warning("Rate limit not applied: the cache is unavailable", exc_info=True)
        return 0
    if count <= settings.RATE_LIMIT_PER_MINUTE:
        return 0
    return max(1, int((window + 1) * WINDOW_SECONDS - now))


class PatientRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        api_call = match.view_name in LIMITED_API_VIEWS
        if not settings.RATE_LIMIT_PER_MINUTE or not (api_call or match.namespace in LIMITED_NAMESPACES):
            return None
        retry_after = over_limit(request)
        if not retry_after:
            return None
        if api_call:
            response = JsonResponse({"detail": "Too many requests: try again in a minute."}, status=429)
        else:
            response = error_page(429, request)
        response["Retry-After"] = str(retry_after)
        return response
